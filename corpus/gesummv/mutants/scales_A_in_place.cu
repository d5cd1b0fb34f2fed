// EXPECT: not-equivalent
// BUG-CLASS: modifies-input
// ARGS: --launch '<<<(n + 63) / 64, 64>>>'
// NOTE: uses A as scratch (A[i][j] *= x[j]) so tmp and y are right but A is overwritten; n=1, A=[2], x=[3] leaves A=[6]
__global__ void kernel_gesummv(int n, double alpha, double beta, double *A, const double *B, double *tmp, const double *x, double *y)
{
    int i = blockDim.x * blockIdx.x + threadIdx.x;
    if (i >= n)
        return;

    double t = 0.0;
    double s = 0.0;
    for (int j = 0; j < n; j++) {
        A[i * n + j] = A[i * n + j] * x[j];
        t += A[i * n + j];
        s += B[i * n + j] * x[j];
    }
    tmp[i] = t;
    y[i] = alpha * t + beta * s;
}
