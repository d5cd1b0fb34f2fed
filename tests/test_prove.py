"""Golden tests of the all-sizes prover on IR text: proofs it must find, wrong ports it must refuse."""
import numpy as np
import pytest

from portproof.ir.concrete import arrays_to_numpy, run_concrete
from portproof.ir.faults import ExecutionFault
from portproof.ir.nodes import ArrayParam, Program
from portproof.ir.parse import parse_function, parse_program
from portproof.ir.printer import to_text
from portproof.validator.normalize import flatten_arrays, inline_launches
from portproof.validator.prove import AllSizesProof, NotProvable, prove_all_sizes, setting_for


def grid1(body: str, gx: str = "(n + 255) / 256", block: int = 256) -> str:
    return (f"parallel cuda (blockIdx.z < 1, blockIdx.y < 1, blockIdx.x < {gx}, "
            f"threadIdx.z < 1, threadIdx.y < 1, threadIdx.x < {block}) {{ {body} }}")


def grid2(body: str, gy: str, gx: str, block: int = 16) -> str:
    return (f"parallel cuda (blockIdx.z < 1, blockIdx.y < {gy}, blockIdx.x < {gx}, "
            f"threadIdx.z < 1, threadIdx.y < {block}, threadIdx.x < {block}) {{ {body} }}")


ONE_THREAD = ("parallel cuda (blockIdx.z < 1, blockIdx.y < 1, blockIdx.x < 1, "
              "threadIdx.z < 1, threadIdx.y < 1, threadIdx.x < 1)")


def _fns(orig, port):
    o = parse_function(orig) if isinstance(orig, str) else orig
    p = parse_function(port) if isinstance(port, str) else port
    shapes = {q.name: q.extents for q in o.params if isinstance(q, ArrayParam)}
    return o, p, shapes


def prove(orig, port, macros=()) -> AllSizesProof:
    o, p, shapes = _fns(orig, port)
    setting = setting_for(o, shapes, set(macros), timeout_ms=2000)
    return prove_all_sizes(flatten_arrays(o, shapes), flatten_arrays(p, shapes), setting)


def refusal(orig, port, macros=()) -> str:
    """The prover's message; fails the test if the pair is proved."""
    with pytest.raises(NotProvable) as info:
        prove(orig, port, macros)
    return str(info.value)


def run_pair(orig, port, sizes: dict, seed: int = 0, port_program: Program = None) -> dict:
    """Run both on the same random inputs with the interpreter; {array: (original, port)} where they
    differ, or {"fault": message} when the port faults."""
    o, p, shapes = _fns(orig, port)
    rng = np.random.default_rng(seed)
    inputs = {}
    for q in o.params:
        if isinstance(q, ArrayParam):
            dims = tuple(int(eval(to_text(d), {}, dict(sizes))) for d in q.extents)
            dtype = np.int32 if q.type.is_integer else np.float64
            inputs[q.name] = rng.integers(-5, 5, size=dims).astype(dtype).ravel()
    scalars = {q.name: sizes.get(q.name, 0.5) for q in o.params if not isinstance(q, ArrayParam)}
    of = flatten_arrays(o, shapes)
    prog = port_program or Program((flatten_arrays(p, shapes),))
    ro = arrays_to_numpy(run_concrete(Program((of,)), of.name, scalars, {k: v.copy() for k, v in inputs.items()}))
    try:
        rp = arrays_to_numpy(run_concrete(prog, p.name, scalars, {k: v.copy() for k, v in inputs.items()}))
    except ExecutionFault as e:  # a race or an out-of-bounds access in the port
        return {"fault": str(e)}
    return {k: (ro[k].values, rp[k].values) for k in ro if not np.array_equal(ro[k].values, rp[k].values)}


# ---- the pairs -----------------------------------------------------------------------------------

MAP_O = """host void f(double C[ni][nj] inout, double alpha, int ni, int nj) {
  for (int i = 0; i < ni; i += 1) { for (int j = 0; j < nj; j += 1) { C[i][j] = alpha * C[i][j] + 1.0; } } }"""


def map_port(guard="t < ni * nj", gx="(ni * nj + 255) / 256", store="C[t] = alpha * C[t] + 1.0;"):
    body = f"int t = blockIdx.x * 256 + threadIdx.x; if ({guard}) {{ {store} }}"
    return "host void f(double C[] inout, double alpha, int ni, int nj) { " + grid1(body, gx) + " }"


MAP_NOGUARD = ("host void f(double C[] inout, double alpha, int ni, int nj) { " + grid1(
    "int t = blockIdx.x * 256 + threadIdx.x; C[t] = alpha * C[t] + 1.0;", "(ni * nj + 255) / 256") + " }")

