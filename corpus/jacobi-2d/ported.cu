// EXPECT: equivalent
// SCOPE: all-sizes
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)
#define BX 16
#define BY 16

// Threads are mapped to the interior only: (i, j) = thread + (1, 1).
__global__ void jacobi2d_kernel(int n, const double* __restrict__ A, double* __restrict__ B)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x + 1;
    int i = blockIdx.y * blockDim.y + threadIdx.y + 1;
    if (i < n - 1 && j < n - 1) {
        B[i * n + j] = 0.2 * (A[i * n + j] + A[i * n + (j - 1)] + A[i * n + (j + 1)]
                              + A[(i + 1) * n + j] + A[(i - 1) * n + j]);
    }
}

void jacobi_2d_step(int n, double *A, double *B)
{
    double *dA, *dB;
    size_t bytes = (size_t)n * n * sizeof(double);
    CUDA_CHECK(cudaMalloc(&dA, bytes));
    CUDA_CHECK(cudaMalloc(&dB, bytes));
    CUDA_CHECK(cudaMemcpy(dA, A, bytes, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(dB, B, bytes, cudaMemcpyHostToDevice));  // keep B's boundary

    dim3 block(BX, BY);
    dim3 grid((n - 2 + BX - 1) / BX, (n - 2 + BY - 1) / BY);
    jacobi2d_kernel<<<grid, block>>>(n, dA, dB);

    CUDA_CHECK(cudaMemcpy(B, dB, bytes, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(dA));
    CUDA_CHECK(cudaFree(dB));
}
