// EXPECT: not-equivalent
// BUG-CLASS: transposed-index
// NOTE: reads B[j][k] instead of B[k][j]; ni=1, nj=2, nk=1 (with 2 threads or one): j=1 reads B[1][0], out of bounds of the 1 x 2 B
#define DATA_TYPE double

void kernel_gemm(int ni, int nj, int nk, DATA_TYPE alpha, DATA_TYPE beta,
                 DATA_TYPE C[ni][nj], DATA_TYPE A[ni][nk], DATA_TYPE B[nk][nj])
{
    int i, j, k;
    DATA_TYPE sum;

#pragma omp target teams distribute parallel for collapse(2) private(k, sum) \
        map(to: A[0:ni][0:nk], B[0:nk][0:nj]) map(tofrom: C[0:ni][0:nj])
    for (i = 0; i < ni; i++) {
        for (j = 0; j < nj; j++) {
            sum = 0.0;
            for (k = 0; k < nk; k++)
                sum += A[i][k] * B[j][k];
            C[i][j] = beta * C[i][j] + alpha * sum;
        }
    }
}
