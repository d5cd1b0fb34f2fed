"""The bounded check with data-dependent subscripts (`bins[data[i]]++`, `y[i] = t[idx[i]]`):
select chains for reads, element-wise updates for writes, out-of-bounds as a solver condition."""
from __future__ import annotations

import numpy as np

from portproof.validator.bounded import RealDomain, _check_sizes
from portproof.validator.cli import run
from portproof.validator.confirm import Sources, execute_both
from portproof.validator.contract import load_contract
from portproof.validator.decide import Options, load_pair
from portproof.validator.inputs import Sizes
from portproof.validator.verdict import Equivalent, NotEquivalent

HISTOGRAM = """\
#define NBINS 16
void histogram(int n, const int *data, int *bins)
{
    for (int b = 0; b < NBINS; b++)
        bins[b] = 0;
    for (int i = 0; i < n; i++) {
        int v = data[i];
        if (v >= 0 && v < NBINS)
            bins[v]++;
    }
}
"""

# an OpenMP port; GUARD is replaced per test
HISTOGRAM_OMP = """\
#define NBINS 16
void histogram(int n, const int *data, int *bins)
{
    for (int b = 0; b < NBINS; b++)
        bins[b] = 0;
#pragma omp parallel for
    for (int i = 0; i < n; i++) {
        int v = data[i];
        if (GUARD) {
#pragma omp atomic
            bins[v]++;
        }
    }
}
"""

CONTRACT = """\
[extents]
data = "n"
bins = "NBINS"
"""


def _files(tmp_path, original: str, port: str, contract: str = CONTRACT) -> list[str]:
    (tmp_path / "orig.c").write_text(original)
    (tmp_path / "port.c").write_text(port)
    (tmp_path / "contract.toml").write_text(contract)
    return [str(tmp_path / "orig.c"), str(tmp_path / "port.c"), "--contract", str(tmp_path / "contract.toml")]


def test_histogram_with_data_dependent_bins_is_equivalent_bounded(tmp_path):
    port = HISTOGRAM_OMP.replace("GUARD", "v >= 0 && v < NBINS")
    v = run(_files(tmp_path, HISTOGRAM, port))[0].verdict
    assert isinstance(v, Equivalent) and v.scope == "bounded" and v.bound == 4, v


def test_difference_at_one_data_value_is_found_by_z3_and_executed(tmp_path):
    # random data (small integers) never holds 13; z3 picks it, and running both programs shows it
    port = HISTOGRAM_OMP.replace("GUARD", "v >= 0 && v < NBINS && v != 13")
    fixed = 'fixed_macros = ["NBINS"]\n' + CONTRACT.replace('"NBINS"', '"16"')
    v = run(_files(tmp_path, HISTOGRAM, port, fixed))[0].verdict
    assert isinstance(v, NotEquivalent), v
    cex = v.counterexample
    assert cex.confirmed and "bounded check" in cex.detail, cex
    assert 13 in cex.arrays["data"] and cex.array == "bins" and cex.index == [13]
    assert (cex.expected, cex.actual) == (cex.arrays["data"].count(13), 0)


def test_original_out_of_bounds_inputs_are_outside_the_contract(tmp_path):
    # the original indexes with any value; only inputs it keeps in bounds are compared
    unguarded = HISTOGRAM.replace("if (v >= 0 && v < NBINS)\n", "")
    port = HISTOGRAM_OMP.replace("GUARD", "v >= 0 && v < NBINS")
    v = run(_files(tmp_path, unguarded, port))[0].verdict
    assert isinstance(v, Equivalent) and v.scope == "bounded", v
    assert any("original accesses out of bounds are outside the contract" in n and "bins[" in n for n in v.notes)


def _bounded_outcome(tmp_path, original: str, port: str, sizes: dict, contract: str = CONTRACT,
                     suffix: str = ".c"):
    files = _files(tmp_path, original, port, contract)
    if suffix != ".c":
        files[1] = str((tmp_path / "port").with_suffix(suffix))
        (tmp_path / "port").with_suffix(suffix).write_text(port)
    pair = load_pair(files[0], files[1], Options(contract=load_contract(files[3])), [])
    return pair, _check_sizes(pair, Sizes(tuple(sizes.items())), 5000, RealDomain())


