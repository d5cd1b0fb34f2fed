/* Out-of-place transpose of an m x n row-major matrix: B (n x m) = A^T */
void transpose(int m, int n, const float *A, float *B)
{
    int i, j;

    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++)
            B[j * m + i] = A[i * n + j];
}
