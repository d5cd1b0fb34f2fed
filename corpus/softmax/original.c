/* Row-wise softmax of a rows x cols matrix, max-subtracted for stability */
#include <math.h>

void softmax(int rows, int cols, const float *x, float *y)
{
    int r, c;

    for (r = 0; r < rows; r++) {
        float m = -INFINITY;
        float s = 0.0f;
        for (c = 0; c < cols; c++)
            m = fmaxf(m, x[r * cols + c]);
        for (c = 0; c < cols; c++) {
            float e = expf(x[r * cols + c] - m);
            y[r * cols + c] = e;
            s += e;
        }
        for (c = 0; c < cols; c++)
            y[r * cols + c] /= s;
    }
}
