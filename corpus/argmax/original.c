/* Index of the first largest element (0 for an empty vector) */
int argmax(int n, const int *x)
{
    int best = 0;
    int i;

    for (i = 1; i < n; i++)
        if (x[i] > x[best])
            best = i;
    return best;
}
