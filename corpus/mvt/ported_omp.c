// EXPECT: equivalent
// SCOPE: all-sizes
/* OpenMP port of PolyBench mvt: two parallel for loops over rows, inner counter private */
void kernel_mvt(int n, double x1[n], double x2[n], double y_1[n], double y_2[n], double A[n][n])
{
    int i, j;

#pragma omp parallel for private(j) schedule(static)
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            x1[i] = x1[i] + A[i][j] * y_1[j];

#pragma omp parallel for private(j) schedule(dynamic)
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            x2[i] = x2[i] + A[j][i] * y_2[j];
}
