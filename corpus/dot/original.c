/* BLAS ddot: x . y */
double dot(int n, const double *x, const double *y)
{
    double s = 0.0;
    int i;

    for (i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}
