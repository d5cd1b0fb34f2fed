// EXPECT: equivalent
// SCOPE: all-sizes
// ARGS: --launch '<<<(n + 255) / 256, 256>>>'
__global__ void copy(int n, const float *a, float *b)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        b[i] = a[i];
    }
}
