// EXPECT: not-equivalent
// BUG-CLASS: hardcoded-sizes
// NOTE: row pitch is the benchmark size #define N 1024 instead of n; m=2, n=1 reads/writes index 1024 of 2-element arrays (out of bounds)
#include <cuda_runtime.h>

#define TILE 16
#define N 1024

__global__ void matadd_kernel(int m, int n, const float* __restrict__ A, const float* __restrict__ B, float* __restrict__ C)
{
    int col = blockIdx.x * blockDim.x + threadIdx.x;
    int row = blockIdx.y * blockDim.y + threadIdx.y;
    if (row < m && col < n) {
        int idx = row * N + col;
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
