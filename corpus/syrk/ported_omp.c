// EXPECT: equivalent
// SCOPE: all-sizes
/* OpenMP port of PolyBench syrk: rows of the lower triangle in parallel, dynamic schedule for the triangle's imbalance */
void kernel_syrk(int n, int m, double alpha, double beta, double C[n][n], double A[n][m])
{
    int i, j, k;

#pragma omp parallel for private(j, k) schedule(dynamic, 4)
    for (i = 0; i < n; i++) {
        for (j = 0; j <= i; j++)
            C[i][j] *= beta;
        for (k = 0; k < m; k++) {
            for (j = 0; j <= i; j++)
                C[i][j] += alpha * A[i][k] * A[j][k];
        }
    }
}
