// EXPECT: equivalent
// SCOPE: all-sizes
// ARGS: --launch '<<<64, 256>>>'
// Grid-stride loop: a fixed grid covers any n.
__global__ void vadd(int n, const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        c[i] = a[i] + b[i];
    }
}
