// EXPECT: not-equivalent
// BUG-CLASS: off-by-one
// NOTE: the column loop runs to j <= n - 1, so the boundary column n-1 is overwritten (and A[i][n] read); n=3 (with 2 threads or one): B[1][2] is written, the original leaves it alone
void jacobi_2d_step(int n, double A[n][n], double B[n][n])
{
    int i, j;

#pragma omp parallel for collapse(2) schedule(static)
    for (i = 1; i < n - 1; i++)
        for (j = 1; j <= n - 1; j++)
            B[i][j] = 0.2 * (A[i][j] + A[i][j - 1] + A[i][1 + j] + A[1 + i][j] + A[i - 1][j]);
}
