// EXPECT: not-equivalent
// BUG-CLASS: modifies-input
// ARGS: --launch '<<<(n + 255) / 256, 256>>>'
// NOTE: scales x in place (x[i] = a*x[i]) before adding; y is right but x is overwritten; n=1, a=2, x=[1], y=[0] leaves x=[2]
__global__ void saxpy(int n, float a, float *x, float *y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    x[i] = a * x[i];
    y[i] = x[i] + y[i];
}
