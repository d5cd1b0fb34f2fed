// EXPECT: not-equivalent
// BUG-CLASS: private-forgotten
// NOTE: the rows are distributed without collapse and j is not private, so the column counter is shared; with 2 threads, ni=4, nj=3: the threads running i=1 and i=2 race on j (one thread's ++j can end the other's row early, leaving B[i][1] unwritten)
#include "../conv2d.h"

void conv2d(int ni, int nj, DATA_TYPE A[ni][nj], DATA_TYPE B[ni][nj])
{
    int i, j;
    DATA_TYPE c11, c12, c13, c21, c22, c23, c31, c32, c33;

    c11 = +0.2f;  c21 = +0.5f;  c31 = -0.8f;
    c12 = -0.3f;  c22 = +0.6f;  c32 = -0.9f;
    c13 = +0.4f;  c23 = +0.7f;  c33 = +0.10f;

#pragma omp parallel for shared(j)
    for (i = 1; i < ni - 1; ++i) {
        for (j = 1; j < nj - 1; ++j) {
            B[i][j] = c11 * A[i - 1][j - 1] + c12 * A[i + 0][j - 1] + c13 * A[i + 1][j - 1]
                    + c21 * A[i - 1][j + 0] + c22 * A[i + 0][j + 0] + c23 * A[i + 1][j + 0]
                    + c31 * A[i - 1][j + 1] + c32 * A[i + 0][j + 1] + c33 * A[i + 1][j + 1];
        }
    }
}
