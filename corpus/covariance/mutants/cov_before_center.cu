// EXPECT: not-equivalent
// BUG-CLASS: stale-read
// NOTE: cov_kernel is launched before center_kernel, so the covariance uses uncentred data; m=1, n=1, float_n=2, data=[1] gives cov=[1] instead of [0.25] (mean 0.5)
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)

#define RED_THREADS 128
#define BX 16
#define BY 16

// One block per column: the threads stride down the column and reduce in shared memory.
__global__ void mean_kernel(int m, int n, double float_n, const double *data, double *mean)
{
    __shared__ double partial[RED_THREADS];
    int j = blockIdx.x;
    int tid = threadIdx.x;

    double acc = 0.0;
    for (int i = tid; i < n; i += blockDim.x)
        acc += data[i * m + j];
    partial[tid] = acc;
    __syncthreads();

    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (tid < s)
            partial[tid] += partial[tid + s];
        __syncthreads();
    }
    if (tid == 0)
        mean[j] = partial[0] / float_n;
}

__global__ void center_kernel(int m, int n, double *data, const double *mean)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    int i = blockIdx.y * blockDim.y + threadIdx.y;
    if (i < n && j < m)
        data[i * m + j] -= mean[j];
}

// One thread per upper-triangle entry (i <= j); it writes both cov[i][j] and cov[j][i].
__global__ void cov_kernel(int m, int n, double float_n, const double *data, double *cov)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    int i = blockIdx.y * blockDim.y + threadIdx.y;
    if (i < m && j < m && i <= j) {
        double c = 0.0;
        for (int k = 0; k < n; k++)
            c += data[k * m + i] * data[k * m + j];
        c /= (float_n - 1.0);
        cov[i * m + j] = c;
        cov[j * m + i] = c;
    }
}

void kernel_covariance(int m, int n, double float_n, double *data, double *cov, double *mean)
{
    double *d_data, *d_cov, *d_mean;
    CUDA_CHECK(cudaMalloc(&d_data, sizeof(double) * n * m));
    CUDA_CHECK(cudaMalloc(&d_cov, sizeof(double) * m * m));
    CUDA_CHECK(cudaMalloc(&d_mean, sizeof(double) * m));
    CUDA_CHECK(cudaMemcpy(d_data, data, sizeof(double) * n * m, cudaMemcpyHostToDevice));

    mean_kernel<<<m, RED_THREADS>>>(m, n, float_n, d_data, d_mean);

    dim3 block(BX, BY);
    dim3 grid_data((m + BX - 1) / BX, (n + BY - 1) / BY);

    dim3 grid_cov((m + BX - 1) / BX, (m + BY - 1) / BY);
    cov_kernel<<<grid_cov, block>>>(m, n, float_n, d_data, d_cov);
    center_kernel<<<grid_data, block>>>(m, n, d_data, d_mean);
    CUDA_CHECK(cudaDeviceSynchronize());

    CUDA_CHECK(cudaMemcpy(data, d_data, sizeof(double) * n * m, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaMemcpy(cov, d_cov, sizeof(double) * m * m, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaMemcpy(mean, d_mean, sizeof(double) * m, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_data));
    CUDA_CHECK(cudaFree(d_cov));
    CUDA_CHECK(cudaFree(d_mean));
}