COPY2_O = """host void f(double A[ni][nj] in, double B[ni][nj] inout, int ni, int nj) {
  for (int i = 0; i < ni; i += 1) { for (int j = 0; j < nj; j += 1) { B[i][j] = 2.0 * A[i][j]; } } }"""


def copy2_port(guard="i < ni && j < nj", index="i * nj + j", gy="(ni + 15) / 16", gx="(nj + 15) / 16"):
    body = ("int i = blockIdx.y * 16 + threadIdx.y; int j = blockIdx.x * 16 + threadIdx.x; "
            f"if ({guard}) {{ B[i * nj + j] = 2.0 * A[{index}]; }}")
    return "host void f(double A[] in, double B[] inout, int ni, int nj) { " + grid2(body, gy, gx) + " }"


S1_O = """host void f(double A[n] in, double B[n] inout, int n) {
  for (int i = 1; i < n - 1; i += 1) { B[i] = 0.33 * (A[i - 1] + A[i] + A[i + 1]); } }"""


def s1_port(guard="i >= 1 && i < n - 1"):
    body = (f"int i = blockIdx.x * 256 + threadIdx.x; if ({guard}) "
            "{ B[i] = 0.33 * (A[i - 1] + A[i] + A[i + 1]); }")
    return "host void f(double A[] in, double B[] inout, int n) { " + grid1(body) + " }"


S2_O = """host void f(double A[ni][nj] in, double B[ni][nj] inout, int ni, int nj) {
  for (int i = 1; i < ni - 1; i += 1) { for (int j = 1; j < nj - 1; j += 1) {
    B[i][j] = 0.2 * (A[i][j] + A[i - 1][j] + A[i + 1][j] + A[i][j - 1] + A[i][j + 1]); } } }"""


def s2_port(guard="i >= 1 && i < ni - 1 && j >= 1 && j < nj - 1"):
    body = ("int i = blockIdx.y * 16 + threadIdx.y; int j = blockIdx.x * 16 + threadIdx.x; "
            f"if ({guard}) {{ B[i * nj + j] = 0.2 * (A[i * nj + j] + A[(i - 1) * nj + j] + "
            "A[(i + 1) * nj + j] + A[i * nj + j - 1] + A[i * nj + j + 1]); }")
    return "host void f(double A[] in, double B[] inout, int ni, int nj) { " + \
        grid2(body, "(ni + 15) / 16", "(nj + 15) / 16") + " }"


# Jacobi-style in place: the original reads the neighbours' old values only because it is sequential
# from left to right and reads i+1 (not yet updated) and i-1 (already updated): Gauss-Seidel.
INPLACE_O = """host void f(double A[n] inout, int n) {
  for (int i = 1; i < n - 1; i += 1) { A[i] = 0.33 * (A[i - 1] + A[i] + A[i + 1]); } }"""
INPLACE_P = "host void f(double A[] inout, int n) { " + grid1(
    "int i = blockIdx.x * 256 + threadIdx.x; if (i >= 1 && i < n - 1) "
    "{ A[i] = 0.33 * (A[i - 1] + A[i] + A[i + 1]); }") + " }"
# The same stale read against an original that computes the out-of-place result into B.
STALE_O = """host void f(double A[n] inout, double B[n] inout, int n) {
  for (int i = 1; i < n - 1; i += 1) { B[i] = 0.33 * (A[i - 1] + A[i] + A[i + 1]); }
  for (int i = 1; i < n - 1; i += 1) { A[i] = B[i]; } }"""
STALE_P = "host void f(double A[] inout, double B[] inout, int n) { " + grid1(
    "int i = blockIdx.x * 256 + threadIdx.x; if (i >= 1 && i < n - 1) "
    "{ B[i] = 0.33 * (A[i - 1] + A[i] + A[i + 1]); A[i] = B[i]; }") + " }"

GEMM_O = """host void f(double C[ni][nj] inout, double A[ni][nk] in, double B[nk][nj] in, double alpha,
                double beta, int ni, int nj, int nk) {
  for (int i = 0; i < ni; i += 1) {
    for (int j = 0; j < nj; j += 1) { C[i][j] = C[i][j] * beta; }
    for (int k = 0; k < nk; k += 1) {
      for (int j = 0; j < nj; j += 1) { C[i][j] = C[i][j] + alpha * A[i][k] * B[k][j]; } } } }"""


