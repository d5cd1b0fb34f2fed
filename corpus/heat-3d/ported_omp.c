// EXPECT: equivalent
// SCOPE: all-sizes
/* OpenMP port of one heat-3d step: default(none), planes in parallel, j and k private */
void heat_3d_step(int n, double A[n][n][n], double B[n][n][n])
{
    int i, j, k;

#pragma omp parallel for default(none) shared(n, A, B) private(i, j, k) schedule(static)
    for (i = 1; i < n - 1; i++) {
        for (j = 1; j < n - 1; j++) {
            for (k = 1; k < n - 1; k++) {
                B[i][j][k] = 0.125 * (A[i + 1][j][k] - 2.0 * A[i][j][k] + A[i - 1][j][k])
                           + 0.125 * (A[i][j + 1][k] - 2.0 * A[i][j][k] + A[i][j - 1][k])
                           + 0.125 * (A[i][j][k + 1] - 2.0 * A[i][j][k] + A[i][j][k - 1])
                           + A[i][j][k];
            }
        }
    }
}
