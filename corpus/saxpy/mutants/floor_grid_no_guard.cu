// EXPECT: not-equivalent
// BUG-CLASS: block-multiple-only
// ARGS: --launch '<<<n / 256, 256>>>'
// NOTE: no guard and a launch of n/256 blocks: correct only when n is a multiple of 256; n=1, a=1, x=[1], y=[0] launches 0 blocks and leaves y=[0] instead of [1]
__global__ void saxpy(int n, float a, const float *x, float *y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    y[i] = a * x[i] + y[i];
}
