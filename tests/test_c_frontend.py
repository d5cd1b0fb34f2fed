"""Tests of the C frontend: real kernels lowered to IR (compared as nodes), and one diagnostic per kind of bad input."""
import math

import pytest

from portproof.diagnostics import InputFileError, ParseError, Unsupported, UsageError
from portproof.ir.mapper import walk
from portproof.ir.nodes import (ArrayParam, Assign, Binary, Call, Cast, Const, Declare, For, Function, If, Load,
                                LocalArray, Return, ScalarParam, Select, SourceLoc, Store, Unary, Var, While)
from portproof.ir.types import BOOL, F32, F64, I32, I64, U32, U64
from portproof.translators.c_frontend import parse_c, parse_c_unit


def lower(tmp_path, code, name="k.c", **kwargs):
    path = tmp_path / name
    path.write_text(code)
    return parse_c(str(path), **kwargs)


def c(v, t=I32):
    return Const(v, t)


def v(name):
    return Var(name)


def b(op, left, right):
    return Binary(op, left, right)


SAXPY = """\
#include <stddef.h>
void saxpy(int n, float a, const float *x, float *restrict y)
{
    for (int i = 0; i < n; ++i)
        y[i] = a * x[i] + y[i];
}
"""


def test_saxpy_with_pointers(tmp_path):
    program = lower(tmp_path, SAXPY)
    i = v("i")
    assert program.functions == (Function(
        "saxpy", "host",
        (ScalarParam("n", I32), ScalarParam("a", F32), ArrayParam("x", F32, (), "in"),
         ArrayParam("y", F32, (), "inout")),
        (For("i", I32, c(0), b("<", i, v("n")), c(1),
             (Store("y", (i,), b("+", b("*", v("a"), Load("x", (i,))), Load("y", (i,)))),)),),
        None),)
    loop = program.functions[0].body[0]
    assert loop.loc == SourceLoc(str(tmp_path / "k.c"), 4, 5)
    assert loop.body[0].loc.line == 5
    assert program.source == SAXPY


GEMM = """\
#include <stdio.h>
#include <math.h>
#ifndef NI
# define NI 64
#endif
#define NJ (NI / 2)

/* PolyBench style */
void kernel_gemm(int ni, int nj, double alpha, double beta,
                 double C[NI][NJ], const double A[restrict ni][nj])
{
  int i, j;
#pragma scop
  for (i = 0; i < ni; i++)
    for (j = 0; j < nj; j++) {
      C[i][j] *= beta;
      C[i][j] += alpha * A[i][j];
    }
#pragma endscop
}

int main(int argc, char **argv) { return 0; }
"""


def test_polybench_gemm_with_vla_params_and_size_macros(tmp_path):
    program = lower(tmp_path, GEMM, functions=["kernel_gemm"])
    f = program.function("kernel_gemm")
    assert f.params == (
        ScalarParam("ni", I32), ScalarParam("nj", I32), ScalarParam("alpha", F64), ScalarParam("beta", F64),
        ArrayParam("C", F64, (c(64), b("/", c(64), c(2))), "inout"),
        ArrayParam("A", F64, (v("ni"), v("nj")), "in"))
    i, j = v("i"), v("j")
    cij = Load("C", (i, j))
    assert f.body == (
        Declare("i", I32), Declare("j", I32),
        For("i", I32, c(0), b("<", i, v("ni")), c(1), (
            For("j", I32, c(0), b("<", j, v("nj")), c(1), (
                Store("C", (i, j), b("*", cij, v("beta"))),
                Store("C", (i, j), b("+", cij, b("*", v("alpha"), Load("A", (i, j))))))),)))
    assert f.body[2].loc.line == 14 and f.body[2].body[0].body[1].loc.line == 17


