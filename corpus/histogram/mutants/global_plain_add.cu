// EXPECT: not-equivalent
// BUG-CLASS: missing-atomic
// ARGS: --contract corpus/histogram/contract.toml
// NOTE: bins[b] += local[b] instead of atomicAdd; thread 0 of block 0 and thread 0 of block 1 race on bins[0] (every block adds its count, zero or not); n=1, data=[0] suffices
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)

#define NBINS 16
#define THREADS 64
#define BLOCKS 4

// Privatised histogram: each block counts into shared memory with shared atomics,
// then adds its counts into the global bins with global atomics.
__global__ void histogram_kernel(int n, const int *data, int *bins)
{
    __shared__ int local[NBINS];
    for (int b = threadIdx.x; b < NBINS; b += blockDim.x)
        local[b] = 0;
    __syncthreads();

    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        int v = data[i];
        if (v >= 0 && v < NBINS)
            atomicAdd(&local[v], 1);
    }
    __syncthreads();

    for (int b = threadIdx.x; b < NBINS; b += blockDim.x)
        bins[b] += local[b];
}

void histogram(int n, const int *data, int *bins)
{
    int *d_data, *d_bins;
    CUDA_CHECK(cudaMalloc(&d_data, n * sizeof(int)));
    CUDA_CHECK(cudaMalloc(&d_bins, NBINS * sizeof(int)));
    CUDA_CHECK(cudaMemcpy(d_data, data, n * sizeof(int), cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemset(d_bins, 0, NBINS * sizeof(int)));

    histogram_kernel<<<BLOCKS, THREADS>>>(n, d_data, d_bins);
    CUDA_CHECK(cudaDeviceSynchronize());

    CUDA_CHECK(cudaMemcpy(bins, d_bins, NBINS * sizeof(int), cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_data));
    CUDA_CHECK(cudaFree(d_bins));
}
