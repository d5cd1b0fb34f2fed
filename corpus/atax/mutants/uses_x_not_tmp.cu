// EXPECT: not-equivalent
// BUG-CLASS: wrong-index
// NOTE: second product multiplies by x[i] instead of tmp[i]; m=n=1, A=[2], x=[1] gives y=[2] instead of [4]
#include <stdio.h>
#include <stdlib.h>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)
#define DIM_THREAD_BLOCK_X 256

/* tmp = A x : one thread per row of A */
__global__ void atax_kernel1(int m, int n, const double *A, const double *x, double *tmp)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < m) {
        double s = 0.0;
        for (int j = 0; j < n; j++)
            s += A[i * n + j] * x[j];
        tmp[i] = s;
    }
}

/* y = A^T tmp : one thread per column of A */
__global__ void atax_kernel2(int m, int n, const double *A, const double *tmp, const double *x, double *y)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j < n) {
        double s = 0.0;
        for (int i = 0; i < m; i++)
            s += A[i * n + j] * x[i];
        y[j] = s;
    }
}

void kernel_atax(int m, int n, double *A, double *x, double *y, double *tmp)
{
    double *A_gpu, *x_gpu, *y_gpu, *tmp_gpu;
    CUDA_CHECK(cudaMalloc((void **)&A_gpu, sizeof(double) * m * n));
    CUDA_CHECK(cudaMalloc((void **)&x_gpu, sizeof(double) * n));
    CUDA_CHECK(cudaMalloc((void **)&y_gpu, sizeof(double) * n));
    CUDA_CHECK(cudaMalloc((void **)&tmp_gpu, sizeof(double) * m));
    CUDA_CHECK(cudaMemcpy(A_gpu, A, sizeof(double) * m * n, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(x_gpu, x, sizeof(double) * n, cudaMemcpyHostToDevice));

    dim3 block(DIM_THREAD_BLOCK_X, 1);
    dim3 grid1((m + DIM_THREAD_BLOCK_X - 1) / DIM_THREAD_BLOCK_X, 1);
    dim3 grid2((n + DIM_THREAD_BLOCK_X - 1) / DIM_THREAD_BLOCK_X, 1);
    atax_kernel1<<<grid1, block>>>(m, n, A_gpu, x_gpu, tmp_gpu);
    atax_kernel2<<<grid2, block>>>(m, n, A_gpu, tmp_gpu, x_gpu, y_gpu);
    CUDA_CHECK(cudaDeviceSynchronize());

    CUDA_CHECK(cudaMemcpy(y, y_gpu, sizeof(double) * n, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaMemcpy(tmp, tmp_gpu, sizeof(double) * m, cudaMemcpyDeviceToHost));
    cudaFree(A_gpu);
    cudaFree(x_gpu);
    cudaFree(y_gpu);
    cudaFree(tmp_gpu);
}
