// EXPECT: not-equivalent
// BUG-CLASS: wrong-collapse
// NOTE: the beta scaling is split off and the update nest is collapse(2)d over i and k, but every k of a row updates the same C[i][j]; with 2 threads, n=1, m=2, alpha=1, beta=0, A=[[1,1]]: iterations (0,0) and (0,1) race on C[0][0] and a lost update gives C=[[1]] instead of [[2]]
void kernel_syrk(int n, int m, double alpha, double beta, double C[n][n], double A[n][m])
{
    int i, j, k;

#pragma omp parallel for private(j)
    for (i = 0; i < n; i++)
        for (j = 0; j <= i; j++)
            C[i][j] *= beta;

#pragma omp parallel for collapse(2) private(j)
    for (i = 0; i < n; i++)
        for (k = 0; k < m; k++)
            for (j = 0; j <= i; j++)
                C[i][j] += alpha * A[i][k] * A[j][k];
}
