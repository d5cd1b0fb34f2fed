/* Euclidean norm ||x||_2 (BLAS snrm2 without the scaling) */
#include <math.h>

float nrm2(int n, const float *x)
{
    float s = 0.0f;
    int i;

    for (i = 0; i < n; i++)
        s += x[i] * x[i];
    return sqrtf(s);
}
