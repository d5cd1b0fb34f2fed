// EXPECT: not-equivalent
// BUG-CLASS: wrong-reduction-identity
// NOTE: threads past the end contribute 1.0f instead of the identity 0 (v starts at 1.0f); n=1, x=[0] gives sqrt(255)=15.97 instead of 0
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

    float v = 1.0f;
    if (i < n)
        v = x[i] * x[i];
    sdata[tid] = v;
    __syncthreads();

    for (unsigned int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (tid < s)
            sdata[tid] += sdata[tid + s];
        __syncthreads();
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
