// EXPECT: not-equivalent
// BUG-CLASS: stale-read
// NOTE: both sweeps are fused into one parallel loop, so A[i] is updated from B[i+1] before B[i+1] is computed in this step (and other threads read A[i] while it is rewritten); tsteps=1, n=4, A=[0,0,1,0], B=[0,0,0,0] (with 2 threads or one): A[1] = 0.33333*(B[0]+B[1]+B[2]) uses the old B[2]=0 instead of 0.33333
void kernel_jacobi_1d(int tsteps, int n, double A[n], double B[n])
{
    int t, i;

    for (t = 0; t < tsteps; t++) {
#pragma omp parallel for schedule(static)
        for (i = 1; i < n - 1; i++) {
            B[i] = 0.33333 * (A[i - 1] + A[i] + A[i + 1]);
            A[i] = 0.33333 * (B[i - 1] + B[i] + B[i + 1]);
        }
    }
}
