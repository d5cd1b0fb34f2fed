// EXPECT: not-equivalent
// BUG-CLASS: transposed-index
// ARGS: --launch '<<<dim3((n + 31) / 32, (m + 7) / 8), dim3(32, 8)>>>'
// NOTE: stores B[i*n + j] (a plain copy) instead of B[j*m + i]; m=n=2, A=[0,1,2,3] gives B=[0,1,2,3] instead of [0,2,1,3]
__global__ void transpose(int m, int n, const double* __restrict__ A, double* __restrict__ B)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;   // column of A
    int i = blockIdx.y * blockDim.y + threadIdx.y;   // row of A
    if (i < m && j < n) {
        B[i * n + j] = A[i * n + j];
    }
}
