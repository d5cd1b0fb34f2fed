// EXPECT: not-equivalent
// BUG-CLASS: wrong-stride
// ARGS: --launch '<<<dim3(8, 8), dim3(32, 8)>>>' --entry ger=dger_kernel
// NOTE: indexes A with row pitch m instead of n: A[i*m + j]; m=2, n=1 writes A[2] of a 2-element A (out of bounds)
__global__ void dger_kernel(int m, int n, double alpha, const double *x, const double *y, double *A)
{
    int row0 = blockIdx.y * blockDim.y + threadIdx.y;
    int col0 = blockIdx.x * blockDim.x + threadIdx.x;
    int rowStride = blockDim.y * gridDim.y;
    int colStride = blockDim.x * gridDim.x;

    for (int i = row0; i < m; i += rowStride) {
        double axi = alpha * x[i];
        for (int j = col0; j < n; j += colStride) {
            A[i * m + j] += axi * y[j];
        }
    }
}
