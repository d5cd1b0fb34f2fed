// EXPECT: not-equivalent
// BUG-CLASS: transposed-index
// NOTE: reads B[j*nk + k] instead of B[k*nj + j]; ni=1, nj=nk=2, alpha=1, beta=0, A=[0,1], B=[0,1,0,0] gives C[0][0]=1 instead of 0
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)

#define DIM_X 16
#define DIM_Y 16

// One thread per C element, register accumulator over k.
__global__ void gemm_kernel(int ni, int nj, int nk, double alpha, double beta,
                            double *C, const double *A, const double *B)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    int i = blockIdx.y * blockDim.y + threadIdx.y;

    if (i < ni && j < nj) {
        double sum = 0.0;
        for (int k = 0; k < nk; k++) {
            sum += A[i * nk + k] * B[j * nk + k];
        }
        C[i * nj + j] = beta * C[i * nj + j] + alpha * sum;
    }
}

void kernel_gemm(int ni, int nj, int nk, double alpha, double beta, double *C, double *A, double *B)
{
    double *d_A, *d_B, *d_C;
    CUDA_CHECK(cudaMalloc(&d_A, sizeof(double) * ni * nk));
    CUDA_CHECK(cudaMalloc(&d_B, sizeof(double) * nk * nj));
    CUDA_CHECK(cudaMalloc(&d_C, sizeof(double) * ni * nj));
    CUDA_CHECK(cudaMemcpy(d_A, A, sizeof(double) * ni * nk, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_B, B, sizeof(double) * nk * nj, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_C, C, sizeof(double) * ni * nj, cudaMemcpyHostToDevice));

    dim3 block(DIM_X, DIM_Y);
    dim3 grid((nj + DIM_X - 1) / DIM_X, (ni + DIM_Y - 1) / DIM_Y);
    gemm_kernel<<<grid, block>>>(ni, nj, nk, alpha, beta, d_C, d_A, d_B);
    CUDA_CHECK(cudaDeviceSynchronize());

    CUDA_CHECK(cudaMemcpy(C, d_C, sizeof(double) * ni * nj, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_A));
    CUDA_CHECK(cudaFree(d_B));
    CUDA_CHECK(cudaFree(d_C));
}
