// EXPECT: not-equivalent
// BUG-CLASS: missing-syncthreads
// ARGS: --contract corpus/softmax/contract.toml
// NOTE: no __syncthreads() after every thread reads row_max = red[0] and before red is reused for the sums; thread 0 writes red[0] = sum while thread 1 may still be reading red[0] as the maximum: a race between threads 0 and 1 for rows=1, cols=1
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)

#define THREADS 256

// One block per row. Each thread strides over the row; the row maximum and the row sum
// are reduced in one shared buffer (a tree over THREADS slots), and every thread then
// normalises the elements it wrote.
__global__ void softmax_rows(int rows, int cols, const float *x, float *y)
{
    __shared__ float red[THREADS];
    int row = blockIdx.x;
    int tid = threadIdx.x;
    const float *xr = x + (size_t)row * cols;
    float *yr = y + (size_t)row * cols;

    float m = -INFINITY;
    for (int c = tid; c < cols; c += blockDim.x)
        m = fmaxf(m, xr[c]);
    red[tid] = m;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (tid < s)
            red[tid] = fmaxf(red[tid], red[tid + s]);
        __syncthreads();
    }
    float row_max = red[0];

    float sum = 0.0f;
    for (int c = tid; c < cols; c += blockDim.x) {
        float e = expf(xr[c] - row_max);
        yr[c] = e;
        sum += e;
    }
    red[tid] = sum;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (tid < s)
            red[tid] += red[tid + s];
        __syncthreads();
    }
    float total = red[0];

    for (int c = tid; c < cols; c += blockDim.x)
        yr[c] /= total;
}

void softmax(int rows, int cols, const float *x, float *y)
{
    float *d_x, *d_y;
    size_t bytes = (size_t)rows * cols * sizeof(float);
    CUDA_CHECK(cudaMalloc(&d_x, bytes));
    CUDA_CHECK(cudaMalloc(&d_y, bytes));
    CUDA_CHECK(cudaMemcpy(d_x, x, bytes, cudaMemcpyHostToDevice));

    softmax_rows<<<rows, THREADS>>>(rows, cols, d_x, d_y);
    CUDA_CHECK(cudaDeviceSynchronize());

    CUDA_CHECK(cudaMemcpy(y, d_y, bytes, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_x));
    CUDA_CHECK(cudaFree(d_y));
}
