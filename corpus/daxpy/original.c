/* BLAS-1 daxpy: y = a*x + y (double precision) */
void daxpy(int n, double a, const double *x, double *y)
{
    int i;
    for (i = 0; i < n; i++) {
        y[i] += a * x[i];
    }
}
