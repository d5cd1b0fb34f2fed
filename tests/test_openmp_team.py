"""OpenMP regions that run once per thread: the team size as a size of the IR, per-thread scalars, static splits."""
import shutil
from pathlib import Path

import numpy as np
import pytest

from portproof.diagnostics import Unsupported
from portproof.ir.concrete import run_concrete
from portproof.ir.faults import Race
from portproof.ir.nodes import ArrayParam, Function, ScalarParam
from portproof.ir.types import F64, I32
from portproof.translators.c_frontend import parse_c
from portproof.translators.c_openmp import THREADS
from portproof.validator.cli import run
from portproof.validator.execute import ConcreteInputs
from portproof.validator.verdict import Equivalent, NotEquivalent

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not installed")

HAND_ROLLED = """\
double dot(int n, const double *x, const double *y)
{
    double s = 0.0;
#pragma omp parallel
    {
        double part = %s;
        int i;
#pragma omp for schedule(static)
        for (i = 0; i < n; i++)
            part += x[i] * y[i];
%s
        s += part;
    }
    return s;
}
"""

# every thread counts the iterations it ran: y[i] is the how-many-th iteration of its thread i was
SPLIT = """\
void split(int n, double *y)
{
#pragma omp parallel
    {
        double count = 0.0;
#pragma omp for %s
        for (int i = 0; i < n; i++) {
            count += 1.0;
            y[i] = count;
        }
    }
}
"""
SPLIT_FN = Function("split", "host", (ScalarParam("n", I32), ArrayParam("y", F64, ())), ())


def lower(tmp_path, code, name="k.c"):
    path = tmp_path / name
    path.write_text(code)
    return parse_c(str(path))


def dot(program, n, threads):
    x, y = np.arange(1.0, n + 1), np.full(n, 2.0)
    return run_concrete(program, "dot", {"n": n, THREADS: threads}, {"x": x, "y": y}).return_value


def test_hand_rolled_reduction_runs_once_per_thread(tmp_path):
    good = lower(tmp_path, HAND_ROLLED % ("0.0", "#pragma omp atomic"), "good.c")
    wrong_identity = lower(tmp_path, HAND_ROLLED % ("1.0", "#pragma omp atomic"), "one.c")
    for threads in (1, 2, 3, 5):
        for n in (0, 1, 4):
            assert dot(good, n, threads) == n * (n + 1)
            assert dot(wrong_identity, n, threads) == n * (n + 1) + threads  # one 1.0 per thread


def test_missing_atomic_after_the_loop_is_a_race_with_two_threads(tmp_path):
    program = lower(tmp_path, HAND_ROLLED % ("0.0", ""))
    assert dot(program, 3, 1) == 12.0
    with pytest.raises(Race) as info:
        dot(program, 3, 2)
    assert info.value.array == "s"


@pytest.mark.parametrize("schedule, expected", [
    ("schedule(static)", [1.0, 2.0, 3.0, 1.0, 2.0]),     # libgomp: the first n % T threads get one more
    ("", [1.0, 2.0, 3.0, 1.0, 2.0]),                     # gcc's default schedule is static
    ("schedule(static, 2)", [1.0, 2.0, 1.0, 2.0, 3.0]),  # chunks of 2 dealt round-robin
])
def test_static_split_of_the_iterations(tmp_path, schedule, expected):
    program = lower(tmp_path, SPLIT % schedule)
    out = run_concrete(program, "split", {"n": 5, THREADS: 2}, {"y": np.zeros(5)})
    assert out.arrays["y"].values == expected


@needs_gcc
@pytest.mark.parametrize("schedule", ["schedule(static)", "", "schedule(static, 2)", "schedule(static, 3)"])
def test_static_split_matches_gcc(tmp_path, schedule):
    from portproof.validator.execute_c import run_omp_port
    program = lower(tmp_path, SPLIT % schedule)
    for n, threads in ((5, 2), (7, 3), (2, 4)):
        model = run_concrete(program, "split", {"n": n, THREADS: threads}, {"y": np.zeros(n)})
        real = run_omp_port(tmp_path / "k.c", SPLIT_FN, ConcreteInputs({"n": n}, {"y": np.zeros(n)}), threads=threads)
        assert real.fault is None, real.fault
        assert model.arrays["y"].values == real.arrays["y"].tolist(), (n, threads)


def test_single_and_master_run_on_one_thread(tmp_path):
    code = """\
void f(int n, double *y)
{
#pragma omp parallel
    {
#pragma omp single
        y[0] += 1.0;
#pragma omp master
        y[1] += 1.0;
%s
#pragma omp for
        for (int i = 2; i < n; i++)
            y[i] = y[0] + y[1];
    }
}
"""
    program = lower(tmp_path, code % "#pragma omp barrier", "barrier.c")
    out = run_concrete(program, "f", {"n": 4, THREADS: 3}, {"y": np.zeros(4)})
    assert out.arrays["y"].values == [1.0, 1.0, 2.0, 2.0]
    with pytest.raises(Race) as info:  # master has no barrier after it, single has one
        run_concrete(lower(tmp_path, code % ""), "f", {"n": 4, THREADS: 3}, {"y": np.zeros(4)})
    assert info.value.array == "y" and info.value.flat_index == 1


