// EXPECT: not-equivalent
// BUG-CLASS: wrong-stride
// ARGS: --launch '<<<dim3((n + 31) / 32, (m + 7) / 8), dim3(32, 8)>>>'
// NOTE: writes B[j*n + i] (pitch n) instead of B[j*m + i]; m=1, n=2 writes B[2] of a 2-element B (out of bounds)
__global__ void transpose(int m, int n, const double* __restrict__ A, double* __restrict__ B)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;   // column of A
    int i = blockIdx.y * blockDim.y + threadIdx.y;   // row of A
    if (i < m && j < n) {
        B[j * n + i] = A[i * n + j];
    }
}
