"""`--fp ieee`: bit-exact validation (IeeeDomain in the bounded check, exact comparison when confirming)."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import z3
from hypothesis import assume, given, settings, strategies as st

from portproof.ir.concrete import ConcreteDomain
from portproof.ir.types import F32, F64, I32, I64
from portproof.validator.bounded import IeeeDomain, _check_sizes
from portproof.validator.cli import run
from portproof.validator.confirm import Sources, execute_both
from portproof.validator.contract import Contract
from portproof.validator.decide import Options, load_pair
from portproof.validator.inputs import Sizes
from portproof.validator.search import exact_equal
from portproof.validator.verdict import NotEquivalent

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

SUM = """\
float sum(int n, const float *x)
{
    float s = 0.0f;
    for (int i = 0; i < n; i++)
        s += x[i];
    return s;
}
"""

# the same sum split two ways on the host: (x0 + x2 + ...) + (x1 + x3 + ...)
SUM_SPLIT = """\
#include <cuda_runtime.h>
#include <stdlib.h>
__global__ void copy(int n, const float *x, float *y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = x[i];
}
float sum(int n, const float *x)
{
    float *dx, *dy;
    cudaMalloc(&dx, n * sizeof(float)); cudaMalloc(&dy, n * sizeof(float));
    cudaMemcpy(dx, x, n * sizeof(float), cudaMemcpyHostToDevice);
    copy<<<(n + 127) / 128, 128>>>(n, dx, dy);
    float *h = (float *)malloc(n * sizeof(float));
    cudaMemcpy(h, dy, n * sizeof(float), cudaMemcpyDeviceToHost);
    float even = 0.0f, odd = 0.0f;
    for (int i = 0; i < n; i++) {
        if (i % 2 == 0) even += h[i];
        else odd += h[i];
    }
    free(h);
    cudaFree(dx); cudaFree(dy);
    return even + odd;
}
"""

SAXPY = """\
void saxpy(int n, float a, const float *x, float *y)
{
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}
"""

# computes in double and rounds once at the end: a*x is exact in double, so the float rounding of
# a*x that the original does is lost
SAXPY_IN_DOUBLE = """\
__global__ void saxpy(int n, float a, const float *x, float *y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = (float)((double)a * (double)x[i] + (double)y[i]);
}
"""

LAUNCH = ["--launch", "<<<(n + 127) / 128, 128>>>"]


def _write(tmp_path, original: str, port: str) -> tuple[str, str]:
    (tmp_path / "orig.c").write_text(original)
    (tmp_path / "port.cu").write_text(port)
    return str(tmp_path / "orig.c"), str(tmp_path / "port.cu")


def test_reassociated_sum_is_equivalent_as_reals(tmp_path):
    result, _ = run([*_write(tmp_path, SUM, SUM_SPLIT), "--fp", "real"])
    assert result.verdict.verdict == "equivalent", result.verdict


def test_reassociated_sum_is_refuted_bit_exactly(tmp_path):
    result, _ = run([*_write(tmp_path, SUM, SUM_SPLIT), "--fp", "ieee"])
    v = result.verdict
    assert isinstance(v, NotEquivalent), v
    cex = v.counterexample
    assert cex.confirmed and cex.array == "return value" and cex.sizes["n"] >= 3
    assert "bit-exactly" in cex.detail
    # the inputs are float32 values exactly: the original's sum and the split sum differ on them
    x = np.array(cex.arrays["x"], dtype=np.float32)
    assert x.astype(np.float64).tolist() == cex.arrays["x"]
    with np.errstate(all="ignore"):
        s = np.float32(0)
        for v_ in x:
            s = np.float32(s + v_)
        even, odd = np.float32(0), np.float32(0)
        for i, v_ in enumerate(x):
            if i % 2 == 0:
                even = np.float32(even + v_)
            else:
                odd = np.float32(odd + v_)
    assert not exact_equal(s, np.float32(even + odd))
    assert exact_equal(s, np.float32(cex.expected)) and exact_equal(even + odd, np.float32(cex.actual))


def test_same_computation_is_equivalent_bit_exactly():
    result, _ = run([str(CORPUS / "saxpy" / "original.c"), str(CORPUS / "saxpy" / "ported.cu"),
                     "--launch", "<<<(n + 255) / 256, 256>>>", "--fp", "ieee"])
    v = result.verdict
    assert v.verdict == "equivalent" and v.scope == "bounded" and v.bound == 4, v
    assert any(c.name == "bounded" and c.status == "passed" for c in result.checks)
    assert any("--fp ieee has no proof for all sizes" in n for n in v.notes)
    assert any("-fmad=false" in n for n in v.notes)


def test_double_arithmetic_in_a_float_port_is_caught_bit_exactly(tmp_path):
    files = _write(tmp_path, SAXPY, SAXPY_IN_DOUBLE)
    real, _ = run([*files, *LAUNCH, "--fp", "real"])
    assert real.verdict.verdict == "equivalent", real.verdict
    ieee, _ = run([*files, *LAUNCH, "--fp", "ieee"])
    v = ieee.verdict
    assert isinstance(v, NotEquivalent) and v.counterexample.confirmed, v
    cex = v.counterexample
    a = np.float32(cex.scalars["a"])
    k = cex.index[0]
    x, y = np.float32(cex.arrays["x"][k]), np.float32(cex.arrays["y"][k])
    assert exact_equal(np.float32(a * x + y), np.float32(cex.expected))
    assert exact_equal(np.float32(np.float64(a) * np.float64(x) + np.float64(y)), np.float32(cex.actual))


def test_z3_model_floats_reach_the_executions_bit_exactly(tmp_path):
    """The bounded check's z3 model (not random testing) gives inputs on which the programs, run from
    source, differ bit for bit: the model's floats are passed with their exact bits."""
    orig, port = _write(tmp_path, SAXPY, SAXPY_IN_DOUBLE)
    pair = load_pair(orig, port, Options(contract=Contract(launch=LAUNCH[1])), [])
    outcome = _check_sizes(pair, Sizes((("n", 1),)), 60_000, IeeeDomain())
    assert outcome is not None and outcome[0] == "model", outcome
    inputs = outcome[1]
    assert inputs.arrays["x"].dtype == np.float32 and np.isfinite(inputs.arrays["x"]).all()
    o, q, _ = execute_both(pair, Sources(orig, port), inputs, timeout_s=30)
    assert not o.fault and not q.fault
    assert not exact_equal(o.arrays["y"], q.arrays["y"]).all()


