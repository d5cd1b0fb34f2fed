// EXPECT: equivalent
// SCOPE: all-sizes
/* OpenMP port of the STREAM triad (default(none), every variable listed) */
void triad(int n, double s, double *a, double *b, double *c)
{
    int j;

#pragma omp parallel for default(none) shared(n, s, a, b, c) private(j) schedule(static)
    for (j = 0; j < n; j++)
        a[j] = b[j] + s * c[j];
}
