// EXPECT: not-equivalent
// BUG-CLASS: modifies-input
// NOTE: folds alpha into A by scaling the caller's A in place on the host (C is right, A is overwritten); n=m=1, alpha=2, A=[1] leaves A=[2]
#include <cuda_runtime.h>

#define BS 16

__global__ void syr2k_kernel(int n, int m, double alpha, double beta, double *C,
                             const double* __restrict__ A, const double* __restrict__ B)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    int i = blockIdx.y * blockDim.y + threadIdx.y;
    if (i >= n || j > i)
        return;

    double acc = 0.0;
    for (int k = 0; k < m; ++k) {
        acc += A[j * m + k] * B[i * m + k] + B[j * m + k] * A[i * m + k];
    }
    C[i * n + j] = beta * C[i * n + j] + acc;
}

void kernel_syr2k(int n, int m, double alpha, double beta, double *C, double *A, double *B)
{
    double *d_C, *d_A, *d_B;
    cudaMalloc((void **)&d_C, n * n * sizeof(double));
    cudaMalloc((void **)&d_A, n * m * sizeof(double));
    cudaMalloc((void **)&d_B, n * m * sizeof(double));
    cudaMemcpy(d_C, C, n * n * sizeof(double), cudaMemcpyHostToDevice);
    for (int t = 0; t < n * m; t++)
        A[t] = alpha * A[t];
    cudaMemcpy(d_A, A, n * m * sizeof(double), cudaMemcpyHostToDevice);
    cudaMemcpy(d_B, B, n * m * sizeof(double), cudaMemcpyHostToDevice);

    dim3 threads(BS, BS);
    dim3 blocks((n + BS - 1) / BS, (n + BS - 1) / BS);
    syr2k_kernel<<<blocks, threads>>>(n, m, alpha, beta, d_C, d_A, d_B);

    cudaMemcpy(C, d_C, n * n * sizeof(double), cudaMemcpyDeviceToHost);
    cudaFree(d_C);
    cudaFree(d_A);
    cudaFree(d_B);
}
