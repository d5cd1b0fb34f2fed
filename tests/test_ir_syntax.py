"""The IR text syntax: golden texts, syntax errors, and print/parse round trips on random IR."""
import functools
import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings

import ir_strategies as irs
from portproof.diagnostics import ParseError
from portproof.ir import nodes as n
from portproof.ir.parse import parse_expr, parse_function, parse_program, parse_stmts
from portproof.ir.printer import to_text
from portproof.ir.types import BOOL, F32, F64, I32, I64, U32, U64


def c(value, t=I32):
    return n.Const(value, t)


def v(name):
    return n.Var(name)


def b(op, left, right):
    return n.Binary(op, left, right)


# each operator binds tighter than the one before: a || (b && (c | (d ^ ...))))
PRECEDENCE_LADDER = functools.reduce(
    lambda right, op_left: b(op_left[0], v(op_left[1]), right),
    reversed(list(zip(["||", "&&", "|", "^", "&", "==", "<", "<<", "+", "*"], "abcdefghij"))), v("k"))

SAMPLE = """\
kernel void scale(float x[n] inout, int n) {
  parallel cuda (blockIdx.x < (n + 255) / 256, threadIdx.x < 256) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
      x[i] = x[i] * 2.0f;
    } else if (i == n) {
      barrier block;
    } else {
      old = atomic add(x[0], 1.0f);
    }
  }
}

host double run(float x[n] inout, double A[n][m] in, int n, int m) {
  device float d_x[n];
  shared float tile[16][16];
  local int t[];
  copy d_x <- x, n;
  fill d_x <- 0, n;
  launch scale<<<((n + 255) / 256, 1, 1), (256, 1, 1), 0>>>(array d_x, n);
  double s = 0.0;
  for (int i = 0; i < n; i += 1) {
    s = s + (double)x[i] * A[i][i % m];
  }
  while (s > 1e+300) {
    s = s / 2.0;
  }
  return s;
}"""

SAMPLE_IR = n.Program((
    n.Function("scale", "kernel", (n.ArrayParam("x", F32, (v("n"),), "inout"),
                                   n.ScalarParam("n", I32)), (
        n.ParallelFor("cuda", (
            n.Axis("blockIdx.x", b("/", b("+", v("n"), c(255)), c(256))),
            n.Axis("threadIdx.x", c(256))), (
            n.Declare("i", I32, b("+", b("*", v("blockIdx.x"), v("blockDim.x")), v("threadIdx.x"))),
            n.If(b("<", v("i"), v("n")),
                 (n.Store("x", (v("i"),), b("*", n.Load("x", (v("i"),)), c(2.0, F32))),),
                 (n.If(b("==", v("i"), v("n")),
                       (n.Barrier("block"),),
                       (n.Atomic("add", "x", (c(0),), c(1.0, F32), "old"),)),)),
        )),
    )),
    n.Function("run", "host", (
        n.ArrayParam("x", F32, (v("n"),), "inout"), n.ArrayParam("A", F64, (v("n"), v("m")), "in"),
        n.ScalarParam("n", I32), n.ScalarParam("m", I32)), (
        n.LocalArray("d_x", F32, (v("n"),), "device"),
        n.LocalArray("tile", F32, (c(16), c(16)), "shared"),
        n.LocalArray("t", I32, (), "local"),
        n.Copy("d_x", "x", v("n")),
        n.Fill("d_x", c(0), v("n")),
        n.Launch("scale", (b("/", b("+", v("n"), c(255)), c(256)), c(1), c(1)), (c(256), c(1), c(1)),
                 c(0), (n.ArrayArg("d_x"), v("n"))),
        n.Declare("s", F64, c(0.0, F64)),
        n.For("i", I32, c(0), b("<", v("i"), v("n")), c(1), (
            n.Assign("s", b("+", v("s"), b("*", n.Cast(F64, n.Load("x", (v("i"),))),
                                             n.Load("A", (v("i"), b("%", v("i"), v("m"))))))),)),
        n.While(b(">", v("s"), c(1e300, F64)), (n.Assign("s", b("/", v("s"), c(2.0, F64))),)),
        n.Return(v("s")),
    ), F64),
))


