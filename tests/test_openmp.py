"""OpenMP ports through the C frontend: pragmas lowered to ParallelFor/Atomic, run by the interpreter and by gcc."""
import shutil
from pathlib import Path

import numpy as np
import pytest

from portproof.diagnostics import Unsupported
from portproof.ir.concrete import run_concrete
from portproof.ir.faults import Race
from portproof.ir.nodes import ArrayParam, Function, ScalarParam
from portproof.ir.printer import to_text
from portproof.ir.types import F64, I32
from portproof.translators.c_frontend import parse_c
from portproof.validator.execute import ConcreteInputs

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def lower(tmp_path, code, name="k.c"):
    path = tmp_path / name
    path.write_text(code)
    return parse_c(str(path))


def body_text(program, name=None):
    fn = program.functions[0] if name is None else program.function(name)
    return to_text(fn.body)


def refused(tmp_path, code, match):
    with pytest.raises(Unsupported, match=match) as info:
        lower(tmp_path, code)
    assert info.value.loc is not None and info.value.loc.file.endswith("k.c")
    return info.value


# ---- lowering ----------------------------------------------------------------------------------

def test_parallel_for_map(tmp_path):
    program = lower(tmp_path, """\
void saxpy(int n, float a, const float *x, float *y)
{
#pragma omp parallel for schedule(static) num_threads(8) shared(x, y) default(shared)
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}
""")
    assert body_text(program) == """\
parallel omp (omp_i < n) {
  int i = omp_i;
  y[i] = a * x[i] + y[i];
}"""
    loop = program.functions[0].body[0]
    assert loop.kind == "omp" and loop.loc.line == 4


def test_offload_form_lowers_like_parallel_for(tmp_path):
    base = "void f(int n, const double *x, double *y)\n{\n#pragma omp %s\n    for (int i = 0; i < n; i++)\n" \
           "        y[i] = 2.0 * x[i];\n}\n"
    plain = lower(tmp_path, base % "parallel for", "a.c")
    for pragma in ("target teams distribute parallel for map(to: x[0:n]) map(tofrom: y[0:n])",
                   "teams distribute parallel for", "parallel for simd", "target parallel for map(y[0:n])"):
        assert lower(tmp_path, base % pragma, "b.c").functions == plain.functions, pragma


def test_strided_and_downward_loops(tmp_path):
    program = lower(tmp_path, """\
void f(int n, double *y)
{
    int i;
#pragma omp parallel for
    for (i = 1; i <= n; i += 3)
        y[i] = 1.0;
#pragma omp parallel for
    for (i = n - 1; i >= 0; i--)
        y[i] = 2.0;
}
""")
    assert body_text(program) == """\
int i;
parallel omp (omp_i < (n + 2) / 3) {
  int i_2 = 1 + omp_i * 3;
  y[i_2] = 1.0;
}
parallel omp (omp_i_2 < n) {
  int i_3 = n - 1 - omp_i_2;
  y[i_3] = 2.0;
}"""


GEMM = """\
void gemm(int ni, int nj, int nk, double C[ni][nj], const double A[ni][nk], const double B[nk][nj])
{
#pragma omp parallel for collapse(2)
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < nj; j++) {
            double acc = 0.0;
            for (int k = 0; k < nk; k++)
                acc += A[i][k] * B[k][j];
            C[i][j] = acc;
        }
}
"""


def test_collapse_two(tmp_path):
    assert body_text(lower(tmp_path, GEMM)) == """\
parallel omp (omp_i < ni, omp_j < nj) {
  int i = omp_i;
  int j = omp_j;
  double acc = 0.0;
  for (int k = 0; k < nk; k += 1) {
    acc = acc + A[i][k] * B[k][j];
  }
  C[i][j] = acc;
}"""


DOT = """\
double dot(int n, const double *x, const double *y)
{
    double s = 0.0;
#pragma omp parallel for reduction(+:s)
    for (int i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}
"""

MAX = """\
float vmax(int n, const float *x)
{
    float m = x[0];
    int k = -5;
#pragma omp parallel for reduction(max:m, k)
    for (int i = 1; i < n; i++) {
        if (x[i] > m)
            m = x[i];
        k = k > i ? k : i;
    }
    return m + k;
}
"""


