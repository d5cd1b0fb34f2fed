// EXPECT: not-equivalent
// BUG-CLASS: private-forgotten
// NOTE: the temporary t is declared at function scope and not made private, so all threads share it; with 2 threads, n=2, s=1, b=[1,2], c=[0,0]: the thread running j=0 can store t=1, the thread running j=1 overwrite it with t=2 before a[0] = t, giving a=[2,2] instead of [1,2]
void triad(int n, double s, double *a, double *b, double *c)
{
    int j;
    double t;

#pragma omp parallel for schedule(static)
    for (j = 0; j < n; j++) {
        t = b[j] + s * c[j];
        a[j] = t;
    }
}
