// EXPECT: not-equivalent
// BUG-CLASS: wrong-operator
// NOTE: applies fmaxf(fminf(v, lo), hi) instead of fminf(fmaxf(v, lo), hi); n=1, lo=0, hi=1, x=[0.5] gives 1 instead of 0.5
#include <cuda_runtime.h>

#define BLOCK_SIZE 256

__device__ float clamp_value(float v, float lo, float hi)
{
    return fmaxf(fminf(v, lo), hi);
}

__global__ void clamp_kernel(int n, float lo, float hi, const float *x, float *y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        y[i] = clamp_value(x[i], lo, hi);
    }
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
