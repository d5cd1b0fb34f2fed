// EXPECT: not-equivalent
// BUG-CLASS: wrong-operator
// NOTE: hi is applied before lo, so when lo > hi the result is lo instead of hi; n=1, lo=1, hi=0, x=[0.5] (with 2 threads or one): y=[1] instead of [0]
void clamp(int n, float lo, float hi, const float *x, float *y)
{
    int i;
    float v;

#pragma omp parallel for private(v) firstprivate(lo, hi) schedule(static)
    for (i = 0; i < n; i++) {
        v = x[i];
        if (v > hi)
            v = hi;
        if (v < lo)
            v = lo;
        y[i] = v;
    }
}
