// EXPECT: not-equivalent
// BUG-CLASS: private-forgotten
// NOTE: private(k) is missing: the collapsed i and j are private, but the function-scope k is shared by all threads; with 2 threads, ni=1, nj=2, nk=1: the threads running (0,0) and (0,1) of the tmp nest race on k (one thread's ++k can end the other's loop early, leaving tmp[0][j] = 0)
void kernel_2mm(int ni, int nj, int nk, int nl, double alpha, double beta,
                double tmp[ni][nj], double A[ni][nk], double B[nk][nj],
                double C[nj][nl], double D[ni][nl])
{
    int i, j, k;

#pragma omp parallel for collapse(2) schedule(static)
    for (i = 0; i < ni; i++)
        for (j = 0; j < nj; j++) {
            tmp[i][j] = 0.0;
            for (k = 0; k < nk; ++k)
                tmp[i][j] += alpha * A[i][k] * B[k][j];
        }

#pragma omp parallel for collapse(2) schedule(static)
    for (i = 0; i < ni; i++)
        for (j = 0; j < nl; j++) {
            D[i][j] *= beta;
            for (k = 0; k < nj; ++k)
                D[i][j] += tmp[i][k] * C[k][j];
        }
}
