// EXPECT: not-equivalent
// BUG-CLASS: wrong-operator
// ARGS: --launch '<<<(n + 255) / 256, 256>>>'
// NOTE: multiplies by y instead of adding it: a*x[i]*y[i]; n=1, a=1, x=[1], y=[1] gives y=[1] instead of [2]
__global__ void saxpy(int n, float a, const float *x, float *y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    y[i] = a * x[i] * y[i];
}
