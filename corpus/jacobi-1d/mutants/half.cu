// EXPECT: not-equivalent
// BUG-CLASS: wrong-constant
// ARGS: --launch '<<<(n + 127) / 128, 128>>>'
// NOTE: uses 0.5 instead of 0.33333; n=3, A=[1,1,1], B=0 gives B[1]=1.5 instead of 0.99999
// Thread t updates interior point i = t + 1.
__global__ void jacobi_1d_step(int n, const double *A, double *B)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x + 1;
    if (i < n - 1) {
        B[i] = 0.5 * (A[i - 1] + A[i] + A[i + 1]);
    }
}
