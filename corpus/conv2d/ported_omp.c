// EXPECT: equivalent
// SCOPE: all-sizes
/* OpenMP offload port of 2DCONV: target teams over the collapsed interior */
#include "conv2d.h"

void conv2d(int ni, int nj, DATA_TYPE A[ni][nj], DATA_TYPE B[ni][nj])
{
    int i, j;
    DATA_TYPE c11, c12, c13, c21, c22, c23, c31, c32, c33;

    c11 = +0.2f;  c21 = +0.5f;  c31 = -0.8f;
    c12 = -0.3f;  c22 = +0.6f;  c32 = -0.9f;
    c13 = +0.4f;  c23 = +0.7f;  c33 = +0.10f;

#pragma omp target teams distribute parallel for collapse(2) \
        map(to: A[0:ni][0:nj]) map(tofrom: B[0:ni][0:nj]) \
        firstprivate(c11, c12, c13, c21, c22, c23, c31, c32, c33)
    for (i = 1; i < ni - 1; ++i) {
        for (j = 1; j < nj - 1; ++j) {
            B[i][j] = c11 * A[i - 1][j - 1] + c12 * A[i + 0][j - 1] + c13 * A[i + 1][j - 1]
                    + c21 * A[i - 1][j + 0] + c22 * A[i + 0][j + 0] + c23 * A[i + 1][j + 0]
                    + c31 * A[i - 1][j + 1] + c32 * A[i + 0][j + 1] + c33 * A[i + 1][j + 1];
        }
    }
}
