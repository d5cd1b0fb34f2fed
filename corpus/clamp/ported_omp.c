// EXPECT: equivalent
// SCOPE: all-sizes
/* OpenMP port of clamp: the temporary is private, the bounds firstprivate */
void clamp(int n, float lo, float hi, const float *x, float *y)
{
    int i;
    float v;

#pragma omp parallel for private(v) firstprivate(lo, hi) schedule(static)
    for (i = 0; i < n; i++) {
        v = x[i];
        if (v < lo)
            v = lo;
        if (v > hi)
            v = hi;
        y[i] = v;
    }
}
