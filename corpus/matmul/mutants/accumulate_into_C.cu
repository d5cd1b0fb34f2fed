// EXPECT: not-equivalent
// BUG-CLASS: missing-init
// ARGS: --launch '<<<dim3(32, 32), dim3(16, 16)>>>'
// NOTE: accumulates into C[i][j] on top of its initial contents instead of starting from 0; M=N=K=1, A=[1], B=[1], C=[5] gives C=[6] instead of [1]
// Fixed 2-D grid; grid-stride loops in both dimensions cover any M x N.
__global__ void matmul(int M, int N, int K, const double* __restrict__ A, const double* __restrict__ B, double* __restrict__ C)
{
    for (int i = blockIdx.y * blockDim.y + threadIdx.y; i < M; i += blockDim.y * gridDim.y) {
        for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < N; j += blockDim.x * gridDim.x) {
            for (int k = 0; k < K; ++k) {
                C[i * N + j] += A[i * K + k] * B[k * N + j];
            }
        }
    }
}