def gemm_port(init="double acc = 0.0;"):
    body = ("int i = blockIdx.y * 16 + threadIdx.y; int j = blockIdx.x * 16 + threadIdx.x; "
            f"if (i < ni && j < nj) {{ {init} for (int k = 0; k < nk; k += 1) "
            "{ acc = acc + A[i * nk + k] * B[k * nj + j]; } C[i * nj + j] = beta * C[i * nj + j] + alpha * acc; }")
    return ("host void f(double C[] inout, double A[] in, double B[] in, double alpha, double beta, "
            "int ni, int nj, int nk) { " + grid2(body, "(ni + 15) / 16", "(nj + 15) / 16") + " }")


SCALE_O = "host void f(double x[n] inout, int n) { for (int i = 0; i < n; i += 1) { x[i] = x[i] * 2.0; } }"


def grid_stride_port(grid=64, stride="64 * 256"):
    body = f"for (int i = blockIdx.x * 256 + threadIdx.x; i < n; i += {stride}) {{ x[i] = x[i] * 2.0; }}"
    return "host void f(double x[] inout, int n) { " + grid1(body, str(grid)) + " }"


COPY1_O = """host void f(double A[n] in, double B[n] inout, int n) {
  for (int i = 0; i < n; i += 1) { B[i] = A[i] + 1.0; } }"""


def copy1_port(body):
    return "host void f(double A[] in, double B[] inout, int n) { " + grid1(
        f"int i = blockIdx.x * 256 + threadIdx.x; {body}") + " }"


# ---- proofs -------------------------------------------------------------------------------------

PROVED = {
    "map": (MAP_O, map_port(), {"ni": 3, "nj": 5, "alpha": 1.5}),
    "map-2d-grid": (COPY2_O, copy2_port(), {"ni": 17, "nj": 3}),
    "stencil-1d": (S1_O, s1_port(), {"n": 7}),
    "stencil-2d": (S2_O, s2_port(), {"ni": 5, "nj": 4}),
    "gemm-ikj-vs-register-accumulator": (GEMM_O, gemm_port(), {"ni": 3, "nj": 4, "nk": 2, "alpha": 2.0, "beta": 3.0}),
    "grid-stride": (SCALE_O, grid_stride_port(), {"n": 20}),
    "grid-stride-gridDim-times-blockDim": (SCALE_O, grid_stride_port(grid=3, stride="3 * 256"), {"n": 20}),
}


@pytest.mark.parametrize("name", sorted(PROVED))
def test_proves(name):
    orig, port, sizes = PROVED[name]
    proof = prove(orig, port)
    written = {q.name for q in parse_function(orig).params if isinstance(q, ArrayParam)}
    assert set(proof.arrays) == written
    assert run_pair(orig, port, sizes) == {}  # the golden pair is really equivalent


def test_proves_the_original_against_itself():
    for orig, _, _ in PROVED.values():
        prove(orig, orig)


# ---- refusals: (original, port, words the message must contain, sizes that show the difference) ---

