// EXPECT: equivalent
// SCOPE: all-sizes
/* OpenMP offload port of ReLU (target teams distribute parallel for with explicit maps) */
#include <math.h>

void relu(int n, const float *x, float *y)
{
#pragma omp target teams distribute parallel for map(to: x[0:n]) map(from: y[0:n])
    for (int i = 0; i < n; i++) {
        y[i] = fmaxf(x[i], 0.0f);
    }
}