def test_possible_out_of_bounds_write_of_the_port_is_a_fault_on_a_model(tmp_path):
    port = HISTOGRAM_OMP.replace("GUARD", "v >= 0 && v <= NBINS")
    _, (kind, (detail, inputs)) = _bounded_outcome(tmp_path, HISTOGRAM, port, {"n": 2, "NBINS": 3})
    assert kind == "fault model" and "out of bounds: bins[" in detail, detail
    assert 3 in inputs.arrays["data"].tolist()


GATHER = """\
void gather(int n, int m, const int *idx, const float *t, float *y)
{
    for (int i = 0; i < n; i++)
        y[i] = (idx[i] >= 0 && idx[i] < m) ? t[idx[i]] : 0.0f;
}
"""

GATHER_CUDA = """\
__global__ void gather(int n, int m, const int *idx, const float *t, float *y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        int k = idx[i];
        y[i] = 0.0f;
        if (k >= 0 && k < m)
            y[i] = t[OFFSET];
    }
}
"""

GATHER_CONTRACT = """\
launch = "<<<(n + 63) / 64, 64>>>"
[extents]
idx = "n"
t = "m"
y = "n"
"""


def test_gather_at_data_dependent_indices(tmp_path):
    sizes = {"n": 2, "m": 3}
    _, outcome = _bounded_outcome(tmp_path, GATHER, GATHER_CUDA.replace("OFFSET", "k"), sizes,
                                  GATHER_CONTRACT, ".cu")
    assert outcome is None
    # reading t[0] for the last index differs only where idx holds m - 1
    _, (kind, inputs) = _bounded_outcome(tmp_path, GATHER, GATHER_CUDA.replace("OFFSET", "k == m - 1 ? 0 : k"),
                                         sizes, GATHER_CONTRACT, ".cu")
    assert kind == "model" and 2 in inputs.arrays["idx"].tolist()


def test_model_inputs_reproduce_the_difference_when_executed(tmp_path):
    port = HISTOGRAM_OMP.replace("GUARD", "v >= 1 && v < NBINS")
    pair, (kind, inputs) = _bounded_outcome(tmp_path, HISTOGRAM, port, {"n": 1, "NBINS": 2})
    assert kind == "model" and inputs.arrays["data"].tolist() == [0]
    orig, ported, _ = execute_both(pair, Sources(str(tmp_path / "orig.c"), str(tmp_path / "port.c")),
                                   inputs, timeout_s=20)
    assert np.ravel(orig.arrays["bins"]).tolist() == [1, 0] and np.ravel(ported.arrays["bins"]).tolist() == [0, 0]


def test_data_dependent_access_of_an_empty_array_faults(tmp_path):
    # with NBINS = 0 every bins[v] is out of bounds: the original faults wherever it counts a value
    _, outcome = _bounded_outcome(tmp_path, HISTOGRAM.replace("v >= 0 && v < NBINS", "1"),
                                  HISTOGRAM_OMP.replace("GUARD", "1"), {"n": 1, "NBINS": 0})
    assert outcome[0] == "skipped" and "outside extent (0)" in outcome[1], outcome


ROWS = """\
void pick(int n, int m, const int idx[n], const float A[n][m], float y[n])
{
    for (int i = 0; i < n; i++)
        if (idx[i] >= 0 && idx[i] < m)
            y[i] = A[i][idx[i]];
}
"""


def test_data_dependent_subscript_of_a_two_dimensional_array(tmp_path):
    port = ROWS.replace("A[i][idx[i]]", "A[i][OFFSET]")
    contract = "[extents]\n"
    sizes = {"n": 2, "m": 3}
    _, outcome = _bounded_outcome(tmp_path, ROWS, port.replace("OFFSET", "idx[i]"), sizes, contract)
    assert outcome is None
    _, (kind, inputs) = _bounded_outcome(tmp_path, ROWS, port.replace("OFFSET", "m - 1 - idx[i]"), sizes, contract)
    assert kind == "model" and inputs.arrays["idx"].tolist() != [1, 1]
