// EXPECT: not-equivalent
// BUG-CLASS: wrong-stride
// NOTE: writes B[(y + j) * n + x] (pitch n) instead of B[(y + j) * m + x] (B is n x m); m=1, n=2: thread (0,0) with j=0 writes B[0] correctly, but for y+j=1 it writes B[2], one past the 2-element B, and B[1] is never written
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)

#define TILE_DIM 32
#define BLOCK_ROWS 8

// Coalesced transpose through a shared tile (NVIDIA's transposeCoalesced, with the +1 column
// of padding against bank conflicts), generalised to m x n with bounds checks.
// A 32 x 8 block moves a 32 x 32 tile; each thread handles 4 rows.
__global__ void transpose_kernel(int m, int n, const float *A, float *B)
{
    __shared__ float tile[TILE_DIM][TILE_DIM + 1];

    int x = blockIdx.x * TILE_DIM + threadIdx.x;   // column of A
    int y = blockIdx.y * TILE_DIM + threadIdx.y;   // row of A
    for (int j = 0; j < TILE_DIM; j += BLOCK_ROWS)
        if (x < n && y + j < m)
            tile[threadIdx.y + j][threadIdx.x] = A[(y + j) * n + x];

    __syncthreads();

    x = blockIdx.y * TILE_DIM + threadIdx.x;       // column of B (a row of A)
    y = blockIdx.x * TILE_DIM + threadIdx.y;       // row of B (a column of A)
    for (int j = 0; j < TILE_DIM; j += BLOCK_ROWS)
        if (x < m && y + j < n)
            B[(y + j) * n + x] = tile[threadIdx.x][threadIdx.y + j];
}

void transpose(int m, int n, const float *A, float *B)
{
    float *d_A, *d_B;
    size_t bytes = (size_t)m * n * sizeof(float);
    CUDA_CHECK(cudaMalloc(&d_A, bytes));
    CUDA_CHECK(cudaMalloc(&d_B, bytes));
    CUDA_CHECK(cudaMemcpy(d_A, A, bytes, cudaMemcpyHostToDevice));

    dim3 block(TILE_DIM, BLOCK_ROWS);
    dim3 grid((n + TILE_DIM - 1) / TILE_DIM, (m + TILE_DIM - 1) / TILE_DIM);
    transpose_kernel<<<grid, block>>>(m, n, d_A, d_B);
    CUDA_CHECK(cudaDeviceSynchronize());

    CUDA_CHECK(cudaMemcpy(B, d_B, bytes, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_A));
    CUDA_CHECK(cudaFree(d_B));
}
