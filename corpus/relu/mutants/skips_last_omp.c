// EXPECT: not-equivalent
// BUG-CLASS: off-by-one
// NOTE: the loop stops at n - 1, so y[n-1] is never written; n=1, x=[1] (with 2 threads or one): y[0] keeps its old value instead of 1
#include <math.h>

void relu(int n, const float *x, float *y)
{
#pragma omp target teams distribute parallel for map(to: x[0:n]) map(from: y[0:n])
    for (int i = 0; i < n - 1; i++) {
        y[i] = fmaxf(x[i], 0.0f);
    }
}