def test_reduction_plus_is_a_private_sum_combined_atomically(tmp_path):
    assert body_text(lower(tmp_path, DOT)) == """\
double s = 0.0;
local double s_omp_reduction[1];
s_omp_reduction[0] = s;
parallel omp (omp_i < n) {
  int i = omp_i;
  double s_2 = 0.0;
  s_2 = s_2 + x[i] * y[i];
  atomic add(s_omp_reduction[0], s_2);
}
s = s_omp_reduction[0];
return s;"""


def test_reduction_max_identities(tmp_path):
    text = body_text(lower(tmp_path, MAX))
    assert "float m_2 = (-inff);" in text and "int k_2 = (-2147483648);" in text
    assert "atomic max(m_omp_reduction[0], m_2);" in text and "atomic max(k_omp_reduction[0], k_2);" in text


def test_private_and_firstprivate(tmp_path):
    program = lower(tmp_path, """\
void f(int n, double c, double *y)
{
    double t = 1.0;
    int j;
#pragma omp parallel for private(t, j) firstprivate(c)
    for (int i = 0; i < n; i++) {
        t = c * i;
        for (j = 0; j < 2; j++)
            y[i] += t;
    }
    y[0] = t;
}
""")
    assert body_text(program) == """\
double t = 1.0;
int j;
parallel omp (omp_i < n) {
  int i = omp_i;
  double t_2;
  int j_2;
  double c_2 = c;
  t_2 = c_2 * i;
  for (int j_2 = 0; j_2 < 2; j_2 += 1) {
    y[i] = y[i] + t_2;
  }
}
y[0] = t;"""


def test_atomic_and_critical_updates(tmp_path):
    program = lower(tmp_path, """\
void hist(int n, const int *d, int *bins, int *total)
{
    int t = 0;
#pragma omp parallel for
    for (int i = 0; i < n; i++) {
#pragma omp atomic update
        bins[d[i]]++;
#pragma omp critical (count)
        t += 2;
    }
    total[0] = t;
}
""")
    assert body_text(program) == """\
int t = 0;
local int t_omp_atomic[1];
t_omp_atomic[0] = t;
parallel omp (omp_i < n) {
  int i = omp_i;
  atomic add(bins[d[i]], 1);
  atomic add(t_omp_atomic[0], 2);
}
t = t_omp_atomic[0];
total[0] = t;"""
    d = np.array([0, 2, 2, 1, 2], dtype=np.int32)
    out = run_concrete(program, "hist", {"n": 5}, {"d": d, "bins": np.zeros(3, np.int32),
                                                   "total": np.zeros(1, np.int32)})
    assert out.arrays["bins"].values == [1, 1, 3] and out.arrays["total"].values == [10]


def test_parallel_region_with_work_shared_loops_and_barrier(tmp_path):
    program = lower(tmp_path, """\
void f(int n, double *a, double *b)
{
#pragma omp parallel
    {
        double t;
#pragma omp for
        for (int i = 0; i < n; i++) {
            t = 2.0 * a[i];
            a[i] = t;
        }
#pragma omp barrier
#pragma omp for nowait
        for (int i = 0; i < n; i++)
            b[i] = a[n - 1 - i];
    }
}
""")
    assert body_text(program) == """\
double t;
parallel omp (omp_i < n) {
  int i = omp_i;
  double t_2;
  t_2 = 2.0 * a[i];
  a[i] = t_2;
}
parallel omp (omp_i_2 < n) {
  int i_2 = omp_i_2;
  double t_3;
  b[i_2] = a[n - 1 - i_2];
}"""


def test_nowait_loops_become_one_parallel_loop_over_all_their_iterations(tmp_path):
    """No barrier between the loops: every iteration of one is unordered with every iteration of the other."""
    program = lower(tmp_path, """\
void f(int n, int m, double *a, double *b, double *c)
{
#pragma omp parallel
    {
#pragma omp for nowait
        for (int i = 0; i < n; i++) a[i] = 1.0;
#pragma omp for nowait collapse(2)
        for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) b[i*m+j] = 2.0;
#pragma omp for
        for (int i = 0; i < m; i++) c[i] = 3.0;
#pragma omp for nowait
        for (int i = 0; i < m; i++) c[i] += 1.0;
    }
}
""")
    assert body_text(program) == """\
parallel omp (omp_w < n + n * m + m) {
  if (omp_w < n) {
    int omp_i = omp_w;
    int i = omp_i;
    a[i] = 1.0;
  } else if (omp_w < n + n * m) {
    int omp_i_2 = (omp_w - n) / m;
    int omp_j = (omp_w - n) % m;
    int i_2 = omp_i_2;
    int j = omp_j;
    b[i_2 * m + j] = 2.0;
  } else {
    int omp_i_3 = omp_w - (n + n * m);
    int i_3 = omp_i_3;
    c[i_3] = 3.0;
  }
}
parallel omp (omp_i_4 < m) {
  int i_4 = omp_i_4;
  c[i_4] = c[i_4] + 1.0;
}"""


