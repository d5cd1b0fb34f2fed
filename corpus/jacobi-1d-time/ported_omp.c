// EXPECT: equivalent
// SCOPE: bounded
/* OpenMP port of PolyBench jacobi-1d: the time loop stays serial, each sweep is a parallel for */
void kernel_jacobi_1d(int tsteps, int n, double A[n], double B[n])
{
    int t, i;

    for (t = 0; t < tsteps; t++) {
#pragma omp parallel for schedule(static)
        for (i = 1; i < n - 1; i++)
            B[i] = 0.33333 * (A[i - 1] + A[i] + A[i + 1]);
#pragma omp parallel for schedule(static)
        for (i = 1; i < n - 1; i++)
            A[i] = 0.33333 * (B[i - 1] + B[i] + B[i + 1]);
    }
}
