// EXPECT: not-equivalent
// BUG-CLASS: private-forgotten
// ARGS: --contract corpus/histogram/contract.toml
// NOTE: v is declared outside the loop and listed as shared, not private; with 2 threads, n=2, data=[1,2]: thread A stores v=1, thread B stores v=2, thread A increments bins[2] (a race on v between the threads running i=0 and i=1; bins can come out [0,0,2,...] instead of [0,1,1,...])
#define NBINS 16

void histogram(int n, const int *data, int *bins)
{
    int i, b, v;

    for (b = 0; b < NBINS; b++)
        bins[b] = 0;
#pragma omp parallel for default(none) shared(n, data, bins, v)
    for (i = 0; i < n; i++) {
        v = data[i];
        if (v >= 0 && v < NBINS) {
#pragma omp atomic
            bins[v]++;
        }
    }
}
