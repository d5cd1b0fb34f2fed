// EXPECT: not-equivalent
// BUG-CLASS: missing-guard
// NOTE: the tile load has no bounds check (if (x < n && y + j < m) removed); m=n=1: thread (x=1,y=0) reads A[1], past the 1-element A
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
            tile[threadIdx.y + j][threadIdx.x] = A[(y + j) * n + x];

    __syncthreads();

    x = blockIdx.y * TILE_DIM + threadIdx.x;       // column of B (a row of A)
    y = blockIdx.x * TILE_DIM + threadIdx.y;       // row of B (a column of A)
    for (int j = 0; j < TILE_DIM; j += BLOCK_ROWS)
        if (x < m && y + j < n)
            B[(y + j) * m + x] = tile[threadIdx.x][threadIdx.y + j];
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
