// EXPECT: equivalent
// SCOPE: all-sizes
// ARGS: --launch '<<<(n + 127) / 128, 128>>>'
// Thread t updates interior point i = t + 1.
__global__ void jacobi_1d_step(int n, const double *A, double *B)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x + 1;
    if (i < n - 1) {
        B[i] = 0.33333 * (A[i - 1] + A[i] + A[i + 1]);
    }
}
