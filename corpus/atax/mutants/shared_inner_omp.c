// EXPECT: not-equivalent
// BUG-CLASS: private-forgotten
// NOTE: the parallel region has no private(i, j): each omp for counter is private, but the inner counters (j in the tmp loop, i in the y loop) are shared; with 2 threads, m=2, n=1: the threads running i=0 and i=1 of the tmp loop race on j (one can skip or repeat the other's j iterations)
void kernel_atax(int m, int n, double A[m][n], double x[n], double y[n], double tmp[m])
{
    int i, j;

#pragma omp parallel
    {
#pragma omp for schedule(static)
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
