// EXPECT: equivalent
// SCOPE: all-sizes
// ARGS: --launch '<<<(n + 127) / 128, 128>>>' --entry relu=relu_kernel
__global__ void relu_kernel(int n, const float* __restrict__ x, float* __restrict__ y)
{
    const int idx = threadIdx.x + blockIdx.x * blockDim.x;
    if (idx < n) {
        y[idx] = fmaxf(x[idx], 0.0f);
    }
}
