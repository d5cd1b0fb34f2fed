// EXPECT: not-equivalent
// BUG-CLASS: private-forgotten
// NOTE: only the i loop is parallel and j, declared at function scope, is not private, so the threads share the column counter; with 2 threads, n=4: the threads running i=1 and i=2 race on j (one can skip columns of its row, leaving B[i][j] unwritten)
void jacobi_2d_step(int n, double A[n][n], double B[n][n])
{
    int i, j;

#pragma omp parallel for schedule(static)
    for (i = 1; i < n - 1; i++)
        for (j = 1; j < n - 1; j++)
            B[i][j] = 0.2 * (A[i][j] + A[i][j - 1] + A[i][1 + j] + A[1 + i][j] + A[i - 1][j]);
}