REFUSED = {
    "guard-off-by-one-past-the-end": (MAP_O, map_port(guard="t <= ni * nj"), ["'C[", "extent"], None),
    "guard-off-by-one-short": (MAP_O, map_port(guard="t < ni * nj - 1"), ["C[", "the same"],
                               {"ni": 2, "nj": 3, "alpha": 2.0}),
    "stencil-guard-past-the-end": (S1_O, s1_port(guard="i >= 1 && i < n"), ["'A[", "extent n"], None),
    "stencil-guard-before-the-start": (S1_O, s1_port(guard="i >= 0 && i < n - 1"), ["'A[", "extent n"], None),
    "stencil-2d-guard-swapped-sizes": (S2_O, s2_port(guard="i >= 1 && i < nj - 1 && j >= 1 && j < ni - 1"),
                                       ["'A[", "extent"], None),
    "transposed-index": (COPY2_O, copy2_port(index="j * ni + i"), ["B[", "the same"], {"ni": 2, "nj": 3}),
    "transposed-index-div-mod": (COPY2_O, "host void f(double A[] in, double B[] inout, int ni, int nj) { " + grid1(
        "int t = blockIdx.x * 256 + threadIdx.x; int i = t / nj; int j = t % nj; "
        "if (t < ni * nj) { B[t] = 2.0 * A[j * ni + i]; }", "(ni * nj + 255) / 256") + " }",
        ["B["], {"ni": 2, "nj": 3}),
    "missing-guard": (MAP_O, MAP_NOGUARD, ["'C[", "extent"], None),
    "grid-rounded-down": (MAP_O, map_port(gx="ni * nj / 256"), ["C[", "the same"],
                          {"ni": 1, "nj": 300, "alpha": 2.0}),
    "grid-2d-rounded-down": (COPY2_O, copy2_port(gy="ni / 16"), ["B["], {"ni": 17, "nj": 3}),
    "race-two-threads-one-element": (COPY1_O, "host void f(double A[] in, double B[] inout, int n) { " + grid1(
        "int i = blockIdx.x * 256 + threadIdx.x; if (i < 2 * n) { B[i / 2] = A[i / 2] + 1.0; }",
        "(2 * n + 255) / 256") + " }", ["B["], None),
    "race-every-thread-one-element": (COPY1_O, copy1_port(
        "if (i < n) { for (int k = 0; k < n; k += 1) { B[k] = A[k] + 1.0; } }"), ["race"], None),
    "race-grid-stride-too-small": (SCALE_O, grid_stride_port(stride="32 * 256"), ["x["], None),
    "grid-stride-too-large": (SCALE_O, grid_stride_port(grid=2, stride="4 * 256"), ["x["], {"n": 600}),
    "in-place-stencil-gauss-seidel": (INPLACE_O, INPLACE_P, ["A[", "stale read"], {"n": 6}),
    "in-place-stencil-stale-read": (STALE_O, STALE_P, ["A[", "stale read"], {"n": 6}),
    "uninitialised-accumulator": (GEMM_O, gemm_port(init="double acc;"), ["uninit", "C["], None),
    "accumulator-starts-at-one": (GEMM_O, gemm_port(init="double acc = 1.0;"), ["C["],
                                  {"ni": 2, "nj": 2, "nk": 2, "alpha": 1.0, "beta": 1.0}),
    "writes-an-input-array": (COPY1_O, copy1_port("if (i < n) { B[i] = A[i] + 1.0; A[i] = 0.0; }"),
                              ["A[", "the same"], {"n": 3}),
    "wrong-stencil-neighbour": (S1_O, "host void f(double A[] in, double B[] inout, int n) { " + grid1(
        "int i = blockIdx.x * 256 + threadIdx.x; if (i >= 1 && i < n - 1) "
        "{ B[i] = 0.33 * (A[i - 1] + A[i] + A[i - 1]); }") + " }", ["B["], {"n": 5}),
    "skips-odd-elements": (COPY1_O, copy1_port("if (i < n && i % 2 == 0) { B[i] = A[i] + 1.0; }"),
                           ["B["], {"n": 3}),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refuses(name):
    orig, port, words, sizes = REFUSED[name]
    message = refusal(orig, port)
    for w in words:
        assert w in message, f"{w!r} not in {message!r}"
    if sizes is not None:  # the refusal is deserved: the interpreter shows a difference
        assert run_pair(orig, port, sizes) != {}


# ---- wrong proofs found by these tests (soundness bugs in the summarizer) --------------------------
# Each pair is NOT equivalent (the interpreter shows it), yet prove_all_sizes returned a proof.

WRONG = {
    # a store to A[m % n] may overwrite A[0], but a later read of A[0] is served from the
    # per-thread write buffer, keyed by the syntactic index, as the first store's value
    "buffer-ignores-aliasing-store": (
        """host void f(double A[n] inout, double B[n] inout, int n, int m) {
          for (int r = 0; r < min(n, 1); r += 1) { A[0] = 1.0; A[m % n] = 2.0; B[0] = 1.0; } }""",
        f"""host void f(double A[] inout, double B[] inout, int n, int m) {{ {ONE_THREAD} {{
          if (n >= 1) {{ A[0] = 1.0; A[m % n] = 2.0; B[0] = A[0]; }} }} }}""",
        {"n": 3, "m": 3}),
    # the write buffer of the then-branch is still live while the else-branch is summarized
    "buffer-leaks-from-then-into-else": (
        """host void f(double A[n] inout, double B[n] inout, int n) {
          for (int i = 0; i < n; i += 1) { if (i == 0) { A[i] = 5.0; } else { B[i] = 5.0; } } }""",
        "host void f(double A[] inout, double B[] inout, int n) { " + grid1(
            "int i = blockIdx.x * 256 + threadIdx.x; if (i < n) "
            "{ if (i == 0) { A[i] = 5.0; } else { B[i] = A[i]; } }") + " }",
        {"n": 3}),
    # `old = x[i]` reads the element before the thread overwrites it; own_reads substitutes the
    # element's value at the later store instead (5.0), so x[i] "= 6.0"
    "read-before-overwrite-sees-the-overwrite": (
        "host void f(double x[n] inout, int n) { for (int i = 0; i < n; i += 1) { x[i] = 6.0; } }",
        "host void f(double x[] inout, int n) { " + grid1(
            "int i = blockIdx.x * 256 + threadIdx.x; if (i < n) "
            "{ double old = x[i]; x[i] = 5.0; x[i] = old + 1.0; }") + " }",
        {"n": 3}),
    # the loop variable assigned in the body: the prover still assumes i takes every value < n
    "loop-variable-assigned-in-body": (
        "host void f(double B[n] inout, int n) { for (int i = 0; i < n; i += 1) { B[i] = 1.0; } }",
        "host void f(double B[] inout, int n) { for (int i = 0; i < n; i += 1) { B[i] = 1.0; i = i + 1; } }",
        {"n": 4}),
    # the loop bound is evaluated once; C re-evaluates `i < m` after the body changed m
    "loop-bound-changed-in-body": (
        "host void f(double B[n] inout, int n) { for (int i = 0; i < n; i += 1) { B[i] = 1.0; } }",
        "host void f(double B[] inout, int n) { int m = n; for (int i = 0; i < m; i += 1) "
        "{ B[i] = 1.0; m = m - 1; } }",
        {"n": 4}),
    # a decreasing loop is turned into an increasing one, so the last value is taken at i = n-1
    "decreasing-loop-last-value": (
        """host void f(double A[n] in, double B[n] inout, int n) {
          for (int j = 0; j < n; j += 1) { B[j] = A[n - 1]; } }""",
        """host void f(double A[] in, double B[] inout, int n) { for (int j = 0; j < n; j += 1) {
          double x = 0.0; for (int i = n - 1; i >= 0; i += (-1)) { x = A[i]; } B[j] = x; } }""",
        {"n": 3}),
    # C's `bool b = 2` stores 1; the prover keeps 2, so `b == 1` is taken as false
    "bool-conversion": (
        "host void f(double B[n] inout, int n) { for (int i = 0; i < n; i += 1) { B[i] = 1.0; } }",
        "host void f(double B[] inout, int n) { " + grid1(
            "int t = blockIdx.x * 256 + threadIdx.x; bool b = 2; "
            "if (t < n) { if (b == 1) { B[t] = 3.0; } else { B[t] = 1.0; } }") + " }",
        {"n": 3}),
    # an integer parameter whose name is the cell symbol the prover makes for array C (C_0)
    "parameter-named-like-the-cell-symbol": (
        "host void f(double C[n] inout, int n, int C_0) { for (int i = 0; i < n; i += 1) { C[i] = 1.0; } }",
        "host void f(double C[] inout, int n, int C_0) { " + grid1(
            "int t = blockIdx.x * 256 + threadIdx.x; if (t < n) { C[t] = t == C_0 ? 1.0 : 2.0; }") + " }",
        {"n": 3, "C_0": 1}),
    # `>>` of a negative int is an arithmetic (floor) shift in gcc/nvcc; the prover encodes it as
    # truncating division, the same term as `/ 2`
    "shift-of-negative-is-not-division": (
        "host void f(int B[n] inout, int n) { for (int i = 0; i < n; i += 1) { B[i] = (i - 1) / 2; } }",
        "host void f(int B[] inout, int n) { " + grid1(
            "int t = blockIdx.x * 256 + threadIdx.x; if (t < n) { B[t] = (t - 1) >> 1; }") + " }",
        {"n": 3}),
}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_pairs_really_differ(name):
    orig, port, sizes = WRONG[name]
    assert run_pair(orig, port, sizes) != {}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_never_proves_wrong_pairs(name):
    orig, port, _ = WRONG[name]
    refusal(orig, port)


# unsigned arithmetic: threadIdx.x is unsigned in CUDA, so `tid - 1 < n - 1` is false for tid 0;
# inline_launches types the axes by their (int) extents and the prover reads integers as unbounded.
UNSIGNED_KERNEL = parse_program("""
kernel void k(double B[] inout, int n) {
  if (blockIdx.x * 256 + threadIdx.x - 1 < n - 1) { B[blockIdx.x * 256 + threadIdx.x] = 1.0; } }
host void f(double B[] inout, int n) { launch k<<<((n + 255) / 256, 1, 1), (256, 1, 1), 0>>>(array B, n); }
""")
UNSIGNED_O = "host void f(double B[n] inout, int n) { for (int i = 0; i < n; i += 1) { B[i] = 1.0; } }"


def test_unsigned_wrap_pair_really_differs():
    assert run_pair(UNSIGNED_O, UNSIGNED_KERNEL.function("f"), {"n": 4}, port_program=UNSIGNED_KERNEL) != {}


def test_never_proves_unsigned_wrap():
    refusal(UNSIGNED_O, inline_launches(UNSIGNED_KERNEL, UNSIGNED_KERNEL.function("f")))
