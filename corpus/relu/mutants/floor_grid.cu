// EXPECT: not-equivalent
// BUG-CLASS: grid-rounding
// ARGS: --launch '<<<n / 128, 128>>>' --entry relu=relu_kernel
// NOTE: launch uses n / 128 blocks (rounded down); n=1, x=[1], y=[0] launches 0 blocks and leaves y=[0]
__global__ void relu_kernel(int n, const float* __restrict__ x, float* __restrict__ y)
{
    const int idx = threadIdx.x + blockIdx.x * blockDim.x;
    if (idx < n) {
        y[idx] = fmaxf(x[idx], 0.0f);
    }
}
