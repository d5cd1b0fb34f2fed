/* BLAS-2 dgemv (no transpose): y = alpha*A*x + beta*y, A is m x n */
void gemv(int m, int n, double alpha, double A[m][n], double x[n], double beta, double y[m])
{
    for (int i = 0; i < m; i++) {
        double tmp = 0.0;
        for (int j = 0; j < n; j++)
            tmp += A[i][j] * x[j];
        y[i] = alpha * tmp + beta * y[i];
    }
}
