// EXPECT: not-equivalent
// BUG-CLASS: wrong-index
// NOTE: second product reads tmp[i][j] instead of tmp[i][k]; ni=nk=nl=1, nj=2, alpha=1, beta=0, A=[1], B=[1,2], C=[0,1] gives D=[1] instead of [2]
#include <cuda_runtime.h>

#define DIM_THREAD_BLOCK_X 32
#define DIM_THREAD_BLOCK_Y 8

__global__ void mm2_kernel1(int ni, int nj, int nk, double alpha, double *tmp, const double *A, const double *B)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    int i = blockIdx.y * blockDim.y + threadIdx.y;

    if (i < ni && j < nj) {
        double s = 0.0;
        for (int k = 0; k < nk; k++)
            s += A[i * nk + k] * B[k * nj + j];
        tmp[i * nj + j] = alpha * s;
    }
}

__global__ void mm2_kernel2(int ni, int nj, int nl, double beta, const double *tmp, const double *C, double *D)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    int i = blockIdx.y * blockDim.y + threadIdx.y;

    if (i < ni && j < nl) {
        double s = 0.0;
        for (int k = 0; k < nj; k++)
            s += tmp[i * nj + j] * C[k * nl + j];
        D[i * nl + j] = beta * D[i * nl + j] + s;
    }
}

void kernel_2mm(int ni, int nj, int nk, int nl, double alpha, double beta,
                double *tmp, double *A, double *B, double *C, double *D)
{
    double *tmp_gpu, *A_gpu, *B_gpu, *C_gpu, *D_gpu;
    cudaMalloc((void **)&tmp_gpu, sizeof(double) * ni * nj);
    cudaMalloc((void **)&A_gpu, sizeof(double) * ni * nk);
    cudaMalloc((void **)&B_gpu, sizeof(double) * nk * nj);
    cudaMalloc((void **)&C_gpu, sizeof(double) * nj * nl);
    cudaMalloc((void **)&D_gpu, sizeof(double) * ni * nl);
    cudaMemcpy(A_gpu, A, sizeof(double) * ni * nk, cudaMemcpyHostToDevice);
    cudaMemcpy(B_gpu, B, sizeof(double) * nk * nj, cudaMemcpyHostToDevice);
    cudaMemcpy(C_gpu, C, sizeof(double) * nj * nl, cudaMemcpyHostToDevice);
    cudaMemcpy(D_gpu, D, sizeof(double) * ni * nl, cudaMemcpyHostToDevice);

    dim3 block(DIM_THREAD_BLOCK_X, DIM_THREAD_BLOCK_Y);
    dim3 grid1((nj + DIM_THREAD_BLOCK_X - 1) / DIM_THREAD_BLOCK_X, (ni + DIM_THREAD_BLOCK_Y - 1) / DIM_THREAD_BLOCK_Y);
    dim3 grid2((nl + DIM_THREAD_BLOCK_X - 1) / DIM_THREAD_BLOCK_X, (ni + DIM_THREAD_BLOCK_Y - 1) / DIM_THREAD_BLOCK_Y);

    mm2_kernel1<<<grid1, block>>>(ni, nj, nk, alpha, tmp_gpu, A_gpu, B_gpu);
    cudaDeviceSynchronize();
    mm2_kernel2<<<grid2, block>>>(ni, nj, nl, beta, tmp_gpu, C_gpu, D_gpu);
    cudaDeviceSynchronize();

    cudaMemcpy(tmp, tmp_gpu, sizeof(double) * ni * nj, cudaMemcpyDeviceToHost);
    cudaMemcpy(D, D_gpu, sizeof(double) * ni * nl, cudaMemcpyDeviceToHost);

    cudaFree(tmp_gpu);
    cudaFree(A_gpu);
    cudaFree(B_gpu);
    cudaFree(C_gpu);
    cudaFree(D_gpu);
}
