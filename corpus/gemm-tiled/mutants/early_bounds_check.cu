// EXPECT: not-equivalent
// BUG-CLASS: barrier-in-divergent-code
// NOTE: the whole tile loop, barriers included, sits inside if (row < ni && col < nj); ni=nj=nk=1: only thread (0,0) reaches __syncthreads() (barrier divergence, undefined behaviour), and it reads As[0][1..15] and Bs[1..15][0], which no thread wrote (uninitialised shared memory)
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)

#define TILE 16

// Classic shared-memory tiled matrix multiply: each block stages a TILE x TILE tile of A and
// of B per step of k, zero-padding outside the matrices.
__global__ void gemm_tiled(int ni, int nj, int nk, double alpha, double beta,
                           double *C, const double *A, const double *B)
{
    __shared__ double As[TILE][TILE];
    __shared__ double Bs[TILE][TILE];

    int tx = threadIdx.x, ty = threadIdx.y;
    int row = blockIdx.y * TILE + ty;
    int col = blockIdx.x * TILE + tx;
    double sum = 0.0;

    if (row < ni && col < nj) {
        for (int t = 0; t < (nk + TILE - 1) / TILE; t++) {
            int a_col = t * TILE + tx;
            int b_row = t * TILE + ty;
            As[ty][tx] = (a_col < nk) ? A[row * nk + a_col] : 0.0;
            Bs[ty][tx] = (b_row < nk) ? B[b_row * nj + col] : 0.0;
            __syncthreads();

            for (int k = 0; k < TILE; k++)
                sum += As[ty][k] * Bs[k][tx];
            __syncthreads();
        }
        C[row * nj + col] = beta * C[row * nj + col] + alpha * sum;
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

    dim3 block(TILE, TILE);
    dim3 grid((nj + TILE - 1) / TILE, (ni + TILE - 1) / TILE);
    gemm_tiled<<<grid, block>>>(ni, nj, nk, alpha, beta, d_C, d_A, d_B);
    CUDA_CHECK(cudaDeviceSynchronize());

    CUDA_CHECK(cudaMemcpy(C, d_C, sizeof(double) * ni * nj, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_A));
    CUDA_CHECK(cudaFree(d_B));
    CUDA_CHECK(cudaFree(d_C));
}
