// EXPECT: not-equivalent
// BUG-CLASS: wrong-reduction-identity
// NOTE: hand-rolled reduction (per-thread partial, omp atomic into s) whose partials start at 1.0 instead of 0, so the result is too large by the number of threads T; n=1, x=[0], y=[0] gives T (e.g. 2) instead of 0
double dot(int n, const double *x, const double *y)
{
    double s = 0.0;

#pragma omp parallel
    {
        double part = 1.0;
        int i;
#pragma omp for schedule(static)
        for (i = 0; i < n; i++)
            part += x[i] * y[i];
#pragma omp atomic
        s += part;
    }
    return s;
}
