// EXPECT: not-equivalent
// BUG-CLASS: wrong-stride
// ARGS: --launch '<<<dim3((n + 15) / 16, (n + 15) / 16), dim3(16, 16)>>>'
// NOTE: indexes A (n x m) with row pitch n: A[i*n + k]; n=2, m=1 reads A[2] of a 2-element A (out of bounds)
// Lower triangle only: threads with j > i do nothing.
__global__ void kernel_syrk(int n, int m, double alpha, double beta, double *C, const double *A)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    int i = blockIdx.y * blockDim.y + threadIdx.y;

    if (i < n && j <= i) {
        double acc = 0.0;
        for (int k = 0; k < m; k++)
            acc += A[i * n + k] * A[j * n + k];
        C[i * n + j] = beta * C[i * n + j] + alpha * acc;
    }
}
