// EXPECT: not-equivalent
// BUG-CLASS: block-multiple-only
// ARGS: --launch '<<<n / 256, 256>>>'
// NOTE: no bounds guard and grid n/256 (floor): only correct when n is a multiple of 256; n=1, a=[1], b=[0] launches 0 blocks and leaves b=[0]
__global__ void copy(int n, const float *a, float *b)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    b[i] = a[i];
}
