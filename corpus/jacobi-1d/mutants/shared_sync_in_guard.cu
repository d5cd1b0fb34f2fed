// EXPECT: not-equivalent
// BUG-CLASS: barrier-in-divergent-code
// ARGS: --launch '<<<(n + 127) / 128, 128, (128 + 2) * sizeof(double)>>>'
// NOTE: the barrier sits inside `if (g < n)`: threads g >= n of the last block never reach it (barrier divergence, undefined on a GPU); n=3, threads 3..127 of block 0 skip the __syncthreads()
// Tiled through dynamic shared memory: each block stages its 128 points of A plus one halo point on
// each side (the launch's third parameter sizes the tile), then updates its interior points from it.
__global__ void jacobi_1d_step(int n, const double *A, double *B)
{
    extern __shared__ double s[];
    int g = blockIdx.x * blockDim.x + threadIdx.x;  // the point of A this thread stages
    int t = threadIdx.x + 1;                         // its slot in the tile

    if (g < n) {
        s[t] = A[g];
        __syncthreads();
    }
    if (threadIdx.x == 0 && g > 0 && g - 1 < n)
        s[0] = A[g - 1];
    if (threadIdx.x == blockDim.x - 1 && g + 1 < n)
        s[t + 1] = A[g + 1];

    if (g >= 1 && g < n - 1)
        B[g] = 0.33333 * (s[t - 1] + s[t] + s[t + 1]);
}
