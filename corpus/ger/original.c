/* BLAS-2 dger: rank-1 update A = A + alpha * x * y^T, A is m x n row-major */
void ger(int m, int n, double alpha, const double *x, const double *y, double *A)
{
    int i, j;
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++)
            A[i * n + j] += alpha * x[i] * y[j];
}
