// EXPECT: not-equivalent
// BUG-CLASS: wrong-operator
// NOTE: subtracts s*c instead of adding it; n=1, s=1, b=[0], c=[1] (with 2 threads or one): a=[-1] instead of [1]
void triad(int n, double s, double *a, double *b, double *c)
{
    int j;

#pragma omp parallel for default(none) shared(n, s, a, b, c) private(j) schedule(static)
    for (j = 0; j < n; j++)
        a[j] = b[j] - s * c[j];
}
