// EXPECT: not-equivalent
// BUG-CLASS: wrong-constant
// NOTE: multiplies by the literal 2.0 (the value used in a test) instead of alpha; n=1, alpha=3, x=[1] gives y=[2] instead of [3]
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)
#define BLOCK 128

__global__ void scale_kernel(int n, double alpha, const double* __restrict__ x, double* __restrict__ y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    y[i] = 2.0 * x[i];
}

void scale(int n, double alpha, const double *x, double *y)
{
    double *d_x, *d_y;
    size_t bytes = n * sizeof(double);
    CUDA_CHECK(cudaMalloc(&d_x, bytes));
    CUDA_CHECK(cudaMalloc(&d_y, bytes));
    CUDA_CHECK(cudaMemcpy(d_x, x, bytes, cudaMemcpyHostToDevice));

    scale_kernel<<<(n + BLOCK - 1) / BLOCK, BLOCK>>>(n, alpha, d_x, d_y);

    CUDA_CHECK(cudaMemcpy(y, d_y, bytes, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_x));
    CUDA_CHECK(cudaFree(d_y));
}
