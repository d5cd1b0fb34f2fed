// EXPECT: equivalent
// SCOPE: all-sizes
// ARGS: --launch '<<<dim3(8, 8), dim3(32, 8)>>>' --entry ger=dger_kernel
__global__ void dger_kernel(int m, int n, double alpha, const double *x, const double *y, double *A)
{
    int row0 = blockIdx.y * blockDim.y + threadIdx.y;
    int col0 = blockIdx.x * blockDim.x + threadIdx.x;
    int rowStride = blockDim.y * gridDim.y;
    int colStride = blockDim.x * gridDim.x;

    for (int i = row0; i < m; i += rowStride) {
        double axi = alpha * x[i];
        for (int j = col0; j < n; j += colStride) {
            A[i * n + j] += axi * y[j];
        }
    }
}
