// EXPECT: not-equivalent
// BUG-CLASS: stale-read
// ARGS: --launch '<<<(n + 127) / 128, 128>>>'
// NOTE: updates A in place and copies to B; at n=4 thread i=2 reads A[1] after thread 1 overwrote it (a race); already at n=3, A=[0,3,0], B=0 A[1] becomes 0.99999 while the original leaves A unchanged
// Thread t updates interior point i = t + 1.
__global__ void jacobi_1d_step(int n, double *A, double *B)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x + 1;
    if (i < n - 1) {
        A[i] = 0.33333 * (A[i - 1] + A[i] + A[i + 1]);
        B[i] = A[i];
    }
}
