// EXPECT: not-equivalent
// BUG-CLASS: off-by-one
// NOTE: the loop runs to i <= n, so the last iteration reads x[n] and writes y[n], one past the end of both arrays; n=1 (any thread count, 2 threads included): y[1] is written out of bounds
void saxpy(int n, float a, const float *x, float *y)
{
#pragma omp parallel for schedule(static)
    for (int i = 0; i <= n; i++)
        y[i] = a * x[i] + y[i];
}