def test_nowait_on_dependent_loops_is_a_race_and_on_independent_loops_is_not(tmp_path):
    code = """\
void f(int n, double *a, double *b)
{
#pragma omp parallel
    {
#pragma omp for nowait
        for (int i = 0; i < n; i++) a[i] = 2.0 * a[i];
#pragma omp for
        for (int i = 0; i < n; i++) b[i] = %s;
    }
}
"""
    racy = lower(tmp_path, code % "a[n - 1 - i]", "racy.c")
    with pytest.raises(Race) as info:
        run_concrete(racy, "f", {"n": 2}, {"a": np.ones(2), "b": np.zeros(2)})
    assert info.value.array == "a"
    fine = lower(tmp_path, code % "b[i] + 1.0", "fine.c")
    out = run_concrete(fine, "f", {"n": 3}, {"a": np.ones(3), "b": np.zeros(3)})
    assert out.arrays["a"].values == [2.0] * 3 and out.arrays["b"].values == [1.0] * 3


def test_nowait_reduction_read_by_the_next_loop_is_refused(tmp_path):
    refused(tmp_path, "void f(int n, double *y, double s)\n{\n#pragma omp parallel\n    {\n"
            "#pragma omp for nowait reduction(+:s)\n        for (int i = 0; i < n; i++) s += y[i];\n#pragma omp for\n"
            "        for (int i = 0; i < n; i++) y[i] = s;\n    }\n}\n", "updated by a 'nowait' loop")


# ---- what is refused, with file:line -----------------------------------------------------------

LOOP = "void f(int n, double *y, double s)\n{\n    int i;\n#pragma omp %s\n    for (i = 0; i < n; i++)\n" \
       "        %s\n}\n"


@pytest.mark.parametrize("pragma, body, match", [
    ("parallel for reduction(*:s)", "s = s + y[i];", "reduction variable 's'"),
    ("parallel for reduction(^:s)", "s = s ^ 1;", r"reduction\(\^\) on a double"),
    ("parallel for reduction(&&:s)", "s = s && y[i];", r"reduction\(&&\)"),
    ("parallel for lastprivate(s)", "s = y[i];", "clause 'lastprivate'"),
    ("parallel for if(n > 100)", "y[i] = 0;", "clause 'if'"),
    ("parallel for default(private)", "y[i] = 0;", r"default\(private\)"),
    ("parallel for collapse(2)", "y[i] = 0;", "perfectly nested"),
    ("parallel for reduction(+:s)", "y[i] = s;", "reduction variable 's' used in the loop other than"),
    ("parallel for reduction(+:s)", "s = 2 * s + y[i];", "reduction variable 's'"),
    ("parallel for firstprivate(s)", "{ s += 1; y[i] = s; }", "firstprivate 's' assigned"),
    ("for", "y[i] = 0;", "orphaned"),
    ("single", "y[i] = 0;", "OpenMP directive 'single'"),
    ("parallel for ordered", "y[i] = 0;", "clause 'ordered'"),
    ("parallel for", "{\n#pragma omp critical\n { y[0] += 1; y[1] += 1; } }", "critical section"),
    ("parallel for", "{\n#pragma omp atomic capture\n s = y[i]++; }", "atomic capture"),
    ("parallel for", "{\n#pragma omp barrier\n }", "barrier"),
    ("parallel for", "{\n#pragma omp parallel for\n for (int k = 0; k < n; k++) y[k] = 0; }", "nested"),
])
def test_refused_with_location(tmp_path, pragma, body, match):
    refused(tmp_path, LOOP % (pragma, body), match)


