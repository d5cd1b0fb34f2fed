/* Sum of a float vector */
float vsum(int n, const float *x)
{
    float s = 0.0f;
    int i;

    for (i = 0; i < n; i++)
        s += x[i];
    return s;
}