# ---- IeeeDomain against the concrete domain (numpy float32/float64), bit for bit ------------------

IEEE, CONCRETE = IeeeDomain(), ConcreteDomain()
floats32 = st.floats(width=32, allow_nan=True, allow_infinity=True)


def _value(term, type):
    """A z3 term over constants evaluated to a Python/numpy value."""
    s = z3.simplify(term)
    if z3.is_bool(s):
        return int(z3.is_true(s))
    if z3.is_int_value(s):
        return s.as_long()
    assert isinstance(s, z3.FPNumRef), s
    if s.isNaN():
        return np.array(np.nan, dtype=np.float32 if type.bits == 32 else np.float64)[()]
    bits = z3.simplify(z3.fpToIEEEBV(s)).as_long()
    return np.array(bits, dtype=np.uint32 if type.bits == 32 else np.uint64).view(
        np.float32 if type.bits == 32 else np.float64)[()]


def _same(a, b) -> bool:
    if isinstance(a, (int, np.integer)) or isinstance(b, (int, np.integer)):
        return int(a) == int(b)
    return bool(exact_equal(a, b)) and np.asarray(a).dtype == np.asarray(b).dtype


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["+", "-", "*", "/", "<", "<=", "==", "!=", ">", ">="]), floats32, floats32)
def test_float32_operators_match_numpy(op, x, y):
    x, y = np.float32(x), np.float32(y)
    with np.errstate(all="ignore"):
        expected = CONCRETE.binary(op, x, y, F32, F32 if op in "+-*/" else I32)
    got = IEEE.binary(op, IEEE.fp(x, F32), IEEE.fp(y, F32), F32, F32 if op in "+-*/" else I32)
    assert _same(_value(got, F32), expected), (op, x, y, expected)


@settings(max_examples=150, deadline=None)
@given(floats32, st.floats(allow_nan=True, allow_infinity=True), st.integers(-2**63, 2**63 - 1))
def test_conversions_match_numpy(x, d, i):
    x, d = np.float32(x), np.float64(d)
    with np.errstate(all="ignore"):
        assert _same(_value(IEEE.cast(IEEE.fp(x, F32), F32, F64), F64), CONCRETE.cast(x, F32, F64))
        assert _same(_value(IEEE.cast(IEEE.fp(d, F64), F64, F32), F32), CONCRETE.cast(d, F64, F32))
        assert _same(_value(IEEE.cast(z3.IntVal(i), I64, F32), F32), CONCRETE.cast(i, I64, F32))
        assert _same(_value(IEEE.cast(z3.IntVal(i), I64, F64), F64), CONCRETE.cast(i, I64, F64))
        if math.isfinite(x) and -2**31 <= math.trunc(float(x)) < 2**31:
            assert _value(IEEE.cast(IEEE.fp(x, F32), F32, I32), I32) == CONCRETE.cast(x, F32, I32)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["sqrtf", "fabsf", "fminf", "fmaxf", "floorf", "ceilf", "truncf"]), floats32, floats32)
def test_exact_math_functions_match_numpy(name, x, y):
    x, y = np.float32(x), np.float32(y)
    args = (x, y) if name in ("fminf", "fmaxf") else (x,)
    # fmin/fmax of -0 and +0 may give either zero; portproof follows glibc (the first operand)
    assume(not (len(args) == 2 and x == 0 and y == 0))
    with np.errstate(all="ignore"):
        expected = CONCRETE.call(name, args, (F32,) * len(args), F32)
    got = IEEE.call(name, tuple(IEEE.fp(a, F32) for a in args), (F32,) * len(args), F32)
    assert _same(_value(got, F32), expected), (name, args, expected)


def test_signed_zero_and_nan_in_output_comparison():
    plus, minus, nan = (IEEE.fp(np.float32(v), F32) for v in (0.0, -0.0, np.nan))
    assert z3.is_true(z3.simplify(IEEE.differs(plus, minus, F32)))
    assert IEEE.differs(nan, IEEE.fp(np.float32(np.nan), F32), F32) is None
    assert IEEE.differs(np.float32(np.nan), np.float32(-np.nan), F32) is None
    assert not exact_equal(np.float32(0.0), np.float32(-0.0)) and exact_equal(np.nan, -np.nan)
