/* y = alpha * x (RAJAPerf Stream MUL, double precision) */
void scale(int n, double alpha, const double *x, double *y)
{
    int i;
    for (i = 0; i < n; i++)
        y[i] = alpha * x[i];
}
