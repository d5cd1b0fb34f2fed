// EXPECT: not-equivalent
// BUG-CLASS: wrong-index
// ARGS: --launch '<<<(n + 255) / 256, 256>>>'
// NOTE: reads a[0] instead of a[i]; n=2, a=[1,2] gives b=[1,1] instead of [1,2]
__global__ void copy(int n, const float *a, float *b)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        b[i] = a[0];
    }
}
