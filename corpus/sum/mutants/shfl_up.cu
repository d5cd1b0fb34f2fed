// EXPECT: not-equivalent
// BUG-CLASS: wrong-operator
// NOTE: __shfl_up_sync instead of __shfl_down_sync: lane 0 (no lane below it) gets its own value back at every step and doubles it, 5 steps per stage, two stages; n=1, x=[1] gives 1024 instead of 1
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)

#define THREADS 128
#define BLOCKS 4
#define FULL_MASK 0xffffffffu

__device__ __forceinline__ float warp_reduce_sum(float v)
{
    for (int offset = warpSize / 2; offset > 0; offset >>= 1)
        v += __shfl_up_sync(FULL_MASK, v, offset);
    return v;
}

// Grid-stride accumulation, warp shuffle reduction, one shared slot per warp,
// the first warp reduces the warp sums, one atomicAdd per block.
__global__ void sum_kernel(int n, const float *__restrict__ x, float *out)
{
    __shared__ float warp_sums[32];
    int lane = threadIdx.x % warpSize;
    int wid = threadIdx.x / warpSize;

    float v = 0.0f;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
        v += x[i];

    v = warp_reduce_sum(v);
    if (lane == 0)
        warp_sums[wid] = v;
    __syncthreads();

    if (wid == 0) {
        v = (threadIdx.x < blockDim.x / warpSize) ? warp_sums[lane] : 0.0f;
        v = warp_reduce_sum(v);
        if (lane == 0)
            atomicAdd(out, v);
    }
}

float vsum(int n, const float *x)
{
    float *d_x, *d_out;
    float h_out = 0.0f;
    CUDA_CHECK(cudaMalloc(&d_x, n * sizeof(float)));
    CUDA_CHECK(cudaMalloc(&d_out, sizeof(float)));
    CUDA_CHECK(cudaMemcpy(d_x, x, n * sizeof(float), cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_out, &h_out, sizeof(float), cudaMemcpyHostToDevice));

    sum_kernel<<<BLOCKS, THREADS>>>(n, d_x, d_out);
    CUDA_CHECK(cudaGetLastError());

    CUDA_CHECK(cudaMemcpy(&h_out, d_out, sizeof(float), cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_x));
    CUDA_CHECK(cudaFree(d_out));
    return h_out;
}
