// EXPECT: not-equivalent
// BUG-CLASS: private-forgotten
// NOTE: the parallel region has no private(i, j, k), so the inner loop counters are shared: with 2 threads, m=2, n=1 the threads running j=0 and j=1 of the mean loop race on i (the omp for counter j is private automatically, i is not)
/* OpenMP port of PolyBench covariance: one parallel region, three work-shared loops */
#define DATA_TYPE double

void kernel_covariance(int m, int n, DATA_TYPE float_n,
                       DATA_TYPE data[n][m], DATA_TYPE cov[m][m], DATA_TYPE mean[m])
{
    int i, j, k;

#pragma omp parallel
    {
#pragma omp for
        for (j = 0; j < m; j++) {
            mean[j] = 0.0;
            for (i = 0; i < n; i++)
                mean[j] += data[i][j];
            mean[j] /= float_n;
        }

#pragma omp for collapse(2)
        for (i = 0; i < n; i++)
            for (j = 0; j < m; j++)
                data[i][j] -= mean[j];

#pragma omp for schedule(dynamic)
        for (i = 0; i < m; i++)
            for (j = i; j < m; j++) {
                cov[i][j] = 0.0;
                for (k = 0; k < n; k++)
                    cov[i][j] += data[k][i] * data[k][j];
                cov[i][j] /= (float_n - 1.0);
                cov[j][i] = cov[i][j];
            }
    }
}
