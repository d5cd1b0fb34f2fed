// EXPECT: not-equivalent
// BUG-CLASS: off-by-one
// NOTE: the j loops stop at j < i, so the diagonal is never scaled or updated; n=1, m=1, alpha=1, beta=0, C=[[5]], A=[[1]] (with 2 threads or one): C=[[5]] instead of [[1]]
void kernel_syrk(int n, int m, double alpha, double beta, double C[n][n], double A[n][m])
{
    int i, j, k;

#pragma omp parallel for private(j, k) schedule(dynamic, 4)
    for (i = 0; i < n; i++) {
        for (j = 0; j < i; j++)
            C[i][j] *= beta;
        for (k = 0; k < m; k++) {
            for (j = 0; j < i; j++)
                C[i][j] += alpha * A[i][k] * A[j][k];
        }
    }
}
