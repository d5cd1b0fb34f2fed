// EXPECT: equivalent
// SCOPE: all-sizes
#include <cuda_runtime.h>

#define TILE 16

__global__ void matadd_kernel(int m, int n, const float* __restrict__ A, const float* __restrict__ B, float* __restrict__ C)
{
    int col = blockIdx.x * blockDim.x + threadIdx.x;
    int row = blockIdx.y * blockDim.y + threadIdx.y;
    if (row < m && col < n) {
        int idx = row * n + col;
        C[idx] = A[idx] + B[idx];
    }
}

void matadd(int m, int n, const float *A, const float *B, float *C)
{
    float *dA, *dB, *dC;
    cudaMalloc(&dA, m * n * sizeof(float));
    cudaMalloc(&dB, m * n * sizeof(float));
    cudaMalloc(&dC, m * n * sizeof(float));
    cudaMemcpy(dA, A, m * n * sizeof(float), cudaMemcpyHostToDevice);
    cudaMemcpy(dB, B, m * n * sizeof(float), cudaMemcpyHostToDevice);

    dim3 threads(TILE, TILE);
    dim3 blocks((n + TILE - 1) / TILE, (m + TILE - 1) / TILE);
    matadd_kernel<<<blocks, threads>>>(m, n, dA, dB, dC);

    cudaMemcpy(C, dC, m * n * sizeof(float), cudaMemcpyDeviceToHost);
    cudaFree(dA);
    cudaFree(dB);
    cudaFree(dC);
}
