// EXPECT: not-equivalent
// BUG-CLASS: missing-atomic
// NOTE: check-then-store if (x[i] > *result) *result = x[i] instead of atomicMax; threads 0 and 1 race on *result; n=2, x=[1,2] (a lost update can leave 1)
#include <cstdio>
#include <cstdlib>
#include <climits>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)

#define BLOCK 256

// One thread per element, atomicMax into a single device int.
__global__ void max_kernel(int n, const int *x, int *result)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        if (x[i] > *result) *result = x[i];
}

int vmax(int n, const int *x)
{
    int *d_x, *d_result;
    int h_result = INT_MIN;
    CUDA_CHECK(cudaMalloc(&d_x, n * sizeof(int)));
    CUDA_CHECK(cudaMalloc(&d_result, sizeof(int)));
    CUDA_CHECK(cudaMemcpy(d_x, x, n * sizeof(int), cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_result, &h_result, sizeof(int), cudaMemcpyHostToDevice));

    max_kernel<<<(n + BLOCK - 1) / BLOCK, BLOCK>>>(n, d_x, d_result);
    CUDA_CHECK(cudaDeviceSynchronize());

    CUDA_CHECK(cudaMemcpy(&h_result, d_result, sizeof(int), cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_x));
    CUDA_CHECK(cudaFree(d_result));
    return h_result;
}
