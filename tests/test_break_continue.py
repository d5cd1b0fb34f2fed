"""`break` and `continue` lowered to flags in both frontends: the IR runs as gcc does, ports using them validate."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from portproof.diagnostics import Unsupported
from portproof.ir.concrete import arrays_to_numpy, run_concrete
from portproof.ir.mapper import walk
from portproof.ir.nodes import Assign, Binary, Const, Declare, For, If, Unary, Var, While
from portproof.ir.parse import parse_function
from portproof.ir.printer import to_text
from portproof.ir.types import I32
from portproof.translators.c_frontend import parse_c
from portproof.translators.cuda_frontend import parse_cuda
from portproof.validator.cli import run
from portproof.validator.execute import ConcreteInputs, run_original
from portproof.validator.normalize import flatten_arrays
from portproof.validator.prove import NotProvable, prove_all_sizes, setting_for
from portproof.validator.verdict import Equivalent, NotEquivalent

ROOT = Path(__file__).resolve().parent.parent

LOOPS = """\
void search(int n, const int *x, int *y) {
    for (int i = 0; i < n; i++) y[i] = 0;
    for (int i = 0; i < n; i++) {
        y[i] = 1;
        if (x[i] > 2) break;
        y[i] = 2;
    }
}

void skip(int n, const int *x, int *y) {
    int s = 0;
    for (int i = 0; i < n; i++) {
        y[i] = s;
        if (x[i] % 2 == 0) continue;
        s += x[i];
        y[i] = -s;
    }
}

void escaping(int n, const int *x, int *y) {
    int i, s = 0;
    for (i = 0; i < n; i++) {
        if (x[i] == 0) continue;
        if (x[i] < -3) break;
        s += x[i];
    }
    if (n > 1) { y[0] = i; y[1] = s; }
}

void jumpy(int n, const int *x, int *y) {
    int i;
    for (i = 0; i < n; i++) {
        if (x[i] > 4) break;
        if (x[i] < -4) i++;
        else y[i] = 5;
    }
    if (n > 0) y[0] = i;
}

void forever(int n, const int *x, int *y) {
    int i = 0, k = 0;
    while (1) {
        if (i >= n) break;
        i++;
        if (x[i - 1] > 0) continue;
        y[k] = x[i - 1];
        k++;
    }
}

void nested(int n, const int *x, int *y) {
    for (int i = 0; i < n; i++) {
        y[i] = 0;
        if (x[i] < 0) continue;
        for (int j = 0; j < n; j++) {
            if (x[j] > x[i]) break;
            y[i] += 1;
        }
    }
}

void do_while(int n, const int *x, int *y) {
    int i = 0;
    do {
        if (n == 0) break;
        if (x[i] < 0) { i++; continue; }
        y[i] = 7;
        i++;
    } while (i < n);
}

void descending(int n, const int *x, int *y) {
    for (int i = n - 1; i >= 0; i--) {
        if (x[i] == 4) break;
        y[i] = -1;
    }
}

