// EXPECT: not-equivalent
// BUG-CLASS: wrong-collapse
// NOTE: the beta scaling is split off and the i-k-j update loop is collapse(2)d over i and k, so iterations (i, k=0) and (i, k=1) of different threads both update C[i][j] (a race); with 2 threads, ni=nj=1, nk=2, alpha=1, beta=0, A=[1,1], B=[1,1]: a lost update gives C=[1] instead of [2]
#define DATA_TYPE double

void kernel_gemm(int ni, int nj, int nk, DATA_TYPE alpha, DATA_TYPE beta,
                 DATA_TYPE C[ni][nj], DATA_TYPE A[ni][nk], DATA_TYPE B[nk][nj])
{
    int i, j, k;

#pragma omp parallel for collapse(2)
    for (i = 0; i < ni; i++)
        for (j = 0; j < nj; j++)
            C[i][j] *= beta;

#pragma omp parallel for collapse(2) private(j)
    for (i = 0; i < ni; i++)
        for (k = 0; k < nk; k++)
            for (j = 0; j < nj; j++)
                C[i][j] += alpha * A[i][k] * B[k][j];
}
