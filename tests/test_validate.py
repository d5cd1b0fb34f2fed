"""End-to-end behaviour of `validate` beyond the corpus labels: size macros, launch limits, and
counterexamples that reproduce when executed again."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from portproof.corpus import cases
from portproof.validator.cli import run
from portproof.validator.confirm import Sources, execute_both
from portproof.validator.cli import options_from, parser
from portproof.validator.decide import load_pair
from portproof.validator.inputs import Inputs
from portproof.validator.search import RETURN
from portproof.validator.verdict import NotEquivalent

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

MACRO_ORIGINAL = """\
#define N 4096
#define M 2048
void scale2d(double alpha, double A[N][M], double B[N][M])
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++)
            B[i][j] = alpha * A[i][j];
}
"""

MACRO_PORT = """\
#define N 4096
#define M 2048
#define BLOCK %s
__global__ void k(double alpha, const double *A, double *B)
{
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    int i = blockIdx.y;
    if (j < M && i < N) B[i * M + j] = alpha * A[i * M + j];
}
void scale2d(double alpha, double *A, double *B)
{
    double *dA, *dB;
    cudaMalloc(&dA, N * M * sizeof(double));
    cudaMalloc(&dB, N * M * sizeof(double));
    cudaMemcpy(dA, A, N * M * sizeof(double), cudaMemcpyHostToDevice);
    k<<<dim3((M + BLOCK - 1) / BLOCK, N), BLOCK>>>(alpha, dA, dB);
    cudaMemcpy(B, dB, N * M * sizeof(double), cudaMemcpyDeviceToHost);
    cudaFree(dA); cudaFree(dB);
}
"""


def _write(tmp_path, original: str, port: str) -> tuple[str, str]:
    (tmp_path / "orig.c").write_text(original)
    (tmp_path / "port.cu").write_text(port)
    return str(tmp_path / "orig.c"), str(tmp_path / "port.cu")


def test_size_macros_are_proved_symbolically(tmp_path):
    result, _ = run([*_write(tmp_path, MACRO_ORIGINAL, MACRO_PORT % "128")])
    assert result.verdict.verdict == "equivalent" and result.verdict.scope == "all-sizes"
    assert any("size macros treated as parameters" in d and "N" in d for d in result.defaults)


def test_fixed_macro_is_not_generalised(tmp_path):
    orig, port = _write(tmp_path, MACRO_ORIGINAL, MACRO_PORT % "128")
    result, _ = run([orig, port, "-D", "N=3", "-D", "M=5"])
    assert result.verdict.verdict == "equivalent"
    assert not any("size macros" in d for d in result.defaults)


def test_launch_over_the_thread_limit_is_refuted(tmp_path):
    """2048 threads per block is an invalid launch on sm_90: the kernel never runs."""
    result, _ = run([*_write(tmp_path, MACRO_ORIGINAL, MACRO_PORT % "2048")])
    assert result.verdict.verdict == "not-equivalent"
    assert any(c.name == "launch" and c.status == "failed" for c in result.checks)
    assert result.verdict.counterexample.confirmed


MUTANTS = [c for c in cases(CORPUS) if c.expect == "not-equivalent"]


@pytest.fixture(scope="module")
def refutations():
    """Counterexamples that are differing outputs or faults, of a spread of mutants (one per pair, the first
    six pairs that have one; races and thread orders are re-run under ThreadSanitizer / in two orders elsewhere)."""
    seen, out = set(), []
    for c in MUTANTS:
        if c.pair in seen or len(out) == 6:
            continue
        result, _ = run([str(c.original), str(c.port), *c.args])
        assert isinstance(result.verdict, NotEquivalent), c.id
        if result.verdict.counterexample.kind in ("race", "thread order"):
            continue
        seen.add(c.pair)
        out.append((c, result.verdict.counterexample))
    return out


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(k=st.integers(0, 5))
def test_counterexample_reproduces_when_executed_again(refutations, k):
    """Re-running a reported counterexample from source, independently of the validation, differs."""
    case, cex = refutations[k % len(refutations)]
    args = parser().parse_args([str(case.original), str(case.port), *case.args])
    pair = load_pair(str(case.original), str(case.port), options_from(args), [])
    arrays = {name: np.asarray(values, dtype=_dtype(pair, name)) for name, values in cex.arrays.items()}
    inputs = Inputs(dict(cex.sizes), dict(cex.scalars), arrays)
    orig, port, _ = execute_both(pair, Sources(str(case.original), str(case.port)), inputs, 10)
    if port.fault:  # the port has no defined result here: the report must have said so
        assert "faults" in cex.detail, cex
        return
    name = cex.array
    if name == RETURN:
        got_o, got_p = np.asarray([orig.return_value]), np.asarray([port.return_value])
    else:
        got_o = np.ravel(orig.arrays[name])
        got_p = np.ravel(port.arrays[pair.port_names.get(name, name)])
    assert not np.allclose(got_o.astype(float), got_p.astype(float), rtol=1e-6, equal_nan=True)


def _dtype(pair, name):
    from portproof.ir.concrete import DTYPES
    return DTYPES[pair.orig_fn.param(name).type]


DOT_ORIGINAL = """\
double dot(int n, const double *x, const double *y)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}
"""

DOT_PORT = """\
#include <cuda_runtime.h>
__global__ void prod(int n, const double *x, const double *y, double *p)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) p[i] = x[i] * y[i];
}
double dot(int n, const double *x, const double *y)
{
    double *dx, *dy, *dp;
    cudaMalloc(&dx, n * sizeof(double)); cudaMalloc(&dy, n * sizeof(double)); cudaMalloc(&dp, n * sizeof(double));
    cudaMemcpy(dx, x, n * sizeof(double), cudaMemcpyHostToDevice);
    cudaMemcpy(dy, y, n * sizeof(double), cudaMemcpyHostToDevice);
    prod<<<(n + 127) / 128, 128>>>(n, dx, dy, dp);
    double *h = (double *)malloc(n * sizeof(double));
    cudaMemcpy(h, dp, n * sizeof(double), cudaMemcpyDeviceToHost);
    double s = 0.0;
    for (int i = 0; i < n; i++) s += h[i]%s;
    free(h);
    return s;
}
"""


def test_return_value_is_proved_for_all_sizes(tmp_path):
    result, _ = run([*_write(tmp_path, DOT_ORIGINAL, DOT_PORT % "")])
    assert result.verdict.verdict == "equivalent" and result.verdict.scope == "all-sizes"


def test_wrong_return_value_is_refuted(tmp_path):
    result, _ = run([*_write(tmp_path, DOT_ORIGINAL, DOT_PORT % " + (i == 2 ? 1.0 : 0.0)")])
    v = result.verdict
    assert isinstance(v, NotEquivalent) and v.counterexample.confirmed
    assert v.counterexample.array == "return value" and v.counterexample.sizes["n"] >= 3
    assert v.counterexample.expected != v.counterexample.actual


SAXPY = """\
void saxpy(int n, float a, const float *x, float *y)
{
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}
"""

SAXPY_RENAMED = """\
#include "launch.h"
__global__ void saxpy_kernel(int n, float alpha, const float *in, float *out)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = alpha * in[i] + out[i];
}
"""


def test_contract_maps_names_and_include_dirs_reach_headers(tmp_path):
    """A kernel whose parameters are named differently, mapped by a contract; a header found by -I."""
    orig, port = _write(tmp_path, SAXPY, SAXPY_RENAMED)
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "launch.h").write_text("#define PORTPROOF_TEST_BLOCK 128\n")
    (tmp_path / "contract.toml").write_text(
        'launch = "<<<(n + 127) / 128, 128>>>"\n'
        '[entry]\noriginal = "saxpy"\nport = "saxpy_kernel"\n'
        '[arrays]\nx = "in"\ny = "out"\na = "alpha"\n')
    result, _ = run([orig, port, "--contract", str(tmp_path / "contract.toml"), "-I", str(tmp_path / "inc")])
    assert result.verdict.verdict == "equivalent", result.verdict
    without, _ = run([orig, port, "--contract", str(tmp_path / "contract.toml")])
    assert without.verdict.verdict == "error" and "launch.h" in without.verdict.message


def test_host_pointer_given_to_a_kernel_is_refuted(tmp_path):
    port = DOT_PORT.replace("prod<<<(n + 127) / 128, 128>>>(n, dx, dy, dp);",
                            "prod<<<(n + 127) / 128, 128>>>(n, x, dy, dp);") % ""
    result, _ = run([*_write(tmp_path, DOT_ORIGINAL, port)])
    v = result.verdict
    assert isinstance(v, NotEquivalent) and v.counterexample.confirmed, v
    assert "host pointer 'x'" in v.counterexample.detail and "SIGSEGV" in v.counterexample.detail


def test_host_code_reading_device_memory_is_refuted(tmp_path):
    port = (DOT_PORT % "").replace("s += h[i]", "s += dp[i]")
    result, _ = run([*_write(tmp_path, DOT_ORIGINAL, port)])
    v = result.verdict
    assert isinstance(v, NotEquivalent) and v.counterexample.confirmed, v
    assert "device pointer 'dp'" in v.counterexample.detail


def test_data_dependent_indices_are_never_proved_by_skipping_sizes():
    """The original's data-dependent bin index stops the bounded check; it must not count as sizes
    where the original faults (which would make the bound vacuous). The port races on a shared bin."""
    pair = CORPUS / "histogram"
    result, _ = run([str(pair / "original.c"), str(pair / "mutants" / "shared_increment.cu"),
                     "--contract", str(pair / "contract.toml")])
    assert result.verdict.verdict != "equivalent", result.verdict


def test_emit_tests_flag_writes_a_suite(tmp_path):
    suite = tmp_path / "suite"
    result, _ = run([str(CORPUS / "gemm" / "original.c"), str(CORPUS / "gemm" / "mutants" / "floor_grid.cu"),
                     "--emit-tests", str(suite)])
    assert isinstance(result.verdict, NotEquivalent)
    assert any(c.name == "emit-tests" and c.status == "passed" for c in result.checks)
    assert (suite / "test_port.py").exists() and (suite / "case_0" / "inputs.json").exists()


DOT_ATOMIC = """\
__global__ void dot_kernel(int n, const double *x, const double *y, double *sum)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) %s;
}
double dot(int n, const double *x, const double *y)
{
    double *dx, *dy, *ds;
    cudaMalloc(&dx, n * sizeof(double)); cudaMalloc(&dy, n * sizeof(double)); cudaMalloc(&ds, sizeof(double));
    cudaMemcpy(dx, x, n * sizeof(double), cudaMemcpyHostToDevice);
    cudaMemcpy(dy, y, n * sizeof(double), cudaMemcpyHostToDevice);
    cudaMemset(ds, 0, sizeof(double));
    dot_kernel<<<(n + 255) / 256, 256>>>(n, dx, dy, ds);
    double *h = (double *)malloc(sizeof(double));
    cudaMemcpy(h, ds, sizeof(double), cudaMemcpyDeviceToHost);
    double s = h[0];
    free(h);
    return s;
}
"""


def test_atomic_reduction_is_proved_for_all_sizes(tmp_path):
    result, _ = run([*_write(tmp_path, DOT_ORIGINAL, DOT_ATOMIC % "atomicAdd(&sum[0], x[i] * y[i])")])
    assert result.verdict.verdict == "equivalent" and result.verdict.scope == "all-sizes", result.verdict


def test_reduction_without_atomic_is_never_proved(tmp_path):
    result, _ = run([*_write(tmp_path, DOT_ORIGINAL, DOT_ATOMIC % "sum[0] += x[i] * y[i]")])
    assert result.verdict.verdict != "equivalent", result.verdict
    assert "race" in str(result.verdict)


def test_integer_inputs_from_z3_stay_in_their_c_type():
    """argmax over int data: z3's unbounded integers once gave a model that overflowed int32."""
    pair = CORPUS / "argmax"
    result, _ = run([str(pair / "original.c"), str(pair / "ported.cu"), "--contract", str(pair / "contract.toml")])
    assert result.verdict.verdict == "equivalent", result.verdict
