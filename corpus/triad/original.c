/* STREAM triad: a = b + s * c */
void triad(int n, double s, double *a, double *b, double *c)
{
    int j;
    for (j = 0; j < n; j++)
        a[j] = b[j] + s * c[j];
}
