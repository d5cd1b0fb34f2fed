// EXPECT: not-equivalent
// BUG-CLASS: missing-init
// NOTE: d_result is cudaMalloc'd but never zeroed (no cudaMemset), the atomics add onto garbage; n=1, x=[1], y=[1] returns garbage + 1 instead of 1
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)

#define THREADS 64
#define BLOCKS 4

// CUDA-by-Example style: grid-stride partial sums, shared-memory tree per block,
// one atomicAdd per block into the result.
__global__ void dot_kernel(int n, const double *x, const double *y, double *result)
{
    __shared__ double cache[THREADS];
    int tid = threadIdx.x;
    double temp = 0.0;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
        temp += x[i] * y[i];
    cache[tid] = temp;
    __syncthreads();

    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (tid < s)
            cache[tid] += cache[tid + s];
        __syncthreads();
    }

    if (tid == 0)
        atomicAdd(result, cache[0]);
}

double dot(int n, const double *x, const double *y)
{
    double *d_x, *d_y, *d_result;
    double result = 0.0;
    CUDA_CHECK(cudaMalloc(&d_x, n * sizeof(double)));
    CUDA_CHECK(cudaMalloc(&d_y, n * sizeof(double)));
    CUDA_CHECK(cudaMalloc(&d_result, sizeof(double)));
    CUDA_CHECK(cudaMemcpy(d_x, x, n * sizeof(double), cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_y, y, n * sizeof(double), cudaMemcpyHostToDevice));

    dot_kernel<<<BLOCKS, THREADS>>>(n, d_x, d_y, d_result);
    CUDA_CHECK(cudaDeviceSynchronize());

    CUDA_CHECK(cudaMemcpy(&result, d_result, sizeof(double), cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_x));
    CUDA_CHECK(cudaFree(d_y));
    CUDA_CHECK(cudaFree(d_result));
    return result;
}
