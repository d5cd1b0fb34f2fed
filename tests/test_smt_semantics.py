"""Differential checks of the z3 encoding of C integer arithmetic against gcc-compiled C."""
import shutil
import subprocess

import pytest
import sympy as sp
import z3
from hypothesis import given, settings, strategies as st

from portproof.validator.smt import Facts, Translator
from portproof.validator.symbolic import CDIV, CMOD, c_div, int_symbol

C_SOURCE = r"""
#include <stdio.h>
int main(void) {
    long long a, b;
    while (scanf("%lld %lld", &a, &b) == 2) printf("%lld %lld\n", a / b, a % b);
    return 0;
}
"""

PAIRS = [(a, b) for a in (-7, -6, -1, 0, 1, 6, 7, -2**40 + 3, 2**40 - 3) for b in (-3, -2, -1, 1, 2, 3, 256)]


@pytest.fixture(scope="module")
def c_divmod(tmp_path_factory):
    """Runs C's `/` and `%` (as gcc compiles them) on many pairs in one process."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc not found")
    d = tmp_path_factory.mktemp("divmod")
    (d / "divmod.c").write_text(C_SOURCE)
    subprocess.run([gcc, "-O0", "-o", str(d / "divmod"), str(d / "divmod.c")], check=True)

    def run(pairs):
        out = subprocess.run([str(d / "divmod")], input="".join(f"{a} {b}\n" for a, b in pairs),
                             capture_output=True, text=True, check=True).stdout.split("\n")
        return [tuple(int(x) for x in line.split()) for line in out if line]
    return run


def z3_value(term: sp.Expr) -> int:
    """The value z3 gives a closed integer term (CDIV/CMOD over integer literals)."""
    s = z3.Solver()
    v = z3.Int("v")
    s.add(v == Translator()(term))
    assert s.check() == z3.sat
    return s.model()[v].as_long()


def z3_symbolic(a: int, b: int, head) -> int:
    """The same, with the operands as constrained symbols, so no simplification of literals helps."""
    x, y = int_symbol("x"), int_symbol("y")
    t = Translator()
    s = z3.Solver()
    v = z3.Int("v")
    s.add(t(sp.Eq(x, a)), t(sp.Eq(y, b)), v == t(head(x, y)))
    assert s.check() == z3.sat
    return s.model()[v].as_long()


pairs = st.lists(st.tuples(st.integers(-10**6, 10**6), st.integers(-1000, 1000).filter(lambda b: b != 0)),
                 min_size=200, max_size=200)


@settings(max_examples=1, deadline=None)
@given(pairs)
def test_cdiv_cmod_agree_with_gcc(c_divmod, drawn):
    cases = PAIRS + drawn
    expected = c_divmod(cases)
    assert len(expected) == len(cases)
    for (a, b), (q, r) in zip(cases, expected):
        assert z3_value(CDIV(sp.Integer(a), sp.Integer(b))) == q, (a, b)
        assert z3_value(CMOD(sp.Integer(a), sp.Integer(b))) == r, (a, b)


def test_cdiv_cmod_agree_with_gcc_on_symbols(c_divmod):
    expected = c_divmod(PAIRS)
    for (a, b), (q, r) in zip(PAIRS, expected):
        assert z3_symbolic(a, b, CDIV) == q, (a, b)
        assert z3_symbolic(a, b, CMOD) == r, (a, b)


@settings(max_examples=100, deadline=None)
@given(st.integers(-10**6, 10**6), st.integers(1, 1000))
def test_floor_of_constant_division_is_python_floordiv(a, b):
    x = int_symbol("x")
    t = Translator()
    s = z3.Solver()
    v = z3.Int("v")
    s.add(t(sp.Eq(x, a)), v == t(sp.floor(x / b)))
    assert s.check() == z3.sat
    assert s.model()[v].as_long() == a // b


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 1000))
def test_c_div_of_nonnegative_by_positive_constant(a, b):
    n = int_symbol("n", nonnegative=True)
    term = c_div(n, sp.Integer(b))  # the prover's own choice of term: floor for n >= 0
    assert z3_value(term.xreplace({n: sp.Integer(a)})) == a // b


def test_facts_valid_ceil_div_covers_and_floor_div_does_not():
    n = int_symbol("n", nonnegative=True)
    facts = Facts((sp.Ge(n, 0),), 2000)
    up = c_div(n + 255, sp.Integer(256)) * 256
    down = c_div(n, sp.Integer(256)) * 256
    assert facts.valid(sp.Ge(up, n))
    assert not facts.valid(sp.Ge(down, n))
    assert facts.possible(sp.Lt(down, n))
    # the same with the C heads (operands whose sign sympy does not know)
    m = int_symbol("m")
    facts_m = Facts((sp.Ge(m, 0),), 2000)
    assert facts_m.valid(sp.Ge(CDIV(m + 255, 256) * 256, m))
    assert not facts_m.valid(sp.Ge(CDIV(m, 256) * 256, m))


def test_facts_never_valid_on_unknown():
    # an opaque nonlinear query: valid() must not say True just because z3 gives up
    x, y = int_symbol("x"), int_symbol("y")
    facts = Facts((), 50)
    assert not facts.valid(sp.Eq(x**3 + y**3, 33))
