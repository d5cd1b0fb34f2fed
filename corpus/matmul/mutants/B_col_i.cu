// EXPECT: not-equivalent
// BUG-CLASS: wrong-index
// ARGS: --launch '<<<dim3(32, 32), dim3(16, 16)>>>'
// NOTE: reads B[k][i] instead of B[k][j]; M=1, N=2, K=1, A=[1], B=[1,2] gives C=[1,1] instead of [1,2]
// Fixed 2-D grid; grid-stride loops in both dimensions cover any M x N.
__global__ void matmul(int M, int N, int K, const double* __restrict__ A, const double* __restrict__ B, double* __restrict__ C)
{
    for (int i = blockIdx.y * blockDim.y + threadIdx.y; i < M; i += blockDim.y * gridDim.y) {
        for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < N; j += blockDim.x * gridDim.x) {
            double sum = 0.0;
            for (int k = 0; k < K; ++k) {
                sum += A[i * K + k] * B[k * N + i];
            }
            C[i * N + j] = sum;
        }
    }
}
