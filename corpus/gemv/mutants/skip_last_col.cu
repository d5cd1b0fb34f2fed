// EXPECT: not-equivalent
// BUG-CLASS: off-by-one
// NOTE: inner loop j < n - 1 drops the last column; m=n=1, A=[1], x=[1], alpha=1, beta=0 gives y=[0] instead of [1]
#include <cuda_runtime.h>

// one thread per row
__global__ void gemv_kernel(int m, int n, double alpha, const double *A, const double *x, double beta, double *y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < m) {
        double sum = 0.0;
        for (int j = 0; j < n - 1; j++) {
            sum += A[i * n + j] * x[j];
        }
        y[i] = alpha * sum + beta * y[i];
    }
}

void gemv(int m, int n, double alpha, double *A, double *x, double beta, double *y)
{
    double *d_A, *d_x, *d_y;
    cudaMalloc(&d_A, (size_t)m * n * sizeof(double));
    cudaMalloc(&d_x, n * sizeof(double));
    cudaMalloc(&d_y, m * sizeof(double));
    cudaMemcpy(d_A, A, (size_t)m * n * sizeof(double), cudaMemcpyHostToDevice);
    cudaMemcpy(d_x, x, n * sizeof(double), cudaMemcpyHostToDevice);
    cudaMemcpy(d_y, y, m * sizeof(double), cudaMemcpyHostToDevice);

    int threads = 128;
    int blocks = (m + threads - 1) / threads;
    gemv_kernel<<<blocks, threads>>>(m, n, alpha, d_A, d_x, beta, d_y);

    cudaMemcpy(y, d_y, m * sizeof(double), cudaMemcpyDeviceToHost);
    cudaFree(d_A);
    cudaFree(d_x);
    cudaFree(d_y);
}
