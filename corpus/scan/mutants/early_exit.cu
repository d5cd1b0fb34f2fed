// EXPECT: not-equivalent
// BUG-CLASS: barrier-in-divergent-code
// ARGS: --contract corpus/scan/contract.toml
// NOTE: threads past the end leave the chunk loop (if (i >= n) break;) before the barriers the others still execute; n=1: thread 0 reaches __syncthreads() and threads 1..255 do not (barrier divergence, undefined behaviour), and thread 0 reads buf[0][255] for the carry, which nobody wrote
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
        if (i >= n)
            break;
        int pout = 0, pin = 1;
        buf[pout][tid] = (i < n) ? x[i] : 0.0f;
        __syncthreads();

        for (int offset = 1; offset < BLOCK; offset *= 2) {
            pout = 1 - pout;
            pin = 1 - pout;
            if (tid >= offset)
                buf[pout][tid] = buf[pin][tid] + buf[pin][tid - offset];
            else
                buf[pout][tid] = buf[pin][tid];
            __syncthreads();
        }

        if (i < n)
            y[i] = carry + buf[pout][tid];
        carry += buf[pout][BLOCK - 1];
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