def test_unit_keeps_the_functions_that_lower(tmp_path):
    (tmp_path / "k.c").write_text(GEMM)
    unit = parse_c_unit(str(tmp_path / "k.c"))
    assert [f.name for f in unit.program.functions] == ["kernel_gemm"]
    assert list(unit.failures) == ["main"] and "pointer-to-pointer" in unit.failures["main"].message
    with pytest.raises(Unsupported, match="pointer-to-pointer"):
        parse_c(str(tmp_path / "k.c"))


def test_define_overrides_size_macro(tmp_path):
    f = lower(tmp_path, GEMM, functions=["kernel_gemm"], defines={"NI": 128}).functions[0]
    assert f.param("C").extents == (c(128), b("/", c(128), c(2)))


def test_symbolic_size_macro_is_a_variable(tmp_path):
    code = "#define N 4096\nvoid scale(double A[N], double s) {\n  for (int i = 0; i < N; i++) A[i] *= s;\n}\n"
    f = lower(tmp_path, code, symbolic_macros=frozenset({"N"})).functions[0]
    assert f.param("A") == ArrayParam("A", F64, (v("N"),), "inout")
    assert f.body[0].cond == b("<", v("i"), v("N"))


JACOBI = """\
#include <math.h>
double jacobi_2d(int n, const double A[n][n], double B[n][n])
{
  double err = 0.0;
  for (int i = 1; i < n - 1; i++)
    for (int j = 1; j < n - 1; j++) {
      B[i][j] = 0.25 * (A[i-1][j] + A[i+1][j] + A[i][j-1] + A[i][j+1]);
      err = fmax(err, fabs(B[i][j] - A[i][j]));
    }
  return err;
}
"""


def test_jacobi_2d_with_math_calls_and_return(tmp_path):
    f = lower(tmp_path, JACOBI).functions[0]
    assert f.return_type == F64
    i, j, n = v("i"), v("j"), v("n")
    a = lambda di, dj: Load("A", (b(di[0], i, c(1)) if di else i, b(dj[0], j, c(1)) if dj else j))  # noqa: E731
    stencil = b("+", b("+", b("+", a("-", None), a("+", None)), a(None, "-")), a(None, "+"))
    inner = For("j", I32, c(1), b("<", j, b("-", n, c(1))), c(1), (
        Store("B", (i, j), b("*", c(0.25, F64), stencil)),
        Assign("err", Call("fmax", (v("err"), Call("fabs", (b("-", Load("B", (i, j)), Load("A", (i, j))),))))),
    ))
    assert f.body == (
        Declare("err", F64, c(0.0, F64)),
        For("i", I32, c(1), b("<", i, b("-", n, c(1))), c(1), (inner,)),
        Return(v("err")))


def test_local_include_with_macro_and_local_array(tmp_path):
    (tmp_path / "tile.h").write_text("#define TS 8\nstatic float twice(float x) { return 2 * x; }\n")
    code = '#include "tile.h"\nvoid k(float *x) {\n  float t[TS];\n  t[0] = twice(x[0]);\n  x[1] = t[0];\n}\n'
    program = lower(tmp_path, code)
    assert [f.name for f in program.functions] == ["twice", "k"]
    assert program.function("twice").loc.file == str(tmp_path / "tile.h")
    assert program.function("k").body == (
        LocalArray("t", F32, (c(8),), "local"),
        Store("t", (c(0),), Cast(F32, b("*", c(2), Cast(F32, Load("x", (c(0),)))))),
        Store("x", (c(1),), Load("t", (c(0),))))


COMPOUND = """\
void ops(int n, int *a, unsigned m) {
  int s = 0;
  s += a[0]; s -= 1; s *= 2; s /= 3; s %= 4;
  s <<= 1; s >>= 2; s &= 7; s |= 8; s ^= n;
  a[n] += s; a[n - 1] <<= 2;
  s++; ++s; s--; --s; a[0]++; --a[1];
  *a = 5; *(a + 2) -= 1;
  m = m > 3u ? m : 3u;
}
"""


