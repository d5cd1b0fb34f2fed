// EXPECT: not-equivalent
// BUG-CLASS: wrong-index
// ARGS: --launch '<<<(n + 255) / 256, 256>>>' --entry kernel_mvt=mvt_kernel
// NOTE: x2 is updated with y_1 instead of y_2; n=1, A=[1], y_1=[1], y_2=[0], x2=[0] gives x2=[1] instead of [0]
// Both products fused into one kernel: thread i owns x1[i] and x2[i].
__global__ void mvt_kernel(int n, double *x1, double *x2, const double *y_1, const double *y_2, const double *A)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        double s1 = x1[i];
        double s2 = x2[i];
        for (int j = 0; j < n; j++) {
            s1 = s1 + A[i * n + j] * y_1[j];
            s2 = s2 + A[j * n + i] * y_1[j];
        }
        x1[i] = s1;
        x2[i] = s2;
    }
}
