/* Histogram of small non-negative integers into NBINS bins; values outside [0, NBINS) are ignored */
#define NBINS 16

void histogram(int n, const int *data, int *bins)
{
    int i, b;

    for (b = 0; b < NBINS; b++)
        bins[b] = 0;
    for (i = 0; i < n; i++) {
        int v = data[i];
        if (v >= 0 && v < NBINS)
            bins[v]++;
    }
}
