"""OpenMP clauses end to end: reduction(*) and bitwise reductions, shared/default(none), offload map clauses."""
import numpy as np
import pytest

from portproof.ir.concrete import run_concrete
from portproof.translators.c_frontend import parse_c

from portproof.validator.cli import run
from portproof.validator.verdict import Equivalent, NotEquivalent

PRODUCT = """\
double prod(int n, const double *x)
{
    double p = 1.0;
%s
    for (int i = 0; i < n; i++)
        p *= x[i]%s;
    return p;
}
"""

BITS = """\
unsigned bits(int n, const unsigned x[n])
{
    unsigned a = %s;
%s
    for (int i = 0; i < n; i++)
        a %s= x[i];
    return a;
}
"""

SAXPY = """\
void saxpy(int n, float a, const float *x, float *y)
{
    int i;
%s
    for (i = 0; i < n; i++)
        y[i] = a * x[i] + y[i]%s;
}
"""


def validate(tmp_path, original, port):
    (tmp_path / "original.c").write_text(original)
    (tmp_path / "port.c").write_text(port)
    result, _ = run([str(tmp_path / "original.c"), str(tmp_path / "port.c")])
    return result.verdict


def assert_refuted(v):
    assert isinstance(v, NotEquivalent), v
    assert v.counterexample.confirmed and v.counterexample.expected != v.counterexample.actual


def test_product_reduction(tmp_path):
    original = PRODUCT % ("", "")
    assert isinstance(validate(tmp_path, original, PRODUCT % ("#pragma omp parallel for reduction(*:p)", "")),
                      Equivalent)
    assert_refuted(validate(tmp_path, original, PRODUCT % ("#pragma omp parallel for reduction(*:p)", " + 1.0")))
    v = validate(tmp_path, original, PRODUCT % ("#pragma omp parallel for", ""))  # no clause: p is shared
    assert v.verdict in ("not-equivalent", "unknown") and "race" in str(v), v


def test_product_reduction_over_a_loop_that_may_not_run(tmp_path):
    # from 1: for n = 0 the loop runs -1 times, which the partials array must take as none
    from_one = PRODUCT.replace("int i = 0", "int i = 1")
    original = from_one % ("", "")
    assert isinstance(validate(tmp_path, original, from_one % ("#pragma omp parallel for reduction(*:p)", "")),
                      Equivalent)
    assert_refuted(validate(tmp_path, original, PRODUCT % ("#pragma omp parallel for reduction(*:p)", "")))


@pytest.mark.parametrize("op, identity", [("&", "4294967295u"), ("|", "0u"), ("^", "0u")])
def test_bitwise_reductions(tmp_path, op, identity):
    """The lowered port computes the original's result (the bounded check has no bitwise operators yet, so
    this is by runs of both IRs); a wrong update is refuted and executed."""
    original = BITS % (identity, "", op)
    port = BITS % (identity, f"#pragma omp parallel for reduction({op}:a)", op)
    (tmp_path / "o.c").write_text(original)
    (tmp_path / "p.c").write_text(port)
    rng = np.random.default_rng(0)
    for n in (0, 1, 5):
        x = rng.integers(0, 1 << 32, n, dtype=np.uint64).astype(np.uint32)
        runs = [run_concrete(parse_c(str(tmp_path / f)), "bits", {"n": n}, {"x": x.copy()}).return_value
                for f in ("o.c", "p.c")]
        assert runs[0] == runs[1]
    assert_refuted(validate(tmp_path, original, port.replace(f"a {op}= x[i]", f"a {op}= x[i] + 1u")))


@pytest.mark.parametrize("pragma", [
    "#pragma omp parallel for default(none) shared(n, a, x, y)",
    "#pragma omp parallel for shared(x, y) schedule(static, 4)",
    "#pragma omp target teams distribute parallel for map(to: x[0:n]) map(tofrom: y[0:n])",
    "#pragma omp target teams distribute parallel for simd map(to: x[0:n], a) map(tofrom: y[0:n])",
])
def test_sharing_and_offload_clauses_are_accepted(tmp_path, pragma):
    original = SAXPY % ("", "")
    assert isinstance(validate(tmp_path, original, SAXPY % (pragma, "")), Equivalent)
    assert_refuted(validate(tmp_path, original, SAXPY % (pragma, " + 1.0f")))
