// EXPECT: not-equivalent
// BUG-CLASS: missing-barrier
// NOTE: both nests share one parallel region and the tmp nest has nowait, so a thread can start D += tmp*C while another is still writing tmp; with 2 threads, ni=1, nj=2, nk=1, nl=1: the thread running (0,0) of the D nest reads tmp[0][1] while the thread running (0,1) of the tmp nest writes it (a race on tmp[0][1])
void kernel_2mm(int ni, int nj, int nk, int nl, double alpha, double beta,
                double tmp[ni][nj], double A[ni][nk], double B[nk][nj],
                double C[nj][nl], double D[ni][nl])
{
    int i, j, k;

#pragma omp parallel private(i, j, k)
    {
#pragma omp for collapse(2) schedule(static) nowait
        for (i = 0; i < ni; i++)
            for (j = 0; j < nj; j++) {
                tmp[i][j] = 0.0;
                for (k = 0; k < nk; ++k)
                    tmp[i][j] += alpha * A[i][k] * B[k][j];
            }

#pragma omp for collapse(2) schedule(static)
        for (i = 0; i < ni; i++)
            for (j = 0; j < nl; j++) {
                D[i][j] *= beta;
                for (k = 0; k < nj; ++k)
                    D[i][j] += tmp[i][k] * C[k][j];
            }
    }
}
