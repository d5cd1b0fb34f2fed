// EXPECT: not-equivalent
// BUG-CLASS: off-by-one
// ARGS: --launch '<<<(n + 255) / 256, 256>>>'
// NOTE: guard i < n - 1 never copies the last element; n=1, a=[1], b=[0] leaves b=[0]
__global__ void copy(int n, const float *a, float *b)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n - 1) {
        b[i] = a[i];
    }
}
