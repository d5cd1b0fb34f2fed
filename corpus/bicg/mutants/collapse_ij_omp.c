// EXPECT: not-equivalent
// BUG-CLASS: wrong-collapse
// NOTE: the fused i-j loop is collapse(2)d, but s[j] is accumulated over i and q[i] over j, so different (i, j) iterations update the same element; with 2 threads, n=2, m=1, A=[[1],[1]], r=[1,1]: iterations (0,0) and (1,0) race on s[0] and a lost update gives s=[1] instead of [2]
void kernel_bicg(int m, int n, double A[n][m], double s[m], double q[n], double p[m], double r[n])
{
    int i, j;

    for (i = 0; i < m; i++)
        s[i] = 0;
    for (i = 0; i < n; i++)
        q[i] = 0.0;

#pragma omp parallel for collapse(2)
    for (i = 0; i < n; i++)
        for (j = 0; j < m; j++) {
            s[j] = s[j] + r[i] * A[i][j];
            q[i] = q[i] + A[i][j] * p[j];
        }
}
