// EXPECT: not-equivalent
// BUG-CLASS: off-by-one
// NOTE: the q loop stops at j < m - 1, dropping the last column of A p; n=1, m=1, A=[[1]], p=[1] (with 2 threads or one): q=[0] instead of [1]
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
            for (j = 0; j < m - 1; j++)
                q[i] = q[i] + A[i][j] * p[j];
        }
    }
}
