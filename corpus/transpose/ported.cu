// EXPECT: equivalent
// SCOPE: all-sizes
// ARGS: --launch '<<<dim3((n + 31) / 32, (m + 7) / 8), dim3(32, 8)>>>'
__global__ void transpose(int m, int n, const double* __restrict__ A, double* __restrict__ B)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;   // column of A
    int i = blockIdx.y * blockDim.y + threadIdx.y;   // row of A
    if (i < m && j < n) {
        B[j * m + i] = A[i * n + j];
    }
}
