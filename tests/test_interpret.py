"""Tests of the IR interpreter and the concrete domain on hand-built IR programs."""
import time

import numpy as np
import pytest
from hypothesis import given, strategies as st

from portproof.diagnostics import Unsupported
from portproof.ir.builtins import signature
from portproof.ir.concrete import ConcreteDomain, arrays_to_numpy, run_concrete
from portproof.ir.faults import (BadArray, BadLaunch, BarrierDivergence, DivisionByZero,
                                 InvalidConversion, InvalidShift, OutOfBounds, Race, RankMismatch,
                                 SignedOverflow, StepLimit, UndefinedValue)
from portproof.ir.interpret import UNDEF, ArrayStore, run
from portproof.ir.nodes import (Shuffle, ArrayArg, ArrayParam, Assign, Atomic, Barrier, Binary, Call, Cast,
                                Const, Copy, Declare, Fill, For, Function, If, Launch, LocalArray,
                                Load, ParallelFor, Axis, Program, Return, ScalarParam, Select,
                                SourceLoc, Store, Unary, Var, While)
from portproof.ir.types import BOOL, F32, F64, I32, I64, U32, U64

V = Var


def c(value, type=I32):
    return Const(value, type)


def b(op, left, right):
    return Binary(op, left, right)


def loc(line):
    return SourceLoc("port.cu", line)


def count_loop(var, bound, *body, type=I32):
    return For(var, type, c(0), b("<", V(var), bound), c(1), tuple(body))


GLOBAL_ID = b("+", b("*", V("blockIdx.x"), V("blockDim.x")), V("threadIdx.x"))


def host(name, params, *body, return_type=None):
    return Function(name, "host", tuple(params), tuple(body), return_type)


def kernel(name, params, *body):
    return Function(name, "kernel", tuple(params), tuple(body))


def launch(kernel_name, grid, block, *args, shmem=0):
    def dim3(d):
        return tuple(x if isinstance(x, Const | Var | Binary) else c(x) for x in d)
    return Launch(kernel_name, dim3(grid), dim3(block), c(shmem), tuple(args), loc=loc(90))


def launcher(kernel_fn, grid, block, params, args, shmem=0):
    """A host function `main` that launches `kernel_fn` on its own parameters."""
    main = host("main", params, launch(kernel_fn.name, grid, block, *args, shmem=shmem))
    return Program((main, kernel_fn))


def expr_program(expr, type):
    """`type f() { return expr; }`"""
    return Program((host("f", (), Return(expr), return_type=type),))


def value_of(expr, type=I32):
    return run_concrete(expr_program(expr, type), "f", {}, {}).return_value


# ---- host code -------------------------------------------------------------------------------

def test_saxpy_host_loop_matches_numpy_float32():
    i = V("i")
    axpy = b("+", b("*", V("a"), Load("x", (i,))), Load("y", (i,)))
    saxpy = host("saxpy", (ScalarParam("n", I32), ScalarParam("a", F32),
                           ArrayParam("x", F32, ()), ArrayParam("y", F32, ())),
                 count_loop("i", V("n"), Store("y", (i,), axpy)))
    rng = np.random.default_rng(1)
    x, y = rng.random(13, dtype=np.float32), rng.random(13, dtype=np.float32)
    out = run_concrete(Program((saxpy,)), "saxpy", {"n": 13, "a": 2.5}, {"x": x, "y": y})
    result = arrays_to_numpy(out)
    assert result["y"].values.dtype == np.float32
    assert np.array_equal(result["y"].values, np.float32(2.5) * x + y)
    assert result["y"].defined.all()
    assert np.array_equal(result["x"].values, x)


def test_gemm_with_vla_extents_is_fast():
    n, m, k = V("n"), V("m"), V("k")
    i, j, p = V("i"), V("j"), V("p")
    gemm = host("gemm", (ScalarParam("n", I32), ScalarParam("m", I32), ScalarParam("k", I32),
                         ArrayParam("A", F64, (n, k)), ArrayParam("B", F64, (k, m)),
                         ArrayParam("C", F64, (n, m))),
                count_loop("i", n, count_loop("j", m,
                    Declare("acc", F64, c(0.0, F64)),
                    count_loop("p", k, Assign("acc", b("+", V("acc"),
                        b("*", Load("A", (i, p)), Load("B", (p, j)))))),
                    Store("C", (i, j), V("acc")))))
    rng = np.random.default_rng(2)
    A, B = rng.random((8, 8)), rng.random((8, 8))
    start = time.perf_counter()
    out = run_concrete(Program((gemm,)), "gemm", {"n": 8, "m": 8, "k": 8},
                       {"A": A, "B": B, "C": np.zeros((8, 8))})
    assert time.perf_counter() - start < 0.1
    assert np.allclose(arrays_to_numpy(out)["C"].values, A @ B)


def test_uninitialised_accumulator_gives_undefined_output():
    body = (Declare("acc", F32), count_loop("i", V("n"),
            Assign("acc", b("+", V("acc"), Load("x", (V("i"),))))),
            Store("y", (c(0),), V("acc")))
    f = host("sum", (ScalarParam("n", I32), ArrayParam("x", F32, ()), ArrayParam("y", F32, ())),
             *body)
    out = run_concrete(Program((f,)), "sum", {"n": 4},
                       {"x": np.ones(4, np.float32), "y": np.zeros(2, np.float32)})
    y = arrays_to_numpy(out)["y"]
    assert y.defined.tolist() == [False, True]
    assert out.arrays["y"].values[0] is UNDEF


