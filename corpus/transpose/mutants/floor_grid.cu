// EXPECT: not-equivalent
// BUG-CLASS: grid-rounding
// ARGS: --launch '<<<dim3(n / 32, m / 8), dim3(32, 8)>>>'
// NOTE: grid dim3(n/32, m/8) rounds down; m=n=1 launches no blocks and B=[b0] is left unchanged instead of A[0]
__global__ void transpose(int m, int n, const double* __restrict__ A, double* __restrict__ B)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;   // column of A
    int i = blockIdx.y * blockDim.y + threadIdx.y;   // row of A
    if (i < m && j < n) {
        B[j * m + i] = A[i * n + j];
    }
}