def test_compound_assignments_become_plain_writes(tmp_path):
    f = lower(tmp_path, COMPOUND).functions[0]
    s, n = v("s"), v("n")
    expected = [Declare("s", I32, c(0))]
    for op, rhs in [("+", Load("a", (c(0),))), ("-", c(1)), ("*", c(2)), ("/", c(3)), ("%", c(4)),
                    ("<<", c(1)), (">>", c(2)), ("&", c(7)), ("|", c(8)), ("^", n)]:
        expected.append(Assign("s", b(op, s, rhs)))
    expected += [
        Store("a", (n,), b("+", Load("a", (n,)), s)),
        Store("a", (b("-", n, c(1)),), b("<<", Load("a", (b("-", n, c(1)),)), c(2))),
        Assign("s", b("+", s, c(1))), Assign("s", b("+", s, c(1))),
        Assign("s", b("-", s, c(1))), Assign("s", b("-", s, c(1))),
        Store("a", (c(0),), b("+", Load("a", (c(0),)), c(1))),
        Store("a", (c(1),), b("-", Load("a", (c(1),)), c(1))),
        Store("a", (c(0),), c(5)),
        Store("a", (c(2),), b("-", Load("a", (c(2),)), c(1))),
        Assign("m", Select(b(">", v("m"), c(3, U32)), v("m"), c(3, U32))),
    ]
    assert f.body == tuple(expected)


def test_literal_types_casts_and_sizeof(tmp_path):
    code = ("long f(void) {\n  return 1 + 1u + 1L + 1UL + 1ull + 0x10 + 017 + 3000000000 + 0xFFFFFFFF"
            " + 'a' + '\\n' + sizeof(float) + sizeof(double *) + (long)1.5f + (bool)2.0;\n}\n")
    ret = lower(tmp_path, code).functions[0].body[-1]
    leaves = [n for n in walk(ret.value) if isinstance(n, (Const, Cast))]
    assert leaves == [
        c(1), c(1, U32), c(1, I64), c(1, U64), c(1, U64), c(16), c(15), c(3000000000, I64), c(0xFFFFFFFF, U32),
        c(97), c(10), c(4, U64), c(8, U64), Cast(I64, c(1.5, F32)), c(1.5, F32), Cast(BOOL, c(2.0, F64)),
        c(2.0, F64)]


def test_enum_and_const_globals_are_folded(tmp_path):
    code = ("enum { LO = 2, MID, HI = MID * 4 };\nconst int W = HI + 1;\nconst double ALPHA = 1.0 / 4;\n"
            "void k(double *x) { x[0] = LO + MID + HI + W + ALPHA; }\n")
    value = lower(tmp_path, code).functions[0].body[0].value
    assert value == b("+", b("+", b("+", b("+", c(2), c(3)), c(12)), c(13)), c(0.25, F64))


def test_loops_that_do_not_fit_for_become_while(tmp_path):
    code = """\
int k(int n, double *x) {
  int i, j = 0;
  for (i = 0; i < n; i++) x[i] = 0;
  for (int k = n; k > 0; k /= 2) x[k] = 1;
  for (int t = 0; t < n; t++) { x[t] = 2; t += 1; }
  while (j < n) j += 2;
  do { j--; } while (j > 0);
  return i;
}
"""
    body = lower(tmp_path, code).functions[0].body
    i, j = v("i"), v("j")
    assert body[:5] == (
        Declare("i", I32), Declare("j", I32, c(0)),
        Assign("i", c(0)),  # i is read after its loop: C semantics kept with an explicit While
        While(b("<", i, v("n")), (Store("x", (i,), c(0)), Assign("i", b("+", i, c(1))))),
        Declare("k", I32, v("n")))
    assert body[5] == While(b(">", v("k"), c(0)), (Store("x", (v("k"),), c(1)), Assign("k", b("/", v("k"), c(2)))))
    assert body[6] == Declare("t", I32, c(0)) and isinstance(body[7], While)
    assert body[8] == While(b("<", j, v("n")), (Assign("j", b("+", j, c(2))),))
    assert body[9:] == (Assign("j", b("-", j, c(1))),
                        While(b(">", j, c(0)), (Assign("j", b("-", j, c(1))),)), Return(i))


