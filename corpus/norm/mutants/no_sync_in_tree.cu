// EXPECT: not-equivalent
// BUG-CLASS: missing-syncthreads
// NOTE: the __syncthreads() inside the tree loop is missing; thread 1 writes sdata[1] at s=128 (sdata[1] += sdata[129]) while thread 0 reads sdata[1] at s=1: a race between threads 0 and 1 for n=1 (and e.g. thread 0 reading sdata[64] while thread 64 writes it at s=128)
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)

#define BLOCK_SIZE 256

// Sum of squares: one element per thread, shared-memory tree per block,
// atomicAdd of the block sums; the square root is taken on the host.
__global__ void sumsq_kernel(int n, const float *x, float *sumsq)
{
    __shared__ float sdata[BLOCK_SIZE];
    unsigned int tid = threadIdx.x;
    unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;

    float v = 0.0f;
    if (i < n)
        v = x[i] * x[i];
    sdata[tid] = v;
    __syncthreads();

    for (unsigned int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (tid < s)
            sdata[tid] += sdata[tid + s];
    }

    if (tid == 0)
        atomicAdd(sumsq, sdata[0]);
}

float nrm2(int n, const float *x)
{
    float *d_x, *d_sumsq;
    float h_sumsq = 0.0f;
    CUDA_CHECK(cudaMalloc(&d_x, n * sizeof(float)));
    CUDA_CHECK(cudaMalloc(&d_sumsq, sizeof(float)));
    CUDA_CHECK(cudaMemcpy(d_x, x, n * sizeof(float), cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemset(d_sumsq, 0, sizeof(float)));

    int grid = (n + BLOCK_SIZE - 1) / BLOCK_SIZE;
    sumsq_kernel<<<grid, BLOCK_SIZE>>>(n, d_x, d_sumsq);
    CUDA_CHECK(cudaDeviceSynchronize());

    CUDA_CHECK(cudaMemcpy(&h_sumsq, d_sumsq, sizeof(float), cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_x));
    CUDA_CHECK(cudaFree(d_sumsq));
    return sqrtf(h_sumsq);
}
