// EXPECT: not-equivalent
// BUG-CLASS: writes-zeros
// ARGS: --launch '<<<(n + 255) / 256, 256>>>'
// NOTE: stores 0.0f instead of a[i]; n=1, a=[1] gives b=[0] instead of [1]
__global__ void copy(int n, const float *a, float *b)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        b[i] = 0.0f;
    }
}
