// EXPECT: not-equivalent
// BUG-CLASS: wrong-tree-stride
// ARGS: --launch '<<<(m + 7) / 8, 256>>>'
// NOTE: the butterfly stops before offset 1, so lane 0 never adds lane 1's partial sum; m=1, n=2, alpha=1, beta=0, A=[0,1], x=[0,1] gives y=[0] instead of [1]
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
    for (int offset = WARP / 2; offset > 1; offset /= 2)
        sum += __shfl_xor_sync(FULL_MASK, sum, offset);

    if (lane == 0)
        y[row] = alpha * sum + beta * y[row];
}
