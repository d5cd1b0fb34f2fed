// EXPECT: not-equivalent
// BUG-CLASS: wrong-operator
// ARGS: --launch '<<<(n + 127) / 128, 128>>>' --entry relu=relu_kernel
// NOTE: uses fminf instead of fmaxf; n=1, x=[1] gives y=[0] instead of [1]
__global__ void relu_kernel(int n, const float* __restrict__ x, float* __restrict__ y)
{
    const int idx = threadIdx.x + blockIdx.x * blockDim.x;
    if (idx < n) {
        y[idx] = fminf(x[idx], 0.0f);
    }
}
