// EXPECT: not-equivalent
// BUG-CLASS: race
// ARGS: --launch '<<<(m + 7) / 8, 256>>>'
// NOTE: every lane writes y[row] = alpha*sum + beta*y[row] (the `lane == 0` guard dropped): lanes 0 and 1 of warp 0 race on y[0], and a lane reads the y[0] another lane already updated; m=1, n=1, beta=2, y=[1] gives y=[4] or more instead of 2 + alpha*A*x
// One warp per row, 8 rows per 256-thread block: the lanes stride over the columns, then a butterfly
// of __shfl_xor_sync leaves the row's dot product in every lane and lane 0 writes y[row].
#define FULL_MASK 0xffffffffu
#define WARP 32

__global__ void gemv(int m, int n, double alpha, const double *__restrict__ A,
                     const double *__restrict__ x, double beta, double *__restrict__ y)
{
    int row = (blockIdx.x * blockDim.x + threadIdx.x) / WARP;
    int lane = threadIdx.x % WARP;
    if (row >= m)
        return;  // a whole warp leaves together: row is the same for its 32 lanes

    double sum = 0.0;
    for (int j = lane; j < n; j += WARP)
        sum += A[row * n + j] * x[j];
    for (int offset = WARP / 2; offset > 0; offset /= 2)
        sum += __shfl_xor_sync(FULL_MASK, sum, offset);

    y[row] = alpha * sum + beta * y[row];
}