void not_equal(int n, const int *x, int *y) {
    for (int i = 0; i != n; i++) {
        if (x[i] > 3) break;
        y[i] = 9;
    }
}
"""
NAMES = ["search", "skip", "escaping", "jumpy", "forever", "nested", "do_while", "descending", "not_equal"]


@pytest.fixture(scope="module")
def loops(tmp_path_factory):
    path = tmp_path_factory.mktemp("loops") / "loops.c"
    path.write_text(LOOPS)
    return path, parse_c(str(path))


@pytest.mark.parametrize("name", NAMES)
def test_c_loops_run_in_the_ir_as_compiled_by_gcc(loops, name):
    path, program = loops
    fn = program.function(name)
    rng = np.random.default_rng(1)
    for n in (0, 1, 2, 5, 9):
        for _ in range(4):
            x = rng.integers(-6, 6, size=max(n, 1)).astype(np.int32)
            y = rng.integers(-9, 9, size=max(n, 1)).astype(np.int32)
            ran = run_original(path, fn, ConcreteInputs({"n": n}, {"x": x, "y": y}))
            assert ran.fault is None, ran.fault
            interpreted = arrays_to_numpy(run_concrete(program, name, {"n": n}, {"x": x, "y": y}))
            assert interpreted["y"].values.tolist() == ran.arrays["y"].tolist(), (name, n, x)


def test_counted_loop_keeps_its_bound_and_skips_the_iterations_after_break(loops):
    _, program = loops
    loop = [s for s in program.function("search").body if isinstance(s, For)][1]
    assert loop.cond == Binary("<", Var("i"), Var("n"))
    assert len(loop.body) == 1 and isinstance(loop.body[0], If) and loop.body[0].cond == Unary("!", Var("loop_break"))
    # a bound that is not an ordering of the loop variable takes the flag into the condition
    loop = next(s for s in program.function("not_equal").body if isinstance(s, For))
    assert isinstance(loop.cond, Binary) and loop.cond.op == "&&" and loop.cond.left == Unary("!", Var("loop_break"))
    # a variable that lives on after the loop follows a counter, set past it unless the iteration breaks
    loop = next(s for s in program.function("escaping").body if isinstance(s, For))
    assert (loop.var, loop.start, loop.cond) == ("i_counter", Var("i"), Binary("<", Var("i_counter"), Var("n")))
    inner = loop.body[0].then
    assert inner[0] == Assign("i", Var("i_counter"))
    assert inner[-1] == If(Unary("!", Var("loop_break")), (Assign("i", Binary("+", Var("i_counter"), Const(1, I32))),))
    # a for loop whose body changes its variable becomes a while loop: break skips the update, continue runs it
    loop = next(s for s in program.function("jumpy").body if isinstance(s, While))
    assert loop.cond.op == "&&" and loop.body[-1] == If(Unary("!", Var("loop_break")), loop.body[-1].then)
    for name in NAMES:  # the flags are plain IR: the text syntax carries them
        assert parse_function(to_text(program.function(name))) == program.function(name)


def test_flags_never_take_a_name_of_the_source(tmp_path):
    path = tmp_path / "f.c"
    path.write_text("void f(int n, int *y) { int loop_break = 3;\n"
                    "  for (int i = 0; i < n; i++) { if (i == loop_break) break; y[i] = loop_break; } }\n")
    fn = parse_c(str(path)).function("f")
    assert {s.name for s in walk(fn.body) if isinstance(s, Declare)} == {"loop_break", "loop_break_2"}
    out = arrays_to_numpy(run_concrete(parse_c(str(path)), "f", {"n": 5}, {"y": np.zeros(5, np.int32)}))
    assert out["y"].values.tolist() == [3, 3, 3, 0, 0]


@pytest.mark.parametrize("body, message", [
    ("break;", "break statement outside a loop"),
    ("for (int i = 0; i < n; i++) { switch (i) { case 0: break; } }", "switch statement"),
    ("#pragma omp parallel for\nfor (int i = 0; i < n; i++) { if (y[i]) break; y[i] = 1; }",
     "break out of an OpenMP loop"),
])
def test_exits_that_do_not_leave_a_lowered_loop_are_refused(tmp_path, body, message):
    path = tmp_path / "f.c"
    path.write_text(f"void f(int n, int *y) {{\n{body}\n}}\n")
    with pytest.raises(Unsupported) as info:
        parse_c(str(path))
    assert message in str(info.value)


CUDA_LOOPS = """\
__global__ void k(int n, const int *x, int *y) {
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= n) return;
    int found = -1, i = 0;
    for (int j = 0; j < n; j++) {
        if (x[j] <= x[t]) continue;
        found = j;
        break;
    }
    while (true) {
        if (i == t) break;
        i++;
    }
    y[t] = found * 100 + i;
    do { if (n > 100) break; } while (0);
}
"""


def test_cuda_break_and_continue_lower_to_flags(tmp_path):
    path = tmp_path / "k.cu"
    path.write_text(CUDA_LOOPS.replace("    do { if (n > 100) break; } while (0);\n", ""))
    fn = parse_cuda(str(path)).program.function("k")
    loop = next(s for s in walk(fn.body) if isinstance(s, For))
    assert loop.cond == Binary("<", Var("j"), Var("n"))
    assert isinstance(loop.body[0], If) and loop.body[0].cond == Unary("!", Var("loop_break_2"))
    loop = next(s for s in walk(fn.body) if isinstance(s, While))
    assert loop.cond.op == "&&" and loop.cond.left == Unary("!", Var("loop_break_3"))
    path.write_text(CUDA_LOOPS)
    assert "`break` in `do { } while (0)`" in str(parse_cuda(str(path)).failures["k"])


CUDA_LOOPS_ORIGINAL = """\
void k(int n, const int *x, int *y) {
    for (int t = 0; t < n; t++) {
        int found = -1;
        for (int j = n - 1; j >= 0; j--)
            if (x[j] > x[t])
                found = j;
        y[t] = found * 100 + t;
    }
}
"""
CUDA_LOOPS_CONTRACT = """\
launch = "<<<(n + 31) / 32, 32>>>"
[extents]
x = "n"
y = "n"
"""


@pytest.mark.parametrize("change, equivalent", [("", True), ("x[j] <= x[t]", False), ("i++;", False)])
def test_cuda_loops_with_exits_validate(tmp_path, change, equivalent):
    port = CUDA_LOOPS.replace("    do { if (n > 100) break; } while (0);\n", "")
    if change == "i++;":
        port = port.replace("        if (i == t) break;\n        i++;", "        i++;\n        if (i >= t) break;")
    elif change:
        port = port.replace(change, "x[j] < x[t]")
    v = _validate(tmp_path, CUDA_LOOPS_ORIGINAL, port, CUDA_LOOPS_CONTRACT)
    if equivalent:
        assert isinstance(v, Equivalent), v
    else:
        assert isinstance(v, NotEquivalent) and v.counterexample.confirmed, v


SEARCH_ORIGINAL = """\
/* For each row, the first column holding a negative value (cols when there is none). */
void first_negative(int rows, int cols, const int *a, int *pos)
{
    for (int r = 0; r < rows; r++) {
        int found = cols;
        for (int c = cols - 1; c >= 0; c--)
            if (a[r * cols + c] < 0)
                found = c;
        pos[r] = found;
    }
}
"""
SEARCH_PORT = """\
__global__ void first_negative_kernel(int rows, int cols, const int *a, int *pos)
{
    int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows)
        return;
    int found = cols;
    for (int c = 0; c < cols; c++) {
        if (a[r * cols + c] >= 0)
            continue;
        found = c;
        break;
    }
    pos[r] = found;
}
"""
SEARCH_CONTRACT = """\
launch = "<<<(rows + 63) / 64, 64>>>"
[entry]
original = "first_negative"
port = "first_negative_kernel"
[extents]
a = "rows * cols"
pos = "rows"
"""


def _validate(tmp_path, original: str, port: str, contract: str):
    (tmp_path / "original.c").write_text(original)
    (tmp_path / "port.cu").write_text(port)
    (tmp_path / "contract.toml").write_text(contract)
    result, _ = run([str(tmp_path / "original.c"), str(tmp_path / "port.cu"), "--contract",
                     str(tmp_path / "contract.toml")])
    return result.verdict


FIND_ORIGINAL = """\
void find(int n, const int *x, int *out)
{
    int i;
    for (i = 0; i < n; i++)
        if (x[i] < 0)
            break;
    out[0] = i;
}
"""
FIND_PORT = """\
__global__ void find_kernel(int n, const int *x, int *out)
{
    int found = n;
    for (int i = n - 1; i >= 0; i--)
        if (x[i] < 0)
            found = i;
    out[0] = found;
}
"""
FIND_CONTRACT = """\
launch = "<<<1, 1>>>"
[entry]
original = "find"
port = "find_kernel"
[extents]
x = "n"
out = "1"
"""


@pytest.mark.parametrize("swap", [False, True])
def test_search_whose_index_lives_on_after_break_is_equivalent(tmp_path, swap):
    """`for (i = 0; i < n; i++) if (..) break;` then i: checked at every size up to the bound, in the C
    original and (rewritten as a kernel) in the port."""
    port = FIND_PORT
    if swap:  # the break in the port, a search without one in the original
        port = FIND_ORIGINAL.replace("void find(", "__global__ void find_kernel(")
        port = port.replace("    int i;\n    for (i = 0;", "    int i = 7;\n    for (i = 0;")
    v = _validate(tmp_path, FIND_ORIGINAL, port, FIND_CONTRACT)
    assert isinstance(v, Equivalent) and v.scope == "bounded", v
    v = _validate(tmp_path, FIND_ORIGINAL, port.replace("< 0", "<= 0"), FIND_CONTRACT)
    assert isinstance(v, NotEquivalent) and v.counterexample.confirmed, v


def test_search_loop_with_break_is_equivalent(tmp_path):
    v = _validate(tmp_path, SEARCH_ORIGINAL, SEARCH_PORT, SEARCH_CONTRACT)
    assert isinstance(v, Equivalent), v


def test_search_loop_breaking_at_zero_is_refuted_from_source(tmp_path):
    v = _validate(tmp_path, SEARCH_ORIGINAL, SEARCH_PORT.replace(">= 0", "> 0"), SEARCH_CONTRACT)
    assert isinstance(v, NotEquivalent) and v.counterexample.confirmed, v
    assert v.counterexample.array == "pos"


def test_scan_early_exit_mutant_is_refuted_from_source():
    pair = ROOT / "corpus" / "scan"
    result, _ = run([str(pair / "original.c"), str(pair / "mutants" / "early_exit.cu"),
                     "--contract", str(pair / "contract.toml")])
    v = result.verdict
    assert isinstance(v, NotEquivalent) and v.counterexample.confirmed, v


PREFIX_ORIGINAL = """\
void copy(int n, const int *x, int *y) {
    for (int i = 0; i < n; i++)
        y[i] = x[i];
}
"""


@pytest.mark.parametrize("port", [
    # stops at the first negative value: differs whenever one is followed by more elements
    "for (int i = 0; i < n; i++) { if (x[i] < 0) break; y[i] = x[i]; }",
    # never breaks before the end, but the prover cannot know the flag stays clear
    "for (int i = 0; i < n; i++) { if (i >= n) break; y[i] = x[i]; }",
    "for (int i = 0; i < n; i++) { y[i] = x[i]; if (i == n - 1) break; }",
])
def test_the_all_sizes_prover_refuses_a_loop_with_break(tmp_path, port):
    with pytest.raises(NotProvable) as info:
        _prove_copy(tmp_path, port)
    assert "depends on a value carried from earlier iterations" in str(info.value)


def test_the_all_sizes_prover_handles_continue(tmp_path):
    # the continue flag is declared in the body: nothing carries from one iteration to the next
    _prove_copy(tmp_path, "for (int i = 0; i < n; i++) { y[i] = 0; if (i < 0) continue; y[i] = x[i]; }")
    with pytest.raises(NotProvable) as info:
        _prove_copy(tmp_path, "for (int i = 0; i < n; i++) { y[i] = x[i]; if (x[i] < 0) continue; y[i] = 2 * x[i]; }")
    assert "could not prove that y" in str(info.value)


def _prove_copy(tmp_path, port: str):
    (tmp_path / "o.c").write_text(PREFIX_ORIGINAL)
    (tmp_path / "p.c").write_text(PREFIX_ORIGINAL.replace(
        "for (int i = 0; i < n; i++)\n        y[i] = x[i];", port))
    o, p = parse_c(str(tmp_path / "o.c")).function("copy"), parse_c(str(tmp_path / "p.c")).function("copy")
    shapes = {"x": (Var("n"),), "y": (Var("n"),)}
    setting = setting_for(o, shapes, set(), timeout_ms=2000)
    return prove_all_sizes(flatten_arrays(o, shapes), flatten_arrays(p, shapes), setting)


RELU = "void relu(int n, const float *x, float *y)\n{\n    for (int i = 0; i < n; i++)\n" \
       "        y[i] = x[i] > 0.0f ? x[i] : 0.0f;\n}\n"


@pytest.mark.parametrize("test, equivalent", [("<= 0.0f", True), ("< 0.0f", True), ("< 1.0f", False)])
def test_continue_ends_one_iteration_of_an_openmp_loop(tmp_path, test, equivalent):
    (tmp_path / "relu.c").write_text(RELU)
    (tmp_path / "relu_omp.c").write_text(
        "void relu(int n, const float *x, float *y)\n{\n#pragma omp parallel for\n    for (int i = 0; i < n; i++) {\n"
        f"        y[i] = 0.0f;\n        if (x[i] {test})\n            continue;\n        y[i] = x[i];\n    }}\n}}\n")
    result, _ = run([str(tmp_path / "relu.c"), str(tmp_path / "relu_omp.c")])
    if equivalent:
        assert isinstance(result.verdict, Equivalent) and result.verdict.scope == "all-sizes", result.verdict
    else:
        assert isinstance(result.verdict, NotEquivalent) and result.verdict.counterexample.confirmed


FIRST_NEG = "int first_neg(int n, const int *x)\n{\n    int k = -1;\n    for (int i = 0; i < n; i++)\n" \
            "        if (x[i] < 0) { k = i; break; }\n    return k;\n}\n"
FOREVER = "    int i = 0;\n    for (;;) {\n        if (i >= n) { i = -1; break; }\n        if (x[i] TEST 0)\n" \
          "            break;\n        i++;\n    }\n"


@pytest.mark.parametrize("language", ["c", "cuda"])
@pytest.mark.parametrize("test, equivalent", [("<", True), ("<=", False)])
def test_for_without_condition_ends_at_its_break(tmp_path, language, test, equivalent):
    (tmp_path / "first_neg.c").write_text(FIRST_NEG)
    loop = FOREVER.replace("TEST", test)
    if language == "c":
        port = tmp_path / "first_neg_port.c"
        port.write_text(f"int first_neg(int n, const int *x)\n{{\n{loop}    return i;\n}}\n")
    else:
        port = tmp_path / "first_neg.cu"
        port.write_text(f"__global__ void k(int n, const int *x, int *out)\n{{\n{loop}    out[0] = i;\n}}\n"
                        "int first_neg(int n, const int *x)\n{\n    int *d_x, *d_out, h;\n"
                        "    cudaMalloc(&d_x, n * sizeof(int));\n    cudaMalloc(&d_out, sizeof(int));\n"
                        "    cudaMemcpy(d_x, x, n * sizeof(int), cudaMemcpyHostToDevice);\n"
                        "    k<<<1, 1>>>(n, d_x, d_out);\n"
                        "    cudaMemcpy(&h, d_out, sizeof(int), cudaMemcpyDeviceToHost);\n    return h;\n}\n")
    result, _ = run([str(tmp_path / "first_neg.c"), str(port)])
    if equivalent:  # the loop's end depends on the data: not provable, but never refuted
        assert result.verdict.verdict in ("equivalent", "unknown"), result.verdict
    else:
        assert isinstance(result.verdict, NotEquivalent) and result.verdict.counterexample.confirmed
