// EXPECT: not-equivalent
// BUG-CLASS: barrier-in-divergent-code
// NOTE: staging, __syncthreads() and the stencil all sit inside if (i < n - 1 && j < n - 1); n=3: thread (0,0) (the only interior point) reaches the barrier and the other 255 threads of the block do not (barrier divergence, undefined behaviour)
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)

#define BS 16

// 5-point Jacobi sweep through a shared (BS+2) x (BS+2) tile with a one-cell halo.
// Thread (tx, ty) owns interior point (i, j) = block origin + (ty, tx) + (1, 1) and stages
// A[i][j] at s[ty+1][tx+1]; edge threads also stage the halo cell beside them.
__global__ void jacobi2d_tiled(int n, const double *__restrict__ A, double *__restrict__ B)
{
    __shared__ double s[BS + 2][BS + 2];
    int tx = threadIdx.x, ty = threadIdx.y;
    int j = blockIdx.x * BS + tx + 1;
    int i = blockIdx.y * BS + ty + 1;

    if (i < n - 1 && j < n - 1) {
        s[ty + 1][tx + 1] = A[i * n + j];
        if (tx == 0)
            s[ty + 1][0] = A[i * n + (j - 1)];
        if (ty == 0)
            s[0][tx + 1] = A[(i - 1) * n + j];
        if (tx == BS - 1 || j + 1 == n - 1)
            s[ty + 1][tx + 2] = A[i * n + (j + 1)];
        if (ty == BS - 1 || i + 1 == n - 1)
            s[ty + 2][tx + 1] = A[(i + 1) * n + j];
        __syncthreads();

        B[i * n + j] = 0.2 * (s[ty + 1][tx + 1] + s[ty + 1][tx] + s[ty + 1][tx + 2]
                              + s[ty + 2][tx + 1] + s[ty][tx + 1]);
    }
}

void jacobi_2d_step(int n, double *A, double *B)
{
    double *dA, *dB;
    size_t bytes = (size_t)n * n * sizeof(double);
    CUDA_CHECK(cudaMalloc(&dA, bytes));
    CUDA_CHECK(cudaMalloc(&dB, bytes));
    CUDA_CHECK(cudaMemcpy(dA, A, bytes, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(dB, B, bytes, cudaMemcpyHostToDevice));  // keep B's boundary

    dim3 block(BS, BS);
    dim3 grid((n + BS - 1) / BS, (n + BS - 1) / BS);
    jacobi2d_tiled<<<grid, block>>>(n, dA, dB);
    CUDA_CHECK(cudaDeviceSynchronize());

    CUDA_CHECK(cudaMemcpy(B, dB, bytes, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(dA));
    CUDA_CHECK(cudaFree(dB));
}
