// EXPECT: not-equivalent
// BUG-CLASS: transposed-index
// ARGS: --launch '<<<dim3(8, 8), dim3(32, 8)>>>' --entry ger=dger_kernel
// NOTE: uses x[j] * y[i] (the transposed outer product); m=1, n=2 reads x[1] of a 1-element x (out of bounds); m=n=2, alpha=1, x=[1,0], y=[0,1], A=0 gives A[0][1]=0 instead of 1
__global__ void dger_kernel(int m, int n, double alpha, const double *x, const double *y, double *A)
{
    int row0 = blockIdx.y * blockDim.y + threadIdx.y;
    int col0 = blockIdx.x * blockDim.x + threadIdx.x;
    int rowStride = blockDim.y * gridDim.y;
    int colStride = blockDim.x * gridDim.x;

    for (int i = row0; i < m; i += rowStride) {
        double ayi = alpha * y[i];
        for (int j = col0; j < n; j += colStride) {
            A[i * n + j] += ayi * x[j];
        }
    }
}
