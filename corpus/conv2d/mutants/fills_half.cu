// EXPECT: not-equivalent
// BUG-CLASS: fills-constant
// ARGS: --launch '<<<dim3((nj + 31) / 32, (ni + 7) / 8), dim3(32, 8)>>>'
// NOTE: stores 0.5f, the interior result for an all-ones input (the coefficients sum to 0.5); ni=nj=3, A=0 gives B[1][1]=0.5 instead of 0
#include "../conv2d.h"

__global__ void conv2d(int ni, int nj, const DATA_TYPE *A, DATA_TYPE *B)
{
    DATA_TYPE c11, c12, c13, c21, c22, c23, c31, c32, c33;

    c11 = +0.2f;  c21 = +0.5f;  c31 = -0.8f;
    c12 = -0.3f;  c22 = +0.6f;  c32 = -0.9f;
    c13 = +0.4f;  c23 = +0.7f;  c33 = +0.10f;

    int j = blockIdx.x * blockDim.x + threadIdx.x;
    int i = blockIdx.y * blockDim.y + threadIdx.y;

    if ((i > 0) && (i < ni - 1) && (j > 0) && (j < nj - 1)) {
        B[i * nj + j] = 0.5f;
    }
}