def test_shadowing_declarations_get_fresh_names(tmp_path):
    code = ("void k(double *x) {\n  double t = 1;\n  for (int i = 0; i < 2; i++) { double t = 2; x[i] = t; }\n"
            "  for (int i = 0; i < 2; i--) { if (i) { double t = 3; x[i] = t; } else x[i] = t; }\n}\n")
    body = lower(tmp_path, code).functions[0].body
    assert body[1].var == "i" and body[1].body[0] == Declare("t_2", F64, c(2))
    assert body[1].body[1] == Store("x", (v("i"),), v("t_2"))
    assert body[2].var == "i" and body[2].step == c(-1)
    assert body[2].body[0] == If(v("i"), (Declare("t_3", F64, c(3)), Store("x", (v("i"),), v("t_3"))),
                                 (Store("x", (v("i"),), v("t")),))


def test_local_array_initializer(tmp_path):
    code = "void k(float *x) {\n  float w[4] = {1.0f, 2.0f};\n  x[0] = w[3];\n}\n"
    body = lower(tmp_path, code).functions[0].body
    assert body[:3] == (LocalArray("w", F32, (c(4),)), Store("w", (c(0),), c(1.0, F32)),
                        Store("w", (c(1),), c(2.0, F32)))
    assert body[3] == For("w_init", I32, c(2), b("<", v("w_init"), c(4)), c(1),
                          (Store("w", (v("w_init"),), c(0.0, F32)),))


def test_printf_dropped_and_non_omp_pragmas_ignored(tmp_path):
    code = ('#include <stdio.h>\nvoid k(int n, double *x) {\n#pragma GCC ivdep\n  for (int i = 0; i < n; i++) {\n'
            '    x[i] = -x[i];\n    printf("%f\\n", x[i]);\n  }\n  fprintf(stderr, "done %d\\n", n);\n}\n')
    body = lower(tmp_path, code).functions[0].body
    assert body == (For("i", I32, c(0), b("<", v("i"), v("n")), c(1),
                        (Store("x", (v("i"),), Unary("-", Load("x", (v("i"),)))),)),)


# ---- diagnostics ----------------------------------------------------------------------------------

def test_empty_file_is_an_input_error(tmp_path):
    with pytest.raises(InputFileError, match="empty file") as e:
        lower(tmp_path, "")
    assert e.value.loc.file.endswith("k.c")


def test_file_without_functions_is_an_input_error(tmp_path):
    with pytest.raises(InputFileError, match="no function definitions"):
        lower(tmp_path, "// nothing\nint x;\n")


def test_garbage_bytes_are_an_input_error(tmp_path):
    path = tmp_path / "garbage.c"
    path.write_bytes(bytes(range(256)) * 3)
    with pytest.raises(InputFileError, match="not a text file") as e:
        parse_c(str(path))
    assert e.value.loc == SourceLoc(str(path), 1)


def test_unparsable_text_is_a_parse_error(tmp_path):
    with pytest.raises(ParseError) as e:
        lower(tmp_path, "int f(int x) {\n  return x +* ;\n}\n")
    assert e.value.loc.file.endswith("k.c") and e.value.loc.line in (2, 3)


def test_cplusplus_templates_are_one_parse_error(tmp_path):
    code = "#include <vector>\ntemplate <typename T>\nT add(T a, T b) { return a + b; }\nclass A { int x; };\n"
    with pytest.raises(ParseError, match="looks like C\\+\\+") as e:
        lower(tmp_path, code, name="k.cpp")
    assert e.value.loc.line == 2 and "template" in e.value.snippet


