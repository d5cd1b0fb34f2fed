/* Inclusive prefix sum: y[i] = x[0] + ... + x[i] */
void prefix_sum(int n, const float *x, float *y)
{
    float s = 0.0f;
    int i;

    for (i = 0; i < n; i++) {
        s += x[i];
        y[i] = s;
    }
}