def test_refused_in_a_team_region(tmp_path):
    with pytest.raises(Unsupported, match="'t' assigned in '#pragma omp master' with no barrier"):
        lower(tmp_path, "void f(int n, double *y)\n{\n    double t = 0.0;\n#pragma omp parallel\n    {\n"
              "#pragma omp master\n        t = 1.0;\n        y[0] = t;\n    }\n}\n")
    with pytest.raises(Unsupported, match="'s' is updated by 'omp atomic' or a reduction and also used"):
        lower(tmp_path, HAND_ROLLED.replace("        s += part;", "        s += part;\n        part = s;")
              % ("0.0", "#pragma omp atomic"))


def validate(original, port, *args):
    result, _ = run([str(original), str(port), *args])
    return result.verdict


def test_wrong_identity_is_refuted_with_the_team_size_in_the_counterexample():
    v = validate(CORPUS / "dot/original.c", CORPUS / "dot/mutants/reduction_identity_omp.c")
    assert isinstance(v, NotEquivalent), v
    cex = v.counterexample
    assert cex.confirmed and THREADS in cex.sizes and cex.actual == cex.expected + cex.sizes[THREADS]
    assert f"run with {cex.sizes[THREADS]} thread" in cex.confirmation


def test_correct_hand_rolled_reduction_is_equivalent_for_every_team_size_up_to_the_bound(tmp_path):
    port = tmp_path / "dot_omp.c"
    port.write_text(HAND_ROLLED % ("0.0", "#pragma omp atomic"))
    v = validate(CORPUS / "dot/original.c", port)
    assert isinstance(v, Equivalent), v


def test_missing_atomic_on_the_partials_is_refuted_from_source(tmp_path):
    port = tmp_path / "dot_omp.c"
    port.write_text(HAND_ROLLED % ("0.0", ""))
    v = validate(CORPUS / "dot/original.c", port)
    assert v.verdict in ("not-equivalent", "unknown"), v
    assert "race" in str(v)
    if isinstance(v, NotEquivalent):  # ThreadSanitizer saw the race, or a run of the port differed
        cex = v.counterexample
        assert cex.confirmed and ("ThreadSanitizer" in cex.confirmation or cex.expected != cex.actual), cex


DOT = """double dot(int n, const double *x, const double *y)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}
"""

# a manual cyclic split of the iterations over the team, as hand-written OpenMP reductions do
MANUAL = """#include <omp.h>
double dot(int n, const double *x, const double *y)
{
    double s = 0.0;
#pragma omp parallel
    {
        int tid = omp_get_thread_num();
        int nt = omp_get_num_threads();
        double part = 0.0;
        for (int i = tid; i < n; i += STEP)
            part += x[i] * y[i];
#pragma omp atomic
        s += part;
    }
    return s;
}
"""


@pytest.mark.parametrize("step, equivalent", [("nt", True), ("1", False)])
def test_thread_id_and_team_size_queries_in_a_region(tmp_path, step, equivalent):
    (tmp_path / "dot.c").write_text(DOT)
    (tmp_path / "dot_omp.c").write_text(MANUAL.replace("STEP", step))
    result, _ = run([str(tmp_path / "dot.c"), str(tmp_path / "dot_omp.c")])
    if equivalent:
        assert isinstance(result.verdict, Equivalent) and result.verdict.scope == "bounded", result.verdict
    else:  # every thread sums from its id on: the result counts elements several times
        assert isinstance(result.verdict, NotEquivalent) and result.verdict.counterexample.confirmed
        assert result.verdict.counterexample.sizes.get(THREADS, 1) >= 2


@pytest.mark.parametrize("body", [
    "#pragma omp parallel for\n    for (int i = 0; i < n; i++)\n        y[i] = omp_get_thread_num();",
    "#pragma omp parallel\n    {\n#pragma omp single\n        y[0] = omp_get_thread_num();\n    }",
])
def test_thread_id_where_the_model_does_not_know_the_thread_is_refused(tmp_path, body):
    path = tmp_path / "f.c"
    path.write_text(f"#include <omp.h>\nvoid f(int n, int *y)\n{{\n    {body}\n}}\n")
    with pytest.raises(Unsupported) as info:
        parse_c(str(path))
    assert "omp_get_thread_num" in str(info.value)


def test_thread_queries_outside_a_region_are_the_initial_thread(tmp_path):
    path = tmp_path / "f.c"
    path.write_text("#include <omp.h>\nvoid f(int n, int *y)\n{\n    y[0] = omp_get_thread_num() + "
                    "10 * omp_get_num_threads();\n}\n")
    out = run_concrete(parse_c(str(path)), "f", {"n": 1}, {"y": np.zeros(1, dtype=np.int32)})
    assert out.arrays["y"].values[0] == 10  # thread 0 of a team of 1
