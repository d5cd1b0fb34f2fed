// EXPECT: equivalent
// SCOPE: bounded
// ARGS: --launch '<<<(m + 7) / 8, 256>>>'
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

    if (lane == 0)
        y[row] = alpha * sum + beta * y[row];
}