def test_missing_local_include(tmp_path):
    with pytest.raises(InputFileError, match="sizes.h") as e:
        lower(tmp_path, '#include <math.h>\n#include "sizes.h"\nvoid k(void) {}\n')
    assert e.value.loc == SourceLoc(str(tmp_path / "k.c"), 2, 10)


def test_unreadable_path(tmp_path):
    with pytest.raises(InputFileError, match="cannot read"):
        parse_c(str(tmp_path / "absent.c"))


def test_unknown_function_name_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError):
        lower(tmp_path, SAXPY, functions=["gemm"])


@pytest.mark.parametrize("body, line, words", [
    ("  goto end;\nend:\n  x[0] = 1;", 3, "goto"),
    ("  struct P { int a; } p;\n  x[0] = 1;", 3, "struct"),
    ("  x[0] = q.a;", 3, "struct or union member access"),
    ("  if (n < 0)\n    break;\n  x[0] = 1;", 4, "break statement outside a loop"),
    ("  if (n < 0) return;\n  x[0] = 1;", 3, "return before the end"),
    ("  #pragma omp single\n  x[0] = 0;", 3, "OpenMP directive 'single'"),
    ("  double *p = x;", 3, "local pointer"),
    ("  x[0] = g;", 3, "global variable 'g'"),
    ("  x[0] = foo(1);", 3, "unknown function 'foo'"),
    ("  x[0] = x[1] = 2;", 3, "assignment used as a value"),
    ("  x[n++] = 2;", 3, "\\+\\+ used as a value"),
    ("  x[0] = helper(n);", 3, "single `return expr;`"),
    ("  switch (n) { case 0: x[0] = 1; }", 3, "switch"),
    ("  x[0] = (long)&n;", 3, "address-of"),
])
def test_unsupported_constructs(tmp_path, body, line, words):
    code = ("struct Q { int a; } q; double g;\nvoid k(int n, double *x) {\n" + body + "\n}\n"
            "int helper(int a) { a += 1; return a; }\n")
    with pytest.raises(Unsupported, match=words) as e:
        lower(tmp_path, code, functions=["k"])
    assert e.value.loc.file == str(tmp_path / "k.c") and e.value.loc.line == line
    assert e.value.snippet.strip()


@pytest.mark.parametrize("params, words", [
    ("double **A", "pointer-to-pointer parameter 'A'"),
    ("int m, double A[][8]", "unknown first extent"),
    ("char *s", "type 'char'"),
    ("void (*fp)(int)", "function pointer"),
])
def test_unsupported_parameters(tmp_path, params, words):
    with pytest.raises(Unsupported, match=words) as e:
        lower(tmp_path, f"\nvoid k({params}) {{ }}\n")
    assert e.value.loc.line == 2


def test_one_dimensional_unknown_extent_is_a_pointer(tmp_path):
    f = lower(tmp_path, "void k(int n, const float a[], float b[n]) { b[0] = a[0]; }\n").functions[0]
    assert f.params[1:] == (ArrayParam("a", F32, (), "in"), ArrayParam("b", F32, (v("n"),), "inout"))


def test_infinity_nan_and_limits_from_the_prelude(tmp_path):
    fn = lower(tmp_path, """\
#include <math.h>
#include <float.h>
#include <limits.h>
float f(int n, const float *x)
{
    float m = -INFINITY;
    double h = HUGE_VAL;
    float q = NAN;
    int lo = INT_MIN;
    double big = DBL_MAX;
    return fmaxf(m, x[0]);
}
""")
    decls = {s.name: s.init for s in fn.function("f").body if isinstance(s, Declare)}
    assert decls["m"] == Const(-math.inf, F32)
    assert decls["h"] == Const(math.inf, F64)
    assert decls["q"].type == F32 and math.isnan(decls["q"].value)
    assert isinstance(decls["lo"], (Unary, Binary))
    assert decls["big"] == Const(1.7976931348623157e308, F64)
