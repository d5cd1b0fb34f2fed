// EXPECT: not-equivalent
// BUG-CLASS: hardcoded-sizes
// NOTE: uses #define N 1024 (the benchmark size) for the copies and the launch instead of n; n=1 copies 1024 doubles from a 1-element host array (out of bounds)
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)
#define BLOCK 128
#define N 1024

__global__ void scale_kernel(int n, double alpha, const double* __restrict__ x, double* __restrict__ y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    y[i] = alpha * x[i];
}

void scale(int n, double alpha, const double *x, double *y)
{
    double *d_x, *d_y;
    size_t bytes = N * sizeof(double);
    CUDA_CHECK(cudaMalloc(&d_x, bytes));
    CUDA_CHECK(cudaMalloc(&d_y, bytes));
    CUDA_CHECK(cudaMemcpy(d_x, x, bytes, cudaMemcpyHostToDevice));

    scale_kernel<<<N / BLOCK, BLOCK>>>(N, alpha, d_x, d_y);

    CUDA_CHECK(cudaMemcpy(y, d_y, bytes, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_x));
    CUDA_CHECK(cudaFree(d_y));
}
