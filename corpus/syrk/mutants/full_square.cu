// EXPECT: not-equivalent
// BUG-CLASS: missing-guard
// ARGS: --launch '<<<dim3((n + 15) / 16, (n + 15) / 16), dim3(16, 16)>>>'
// NOTE: guard is i < n && j < n, so the upper triangle is updated too; n=2, m=1, alpha=0, beta=2, C all 1 gives C[0][1]=2 instead of 1
// Lower triangle only: threads with j > i do nothing.
__global__ void kernel_syrk(int n, int m, double alpha, double beta, double *C, const double *A)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    int i = blockIdx.y * blockDim.y + threadIdx.y;

    if (i < n && j < n) {
        double acc = 0.0;
        for (int k = 0; k < m; k++)
            acc += A[i * m + k] * A[j * m + k];
        C[i * n + j] = beta * C[i * n + j] + alpha * acc;
    }
}