def test_branch_on_uninitialised_value_faults():
    f = host("f", (), Declare("t", I32), If(b(">", V("t"), c(0)), (Return(c(1)),), loc=loc(7)),
             Return(c(0)), return_type=I32)
    with pytest.raises(UndefinedValue) as e:
        run_concrete(Program((f,)), "f", {}, {})
    assert e.value.loc == loc(7)


def test_host_out_of_bounds_and_rank_mismatch():
    f = host("f", (ArrayParam("a", I32, (c(2), c(3))),),
             Store("a", (c(1), c(3)), c(5), loc=loc(4)))
    with pytest.raises(OutOfBounds) as e:
        run_concrete(Program((f,)), "f", {}, {"a": np.zeros((2, 3), np.int32)})
    f = e.value
    assert (f.array, f.index, f.extent, f.loc) == ("a", (1, 3), (2, 3), loc(4))
    g = host("g", (ArrayParam("a", I32, (c(2), c(3))),), Store("a", (c(4),), c(5)))
    with pytest.raises(RankMismatch):
        run_concrete(Program((g,)), "g", {}, {"a": np.zeros((2, 3), np.int32)})


def test_select_evaluates_only_the_chosen_side():
    # n > 0 ? a[n - 1] : 0 with n = 0 must not read a[-1]
    f = host("f", (ScalarParam("n", I32), ArrayParam("a", F64, ())),
             Return(Select(b(">", V("n"), c(0)), Load("a", (b("-", V("n"), c(1)),)), c(0))),
             return_type=F64)
    assert run_concrete(Program((f,)), "f", {"n": 0}, {"a": np.ones(1)}).return_value == 0.0
    last = Load("a", (b("-", V("n"), c(1)),))
    shortcut = b("&&", b(">", V("n"), c(0)), b(">", last, c(0.0, F64)))
    g = host("g", (ScalarParam("n", I32), ArrayParam("a", F64, ())), Return(shortcut),
             return_type=I32)
    assert run_concrete(Program((g,)), "g", {"n": 0}, {"a": np.ones(1)}).return_value == 0


def test_nonsense_launches_and_arrays():
    k = kernel("k", (ScalarParam("n", I32),))
    prog = launcher(k, (1, 1, 1), (1, 1, 1), (ArrayParam("x", F32, ()),), (ArrayArg("x"),))
    with pytest.raises(BadLaunch):
        run_concrete(prog, "main", {}, {"x": np.zeros(1, np.float32)})
    with pytest.raises(BadLaunch):
        run_concrete(Program((host("f", (), Barrier()),)), "f", {}, {})
    negative = host("f", (ScalarParam("n", I32),), LocalArray("t", F32, (V("n"),)))
    with pytest.raises(BadArray):
        run_concrete(Program((negative,)), "f", {"n": -1}, {})


def test_uninitialised_index_faults_with_location():
    f = host("f", (ArrayParam("a", I32, ()),), Declare("i", I32),
             Store("a", (V("i"),), c(1), loc=loc(12)))
    with pytest.raises(UndefinedValue) as e:
        run_concrete(Program((f,)), "f", {}, {"a": np.zeros(2, np.int32)})
    assert str(e.value) == "port.cu:12: uninitialised value: used as an index or size"


