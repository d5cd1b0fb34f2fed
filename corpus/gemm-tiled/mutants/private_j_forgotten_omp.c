// EXPECT: not-equivalent
// BUG-CLASS: private-forgotten
// NOTE: j and k are declared at function scope and not listed private, so all threads share the inner loop counters; with 2 threads, ni=2, nj=nk=1: the threads running i=0 and i=1 race on j and k (one thread can reset j while the other is in its j loop, skipping or repeating updates)
#define DATA_TYPE double

void kernel_gemm(int ni, int nj, int nk, DATA_TYPE alpha, DATA_TYPE beta,
                 DATA_TYPE C[ni][nj], DATA_TYPE A[ni][nk], DATA_TYPE B[nk][nj])
{
    int i, j, k;

#pragma omp parallel for schedule(static)
    for (i = 0; i < ni; i++) {
        for (j = 0; j < nj; j++)
            C[i][j] *= beta;
        for (k = 0; k < nk; k++)
            for (j = 0; j < nj; j++)
                C[i][j] += alpha * A[i][k] * B[k][j];
    }
}