def test_refused_forms_of_loops_and_regions(tmp_path):
    refused(tmp_path, "void f(int n, double *y)\n{\n#pragma omp parallel for\n"
            "    for (int i = 0; i < n; i += n) y[i] = 0;\n}\n", "step that is not a positive integer literal")
    refused(tmp_path, "void f(int n, double *y)\n{\n#pragma omp parallel for collapse(2)\n"
            "    for (int i = 0; i < n; i++)\n        for (int j = i; j < n; j++) y[j] = 0;\n}\n", "non-rectangular")
    refused(tmp_path, "void f(int n, double *y)\n{\n#pragma omp parallel\n    {\n        double p = 1.0;\n"
            "#pragma omp for schedule(dynamic)\n        for (int i = 0; i < n; i++) y[i] = p;\n    }\n}\n",
            r"schedule\(dynamic\) in a parallel region whose statements run once per thread")
    refused(tmp_path, "void f(int n, double *y)\n{\n#pragma omp parallel\n    {\n        double p = 1.0;\n"
            "#pragma omp for nowait\n        for (int i = 0; i < n; i++) y[i] = p;\n        y[0] += p;\n    }\n}\n",
            "'nowait' in a parallel region whose statements run once per thread")
    e = refused(tmp_path, "void f(int n, double *y)\n{\n#pragma omp parallel for\n    for (int i = 0; i < n; i++)\n"
                "        y[i] = omp_get_thread_num();\n}\n", "omp_get_thread_num")
    assert e.loc.line == 5


# ---- the interpreter on lowered ports ----------------------------------------------------------

def test_map_gives_the_original_result(tmp_path):
    program = lower(tmp_path, """\
void scale(int n, double a, double *y)
{
    int i;
#pragma omp parallel for
    for (i = 0; i < n; i++)
        y[i] = a * y[i] + i;
}
""")
    y = np.arange(6.0)
    out = run_concrete(program, "scale", {"n": 6, "a": 3.0}, {"y": y})
    assert out.arrays["y"].values == list(3.0 * np.arange(6.0) + np.arange(6))


def test_collapsed_gemm_gives_the_original_result(tmp_path):
    program = lower(tmp_path, GEMM)
    rng = np.random.default_rng(1)
    A, B = rng.integers(-3, 4, (3, 4)).astype(float), rng.integers(-3, 4, (4, 2)).astype(float)
    out = run_concrete(program, "gemm", {"ni": 3, "nj": 2, "nk": 4},
                       {"C": np.zeros((3, 2)), "A": A, "B": B})
    assert np.array(out.arrays["C"].values).reshape(3, 2).tolist() == (A @ B).tolist()


def test_dot_and_max_reductions(tmp_path):
    x, y = np.arange(1.0, 8.0), np.arange(7.0, 0.0, -1.0)
    assert run_concrete(lower(tmp_path, DOT, "d.c"), "dot", {"n": 7}, {"x": x, "y": y}).return_value == x @ y
    assert run_concrete(lower(tmp_path, DOT, "d.c"), "dot", {"n": 0}, {"x": x, "y": y}).return_value == 0.0
    xf = np.array([3, 1, 9, 2, 8], dtype=np.float32)
    # m = max(x) = 9, k = max(-5, 1..4) = 4
    assert run_concrete(lower(tmp_path, MAX, "m.c"), "vmax", {"n": 5}, {"x": xf}).return_value == 13.0
    assert run_concrete(lower(tmp_path, MAX, "m.c"), "vmax", {"n": 1}, {"x": xf}).return_value == -2.0


def test_corpus_ports_match_their_originals():
    rng = np.random.default_rng(2)
    data = rng.integers(-2, 3, (3, 2)).astype(float)
    for pair, fn, scalars, arrays in [
        ("covariance", "kernel_covariance", {"m": 2, "n": 3, "float_n": 3.0},
         {"data": data, "cov": np.zeros((2, 2)), "mean": np.zeros(2)}),
        ("gemm-tiled", "kernel_gemm", {"ni": 2, "nj": 3, "nk": 2, "alpha": 1.5, "beta": 2.0},
         {"C": np.ones((2, 3)), "A": np.arange(4.0).reshape(2, 2), "B": np.arange(6.0).reshape(2, 3)}),
        ("histogram", "histogram", {"n": 5},
         {"data": np.array([1, 3, 3, 20, 0], np.int32), "bins": np.zeros(16, np.int32)}),
    ]:
        results = []
        for source in ("original.c", "ported_omp.c"):
            program = parse_c(str(CORPUS / pair / source))
            fresh = {k: v.copy() for k, v in arrays.items()}
            results.append({k: a.values for k, a in run_concrete(program, fn, scalars, fresh).arrays.items()})
        assert results[0] == results[1], pair


