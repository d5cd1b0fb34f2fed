// EXPECT: not-equivalent
// BUG-CLASS: wrong-index
// NOTE: the second nest reads tmp[i][j] instead of tmp[i][k]; ni=1, nj=1, nk=1, nl=2 (with 2 threads or one): j=1 reads tmp[0][1], out of bounds of the 1 x 1 tmp
void kernel_2mm(int ni, int nj, int nk, int nl, double alpha, double beta,
                double tmp[ni][nj], double A[ni][nk], double B[nk][nj],
                double C[nj][nl], double D[ni][nl])
{
    int i, j, k;

#pragma omp parallel for collapse(2) private(k) schedule(static)
    for (i = 0; i < ni; i++)
        for (j = 0; j < nj; j++) {
            tmp[i][j] = 0.0;
            for (k = 0; k < nk; ++k)
                tmp[i][j] += alpha * A[i][k] * B[k][j];
        }

#pragma omp parallel for collapse(2) private(k) schedule(static)
    for (i = 0; i < ni; i++)
        for (j = 0; j < nl; j++) {
            D[i][j] *= beta;
            for (k = 0; k < nj; ++k)
                D[i][j] += tmp[i][j] * C[k][j];
        }
}
