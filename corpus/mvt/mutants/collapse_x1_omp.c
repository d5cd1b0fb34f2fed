// EXPECT: not-equivalent
// BUG-CLASS: wrong-collapse
// NOTE: collapse(2) on the x1 nest distributes the j iterations of one row over threads, but they all update x1[i]; with 2 threads (static schedule), n=3, x1=[0,0,0], A all 1, y_1=[1,1,1]: the 9 iterations split 5/4, so (1,1) on thread 0 and (1,2) on thread 1 race on x1[1] and a lost update gives x1[1]=2 instead of 3
void kernel_mvt(int n, double x1[n], double x2[n], double y_1[n], double y_2[n], double A[n][n])
{
    int i, j;

#pragma omp parallel for collapse(2) schedule(static)
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            x1[i] = x1[i] + A[i][j] * y_1[j];

#pragma omp parallel for private(j) schedule(dynamic)
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            x2[i] = x2[i] + A[j][i] * y_2[j];
}
