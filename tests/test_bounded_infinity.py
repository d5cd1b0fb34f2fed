"""Infinite constants in the bounded check over reals (`-INFINITY` as the identity of a max): decided
as IEEE does against finite values, a stand-in symbol otherwise, refused where arithmetic sees it."""
from __future__ import annotations

from portproof.validator.bounded import RealDomain, _check_sizes
from portproof.validator.cli import run
from portproof.validator.contract import load_contract
from portproof.validator.decide import Options, load_pair
from portproof.validator.inputs import Sizes
from portproof.validator.verdict import Equivalent, NotEquivalent

MAX = """\
#include <math.h>
float vmax(int n, const float *x)
{
    float m = -INFINITY;
    for (int i = 0; i < n; i++)
        m = fmaxf(m, x[i]);
    return RESULT;
}
"""

# the same maximum as a tree over one block of 8 threads (a different term shape for z3)
MAX_TREE = """\
#include <math.h>
#include <cuda_runtime.h>
__global__ void tree(int n, const float *x, float *out)
{
    __shared__ float red[8];
    int t = threadIdx.x;
    float m = IDENTITY;
    for (int i = t; i < n; i += 8)
        m = fmaxf(m, x[i]);
    red[t] = m;
    __syncthreads();
    for (int s = 4; s > 0; s /= 2) {
        if (t < s)
            red[t] = fmaxf(red[t], red[t + s]);
        __syncthreads();
    }
    if (t == 0)
        *out = red[0];
}
float vmax(int n, const float *x)
{
    float *dx, *dout, m;
    cudaMalloc(&dx, n * sizeof(float));
    cudaMalloc(&dout, sizeof(float));
    cudaMemcpy(dx, x, n * sizeof(float), cudaMemcpyHostToDevice);
    tree<<<1, 8>>>(n, dx, dout);
    cudaMemcpy(&m, dout, sizeof(float), cudaMemcpyDeviceToHost);
    return m;
}
"""


def _files(tmp_path, original: str, port: str) -> list[str]:
    (tmp_path / "orig.c").write_text(original)
    (tmp_path / "port.cu").write_text(port)
    (tmp_path / "contract.toml").write_text('[extents]\nx = "n"\n')
    return [str(tmp_path / "orig.c"), str(tmp_path / "port.cu"), "--contract", str(tmp_path / "contract.toml")]


def test_minus_infinity_identity_of_a_max_tree_is_equivalent_bounded(tmp_path):
    files = _files(tmp_path, MAX.replace("RESULT", "m"), MAX_TREE.replace("IDENTITY", "-INFINITY"))
    v = run(files)[0].verdict
    assert isinstance(v, Equivalent) and v.scope == "bounded" and v.bound == 4, v


def test_zero_identity_of_a_max_is_refuted(tmp_path):
    files = _files(tmp_path, MAX.replace("RESULT", "m"), MAX_TREE.replace("IDENTITY", "0.0f"))
    v = run(files)[0].verdict
    assert isinstance(v, NotEquivalent) and v.counterexample.confirmed, v


def test_infinity_reaching_arithmetic_is_refused(tmp_path):
    # m - m is NaN for n = 0 and 0 otherwise; reals would make it 0 whatever stands for -inf
    files = _files(tmp_path, MAX.replace("RESULT", "m - m"), MAX.replace("RESULT", "0.0f"))
    files[1] = str(tmp_path / "port.c")
    (tmp_path / "port.c").write_text(MAX.replace("RESULT", "0.0f"))
    pair = load_pair(files[0], files[1], Options(contract=load_contract(files[3])), [])
    outcome = _check_sizes(pair, Sizes((("n", 0),)), 5000, RealDomain())
    assert outcome[0] == "stopped" and "infinite constant may reach arithmetic" in outcome[1], outcome
    # where the maximum is of at least one input, it is finite and m - m is 0 on both sides
    assert _check_sizes(pair, Sizes((("n", 2),)), 5000, RealDomain()) is None
