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
