"""Hypothesis properties of the prover's index algebra: digit splitting, linear solving, sums."""
import sympy as sp
from hypothesis import given, settings, strategies as st

from portproof.validator.cells import solve_linear, split
from portproof.validator.symbolic import canonical, int_symbol, sigma

N1, N2 = int_symbol("n1", nonnegative=True), int_symbol("n2", nonnegative=True)
I, J, K = (int_symbol(v) for v in ("i", "j", "k"))
A = sp.Symbol("a", real=True)
F, G = sp.Function("f"), sp.Function("g")

radix = st.sampled_from([N1, N2, N1 * N2, sp.Integer(7), sp.Integer(256)])
# a digit: a loop variable plus a constant offset (what guarded stencil indices look like)
digit = st.builds(lambda v, c: v + c, st.sampled_from([I, J, K, sp.Integer(0)]), st.integers(-3, 3))


@settings(max_examples=80, deadline=None)
@given(digit, digit, radix)
def test_split_two_digits(c0, c1, r):
    index = sp.expand(c0 * r + c1)
    digits = split(index, (sp.Symbol("n0"), r))
    assert sp.expand(digits[0] * r + digits[1] - index) == 0  # always a decomposition
    if not r.is_Integer:  # a numeric radix leaves out-of-range digits (7*i + 8: (i, 8)); callers check ranges
        assert digits == [sp.expand(c0), sp.expand(c1)]
    elif not (c0.free_symbols & c1.free_symbols) and c0.is_Symbol and c1.is_Symbol:
        assert digits == [sp.expand(c0), sp.expand(c1)]


@settings(max_examples=40, deadline=None)
@given(digit, digit, digit)
def test_split_three_digits_symbolic(c0, c1, c2):
    index = sp.expand((c0 * N1 + c1) * N2 + c2)
    assert split(index, (sp.Symbol("n0"), N1, N2)) == [sp.expand(c0), sp.expand(c1), sp.expand(c2)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-20, 20), min_size=3, max_size=3), st.permutations([I, J, K]),
       st.lists(st.sampled_from([1, -1]), min_size=3, max_size=3),
       st.lists(st.integers(-2, 2), min_size=3, max_size=3))
def test_solve_linear_triangular(values, order, signs, mix):
    # equations u0 = v0, u1 + m*u0 = ..., u2 + m*u1 = ...: unit leading coefficients, unique solution
    truth = dict(zip(order, values))
    eqs, prev = [], None
    for u, s, m in zip(order, signs, mix):
        lhs = s * u + (m * prev if prev is not None else 0)
        eqs.append(sp.expand(lhs - lhs.xreplace(truth)))
        prev = u
    sol = solve_linear(eqs, list(order))
    assert sol == {u: sp.Integer(v) for u, v in truth.items()}
    assert all(sp.expand(e.xreplace(sol)) == 0 for e in eqs)


@settings(max_examples=40, deadline=None)
@given(st.integers(-5, 5))
def test_solve_linear_with_symbolic_right_side(c):
    e0, e1 = int_symbol("e0"), int_symbol("e1")
    eqs = [sp.expand(I - e0 + c), sp.expand(J + I - e1)]
    sol = solve_linear(eqs, [I, J])
    assert sol == {I: e0 - c, J: sp.expand(e1 - e0 + c)}
    assert all(sp.expand(e.xreplace(sol)) == 0 for e in eqs)


def test_solve_linear_refuses_non_unit_and_underdetermined():
    assert solve_linear([sp.expand(2 * I - 4)], [I]) == {}
    assert solve_linear([sp.expand(I + J - 3)], [I, J]) == {}


bodies = st.sampled_from([F(K), F(K) * G(K), K * F(K), F(K + 1), sp.Integer(3), K, F(K) * F(N1)])


@settings(max_examples=60, deadline=None)
@given(bodies, bodies, st.sampled_from([A, sp.Integer(2), N1, sp.Rational(1, 3)]),
       st.sampled_from([(0, N1), (1, N1 - 1), (I, N2)]))
def test_sigma_linearity(f, g, a, bounds):
    lo, hi = bounds
    lhs = canonical(sigma(K, lo, hi, a * f + g))
    rhs = canonical(a * sigma(K, lo, hi, f) + sigma(K, lo, hi, g))
    assert sp.expand(lhs - rhs) == 0


@settings(max_examples=40, deadline=None)
@given(bodies, st.sampled_from(["k2", "m", "i9", "zz"]))
def test_canonical_ignores_the_bound_variable_name(body, name):
    other = int_symbol(name)
    inner = sigma(J, 0, K, F(J) * body)  # nested: the outer name must not capture the inner one
    a = canonical(sigma(K, 0, N1, inner + body))
    b = canonical(sigma(other, 0, N1, (inner + body).xreplace({K: other})))
    assert sp.expand(a - b) == 0


def test_canonical_keeps_different_sums_different():
    assert canonical(sigma(K, 0, N1, F(K))) != canonical(sigma(K, 0, N2, F(K)))
    assert canonical(sigma(K, 0, N1, F(K))) != canonical(sigma(K, 1, N1, F(K)))
