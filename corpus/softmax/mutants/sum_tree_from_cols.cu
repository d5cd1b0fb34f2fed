// EXPECT: not-equivalent
// BUG-CLASS: wrong-tree-stride
// ARGS: --contract corpus/softmax/contract.toml
// NOTE: the sum tree starts at s = cols / 2 instead of blockDim.x / 2 (only right when cols is a power of two); rows=1, cols=3, x=[0,0,0]: red[2] is never added, y=[0.5,0.5,0.5] instead of [1/3,1/3,1/3]
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
    __syncthreads();

    float sum = 0.0f;
    for (int c = tid; c < cols; c += blockDim.x) {
        float e = expf(xr[c] - row_max);
        yr[c] = e;
        sum += e;
    }
    red[tid] = sum;
    __syncthreads();
    for (int s = cols / 2; s > 0; s >>= 1) {
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
