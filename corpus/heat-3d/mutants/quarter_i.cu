// EXPECT: not-equivalent
// BUG-CLASS: wrong-constant
// ARGS: --launch '<<<dim3((n + 7) / 8, (n + 7) / 8, (n + 3) / 4), dim3(8, 8, 4)>>>'
// NOTE: the i-direction coefficient is 0.25 instead of 0.125; n=3, A zero except A[2][1][1]=8 gives B[1][1][1]=2 instead of 1
__device__ int idx3(int n, int i, int j, int k)
{
    return (i * n + j) * n + k;
}

// 3-D grid: x -> k (fastest), y -> j, z -> i
__global__ void heat_3d_step(int n, const double *A, double *B)
{
    int k = blockIdx.x * blockDim.x + threadIdx.x;
    int j = blockIdx.y * blockDim.y + threadIdx.y;
    int i = blockIdx.z * blockDim.z + threadIdx.z;

    if (i >= 1 && i < n - 1 && j >= 1 && j < n - 1 && k >= 1 && k < n - 1) {
        double c = A[idx3(n, i, j, k)];
        B[idx3(n, i, j, k)] = 0.25 * (A[idx3(n, i + 1, j, k)] - 2.0 * c + A[idx3(n, i - 1, j, k)])
                            + 0.125 * (A[idx3(n, i, j + 1, k)] - 2.0 * c + A[idx3(n, i, j - 1, k)])
                            + 0.125 * (A[idx3(n, i, j, k + 1)] - 2.0 * c + A[idx3(n, i, j, k - 1)])
                            + c;
    }
}
