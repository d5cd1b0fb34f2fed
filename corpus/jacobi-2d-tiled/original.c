/* One Jacobi sweep of the 2-D 5-point stencil, A -> B (PolyBench jacobi-2d body) */
void jacobi_2d_step(int n, double A[n][n], double B[n][n])
{
    int i, j;

    for (i = 1; i < n - 1; i++)
        for (j = 1; j < n - 1; j++)
            B[i][j] = 0.2 * (A[i][j] + A[i][j - 1] + A[i][1 + j] + A[1 + i][j] + A[i - 1][j]);
}