def test_golden_program_parses_and_prints_back():
    assert parse_program(SAMPLE) == SAMPLE_IR
    assert to_text(SAMPLE_IR) == SAMPLE
    assert str(SAMPLE_IR) == SAMPLE


def test_parse_function_and_statements():
    assert parse_function(SAMPLE.split("\n\n")[0]) == SAMPLE_IR.functions[0]
    body = SAMPLE_IR.functions[1].body
    assert parse_stmts(to_text(body)) == body
    assert parse_stmts("") == ()
    assert parse_program("") == n.Program(())


def test_comments_and_spacing_are_ignored():
    assert parse_stmts("// a comment\nx=1 ;  // another\n") == (n.Assign("x", c(1)),)


@pytest.mark.parametrize("text, expr", [
    ("1", c(1)), ("1u", c(1, U32)), ("1L", c(1, I64)), ("1UL", c(1, U64)),
    ("true", c(True, BOOL)), ("false", c(False, BOOL)),
    ("1.0", c(1.0, F64)), ("1.5f", c(1.5, F32)), ("1e+300", c(1e300, F64)), ("1e-07f", c(1e-7, F32)),
    ("inf", c(math.inf, F64)), ("(-inff)", c(-math.inf, F32)),
    ("nan", c(math.nan, F64)), ("nanf", c(math.nan, F32)),
    ("(-1)", c(-1)), ("(-9223372036854775808L)", c(-2**63, I64)), ("(-2.5)", c(-2.5, F64)),
    ("(-0.0)", c(-0.0, F64)),
    ("-1", n.Unary("-", c(1))), ("- -x", n.Unary("-", n.Unary("-", v("x")))),
    ("-(-1)", n.Unary("-", c(-1))), ("f((-1))", n.Call("f", (c(-1),))),
    ("f(-1)", n.Call("f", (n.Unary("-", c(1)),))),
    ("a - b - c", b("-", b("-", v("a"), v("b")), v("c"))),
    ("a - (b - c)", b("-", v("a"), b("-", v("b"), v("c")))),
    ("(a + b) * c", b("*", b("+", v("a"), v("b")), v("c"))),
    ("a + b * c", b("+", v("a"), b("*", v("b"), v("c")))),
    ("a || b && c | d ^ e & f == g < h << i + j * k", PRECEDENCE_LADDER),
    ("a ? b : c ? d : e", n.Select(v("a"), v("b"), n.Select(v("c"), v("d"), v("e")))),
    ("(a ? b : c) ? d : e", n.Select(n.Select(v("a"), v("b"), v("c")), v("d"), v("e"))),
    ("a ? b ? c : d : e", n.Select(v("a"), n.Select(v("b"), v("c"), v("d")), v("e"))),
    ("!(a < b)", n.Unary("!", b("<", v("a"), v("b")))),
    ("(float)(a + b)", n.Cast(F32, b("+", v("a"), v("b")))),
    ("(double)-x", n.Cast(F64, n.Unary("-", v("x")))),
    ("-(float)x", n.Unary("-", n.Cast(F32, v("x")))),
    ("threadIdx.x + b.x", b("+", v("threadIdx.x"), v("b.x"))),
    ("A[i][j + 1]", n.Load("A", (v("i"), b("+", v("j"), c(1))))),
    ("A[]", n.Load("A", ())),
    ("fmax(a, 2.0)", n.Call("fmax", (v("a"), c(2.0, F64)))), ("f()", n.Call("f", ())),
    ("`inf` + inf", b("+", v("inf"), c(math.inf, F64))), ("`copy`[in]", n.Load("copy", (v("in"),))),
    ("`std::max`(a, `x->y`)", n.Call("std::max", (v("a"), v("x->y")))),
])
def test_golden_expressions(text, expr):
    assert parse_expr(text) == expr
    assert to_text(expr) == text


