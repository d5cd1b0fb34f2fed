// EXPECT: equivalent
// SCOPE: all-sizes
/* OpenMP port of dot: parallel for with a + reduction */
double dot(int n, const double *x, const double *y)
{
    double s = 0.0;
    int i;

#pragma omp parallel for reduction(+:s) schedule(static)
    for (i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}
