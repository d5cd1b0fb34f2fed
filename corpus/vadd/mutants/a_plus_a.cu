// EXPECT: not-equivalent
// BUG-CLASS: wrong-index
// ARGS: --launch '<<<64, 256>>>'
// NOTE: adds a[i] + a[i] instead of a[i] + b[i]; n=1, a=[1], b=[2] gives c=[2] instead of [3]
// Grid-stride loop: a fixed grid covers any n.
__global__ void vadd(int n, const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        c[i] = a[i] + a[i];
    }
}
