// EXPECT: equivalent
// SCOPE: all-sizes
/* OpenMP port of PolyBench bicg: the fused loop split into s = A^T r (over columns) and q = A p (over rows) */
void kernel_bicg(int m, int n, double A[n][m], double s[m], double q[n], double p[m], double r[n])
{
    int i, j;

#pragma omp parallel shared(A, s, q, p, r) private(i, j)
    {
#pragma omp for schedule(static)
        for (j = 0; j < m; j++) {
            s[j] = 0;
            for (i = 0; i < n; i++)
                s[j] = s[j] + r[i] * A[i][j];
        }

#pragma omp for schedule(static)
        for (i = 0; i < n; i++) {
            q[i] = 0.0;
            for (j = 0; j < m; j++)
                q[i] = q[i] + A[i][j] * p[j];
        }
    }
}
