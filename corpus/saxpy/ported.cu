// EXPECT: equivalent
// SCOPE: all-sizes
// ARGS: --launch '<<<(n + 255) / 256, 256>>>'
__global__ void saxpy(int n, float a, const float *x, float *y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    y[i] = a * x[i] + y[i];
}
