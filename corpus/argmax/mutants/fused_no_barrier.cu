// EXPECT: not-equivalent
// BUG-CLASS: stale-read
// ARGS: --contract corpus/argmax/contract.toml
// NOTE: both passes fused into one kernel with no barrier: thread 0 reads *max_val while thread 1 may not yet have raised it with atomicMax (a race between threads 0 and 1 on *max_val: atomic write against plain read); n=2, x=[1,2] can return 0 instead of 1 (thread 0 sees max 1)
#include <cstdio>
#include <cstdlib>
#include <climits>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)

#define BLOCK 256

// Both passes fused into one kernel.
__global__ void argmax_kernel(int n, const int *x, int *max_val, int *idx)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        atomicMax(max_val, x[i]);
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

    argmax_kernel<<<blocks, BLOCK>>>(n, d_x, d_max, d_idx);
    CUDA_CHECK(cudaDeviceSynchronize());

    CUDA_CHECK(cudaMemcpy(&h_idx, d_idx, sizeof(int), cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_x));
    CUDA_CHECK(cudaFree(d_max));
    CUDA_CHECK(cudaFree(d_idx));
    return n > 0 ? h_idx : 0;
}
