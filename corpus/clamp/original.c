/* Clamp every element of x into [lo, hi] (lo is applied first, then hi). */
void clamp(int n, float lo, float hi, const float *x, float *y)
{
    for (int i = 0; i < n; i++) {
        float v = x[i];
        if (v < lo)
            v = lo;
        if (v > hi)
            v = hi;
        y[i] = v;
    }
}
