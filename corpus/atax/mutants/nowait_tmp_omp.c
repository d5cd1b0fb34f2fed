// EXPECT: not-equivalent
// BUG-CLASS: missing-barrier
// NOTE: nowait on the tmp loop removes the barrier before y = A^T tmp reads all of tmp; with 2 threads, m=2, n=1: the thread running j=0 of the y loop reads tmp[1] while the other thread (i=1 of the tmp loop) is still writing it (a race on tmp[1]), e.g. A=[[1],[1]], x=[1] can give y=[1] instead of [2]
void kernel_atax(int m, int n, double A[m][n], double x[n], double y[n], double tmp[m])
{
    int i, j;

#pragma omp parallel private(i, j)
    {
#pragma omp for schedule(static) nowait
        for (i = 0; i < m; i++) {
            tmp[i] = 0.0;
            for (j = 0; j < n; j++)
                tmp[i] = tmp[i] + A[i][j] * x[j];
        }

#pragma omp for schedule(static)
        for (j = 0; j < n; j++) {
            y[j] = 0;
            for (i = 0; i < m; i++)
                y[j] = y[j] + A[i][j] * tmp[i];
        }
    }
}
