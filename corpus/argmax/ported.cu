// EXPECT: equivalent
// SCOPE: bounded
// ARGS: --contract corpus/argmax/contract.toml
#include <cstdio>
#include <cstdlib>
#include <climits>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)

#define BLOCK 256

// Pass 1: the maximum value, by atomicMax.
__global__ void max_pass(int n, const int *x, int *max_val)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        atomicMax(max_val, x[i]);
}

// Pass 2: the smallest index holding that value, by atomicMin (starts at n).
__global__ void index_pass(int n, const int *x, const int *max_val, int *idx)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n && x[i] == *max_val)
        atomicMin(idx, i);
}

int argmax(int n, const int *x)
{
    int *d_x, *d_max, *d_idx;
    int h_max = INT_MIN;
    int h_idx = n;
    int blocks = (n + BLOCK - 1) / BLOCK;
    CUDA_CHECK(cudaMalloc(&d_x, n * sizeof(int)));
    CUDA_CHECK(cudaMalloc(&d_max, sizeof(int)));
    CUDA_CHECK(cudaMalloc(&d_idx, sizeof(int)));
    CUDA_CHECK(cudaMemcpy(d_x, x, n * sizeof(int), cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_max, &h_max, sizeof(int), cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_idx, &h_idx, sizeof(int), cudaMemcpyHostToDevice));

    max_pass<<<blocks, BLOCK>>>(n, d_x, d_max);
    index_pass<<<blocks, BLOCK>>>(n, d_x, d_max, d_idx);
    CUDA_CHECK(cudaDeviceSynchronize());

    CUDA_CHECK(cudaMemcpy(&h_idx, d_idx, sizeof(int), cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_x));
    CUDA_CHECK(cudaFree(d_max));
    CUDA_CHECK(cudaFree(d_idx));
    return n > 0 ? h_idx : 0;
}
