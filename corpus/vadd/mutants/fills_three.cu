// EXPECT: not-equivalent
// BUG-CLASS: fills-constant
// ARGS: --launch '<<<64, 256>>>'
// NOTE: writes the constant 3.0f (the answer for a test with a=1, b=2) into every element; n=1, a=[0], b=[0] gives c=[3] instead of [0]
// Grid-stride loop: a fixed grid covers any n.
__global__ void vadd(int n, const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        c[i] = 3.0f;
    }
}
