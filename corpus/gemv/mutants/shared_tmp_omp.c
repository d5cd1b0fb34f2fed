// EXPECT: not-equivalent
// BUG-CLASS: private-forgotten
// NOTE: rows are in parallel but the accumulator tmp is declared at function scope and only j is private, so tmp is shared by all rows; with 2 threads, m=2, n=1, alpha=1, beta=0, A=[[1],[2]], x=[1]: the thread running i=1 can reset tmp to 0 while the thread running i=0 accumulates, giving y=[0,2] or [3,2] instead of [1,2]
void gemv(int m, int n, double alpha, double A[m][n], double x[n], double beta, double y[m])
{
    int i, j;
    double tmp;

#pragma omp parallel for private(j) schedule(static)
    for (i = 0; i < m; i++) {
        tmp = 0.0;
        for (j = 0; j < n; j++)
            tmp += A[i][j] * x[j];
        y[i] = alpha * tmp + beta * y[i];
    }
}
