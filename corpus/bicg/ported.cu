// EXPECT: equivalent
// SCOPE: all-sizes
#include <cuda_runtime.h>

#define BLOCK 256

// s = A^T r : one thread per column j
__global__ void bicg_kernel_s(int m, int n, const double *A, const double *r, double *s)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j < m) {
        double acc = 0.0;
        for (int i = 0; i < n; i++) {
            acc += r[i] * A[i * m + j];
        }
        s[j] = acc;
    }
}

// q = A p : one thread per row i
__global__ void bicg_kernel_q(int m, int n, const double *A, const double *p, double *q)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        double acc = 0.0;
        for (int j = 0; j < m; j++) {
            acc += A[i * m + j] * p[j];
        }
        q[i] = acc;
    }
}

void kernel_bicg(int m, int n, double *A, double *s, double *q, double *p, double *r)
{
    double *d_A, *d_s, *d_q, *d_p, *d_r;
    cudaMalloc(&d_A, n * m * sizeof(double));
    cudaMalloc(&d_s, m * sizeof(double));
    cudaMalloc(&d_q, n * sizeof(double));
    cudaMalloc(&d_p, m * sizeof(double));
    cudaMalloc(&d_r, n * sizeof(double));
    cudaMemcpy(d_A, A, n * m * sizeof(double), cudaMemcpyHostToDevice);
    cudaMemcpy(d_p, p, m * sizeof(double), cudaMemcpyHostToDevice);
    cudaMemcpy(d_r, r, n * sizeof(double), cudaMemcpyHostToDevice);

    bicg_kernel_s<<<(m + BLOCK - 1) / BLOCK, BLOCK>>>(m, n, d_A, d_r, d_s);
    bicg_kernel_q<<<(n + BLOCK - 1) / BLOCK, BLOCK>>>(m, n, d_A, d_p, d_q);

    cudaMemcpy(s, d_s, m * sizeof(double), cudaMemcpyDeviceToHost);
    cudaMemcpy(q, d_q, n * sizeof(double), cudaMemcpyDeviceToHost);
    cudaFree(d_A);
    cudaFree(d_s);
    cudaFree(d_q);
    cudaFree(d_p);
    cudaFree(d_r);
}
