// EXPECT: equivalent
// SCOPE: all-sizes
// ARGS: --launch '<<<dim3(32, 32), dim3(16, 16)>>>'
// Fixed 2-D grid; grid-stride loops in both dimensions cover any M x N.
__global__ void matmul(int M, int N, int K, const double* __restrict__ A, const double* __restrict__ B, double* __restrict__ C)
{
    for (int i = blockIdx.y * blockDim.y + threadIdx.y; i < M; i += blockDim.y * gridDim.y) {
        for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < N; j += blockDim.x * gridDim.x) {
            double sum = 0.0;
            for (int k = 0; k < K; ++k) {
                sum += A[i * K + k] * B[k * N + j];
            }
            C[i * N + j] = sum;
        }
    }
}
