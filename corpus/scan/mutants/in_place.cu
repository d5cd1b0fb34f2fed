// EXPECT: not-equivalent
// BUG-CLASS: missing-syncthreads
// ARGS: --contract corpus/scan/contract.toml
// NOTE: in-place Hillis-Steele (buf[0][tid] += buf[0][tid - offset]) with one barrier per step; it needs a barrier between the reads and the writes of a step (or the double buffer): at offset 1 thread 2 reads buf[0][1] while thread 1 writes it, a race for n=1 already (all 256 threads run every step); n=3, x=[1,1,1] can give y[2]=4 instead of 3 (thread 2 reads the updated buf[0][1]=2)
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)

#define BLOCK 256

// Hillis-Steele inclusive scan in one block, double-buffered in shared memory
// (GPU Gems 3, ch. 39, naive scan). The block walks the array in chunks of BLOCK
// elements and carries the running total from chunk to chunk.
__global__ void scan_kernel(int n, const float *x, float *y)
{
    __shared__ float buf[2][BLOCK];
    int tid = threadIdx.x;
    float carry = 0.0f;

    for (int base = 0; base < n; base += BLOCK) {
        int i = base + tid;
        buf[0][tid] = (i < n) ? x[i] : 0.0f;
        __syncthreads();

        for (int offset = 1; offset < BLOCK; offset *= 2) {
            if (tid >= offset)
                buf[0][tid] += buf[0][tid - offset];
            __syncthreads();
        }

        if (i < n)
            y[i] = carry + buf[0][tid];
        carry += buf[0][BLOCK - 1];
        __syncthreads();
    }
}

void prefix_sum(int n, const float *x, float *y)
{
    float *d_x, *d_y;
    CUDA_CHECK(cudaMalloc(&d_x, n * sizeof(float)));
    CUDA_CHECK(cudaMalloc(&d_y, n * sizeof(float)));
    CUDA_CHECK(cudaMemcpy(d_x, x, n * sizeof(float), cudaMemcpyHostToDevice));

    scan_kernel<<<1, BLOCK>>>(n, d_x, d_y);
    CUDA_CHECK(cudaDeviceSynchronize());

    CUDA_CHECK(cudaMemcpy(y, d_y, n * sizeof(float), cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_x));
    CUDA_CHECK(cudaFree(d_y));
}
