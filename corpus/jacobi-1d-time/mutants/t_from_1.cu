// EXPECT: not-equivalent
// BUG-CLASS: off-by-one
// NOTE: time loop starts at t = 1 and runs one step too few; tsteps=1, n=3, A=[0,3,0], B=0 does nothing (expected B[1]=0.99999)
#include <cuda_runtime.h>

#define THREADS 256

__global__ void jacobi1d_sweep(int n, const double *src, double *dst)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= 1 && i < n - 1) {
        dst[i] = 0.33333 * (src[i - 1] + src[i] + src[i + 1]);
    }
}

void kernel_jacobi_1d(int tsteps, int n, double *A, double *B)
{
    double *d_A, *d_B;
    cudaMalloc(&d_A, n * sizeof(double));
    cudaMalloc(&d_B, n * sizeof(double));
    cudaMemcpy(d_A, A, n * sizeof(double), cudaMemcpyHostToDevice);
    cudaMemcpy(d_B, B, n * sizeof(double), cudaMemcpyHostToDevice);   // boundary values of B are read

    int blocks = (n + THREADS - 1) / THREADS;
    for (int t = 1; t < tsteps; t++) {
        jacobi1d_sweep<<<blocks, THREADS>>>(n, d_A, d_B);
        jacobi1d_sweep<<<blocks, THREADS>>>(n, d_B, d_A);
    }
    cudaDeviceSynchronize();

    cudaMemcpy(A, d_A, n * sizeof(double), cudaMemcpyDeviceToHost);
    cudaMemcpy(B, d_B, n * sizeof(double), cudaMemcpyDeviceToHost);
    cudaFree(d_A);
    cudaFree(d_B);
}
