// EXPECT: not-equivalent
// BUG-CLASS: stale-read
// NOTE: launches the hz update before the ey/ex updates in each step, so hz reads last step's ex/ey; tmax=1, nx=ny=2, ex=ey=hz=0, _fict_=[1] gives hz[0][0]=0 instead of 0.7
#include <stdio.h>
#include <stdlib.h>
#include <cuda_runtime.h>

#define CUDA_CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { fprintf(stderr, "%s\n", cudaGetErrorString(e)); exit(1); } } while (0)
#define DIM_THREAD_BLOCK_X 32
#define DIM_THREAD_BLOCK_Y 8

__global__ void fdtd_step1_kernel(int nx, int ny, const double *_fict_, double *ey, const double *hz, int t)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    int i = blockIdx.y * blockDim.y + threadIdx.y;

    if ((i < nx) && (j < ny)) {
        if (i == 0) {
            ey[i * ny + j] = _fict_[t];
        } else {
            ey[i * ny + j] = ey[i * ny + j] - 0.5 * (hz[i * ny + j] - hz[(i - 1) * ny + j]);
        }
    }
}

__global__ void fdtd_step2_kernel(int nx, int ny, double *ex, const double *hz)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    int i = blockIdx.y * blockDim.y + threadIdx.y;

    if ((i < nx) && (j < ny) && (j > 0)) {
        ex[i * ny + j] = ex[i * ny + j] - 0.5 * (hz[i * ny + j] - hz[i * ny + (j - 1)]);
    }
}

__global__ void fdtd_step3_kernel(int nx, int ny, const double *ex, const double *ey, double *hz)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    int i = blockIdx.y * blockDim.y + threadIdx.y;

    if ((i < (nx - 1)) && (j < (ny - 1))) {
        hz[i * ny + j] = hz[i * ny + j] - 0.7 * (ex[i * ny + (j + 1)] - ex[i * ny + j]
                                                 + ey[(i + 1) * ny + j] - ey[i * ny + j]);
    }
}

void kernel_fdtd_2d(int tmax, int nx, int ny, double *ex, double *ey, double *hz, double *_fict_)
{
    double *_fict_gpu, *ex_gpu, *ey_gpu, *hz_gpu;
    CUDA_CHECK(cudaMalloc((void **)&_fict_gpu, sizeof(double) * tmax));
    CUDA_CHECK(cudaMalloc((void **)&ex_gpu, sizeof(double) * nx * ny));
    CUDA_CHECK(cudaMalloc((void **)&ey_gpu, sizeof(double) * nx * ny));
    CUDA_CHECK(cudaMalloc((void **)&hz_gpu, sizeof(double) * nx * ny));
    CUDA_CHECK(cudaMemcpy(_fict_gpu, _fict_, sizeof(double) * tmax, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(ex_gpu, ex, sizeof(double) * nx * ny, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(ey_gpu, ey, sizeof(double) * nx * ny, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(hz_gpu, hz, sizeof(double) * nx * ny, cudaMemcpyHostToDevice));

    dim3 block(DIM_THREAD_BLOCK_X, DIM_THREAD_BLOCK_Y);
    dim3 grid((ny + DIM_THREAD_BLOCK_X - 1) / DIM_THREAD_BLOCK_X, (nx + DIM_THREAD_BLOCK_Y - 1) / DIM_THREAD_BLOCK_Y);

    for (int t = 0; t < tmax; t++) {
        fdtd_step3_kernel<<<grid, block>>>(nx, ny, ex_gpu, ey_gpu, hz_gpu);
        fdtd_step1_kernel<<<grid, block>>>(nx, ny, _fict_gpu, ey_gpu, hz_gpu, t);
        fdtd_step2_kernel<<<grid, block>>>(nx, ny, ex_gpu, hz_gpu);
    }
    CUDA_CHECK(cudaDeviceSynchronize());

    CUDA_CHECK(cudaMemcpy(ex, ex_gpu, sizeof(double) * nx * ny, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaMemcpy(ey, ey_gpu, sizeof(double) * nx * ny, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaMemcpy(hz, hz_gpu, sizeof(double) * nx * ny, cudaMemcpyDeviceToHost));
    cudaFree(_fict_gpu);
    cudaFree(ex_gpu);
    cudaFree(ey_gpu);
    cudaFree(hz_gpu);
}
