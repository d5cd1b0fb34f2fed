// EXPECT: not-equivalent
// BUG-CLASS: missing-init
// NOTE: y[j] is accumulated without being set to 0 first, so it keeps its input value; m=1, n=1, A=[[0]], x=[0], y=[1] (with 2 threads or one): y=[1] instead of [0]
void kernel_atax(int m, int n, double A[m][n], double x[n], double y[n], double tmp[m])
{
    int i, j;

#pragma omp parallel private(i, j)
    {
#pragma omp for schedule(static)
        for (i = 0; i < m; i++) {
            tmp[i] = 0.0;
            for (j = 0; j < n; j++)
                tmp[i] = tmp[i] + A[i][j] * x[j];
        }

#pragma omp for schedule(static)
        for (j = 0; j < n; j++) {
            for (i = 0; i < m; i++)
                y[j] = y[j] + A[i][j] * tmp[i];
        }
    }
}
