// EXPECT: not-equivalent
// BUG-CLASS: wrong-operator
// ARGS: --launch '<<<(n + 63) / 64, 64>>>'
// NOTE: combines with alpha*t - beta*s instead of +; n=1, A=[0], B=[1], x=[1], beta=1 gives y=[-1] instead of [1]
__global__ void kernel_gesummv(int n, double alpha, double beta, const double *A, const double *B, double *tmp, const double *x, double *y)
{
    int i = blockDim.x * blockIdx.x + threadIdx.x;
    if (i >= n)
        return;

    double t = 0.0;
    double s = 0.0;
    for (int j = 0; j < n; j++) {
        t += A[i * n + j] * x[j];
        s += B[i * n + j] * x[j];
    }
    tmp[i] = t;
    y[i] = alpha * t - beta * s;
}
