// EXPECT: equivalent
// SCOPE: bounded
#include <cuda_runtime.h>

#define DIM_THREAD_BLOCK_X 32
#define DIM_THREAD_BLOCK_Y 8

__global__ void runJacobi2D_kernel(int n, const double *src, double *dst)
{
    int i = blockIdx.y * blockDim.y + threadIdx.y;
    int j = blockIdx.x * blockDim.x + threadIdx.x;

    if ((i >= 1) && (i < (n - 1)) && (j >= 1) && (j < (n - 1))) {
        dst[i * n + j] = 0.2 * (src[i * n + j] + src[i * n + (j - 1)] + src[i * n + (1 + j)]
                                + src[(1 + i) * n + j] + src[(i - 1) * n + j]);
    }
}

void kernel_jacobi_2d(int tsteps, int n, double *A, double *B)
{
    double *A_gpu, *B_gpu;
    cudaMalloc((void **)&A_gpu, sizeof(double) * n * n);
    cudaMalloc((void **)&B_gpu, sizeof(double) * n * n);
    cudaMemcpy(A_gpu, A, sizeof(double) * n * n, cudaMemcpyHostToDevice);
    cudaMemcpy(B_gpu, B, sizeof(double) * n * n, cudaMemcpyHostToDevice);

    dim3 block(DIM_THREAD_BLOCK_X, DIM_THREAD_BLOCK_Y);
    dim3 grid((n + DIM_THREAD_BLOCK_X - 1) / DIM_THREAD_BLOCK_X, (n + DIM_THREAD_BLOCK_Y - 1) / DIM_THREAD_BLOCK_Y);

    for (int t = 0; t < tsteps; t++) {
        runJacobi2D_kernel<<<grid, block>>>(n, A_gpu, B_gpu);
        runJacobi2D_kernel<<<grid, block>>>(n, B_gpu, A_gpu);
    }
    cudaDeviceSynchronize();

    cudaMemcpy(A, A_gpu, sizeof(double) * n * n, cudaMemcpyDeviceToHost);
    cudaMemcpy(B, B_gpu, sizeof(double) * n * n, cudaMemcpyDeviceToHost);
    cudaFree(A_gpu);
    cudaFree(B_gpu);
}
