// EXPECT: not-equivalent
// BUG-CLASS: missing-guard
// NOTE: kernel writes y[i] without the i < n guard; n=1 (one block of 256) writes y[1..255] out of bounds
#include <cuda_runtime.h>

#define BLOCK_SIZE 256

__device__ float clamp_value(float v, float lo, float hi)
{
    return fminf(fmaxf(v, lo), hi);
}

__global__ void clamp_kernel(int n, float lo, float hi, const float *x, float *y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    y[i] = clamp_value(x[i], lo, hi);
}

void clamp(int n, float lo, float hi, const float *x, float *y)
{
    float *d_x, *d_y;
    cudaMalloc(&d_x, n * sizeof(float));
    cudaMalloc(&d_y, n * sizeof(float));
    cudaMemcpy(d_x, x, n * sizeof(float), cudaMemcpyHostToDevice);
    int numBlocks = (n + BLOCK_SIZE - 1) / BLOCK_SIZE;
    clamp_kernel<<<numBlocks, BLOCK_SIZE>>>(n, lo, hi, d_x, d_y);
    cudaMemcpy(y, d_y, n * sizeof(float), cudaMemcpyDeviceToHost);
    cudaFree(d_x);
    cudaFree(d_y);
}
