// EXPECT: equivalent
// SCOPE: all-sizes
/* OpenMP port of saxpy: one parallel for, static schedule */
void saxpy(int n, float a, const float *x, float *y)
{
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}
