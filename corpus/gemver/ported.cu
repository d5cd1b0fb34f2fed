// EXPECT: equivalent
// SCOPE: all-sizes
#include <stdio.h>
#include <stdlib.h>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)

/* A += u1 v1^T + u2 v2^T (2D grid) */
__global__ void gemver_kernel1(int n, double *A, const double *u1, const double *v1, const double *u2, const double *v2)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    int i = blockIdx.y * blockDim.y + threadIdx.y;
    if (i < n && j < n) {
        A[i * n + j] = A[i * n + j] + u1[i] * v1[j] + u2[i] * v2[j];
    }
}

/* x = x + beta * A^T y + z (the z update is fused in) */
__global__ void gemver_kernel2(int n, double beta, const double *A, double *x, const double *y, const double *z)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        double s = x[i];
        for (int j = 0; j < n; j++) {
            s = s + beta * A[j * n + i] * y[j];
        }
        x[i] = s + z[i];
    }
}

/* w = w + alpha * A x */
__global__ void gemver_kernel3(int n, double alpha, const double *A, const double *x, double *w)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        double s = w[i];
        for (int j = 0; j < n; j++) {
            s = s + alpha * A[i * n + j] * x[j];
        }
        w[i] = s;
    }
}

void kernel_gemver(int n, double alpha, double beta, double *A,
                   double *u1, double *v1, double *u2, double *v2,
                   double *w, double *x, double *y, double *z)
{
    double *d_A, *d_u1, *d_v1, *d_u2, *d_v2, *d_w, *d_x, *d_y, *d_z;
    CUDA_CHECK(cudaMalloc(&d_A, sizeof(double) * n * n));
    CUDA_CHECK(cudaMalloc(&d_u1, sizeof(double) * n));
    CUDA_CHECK(cudaMalloc(&d_v1, sizeof(double) * n));
    CUDA_CHECK(cudaMalloc(&d_u2, sizeof(double) * n));
    CUDA_CHECK(cudaMalloc(&d_v2, sizeof(double) * n));
    CUDA_CHECK(cudaMalloc(&d_w, sizeof(double) * n));
    CUDA_CHECK(cudaMalloc(&d_x, sizeof(double) * n));
    CUDA_CHECK(cudaMalloc(&d_y, sizeof(double) * n));
    CUDA_CHECK(cudaMalloc(&d_z, sizeof(double) * n));
    CUDA_CHECK(cudaMemcpy(d_A, A, sizeof(double) * n * n, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_u1, u1, sizeof(double) * n, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_v1, v1, sizeof(double) * n, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_u2, u2, sizeof(double) * n, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_v2, v2, sizeof(double) * n, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_w, w, sizeof(double) * n, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_x, x, sizeof(double) * n, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_y, y, sizeof(double) * n, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_z, z, sizeof(double) * n, cudaMemcpyHostToDevice));

    dim3 block2d(16, 16);
    dim3 grid2d((n + 15) / 16, (n + 15) / 16);
    int threads = 256;
    int blocks = (n + threads - 1) / threads;

    gemver_kernel1<<<grid2d, block2d>>>(n, d_A, d_u1, d_v1, d_u2, d_v2);
    gemver_kernel2<<<blocks, threads>>>(n, beta, d_A, d_x, d_y, d_z);
    gemver_kernel3<<<blocks, threads>>>(n, alpha, d_A, d_x, d_w);
    CUDA_CHECK(cudaDeviceSynchronize());

    CUDA_CHECK(cudaMemcpy(A, d_A, sizeof(double) * n * n, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaMemcpy(x, d_x, sizeof(double) * n, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaMemcpy(w, d_w, sizeof(double) * n, cudaMemcpyDeviceToHost));
    cudaFree(d_A); cudaFree(d_u1); cudaFree(d_v1); cudaFree(d_u2); cudaFree(d_v2);
    cudaFree(d_w); cudaFree(d_x); cudaFree(d_y); cudaFree(d_z);
}
