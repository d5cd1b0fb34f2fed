// EXPECT: not-equivalent
// BUG-CLASS: missing-init
// ARGS: --launch '<<<(n + 63) / 64, 64>>>'
// NOTE: accumulates A*x directly into tmp[i] without zeroing it first; n=1, A=[0], B=[0], x=[0], tmp=[1], alpha=1 gives tmp=[1], y=[1] instead of 0, 0
__global__ void kernel_gesummv(int n, double alpha, double beta, const double *A, const double *B, double *tmp, const double *x, double *y)
{
    int i = blockDim.x * blockIdx.x + threadIdx.x;
    if (i >= n)
        return;

    double s = 0.0;
    for (int j = 0; j < n; j++) {
        tmp[i] += A[i * n + j] * x[j];
        s += B[i * n + j] * x[j];
    }
    y[i] = alpha * tmp[i] + beta * s;
}
