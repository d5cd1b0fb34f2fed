// EXPECT: equivalent
// SCOPE: bounded
// ARGS: --contract corpus/histogram/contract.toml
/* OpenMP port of histogram: parallel for with omp atomic updates of the shared bins */
#define NBINS 16

void histogram(int n, const int *data, int *bins)
{
    int i, b;

    for (b = 0; b < NBINS; b++)
        bins[b] = 0;
#pragma omp parallel for default(none) shared(n, data, bins)
    for (i = 0; i < n; i++) {
        int v = data[i];
        if (v >= 0 && v < NBINS) {
#pragma omp atomic
            bins[v]++;
        }
    }
}
