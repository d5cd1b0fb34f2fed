// EXPECT: not-equivalent
// BUG-CLASS: wrong-constant
// NOTE: the j-direction weight is 0.25 instead of 0.125; n=3, A all 0 except A[1][2][1]=1 (with 2 threads or one): B[1][1][1]=0.25 instead of 0.125
void heat_3d_step(int n, double A[n][n][n], double B[n][n][n])
{
    int i, j, k;

#pragma omp parallel for default(none) shared(n, A, B) private(i, j, k) schedule(static)
    for (i = 1; i < n - 1; i++) {
        for (j = 1; j < n - 1; j++) {
            for (k = 1; k < n - 1; k++) {
                B[i][j][k] = 0.125 * (A[i + 1][j][k] - 2.0 * A[i][j][k] + A[i - 1][j][k])
                           + 0.25 * (A[i][j + 1][k] - 2.0 * A[i][j][k] + A[i][j - 1][k])
                           + 0.125 * (A[i][j][k + 1] - 2.0 * A[i][j][k] + A[i][j][k - 1])
                           + A[i][j][k];
            }
        }
    }
}
