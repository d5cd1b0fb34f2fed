// EXPECT: not-equivalent
// BUG-CLASS: missing-atomic
// ARGS: --contract corpus/histogram/contract.toml
// NOTE: bins[v]++ without #pragma omp atomic; with 2 threads, n=2, data=[3,3]: the threads running i=0 and i=1 race on bins[3] (a lost update gives 1 instead of 2)
#define NBINS 16

void histogram(int n, const int *data, int *bins)
{
    int i, b;

    for (b = 0; b < NBINS; b++)
        bins[b] = 0;
#pragma omp parallel for default(none) shared(n, data, bins)
    for (i = 0; i < n; i++) {
        int v = data[i];
        if (v >= 0 && v < NBINS)
            bins[v]++;
    }
}