@pytest.mark.parametrize("mutant, variable", [
    ("dot/mutants/no_reduction_omp.c", "s"),
    ("gemm-tiled/mutants/private_j_forgotten_omp.c", "j"),
    ("covariance/mutants/private_forgotten_omp.c", "i"),
    ("histogram/mutants/shared_v_omp.c", "v"),
])
def test_forgotten_clauses_are_races(mutant, variable):
    program = parse_c(str(CORPUS / mutant))
    fn = program.functions[0]
    scalars = {p.name: (2 if p.type.is_integer else 2.0) for p in fn.params if isinstance(p, ScalarParam)}
    arrays = {p.name: np.ones((16,) if not p.extents else (2,) * len(p.extents),
                              dtype=np.int32 if p.type.is_integer else np.float64)
              for p in fn.params if isinstance(p, ArrayParam)}
    with pytest.raises(Race) as info:
        run_concrete(program, fn.name, scalars, arrays)
    assert info.value.array == variable


def test_forgotten_private_temporary_is_a_race(tmp_path):
    program = lower(tmp_path, """\
void f(int n, const double *x, double *y)
{
    double t;
#pragma omp parallel for
    for (int i = 0; i < n; i++) {
        t = x[i] * 2.0;
        y[i] = t;
    }
}
""")
    with pytest.raises(Race):
        run_concrete(program, "f", {"n": 2}, {"x": np.ones(2), "y": np.zeros(2)})
    run_concrete(program, "f", {"n": 1}, {"x": np.ones(1), "y": np.zeros(1)})  # one point: no race


def test_missing_atomic_is_a_race():
    program = parse_c(str(CORPUS / "histogram/mutants/no_atomic_omp.c"))
    with pytest.raises(Race):
        run_concrete(program, "histogram", {"n": 2}, {"data": np.array([3, 3], np.int32),
                                                      "bins": np.zeros(16, np.int32)})


# ---- running real OpenMP -----------------------------------------------------------------------

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not installed")


@needs_gcc
def test_run_omp_port_dot_with_four_threads(tmp_path):
    from portproof.validator.execute_c import OMP_THREADS, run_omp_port
    path = tmp_path / "dot_omp.c"
    path.write_text("""\
#include <omp.h>
double dot(int n, const double *x, const double *y, int *threads)
{
    double s = 0.0;
    int i;
#pragma omp parallel for reduction(+:s) schedule(static)
    for (i = 0; i < n; i++) {
        s += x[i] * y[i];
        if (i == 0)
            threads[0] = omp_get_num_threads();
    }
    return s;
}
""")
    fn = Function("dot", "host", (ScalarParam("n", I32), ArrayParam("x", F64, (), "in"),
                                  ArrayParam("y", F64, (), "in"), ArrayParam("threads", I32, ())), (), F64)
    x, y = np.arange(1000.0), np.full(1000, 0.5)
    result = run_omp_port(path, fn, ConcreteInputs({"n": 1000}, {"x": x, "y": y, "threads": np.zeros(1, np.int32)}))
    assert result.fault is None, result.fault
    assert result.return_value == x @ y
    assert result.arrays["threads"].tolist() == [OMP_THREADS] == [4]


@needs_gcc
def test_run_omp_port_on_the_corpus_dot():
    from portproof.validator.execute import run_original
    from portproof.validator.execute_c import run_omp_port
    fn = parse_c(str(CORPUS / "dot/original.c")).function("dot")
    inputs = ConcreteInputs({"n": 100}, {"x": np.arange(100.0), "y": np.ones(100)})
    port = run_omp_port(CORPUS / "dot/ported_omp.c", fn, inputs)
    assert port.return_value == run_original(CORPUS / "dot/original.c", fn, inputs).return_value == 4950.0


@needs_gcc
def test_compile_check_omp_port(tmp_path):
    from portproof.validator.execute_c import compile_check_omp_port
    assert compile_check_omp_port(CORPUS / "histogram/ported_omp.c").ok
    bad = tmp_path / "bad.c"
    bad.write_text("void f(int n, double *x)\n{\n    double t;\n#pragma omp parallel for default(none) shared(x)\n"
                   "    for (int i = 0; i < n; i++) { t = x[i]; x[i] = t; }\n}\n")
    report = compile_check_omp_port(bad)
    assert not report.ok and report.error.loc.line == 4
    assert "OpenMP port" in report.message and "not specified" in report.message
