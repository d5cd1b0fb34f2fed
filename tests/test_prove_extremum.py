"""The all-sizes prover on max/min reductions: sequential `if (x > m) m = x` loops, fmax/fmin, and
atomicMax/atomicMin from every thread (any order gives the same value: max is associative,
commutative and idempotent). Each proof is checked by a run; each refusal is deserved by a run."""
import pytest

from test_prove import grid1, prove, refusal, run_pair

MAX_O = """host void f(int x[n] in, int M[1] inout, int n) {
  int m = M[0];
  for (int i = 0; i < n; i += 1) { if (x[i] > m) { m = x[i]; } }
  M[0] = m; }"""

MIN_O = """host void f(int x[n] in, int M[1] inout, int n) {
  int m = M[0];
  for (int i = 0; i < n; i += 1) { m = x[i] < m ? x[i] : m; }
  M[0] = m; }"""

MAX2_O = """host void f(double A[ni][nj] in, double M[1] inout, int ni, int nj) {
  double m = M[0];
  for (int i = 0; i < ni; i += 1) { for (int j = 0; j < nj; j += 1) { m = fmax(m, A[i][j]); } }
  M[0] = m; }"""


def atomic_port(op="max", guard="i < n", index="i", grid="(n + 255) / 256"):
    return "host void f(int x[] in, int M[] inout, int n) { " + grid1(
        f"int i = blockIdx.x * 256 + threadIdx.x; if ({guard}) {{ atomic {op}(M[0], x[{index}]); }}", grid) + " }"


def sequential_port(loop="for (int i = 0; i < n; i += 1)", update="if (x[i] >= m) { m = x[i]; }"):
    return f"host void f(int x[] in, int M[] inout, int n) {{ int m = M[0]; {loop} {{ {update} }} M[0] = m; }}"


ATOMIC2_P = """host void f(double A[] in, double M[] inout, int ni, int nj) { """ + \
    """parallel cuda (blockIdx.z < 1, blockIdx.y < (ni + 15) / 16, blockIdx.x < (nj + 15) / 16,
       threadIdx.z < 1, threadIdx.y < 16, threadIdx.x < 16) {
       int i = blockIdx.y * 16 + threadIdx.y; int j = blockIdx.x * 16 + threadIdx.x;
       if (i < ni && j < nj) { atomic max(M[0], A[i * nj + j]); } } }"""

PROVED = {
    "atomicMax-one-thread-per-element": (MAX_O, atomic_port(), {"n": 5}),
    "atomicMin-one-thread-per-element": (MIN_O, atomic_port("min"), {"n": 5}),
    "ge-instead-of-gt": (MAX_O, sequential_port(), {"n": 5}),
    "reversed-loop": (MAX_O, sequential_port("for (int i = n - 1; i >= 0; i += (-1))"), {"n": 5}),
    "max-call": (MAX_O, sequential_port(update="m = max(m, x[i]);"), {"n": 5}),
    "atomicMax-2d-grid-vs-fmax-nest": (MAX2_O, ATOMIC2_P, {"ni": 3, "nj": 4}),
}


@pytest.mark.parametrize("name", sorted(PROVED))
def test_proves(name):
    orig, port, sizes = PROVED[name]
    assert prove(orig, port).arrays
    assert run_pair(orig, port, sizes) == {}


REFUSED = {
    "min-instead-of-max": (MAX_O, atomic_port("min"), {"n": 3}),
    "guard-misses-the-last-element": (MAX_O, atomic_port(guard="i < n - 1"), {"n": 3}),
    "guard-misses-the-first-element": (MAX_O, atomic_port(guard="i >= 1 && i < n"), {"n": 3}),
    "grid-rounded-down": (MAX_O, atomic_port(grid="n / 256"), {"n": 3}),
    "comparison-flipped": (MAX_O, sequential_port(update="if (x[i] < m) { m = x[i]; }"), {"n": 3}),
    "compares-one-value-stores-another": (MAX_O, sequential_port(update="if (x[i] > m) { m = x[i] + 1; }"),
                                          {"n": 3}),
    "resets-the-accumulator": (MAX_O, sequential_port(update="if (x[i] > m) { m = x[i]; } m = m - 1;"),
                               {"n": 3}),
    "add-mixed-with-max": (MAX_O, "host void f(int x[] in, int M[] inout, int n) { " + grid1(
        "int i = blockIdx.x * 256 + threadIdx.x; if (i < n) { atomic max(M[0], x[i]); atomic add(M[0], 1); }")
        + " }", {"n": 3}),
    "reads-shifted-element": (MAX_O, atomic_port(guard="i < n - 1", index="i + 1"), {"n": 3}),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refuses(name):
    orig, port, sizes = REFUSED[name]
    refusal(orig, port)
    found = any(run_pair(orig, port, sizes, seed=s) != {} for s in range(64))
    assert found, "the refusal is deserved: some run shows the difference"


def test_unsigned_atomic_max_is_refused():
    orig = MAX_O.replace("int x[n]", "unsigned x[n]").replace("int M[1]", "unsigned M[1]").replace("int m", "unsigned m")
    port = atomic_port().replace("int x[]", "unsigned x[]").replace("int M[]", "unsigned M[]")
    assert "unsigned" in refusal(orig, port)


VMAX_C = """#include <limits.h>
int vmax(int n, const int *x)
{
    int m = INT_MIN;
    for (int i = 0; i < n; i++)
        if (x[i] > m)
            m = x[i];
    return m;
}
"""


@pytest.mark.parametrize("start, expect", [("0", "equivalent"), ("1", "not-equivalent")])
def test_openmp_max_reduction_from_source(tmp_path, start, expect):
    from portproof.validator.cli import run
    (tmp_path / "vmax.c").write_text(VMAX_C)
    port = VMAX_C.replace("    for (int i = 0", f"#pragma omp parallel for reduction(max:m)\n    for (int i = {start}")
    (tmp_path / "vmax_omp.c").write_text(port)
    result, _ = run([str(tmp_path / "vmax.c"), str(tmp_path / "vmax_omp.c")])
    assert result.verdict.verdict == expect
    if expect == "equivalent":
        assert result.verdict.scope == "all-sizes"
    else:
        assert result.verdict.counterexample.confirmed
