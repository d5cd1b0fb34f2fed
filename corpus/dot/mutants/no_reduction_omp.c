// EXPECT: not-equivalent
// BUG-CLASS: missing-reduction
// NOTE: the reduction(+:s) clause is missing, so every thread updates the shared s without synchronisation; with 2 threads, n=2: the threads running i=0 and i=1 race on s (x=[1,1], y=[1,1] can give 1 instead of 2)
double dot(int n, const double *x, const double *y)
{
    double s = 0.0;
    int i;

#pragma omp parallel for schedule(static)
    for (i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}
