"""The CPU emulation of CUDA: a `__shared__` array ends at a guard page, so a port that writes one past
its end (found in the IR) faults when run from source and is refuted."""
from __future__ import annotations

from portproof.translators.cuda_emulation import emulation_source
from portproof.validator.cli import run
from portproof.validator.verdict import NotEquivalent

ORIGINAL = """\
#define NBINS 16
void histogram(int n, const int *data, int *bins)
{
    for (int b = 0; b < NBINS; b++)
        bins[b] = 0;
    for (int i = 0; i < n; i++)
        if (data[i] >= 0 && data[i] < NBINS)
            bins[data[i]]++;
}
"""

# one block of 32 threads counting into shared bins; the guard lets v = NBINS through
PORT = """\
#include <cuda_runtime.h>
#define NBINS 16
__global__ void count(int n, const int *data, int *bins)
{
    __shared__ int local[NBINS], spare[2];
    for (int b = threadIdx.x; b < NBINS; b += blockDim.x)
        local[b] = 0;
    __syncthreads();
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        int v = data[i];
        if (v >= 0 && v <= NBINS)
            atomicAdd(&local[v], 1);
    }
    __syncthreads();
    for (int b = threadIdx.x; b < NBINS; b += blockDim.x)
        bins[b] = local[b];
}
void histogram(int n, const int *data, int *bins)
{
    int *d_data, *d_bins;
    cudaMalloc(&d_data, n * sizeof(int));
    cudaMalloc(&d_bins, NBINS * sizeof(int));
    cudaMemcpy(d_data, data, n * sizeof(int), cudaMemcpyHostToDevice);
    count<<<1, 32>>>(n, d_data, d_bins);
    cudaMemcpy(bins, d_bins, NBINS * sizeof(int), cudaMemcpyDeviceToHost);
}
"""


def test_shared_arrays_are_guarded_references_with_lines_kept():
    text = emulation_source(PORT)
    assert text.count("\n") == PORT.count("\n")
    assert "PORTPROOF_SHARED_ARRAY(local)[NBINS] PORTPROOF_SHARED_AT(int[NBINS])" in text
    assert "PORTPROOF_SHARED_ARRAY(spare)[2] PORTPROOF_SHARED_AT(int[2])" in text


def test_write_past_a_shared_array_is_refuted_from_source(tmp_path):
    (tmp_path / "orig.c").write_text(ORIGINAL)
    (tmp_path / "port.cu").write_text(PORT)
    (tmp_path / "contract.toml").write_text('[extents]\ndata = "n"\nbins = "NBINS"\n')
    v = run([str(tmp_path / "orig.c"), str(tmp_path / "port.cu"), "--contract", str(tmp_path / "contract.toml")])[0].verdict
    assert isinstance(v, NotEquivalent), v
    cex = v.counterexample
    assert cex.confirmed and cex.kind == "fault" and "SIGSEGV" in cex.detail, cex


STENCIL = """\
void step(int n, double A[n], double B[n])
{
    for (int i = 1; i < n - 1; i++)
        B[i] = 0.5 * (A[i - 1] + A[i + 1]);
}
"""

# the tile holds the block's 32 points and one halo slot each side; the launch gives it `TILE` doubles
TILED = """\
__global__ void step(int n, const double *A, double *B)
{
    extern __shared__ double s[];
    int g = blockIdx.x * blockDim.x + threadIdx.x, t = threadIdx.x + 1;
    if (g < n) s[t] = A[g];
    if (threadIdx.x == 0 && g > 0 && g - 1 < n) s[0] = A[g - 1];
    if (threadIdx.x == blockDim.x - 1 && g + 1 < n) s[t + 1] = A[g + 1];
    __syncthreads();
    if (g >= 1 && g < n - 1) B[g] = 0.5 * (s[t - 1] + s[t + 1]);
}
"""


def test_dynamic_shared_memory_ends_where_the_launch_says(tmp_path):
    (tmp_path / "step.c").write_text(STENCIL)
    (tmp_path / "step.cu").write_text(TILED)
    launch = "<<<(n + 31) / 32, 32, {} * sizeof(double)>>>"
    right, _ = run([str(tmp_path / "step.c"), str(tmp_path / "step.cu"), "--launch", launch.format("(32 + 2)")])
    assert right.verdict.verdict == "equivalent"
    short, _ = run([str(tmp_path / "step.c"), str(tmp_path / "step.cu"), "--launch", launch.format("32")])
    assert isinstance(short.verdict, NotEquivalent) and short.verdict.counterexample.confirmed
    assert "SIGSEGV" in short.verdict.counterexample.detail or "invalid memory" in short.verdict.counterexample.detail
