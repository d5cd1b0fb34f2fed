// EXPECT: not-equivalent
// BUG-CLASS: private-forgotten
// NOTE: the temporary v is declared outside the loop and not listed private, so it is shared; with 2 threads, n=2, lo=0, hi=10, x=[1,2]: the thread running i=1 can overwrite v between the other thread's v = x[0] and y[0] = v, giving y=[2,2] instead of [1,2]
void clamp(int n, float lo, float hi, const float *x, float *y)
{
    int i;
    float v;

#pragma omp parallel for firstprivate(lo, hi) schedule(static)
    for (i = 0; i < n; i++) {
        v = x[i];
        if (v < lo)
            v = lo;
        if (v > hi)
            v = hi;
        y[i] = v;
    }
}
