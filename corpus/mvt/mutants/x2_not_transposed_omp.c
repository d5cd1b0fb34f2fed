// EXPECT: not-equivalent
// BUG-CLASS: transposed-index
// NOTE: the x2 loop reads A[i][j] instead of A[j][i]; n=2, x2=[0,0], A=[[0,1],[0,0]], y_2=[1,1] (with 2 threads or one): x2=[1,0] instead of [0,1]
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
            x2[i] = x2[i] + A[i][j] * y_2[j];
}
