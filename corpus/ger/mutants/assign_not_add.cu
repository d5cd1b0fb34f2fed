// EXPECT: not-equivalent
// BUG-CLASS: wrong-operator
// ARGS: --launch '<<<dim3(8, 8), dim3(32, 8)>>>' --entry ger=dger_kernel
// NOTE: overwrites A with '=' instead of accumulating with '+='; m=n=1, alpha=1, x=[1], y=[1], A=[1] gives A=[1] instead of [2]
__global__ void dger_kernel(int m, int n, double alpha, const double *x, const double *y, double *A)
{
    int row0 = blockIdx.y * blockDim.y + threadIdx.y;
    int col0 = blockIdx.x * blockDim.x + threadIdx.x;
    int rowStride = blockDim.y * gridDim.y;
    int colStride = blockDim.x * gridDim.x;

    for (int i = row0; i < m; i += rowStride) {
        double axi = alpha * x[i];
        for (int j = col0; j < n; j += colStride) {
            A[i * n + j] = axi * y[j];
        }
    }
}
