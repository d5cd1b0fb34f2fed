// EXPECT: not-equivalent
// BUG-CLASS: missing-barrier
// NOTE: both sweeps are in one parallel region per time step and the A -> B sweep has nowait, so the B -> A sweep can read B[i+1] before it is written; with 2 threads, tsteps=1, n=4: the thread running i=1 of the second sweep reads B[2] while the other thread (i=2 of the first sweep) writes it (a race on B[2])
void kernel_jacobi_1d(int tsteps, int n, double A[n], double B[n])
{
    int t, i;

    for (t = 0; t < tsteps; t++) {
#pragma omp parallel private(i)
        {
#pragma omp for schedule(static) nowait
            for (i = 1; i < n - 1; i++)
                B[i] = 0.33333 * (A[i - 1] + A[i] + A[i + 1]);
#pragma omp for schedule(static)
            for (i = 1; i < n - 1; i++)
                A[i] = 0.33333 * (B[i - 1] + B[i] + B[i + 1]);
        }
    }
}
