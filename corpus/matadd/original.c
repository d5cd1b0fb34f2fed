/* 2D matrix addition on row-major flattened arrays: C = A + B, all m x n */
void matadd(int m, int n, const float *A, const float *B, float *C)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            C[i * n + j] = A[i * n + j] + B[i * n + j];
}