@pytest.mark.parametrize("text, stmt", [
    ("int i;", n.Declare("i", I32)),
    ("ulong b.x = 1UL;", n.Declare("b.x", U64, c(1, U64))),
    ("atomic max(m[], v);", n.Atomic("max", "m", (), v("v"))),
    ("return;", n.Return()),
    ("parallel omp () {}", n.ParallelFor("omp", (), ())),
    ("if (c) {} else {\n  x = 1;\n}", n.If(v("c"), (), (n.Assign("x", c(1)),))),
    ("for (long i = n; i >= 0; i += (-1)) {}",
     n.For("i", I64, v("n"), b(">=", v("i"), c(0)), c(-1), ())),
    ("`local` = 1;", n.Assign("local", c(1))),
    ("`array`[0] = `launch`;", n.Store("array", (c(0),), v("launch"))),
    ("launch k<<<(1, 1, 1), (1, 1, 1), a >> b>>>(array `copy`, `array`);",
     n.Launch("k", (c(1), c(1), c(1)), (c(1), c(1), c(1)), b(">>", v("a"), v("b")),
              (n.ArrayArg("copy"), v("array")))),
])
def test_golden_statements(text, stmt):
    assert parse_stmts(text) == (stmt,)
    assert to_text(stmt) == text


def test_keywords_as_names_round_trip():
    """Every word of the grammar can name anything, anywhere: the printer quotes it where it must."""
    grammar = (Path(n.__file__).parent / "grammar.lark").read_text()
    words = set(re.findall(r'"([a-z]+)"', grammar))
    assert {"copy", "atomic", "inout", "inff", "kernel"} <= words
    for w in sorted(words):
        e = b("+", v(w), n.Call(w, (n.Load(w, (v(w),)),)))
        body = (n.Declare(w, I32, e), n.Assign(w, e), n.Store(w, (e,), e),
                n.Atomic(w, w, (e,), e, w), n.Barrier(w), n.LocalArray(w, F32, (e,), "shared"),
                n.Copy(w, w, e), n.Fill(w, e, e), n.For(w, I32, e, e, e, ()),
                n.ParallelFor(w, (n.Axis(w, e),), ()),
                n.Launch(w, (e, e, e), (e, e, e), e, (n.ArrayArg(w), e)))
        # each statement also follows a block, where the parser expects statements and functions
        body = tuple(s for stmt in body for s in (n.While(e, ()), stmt))
        f = n.Function(w, "host", (n.ScalarParam(w, I32), n.ArrayParam(w, F32, (e,), "in")), body)
        program = n.Program((f, f))
        assert parse_program(to_text(program)) == program, w


@pytest.mark.parametrize("text, start, line, col", [
    ("kernel void f() {\n  x = ;\n}", parse_program, 2, 7),
    ("kernel void f() {", parse_function, 1, 18),
    ("x = 1 $ 2;", parse_stmts, 1, 7),
    ("for (int i = 0; i < n; j += 1) {}", parse_stmts, 1, 26),
    ("kernel void f(float x[n] readonly) {}", parse_function, 1, 26),
    ("1 +", parse_expr, 1, 4),
    ("copy = 1;", parse_stmts, 1, 6),
    ("1.5L", parse_expr, 1, 4),
    ("kernel void f() {}\nx = 1;", parse_program, 2, 1),
])
def test_syntax_errors_are_parse_errors_with_a_location(text, start, line, col):
    with pytest.raises(ParseError) as info:
        start(text)
    assert (info.value.loc.file, info.value.loc.line, info.value.loc.col) == ("<ir>", line, col)
    assert str(info.value).startswith(f"<ir>:{line}:{col}: parse error: ")


@pytest.mark.parametrize("bad_name", ["", "a`b", "a\nb"])
def test_unwritable_names_are_refused(bad_name):
    with pytest.raises(ValueError):
        to_text(v(bad_name))


def assert_round_trip(node, parse):
    text = to_text(node)
    assert parse(text) == node, text
    assert to_text(parse(text)) == text


@settings(max_examples=300, deadline=None)
@given(irs.exprs())
def test_expressions_round_trip(expr):
    assert_round_trip(expr, parse_expr)


@settings(max_examples=200, deadline=None)
@given(irs.stmts())
def test_statements_round_trip(stmt):
    assert_round_trip((stmt,), parse_stmts)


@settings(max_examples=100, deadline=None)
@given(irs.functions())
def test_functions_round_trip(function):
    assert_round_trip(function, parse_function)


@settings(max_examples=50, deadline=None)
@given(irs.programs())
def test_programs_round_trip(program):
    assert_round_trip(program, parse_program)
