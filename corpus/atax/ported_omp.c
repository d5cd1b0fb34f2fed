// EXPECT: equivalent
// SCOPE: all-sizes
/* OpenMP port of PolyBench atax: one parallel region, tmp = A x then y = A^T tmp (implicit barrier between) */
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
            y[j] = 0;
            for (i = 0; i < m; i++)
                y[j] = y[j] + A[i][j] * tmp[i];
        }
    }
}
