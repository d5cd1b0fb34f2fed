// EXPECT: not-equivalent
// BUG-CLASS: transposed-index
// NOTE: reads A[j][i] instead of A[i][j]; m=1, n=2 (with 2 threads or one): A[1][0] is out of bounds of the 1 x 2 matrix
void gemv(int m, int n, double alpha, double A[m][n], double x[n], double beta, double y[m])
{
    for (int i = 0; i < m; i++) {
        double tmp = 0.0;
#pragma omp parallel for reduction(+:tmp) schedule(static)
        for (int j = 0; j < n; j++)
            tmp += A[j][i] * x[j];
        y[i] = alpha * tmp + beta * y[i];
    }
}
