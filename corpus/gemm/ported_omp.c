// EXPECT: equivalent
// SCOPE: all-sizes
/* OpenMP offload port of PolyBench gemm: one C element per iteration of a collapsed i-j nest, a private accumulator */
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
                sum += A[i][k] * B[k][j];
            C[i][j] = beta * C[i][j] + alpha * sum;
        }
    }
}
