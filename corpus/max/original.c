/* Largest element of an int vector (INT_MIN for an empty vector) */
#include <limits.h>

int vmax(int n, const int *x)
{
    int m = INT_MIN;
    int i;

    for (i = 0; i < n; i++)
        if (x[i] > m)
            m = x[i];
    return m;
}
