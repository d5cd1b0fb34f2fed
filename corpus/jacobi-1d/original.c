/* One Jacobi sweep of the 1-D 3-point stencil, A -> B (PolyBench jacobi-1d body) */
void jacobi_1d_step(int n, double A[n], double B[n])
{
    for (int i = 1; i < n - 1; i++)
        B[i] = 0.33333 * (A[i - 1] + A[i] + A[i + 1]);
}
