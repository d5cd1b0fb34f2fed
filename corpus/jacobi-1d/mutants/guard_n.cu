// EXPECT: not-equivalent
// BUG-CLASS: off-by-one
// ARGS: --launch '<<<(n + 127) / 128, 128>>>'
// NOTE: guard i < n instead of i < n - 1 also updates B[n-1] and reads A[n]; n=2 reads A[2] (out of bounds) and writes the boundary B[1]
// Thread t updates interior point i = t + 1.
__global__ void jacobi_1d_step(int n, const double *A, double *B)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x + 1;
    if (i < n) {
        B[i] = 0.33333 * (A[i - 1] + A[i] + A[i + 1]);
    }
}
