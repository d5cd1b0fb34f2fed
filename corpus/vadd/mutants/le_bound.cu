// EXPECT: not-equivalent
// BUG-CLASS: off-by-one
// ARGS: --launch '<<<64, 256>>>'
// NOTE: loop condition i <= n also writes c[n] (and reads a[n], b[n]) out of bounds; n=1 touches index 1
// Grid-stride loop: a fixed grid covers any n.
__global__ void vadd(int n, const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i <= n; i += blockDim.x * gridDim.x) {
        c[i] = a[i] + b[i];
    }
}
