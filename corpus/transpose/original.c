/* Out-of-place matrix transpose: B = A^T, A is m x n */
void transpose(int m, int n, const double A[m][n], double B[n][m])
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            B[j][i] = A[i][j];
}
