// EXPECT: equivalent
// SCOPE: bounded
/* OpenMP port of dgemv: rows in order, each row's dot product a parallel reduction */
void gemv(int m, int n, double alpha, double A[m][n], double x[n], double beta, double y[m])
{
    for (int i = 0; i < m; i++) {
        double tmp = 0.0;
#pragma omp parallel for reduction(+:tmp) schedule(static)
        for (int j = 0; j < n; j++)
            tmp += A[i][j] * x[j];
        y[i] = alpha * tmp + beta * y[i];
    }
}
