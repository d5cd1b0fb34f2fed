// EXPECT: not-equivalent
// BUG-CLASS: wrong-index
// NOTE: swaps the roles of x and y: y[i] = x[i] + a*y[i]; n=1, a=2, x=[1], y=[0] gives y=[1] instead of [2]
// LLM-style port: host wrapper with the original's signature plus a small self-test main().
#include <cuda_runtime.h>
#include <iostream>
#include <vector>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)

__global__ void daxpy_kernel(int n, double a, const double* __restrict__ x, double* __restrict__ y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        y[i] = x[i] + a * y[i];
    }
}

void daxpy(int n, double a, const double *x, double *y)
{
    double *d_x = nullptr;
    double *d_y = nullptr;
    CUDA_CHECK(cudaMalloc(&d_x, n * sizeof(double)));
    CUDA_CHECK(cudaMalloc(&d_y, n * sizeof(double)));
    CUDA_CHECK(cudaMemcpy(d_x, x, n * sizeof(double), cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_y, y, n * sizeof(double), cudaMemcpyHostToDevice));

    const int threads = 256;
    const int blocks = (n + threads - 1) / threads;
    daxpy_kernel<<<blocks, threads>>>(n, a, d_x, d_y);

    CUDA_CHECK(cudaMemcpy(y, d_y, n * sizeof(double), cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_x));
    CUDA_CHECK(cudaFree(d_y));
}

int main()
{
    const int n = 1000;
    std::vector<double> x(n), y(n), ref(n);
    for (int i = 0; i < n; ++i) {
        x[i] = 0.5 * i;
        y[i] = 1.0;
        ref[i] = y[i] + 2.0 * x[i];
    }
    daxpy(n, 2.0, x.data(), y.data());
    auto maxerr = 0.0;
    for (int i = 0; i < n; ++i)
        maxerr = std::fmax(maxerr, std::fabs(y[i] - ref[i]));
    std::cout << "daxpy max error: " << maxerr << std::endl;
    return maxerr < 1e-12 ? 0 : 1;
}