def test_ir_imports_no_solver_and_no_parser():
    import subprocess
    import sys
    code = ("import sys, portproof.ir.interpret, portproof.ir.concrete; "
            "print(sorted({'z3', 'pycparser', 'tree_sitter'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_step_limit():
    f = host("f", (), While(c(1), ()))
    with pytest.raises(StepLimit):
        run_concrete(Program((f,)), "f", {}, {}, max_steps=1000)


def test_while_loop_and_block_scoping():
    # int s = 0; int i = 0; while (i < 5) { int i2 = i * 2; s = s + i2; i = i + 1; } return s;
    f = host("f", (), Declare("s", I32, c(0)), Declare("i", I32, c(0)),
             While(b("<", V("i"), c(5)), (Declare("i2", I32, b("*", V("i"), c(2))),
                                           Assign("s", b("+", V("s"), V("i2"))),
                                           Assign("i", b("+", V("i"), c(1))))),
             Return(V("s")), return_type=I32)
    assert run_concrete(Program((f,)), "f", {}, {}).return_value == 20


def test_fill_with_nonzero_byte_and_copy():
    f = host("f", (ArrayParam("a", I32, ()), ArrayParam("x", F32, ()), ArrayParam("y", F32, ())),
             Fill("a", c(1), c(3)), Fill("x", c(0), c(2)), Copy("y", "x", c(2)))
    out = arrays_to_numpy(run_concrete(Program((f,)), "f", {},
                                       {"a": np.zeros(4, np.int32), "x": np.ones(2, np.float32),
                                        "y": np.full(3, 7, np.float32)}))
    assert out["a"].values.tolist() == [0x01010101] * 3 + [0]
    assert out["y"].values.tolist() == [0.0, 0.0, 7.0]


def test_copy_past_the_end_is_out_of_bounds():
    f = host("f", (ArrayParam("x", F32, ()), ArrayParam("y", F32, ())), Copy("y", "x", c(3)))
    with pytest.raises(OutOfBounds) as e:
        run_concrete(Program((f,)), "f", {}, {"x": np.ones(3, np.float32),
                                             "y": np.ones(2, np.float32)})
    assert e.value.array == "y"


# ---- C semantics of the concrete domain ------------------------------------------------------

def test_integer_division_and_modulo_of_negatives():
    assert value_of(b("/", c(-7), c(2))) == -3
    assert value_of(b("%", c(-7), c(2))) == -1
    assert value_of(b("%", c(7), c(-2))) == 1
    assert value_of(b("/", c(-7), c(-2))) == 3
    with pytest.raises(DivisionByZero):
        value_of(b("%", c(1), c(0)))


def test_float32_rounding():
    big = b("+", c(16777216.0, F32), c(1.0, F32))
    assert value_of(b("==", big, c(16777216.0, F32))) == 1
    # mixing float and double converts to double, where 2^24 + 1 is exact
    assert value_of(b("+", c(16777216.0, F32), c(1.0, F64)), F64) == 16777217.0
    assert value_of(Cast(F32, c(16777217, I32)), F32) == np.float32(16777216.0)


def test_unsigned_wraparound_and_conversions():
    assert value_of(b("-", c(0, U32), c(1, U32)), U32) == 2**32 - 1
    assert value_of(b("<", c(-1), c(0, U32))) == 0  # -1 converts to UINT_MAX
    assert value_of(b("*", c(2**63, U64), c(2, U64)), U64) == 0
    assert value_of(Cast(I32, c(2**32 + 5, I64))) == 5
    assert value_of(Cast(I32, c(-2.9, F64))) == -2
    assert value_of(Unary("-", c(1, U32)), U32) == 2**32 - 1
    assert value_of(Cast(BOOL, c(0.5, F64)), BOOL) == 1


def test_signed_overflow_faults():
    with pytest.raises(SignedOverflow):
        value_of(b("+", c(2**31 - 1), c(1)))
    with pytest.raises(SignedOverflow):
        value_of(b("/", c(-2**31), c(-1)))
    with pytest.raises(InvalidConversion):
        value_of(Cast(I32, c(3e9, F64)))
    with pytest.raises(InvalidConversion):
        value_of(Cast(U32, c(float("nan"), F64)), U32)


def test_math_builtins():
    assert value_of(Call("sqrtf", (c(2.0, F32),)), F32) == np.sqrt(np.float32(2.0))
    assert value_of(Call("sqrt", (c(2, I32),)), F64) == np.sqrt(2.0)
    assert value_of(Call("max", (c(3), c(2.5, F32))), F32) == np.float32(3.0)
    assert value_of(Call("min", (c(-3), c(2, I64))), I64) == -3
    assert signature("fminf", (F64, F64)) == ((F32, F32), F32)
    with pytest.raises(Unsupported):
        signature("frobnicate", (F32,))


def _c_div(x, y):
    q = abs(x) // abs(y)
    return -q if (x < 0) != (y < 0) else q


INT32 = st.integers(-2**31, 2**31 - 1)


@given(INT32, INT32.filter(lambda y: y != 0))
def test_int_division_matches_c(x, y):
    d = ConcreteDomain()
    q = _c_div(x, y)
    if q > 2**31 - 1:
        with pytest.raises(SignedOverflow):
            d.binary("/", x, y, I32, I32)
        return
    assert d.binary("/", x, y, I32, I32) == q
    assert d.binary("%", x, y, I32, I32) == x - y * q
    assert abs(d.binary("%", x, y, I32, I32)) < abs(y)


@given(st.integers(0, 2**32 - 1), st.integers(-2, 34))
def test_unsigned_shifts_match_c(x, s):
    d = ConcreteDomain()
    if not 0 <= s < 32:
        with pytest.raises(InvalidShift):
            d.binary("<<", x, s, U32, U32)
        return
    assert d.binary("<<", x, s, U32, U32) == (x << s) % 2**32
    assert d.binary(">>", x, s, U32, U32) == x >> s


@given(INT32, st.integers(0, 31))
def test_signed_shifts_match_c(x, s):
    d = ConcreteDomain()
    assert d.binary(">>", x, s, I32, I32) == x >> s  # arithmetic shift, as gcc does
    if -2**31 <= x << s < 2**31:
        assert d.binary("<<", x, s, I32, I32) == x << s
    else:
        with pytest.raises(SignedOverflow):
            d.binary("<<", x, s, I32, I32)


FLOAT32 = st.floats(width=32, allow_nan=False)


@given(FLOAT32, FLOAT32)
def test_float32_add_mul_match_numpy(x, y):
    d = ConcreteDomain()
    fx, fy = d.constant(x, F32), d.constant(y, F32)
    with np.errstate(all="ignore"):
        for op, expected in (("+", np.float32(x) + np.float32(y)),
                             ("*", np.float32(x) * np.float32(y))):
            r = d.binary(op, fx, fy, F32, F32)
            assert isinstance(r, np.float32)
            assert r.tobytes() == expected.tobytes()


def _round_to_float32(x):
    """Round-half-even of an int to 24 significant bits, by integer arithmetic."""
    a = abs(x)
    if a < 2**24:
        return np.float32(x)
    shift = a.bit_length() - 24
    q, r = divmod(a, 1 << shift)
    if r > 1 << (shift - 1) or (r == 1 << (shift - 1) and q & 1):
        q += 1
    return np.float32(q * 2.0**shift if x > 0 else -q * 2.0**shift)


@given(st.integers(-2**63, 2**64 - 1))
def test_int_to_float32_rounds_once(x):
    got = ConcreteDomain().cast(x, I64 if x < 2**63 else U64, F32)
    assert got == _round_to_float32(x)


# ---- CUDA kernels ----------------------------------------------------------------------------

SAXPY_KERNEL = kernel("saxpy", (ScalarParam("n", I32), ScalarParam("a", F32),
                                ArrayParam("x", F32, ()), ArrayParam("y", F32, ())),
                      Declare("i", I32, GLOBAL_ID),
                      If(b("<", V("i"), V("n")), (Store("y", (V("i"),), b("+", b("*", V("a"),
                         Load("x", (V("i"),))), Load("y", (V("i"),))), loc=loc(5)),)))


def test_kernel_with_device_buffers_and_copies():
    n = V("n")
    blocks = b("/", b("+", n, c(3)), c(4))
    main = host("main", (ScalarParam("n", I32), ArrayParam("x", F32, ()), ArrayParam("y", F32, ())),
                LocalArray("d_x", F32, (n,), "device"), LocalArray("d_y", F32, (n,), "device"),
                Copy("d_x", "x", n), Copy("d_y", "y", n),
                launch("saxpy", (blocks, 1, 1), (4, 1, 1), n, c(2.0, F32),
                       ArrayArg("d_x"), ArrayArg("d_y")),
                Copy("y", "d_y", n))
    x, y = np.arange(10, dtype=np.float32), np.ones(10, np.float32)
    out = run_concrete(Program((main, SAXPY_KERNEL)), "main", {"n": 10}, {"x": x, "y": y})
    assert arrays_to_numpy(out)["y"].values.tolist() == (2 * x + 1).tolist()


def test_guardless_kernel_is_out_of_bounds():
    unguarded = kernel("k", (ArrayParam("y", F32, ()),),
                       Store("y", (GLOBAL_ID,), c(1.0, F32), loc=loc(3)))
    prog = launcher(unguarded, (3, 1, 1), (4, 1, 1), (ArrayParam("y", F32, ()),), (ArrayArg("y"),))
    with pytest.raises(OutOfBounds) as e:
        run_concrete(prog, "main", {}, {"y": np.zeros(10, np.float32)})
    f = e.value
    assert (f.index, f.extent, f.loc) == ((10,), (10,), loc(3))
    assert (f.thread.block, f.thread.thread) == ((2, 0, 0), (2, 0, 0))
    assert "block (2, 0, 0) thread (2, 0, 0)" in str(f)


def matmul_program():
    """`main(n, A, B, C)` launches a 2D kernel with 4x4 blocks on a 2x2 grid: C = A B."""
    n = V("n")
    row = b("+", b("*", V("blockIdx.y"), V("blockDim.y")), V("threadIdx.y"))
    col = b("+", b("*", V("blockIdx.x"), V("blockDim.x")), V("threadIdx.x"))
    at = lambda r, q: (b("+", b("*", r, n), q),)  # noqa: E731
    mm = kernel("mm", (ScalarParam("n", I32), ArrayParam("A", F32, ()), ArrayParam("B", F32, ()),
                       ArrayParam("C", F32, ())),
                Declare("row", I32, row), Declare("col", I32, col),
                If(b("&&", b("<", V("row"), n), b("<", V("col"), n)), (
                    Declare("acc", F32, c(0.0, F32)),
                    count_loop("k", n, Assign("acc", b("+", V("acc"), b("*",
                        Load("A", at(V("row"), V("k"))), Load("B", at(V("k"), V("col"))))))),
                    Store("C", at(V("row"), V("col")), V("acc")))))
    params = (ScalarParam("n", I32), ArrayParam("A", F32, ()), ArrayParam("B", F32, ()),
              ArrayParam("C", F32, ()))
    return launcher(mm, (2, 2, 1), (4, 4, 1), params,
                    (V("n"), ArrayArg("A"), ArrayArg("B"), ArrayArg("C")))


def test_2d_kernel_matrix_multiply():
    prog = matmul_program()
    rng = np.random.default_rng(3)
    A, B = rng.random(64, dtype=np.float32), rng.random(64, dtype=np.float32)
    start = time.perf_counter()
    out = run_concrete(prog, "main", {"n": 8}, {"A": A, "B": B, "C": np.zeros(64, np.float32)})
    assert time.perf_counter() - start < 0.1
    C = arrays_to_numpy(out)["C"].values.reshape(8, 8)
    assert np.allclose(C, A.reshape(8, 8) @ B.reshape(8, 8), rtol=1e-5)


def test_two_threads_writing_one_element_race():
    racy = kernel("k", (ArrayParam("out", I32, ()),),
                  Store("out", (c(0),), Cast(I32, V("threadIdx.x")), loc=loc(2)))
    prog = launcher(racy, (1, 1, 1), (2, 1, 1), (ArrayParam("out", I32, ()),), (ArrayArg("out"),))
    with pytest.raises(Race) as e:
        run_concrete(prog, "main", {}, {"out": np.zeros(1, np.int32)})
    r = e.value
    assert (r.array, r.flat_index) == ("out", 0)
    assert (r.first.thread.thread, r.second.thread.thread) == ((0, 0, 0), (1, 0, 0))
    assert r.first.kind == r.second.kind == "write" and r.second.loc == loc(2)
    out = run_concrete(prog, "main", {}, {"out": np.zeros(1, np.int32)}, check_races=False)
    assert out.arrays["out"].values == [1]


def test_race_between_blocks_ignores_barriers():
    # block b writes d[b], then after a barrier reads d[b + 1] written by the next block
    nxt = b("%", b("+", V("blockIdx.x"), c(1, U32)), V("gridDim.x"))
    k = kernel("k", (ArrayParam("d", I32, ()),),
               If(b("==", V("threadIdx.x"), c(0, U32)), (Store("d", (V("blockIdx.x"),), c(1)),)),
               Barrier(),
               Declare("v", I32, Load("d", (nxt,))))
    prog = launcher(k, (2, 1, 1), (2, 1, 1), (ArrayParam("d", I32, ()),), (ArrayArg("d"),))
    with pytest.raises(Race):
        run_concrete(prog, "main", {}, {"d": np.zeros(2, np.int32)})


def _reverse_kernel(with_barrier):
    t = V("threadIdx.x")
    last = b("-", b("-", V("blockDim.x"), t), c(1, U32))
    base = b("*", V("blockIdx.x"), V("blockDim.x"))
    body = [LocalArray("s", F32, (c(8),), "shared", loc=loc(1)),
            Store("s", (t,), Load("d", (b("+", base, t),)), loc=loc(2))]
    if with_barrier:
        body.append(Barrier(loc=loc(3)))
    body.append(Store("d", (b("+", base, t),), Load("s", (last,)), loc=loc(4)))
    k = kernel("reverse", (ArrayParam("d", F32, ()),), *body)
    return launcher(k, (2, 1, 1), (8, 1, 1), (ArrayParam("d", F32, ()),), (ArrayArg("d"),))


def test_shared_memory_reverse_with_barrier():
    d = np.arange(16, dtype=np.float32)
    out = run_concrete(_reverse_kernel(True), "main", {}, {"d": d})
    assert arrays_to_numpy(out)["d"].values.tolist() == list(range(7, -1, -1)) + \
        list(range(15, 7, -1))


def test_shared_memory_reverse_without_barrier_races():
    with pytest.raises(Race) as e:
        run_concrete(_reverse_kernel(False), "main", {}, {"d": np.arange(16, dtype=np.float32)})
    assert e.value.array == "s"
    assert {e.value.first.kind, e.value.second.kind} == {"read", "write"}


def test_barrier_in_divergent_branch():
    k = kernel("k", (ArrayParam("d", F32, ()),),
               If(b("<", V("threadIdx.x"), c(16, U32)), (Barrier(loc=loc(5)),)),
               Store("d", (V("threadIdx.x"),), c(1.0, F32)))
    prog = launcher(k, (1, 1, 1), (32, 1, 1), (ArrayParam("d", F32, ()),), (ArrayArg("d"),))
    with pytest.raises(BarrierDivergence):
        run_concrete(prog, "main", {}, {"d": np.zeros(32, np.float32)})


def test_threads_at_different_barriers_diverge():
    k = kernel("k", (), If(b("<", V("threadIdx.x"), c(1, U32)), (Barrier(loc=loc(2)),),
                           (Barrier(loc=loc(3)),)))
    with pytest.raises(BarrierDivergence):
        run_concrete(launcher(k, (1, 1, 1), (2, 1, 1), (), ()), "main", {}, {})


def test_atomics_count_hits_from_all_threads():
    k = kernel("count", (ArrayParam("hits", U32, ()), ArrayParam("old", U32, ())),
               Declare("prev", U32),
               Atomic("add", "hits", (c(0),), c(1, U32), "prev"),
               Atomic("max", "hits", (c(1),), GLOBAL_ID),
               Store("old", (GLOBAL_ID,), V("prev")))
    prog = launcher(k, (3, 1, 1), (5, 1, 1),
                    (ArrayParam("hits", U32, ()), ArrayParam("old", U32, ())),
                    (ArrayArg("hits"), ArrayArg("old")))
    out = arrays_to_numpy(run_concrete(prog, "main", {}, {"hits": np.zeros(2, np.uint32),
                                                        "old": np.zeros(15, np.uint32)}))
    assert out["hits"].values.tolist() == [15, 14]
    assert sorted(out["old"].values.tolist()) == list(range(15))


def test_early_return_and_empty_launch():
    k = kernel("k", (ScalarParam("n", I32), ArrayParam("d", I32, ())),
               If(b(">=", GLOBAL_ID, V("n")), (Return(),)),
               Store("d", (GLOBAL_ID,), c(7)))
    params = (ScalarParam("n", I32), ArrayParam("d", I32, ()))
    args = (V("n"), ArrayArg("d"))
    out = run_concrete(launcher(k, (2, 1, 1), (4, 1, 1), params, args), "main", {"n": 5},
                       {"d": np.zeros(5, np.int32)})
    assert out.arrays["d"].values == [7] * 5
    blocks = b("/", V("n"), c(4))
    out = run_concrete(launcher(k, (blocks, 1, 1), (4, 1, 1), params, args), "main", {"n": 0},
                       {"d": np.zeros(1, np.int32)})
    assert out.arrays["d"].values == [0]


def test_dynamic_shared_memory_is_sized_by_the_launch():
    k = kernel("k", (ArrayParam("d", I32, ()),),
               LocalArray("s", I32, (), "shared"),
               Store("s", (V("threadIdx.x"),), c(3)),
               Barrier(),
               Store("d", (V("threadIdx.x"),), Load("s", (b("^", V("threadIdx.x"), c(1, U32)),))))
    prog = launcher(k, (1, 1, 1), (4, 1, 1), (ArrayParam("d", I32, ()),), (ArrayArg("d"),),
                    shmem=16)
    out = run_concrete(prog, "main", {}, {"d": np.zeros(4, np.int32)})
    assert out.arrays["d"].values == [3] * 4


def _racy_kernel(with_barrier):
    """Thread 1 of block 0 writes d[0] that thread 0 read; a barrier at the end, if asked."""
    body = [Declare("t", U32, V("threadIdx.x"), loc=loc(1)),
            If(b("==", V("t"), c(0, U32)), (Declare("v", I32, Load("d", (c(0),)), loc=loc(2)),)),
            If(b("==", V("t"), c(1, U32)), (Store("d", (c(0),), c(5), loc=loc(3)),))]
    if with_barrier:
        body.append(Barrier(loc=loc(4)))
    k = kernel("k", (ArrayParam("d", I32, ()),), *body)
    return launcher(k, (2, 1, 1), (4, 1, 1), (ArrayParam("d", I32, ()),), (ArrayArg("d"),))


def test_same_race_with_and_without_the_barrier_schedule():
    races = []
    for with_barrier in (False, True):
        with pytest.raises(Race) as e:
            run_concrete(_racy_kernel(with_barrier), "main", {}, {"d": np.zeros(4, np.int32)})
        races.append((str(e.value), e.value.first, e.value.second, e.value.loc, e.value.thread))
    assert races[0] == races[1]
    assert races[0][1].thread.thread == (0, 0, 0) and races[0][1].loc == loc(2)
    assert races[0][2].thread.thread == (1, 0, 0) and races[0][2].loc == loc(3)


def test_return_in_a_kernel_without_barriers_closes_its_scopes():
    # thread 0 declares `v` and returns inside a loop; thread 1 must not see `v`
    k = kernel("k", (ArrayParam("d", I32, ()),),
               count_loop("i", c(1), Declare("v", I32, c(1)),
                          If(b("==", V("threadIdx.x"), c(0, U32)), (Return(),))),
               Store("d", (V("threadIdx.x"),), V("v"), loc=loc(7)))
    prog = launcher(k, (1, 1, 1), (2, 1, 1), (ArrayParam("d", I32, ()),), (ArrayArg("d"),))
    with pytest.raises(Unsupported, match="unknown variable v"):
        run_concrete(prog, "main", {}, {"d": np.zeros(2, np.int32)})


def test_fault_in_a_kernel_without_barriers_names_thread_and_statement():
    k = kernel("k", (ArrayParam("d", I32, ()),),
               Store("d", (b("+", GLOBAL_ID, c(1, U32)),), c(1), loc=loc(8)))
    prog = launcher(k, (2, 1, 1), (2, 1, 1), (ArrayParam("d", I32, ()),), (ArrayArg("d"),))
    with pytest.raises(OutOfBounds) as e:
        run_concrete(prog, "main", {}, {"d": np.zeros(4, np.int32)})
    assert e.value.loc == loc(8) and str(e.value.thread) == "block (1, 0, 0) thread (1, 0, 0)"


def test_idle_threads_of_a_fixed_grid_are_cheap():
    # a <<<(8, 8), (32, 8)>>> grid-stride kernel on a 3 x 3 problem: 16384 threads, 9 busy
    row, col = V("row"), V("col")
    k = kernel("k", (ScalarParam("n", I32), ArrayParam("a", F64, ())),
               Declare("row", I32, b("+", b("*", V("blockIdx.y"), V("blockDim.y")), V("threadIdx.y"))),
               Declare("col", I32, b("+", b("*", V("blockIdx.x"), V("blockDim.x")), V("threadIdx.x"))),
               For("i", I32, row, b("<", V("i"), V("n")), c(64),
                   (For("j", I32, col, b("<", V("j"), V("n")), c(256),
                        (Store("a", (b("+", b("*", V("i"), V("n")), V("j")),), c(1.0, F64)),)),)))
    prog = launcher(k, (8, 8, 1), (32, 8, 1), (ScalarParam("n", I32), ArrayParam("a", F64, ())),
                    (V("n"), ArrayArg("a")))
    start = time.perf_counter()
    out = run_concrete(prog, "main", {"n": 3}, {"a": np.zeros(9)})
    assert time.perf_counter() - start < 1.0
    assert out.arrays["a"].values == [1.0] * 9


# ---- ParallelFor -----------------------------------------------------------------------------

def test_parallel_for_points_and_races():
    i, j = V("i"), V("j")
    ok = ParallelFor("omp", (Axis("i", c(2)), Axis("j", c(3))),
                     (Store("a", (i, j), b("+", b("*", i, c(10)), j)),))
    f = host("f", (ArrayParam("a", I32, (c(2), c(3))),), ok)
    out = run_concrete(Program((f,)), "f", {}, {"a": np.zeros((2, 3), np.int32)})
    assert arrays_to_numpy(out)["a"].values.tolist() == [[0, 1, 2], [10, 11, 12]]
    racy = ParallelFor("omp", (Axis("i", c(4)),), (Store("a", (c(0), c(0)), i, loc=loc(9)),))
    with pytest.raises(Race) as e:
        run_concrete(Program((host("g", (ArrayParam("a", I32, (c(2), c(3))),), racy),)), "g", {},
                     {"a": np.zeros((2, 3), np.int32)})
    assert "point i=1" in str(e.value)


def test_parallel_for_shared_scalar_race():
    body = (Declare("s", I32, c(0)),
            ParallelFor("omp", (Axis("i", c(3)),), (Assign("s", b("+", V("s"), V("i"))),)),
            Return(V("s")))
    with pytest.raises(Race):
        run_concrete(Program((host("f", (), *body, return_type=I32),)), "f", {}, {})


# ---- a symbolic domain: data-dependent branches merge with select ----------------------------

class _Terms(ConcreteDomain):
    """Concrete ints, plus strings as opaque symbolic terms."""

    def _term(self, op, *xs):
        return f"({op} {' '.join(map(str, xs))})"

    def binary(self, op, x, y, operand_type, result_type):
        if isinstance(x, str) or isinstance(y, str):
            return self._term(op, x, y)
        return super().binary(op, x, y, operand_type, result_type)

    def cast(self, x, src, dst):
        return x if isinstance(x, str) else super().cast(x, src, dst)

    def select(self, cond, a, b, type):
        return self._term("ite", cond, a, b) if isinstance(cond, str) else (a if cond else b)

    def truth(self, x):
        return None if isinstance(x, str) else bool(x)

    def index(self, x):
        if isinstance(x, str):
            raise Unsupported("data-dependent index")
        return int(x)


def _symbolic_run(*body):
    f = host("f", (ArrayParam("x", I32, ()), ArrayParam("y", I32, ())), *body)
    arrays = {"x": ArrayStore(I32, (2,), ["x0", "x1"]), "y": ArrayStore(I32, (2,), [0, 0])}
    return run(Program((f,)), "f", {}, arrays, domain=_Terms())


def test_data_dependent_branch_merges_states():
    out = _symbolic_run(If(b(">", Load("x", (c(0),)), c(0)),
                           (Store("y", (c(0),), c(1)),), (Store("y", (c(1),), c(2)),)))
    assert out.arrays["y"].values == ["(ite (> x0 0) 1 0)", "(ite (> x0 0) 0 2)"]


def test_data_dependent_loop_bound_and_fault_are_unsupported():
    with pytest.raises(Unsupported, match="data-dependent loop bound"):
        _symbolic_run(While(b(">", Load("x", (c(0),)), c(0)), ()))
    with pytest.raises(Unsupported, match="out of bounds"):
        _symbolic_run(If(b(">", Load("x", (c(0),)), c(0)), (Store("y", (c(5),), c(1)),)))
    with pytest.raises(Unsupported, match="data-dependent index"):
        _symbolic_run(Store("y", (Load("x", (c(0),)),), c(1)))


def test_data_dependent_select_and_logical_operators():
    x0, x1 = Load("x", (c(0),)), Load("x", (c(1),))
    out = _symbolic_run(Store("y", (c(0),), Select(b(">", x0, c(0)), c(1), c(2))),
                        Store("y", (c(1),), b("&&", b(">", x0, c(0)), b(">", x1, c(0)))))
    assert out.arrays["y"].values == ["(ite (> x0 0) 1 2)", "(&& (> x0 0) (> x1 0))"]


# ---- warp shuffles ---------------------------------------------------------------------------

FULL = Const(0xFFFFFFFF, U32)


def warp_kernel(kind, block, dtype=F32):
    """out[threadIdx.x] = x[threadIdx.x] reduced over the warp by `kind` shuffles (offsets 16..1)."""
    t = V("threadIdx.x")
    return kernel("k", (ArrayParam("x", dtype, (), "in"), ArrayParam("out", dtype, (), "out")),
                  Declare("v", dtype, Load("x", (t,))),
                  Declare("o", I32, c(16)),
                  While(b(">", V("o"), c(0)),
                        (Declare("y", dtype, None),
                         Shuffle(kind, "y", V("v"), V("o"), c(32), FULL, loc=loc(4)),
                         Assign("v", b("+", V("v"), V("y"))),
                         Assign("o", b(">>", V("o"), c(1))))),
                  Store("out", (t,), V("v")))


def run_warp(k, block, x):
    params = (ArrayParam("x", F32, (), "in"), ArrayParam("out", F32, (), "out"))
    prog = launcher(k, (1, 1, 1), (block, 1, 1), params, (ArrayArg("x"), ArrayArg("out")))
    out = np.zeros(len(x), np.float32)
    return run_concrete(prog, "main", {}, {"x": np.array(x, np.float32), "out": out}).arrays["out"]


def test_warp_sum_with_shfl_down_lands_in_lane_0():
    x = [float(i + 1) for i in range(64)]
    out = run_warp(warp_kernel("down", 64), 64, x).values
    assert out[0] == sum(x[:32]) and out[32] == sum(x[32:])
    assert out[31] == 32 * x[31]  # past the warp's end a lane gets its own value back



def test_xor_butterfly_gives_the_sum_in_every_lane():
    x = [float(i % 7) for i in range(32)]
    out = run_warp(warp_kernel("xor", 32), 32, x).values
    assert all(v == sum(x) for v in out)


def test_shfl_up_and_idx_sources():
    t = V("threadIdx.x")
    k = kernel("k", (ArrayParam("x", F32, (), "in"), ArrayParam("out", F32, (), "out")),
               Declare("a", F32, None), Declare("b2", F32, None),
               Shuffle("up", "a", Load("x", (t,)), c(1), c(8), FULL),
               Shuffle("idx", "b2", Load("x", (t,)), c(3), c(8), FULL),
               Store("out", (t,), b("+", b("*", V("a"), c(100.0, F32)), V("b2"))))
    x = [float(i) for i in range(16)]
    out = run_warp(k, 16, x).values
    for lane in range(16):
        seg = lane - lane % 8
        up = lane - 1 if lane - 1 >= seg else lane
        assert out[lane] == up * 100 + seg + 3


def test_divergent_shuffle_faults():
    t = V("threadIdx.x")
    k = kernel("k", (ArrayParam("x", F32, (), "in"), ArrayParam("out", F32, (), "out")),
               Declare("y", F32, c(0.0, F32)),
               If(b("<", t, c(16, U32)), (Shuffle("down", "y", Load("x", (t,)), c(1), c(32), FULL,
                                                  loc=loc(7)),)),
               Store("out", (t,), V("y")))
    with pytest.raises(BarrierDivergence) as e:
        run_warp(k, 32, [1.0] * 32)
    assert e.value.loc == loc(7)


def test_partial_mask_reads_outside_the_mask_fault_and_inside_work():
    t = V("threadIdx.x")

    def k(delta):
        return kernel("k", (ArrayParam("x", F32, (), "in"), ArrayParam("out", F32, (), "out")),
                      Declare("y", F32, c(0.0, F32)),
                      If(b("<", t, c(16, U32)), (Shuffle("down", "y", Load("x", (t,)), c(delta), c(32),
                                                         Const(0xFFFF, U32)),)),
                      Store("out", (t,), V("y")))
    x = [float(i) for i in range(32)]
    with pytest.raises(BarrierDivergence):
        run_warp(k(1), 32, x)  # lane 15 reads lane 16, which is outside the mask
    out = run_warp(k(0), 32, x).values
    assert list(out[:16]) == x[:16] and all(v == 0 for v in out[16:])


def test_other_warps_need_not_shuffle_but_a_barrier_while_a_warp_shuffles_faults():
    t = V("threadIdx.x")
    warp0 = b("<", t, c(32, U32))
    shuffle = Shuffle("xor", "y", Load("x", (t,)), c(1), c(32), FULL)
    ok = kernel("k", (ArrayParam("x", F32, (), "in"), ArrayParam("out", F32, (), "out")),
                Declare("y", F32, c(-1.0, F32)), If(warp0, (shuffle,)), Store("out", (t,), V("y")))
    x = [float(i) for i in range(64)]
    out = run_warp(ok, 64, x).values
    assert list(out[:32]) == [float(i ^ 1) for i in range(32)] and all(v == -1 for v in out[32:])
    bad = kernel("k", (ArrayParam("x", F32, (), "in"), ArrayParam("out", F32, (), "out")),
                 Declare("y", F32, c(-1.0, F32)),
                 If(b("<", t, c(16, U32)), (shuffle,), (Barrier(),)), Store("out", (t,), V("y")))
    with pytest.raises(BarrierDivergence):
        run_warp(bad, 32, x[:32])


def test_syncwarp_orders_shared_accesses_within_a_warp_only():
    t = V("threadIdx.x")

    def k(partner):
        return kernel("k", (ArrayParam("x", F32, (), "in"), ArrayParam("out", F32, (), "out")),
                      LocalArray("s", F32, (c(64),), "shared"),
                      Store("s", (t,), Load("x", (t,))),
                      Barrier("warp"),
                      Store("out", (t,), Load("s", (b("^", t, c(partner, U32)),))))
    x = [float(i) for i in range(64)]
    assert list(run_warp(k(1), 64, x).values) == [float(i ^ 1) for i in range(64)]
    with pytest.raises(Race):  # the partner is in the other warp: __syncwarp() does not order that
        run_warp(k(32), 64, x)
