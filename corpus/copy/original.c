/* RAJAPerf-style Stream COPY: b = a */
void copy(int n, const float *a, float *b)
{
    for (int i = 0; i < n; i++) {
        b[i] = a[i];
    }
}
