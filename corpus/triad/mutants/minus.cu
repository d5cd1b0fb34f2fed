// EXPECT: not-equivalent
// BUG-CLASS: wrong-operator
// NOTE: computes b - s*c instead of b + s*c; n=1, s=1, b=[0], c=[1] gives a=[-1] instead of [1]
#include <cuda_runtime.h>

__global__ void triad_kernel(int n, double s, double *a, const double *b, const double *c)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j < n)
        a[j] = b[j] - s * c[j];
}

void triad(int n, double s, double *a, double *b, double *c)
{
    double *d_a, *d_b, *d_c;
    cudaMalloc((void **)&d_a, n * sizeof(double));
    cudaMalloc((void **)&d_b, n * sizeof(double));
    cudaMalloc((void **)&d_c, n * sizeof(double));
    cudaMemcpy(d_b, b, n * sizeof(double), cudaMemcpyHostToDevice);
    cudaMemcpy(d_c, c, n * sizeof(double), cudaMemcpyHostToDevice);

    dim3 block(256);
    dim3 grid((n + block.x - 1) / block.x);
    triad_kernel<<<grid, block>>>(n, s, d_a, d_b, d_c);
    cudaDeviceSynchronize();

    cudaMemcpy(a, d_a, n * sizeof(double), cudaMemcpyDeviceToHost);
    cudaFree(d_a);
    cudaFree(d_b);
    cudaFree(d_c);
}
