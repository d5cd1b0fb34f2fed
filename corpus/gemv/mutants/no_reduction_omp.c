// EXPECT: not-equivalent
// BUG-CLASS: missing-reduction
// NOTE: the reduction(+:tmp) clause is dropped, so all threads update the shared tmp without synchronisation; with 2 threads, m=1, n=2, alpha=1, beta=0, A=[[1,1]], x=[1,1]: the threads running j=0 and j=1 race on tmp and a lost update gives y=[1] instead of [2]
void gemv(int m, int n, double alpha, double A[m][n], double x[n], double beta, double y[m])
{
    for (int i = 0; i < m; i++) {
        double tmp = 0.0;
#pragma omp parallel for schedule(static)
        for (int j = 0; j < n; j++)
            tmp += A[i][j] * x[j];
        y[i] = alpha * tmp + beta * y[i];
    }
}
