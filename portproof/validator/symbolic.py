"""The prover's terms: sympy expressions with a few uninterpreted heads (ite, sums, C division, array reads)."""
from __future__ import annotations

from fractions import Fraction
from typing import Optional

import sympy as sp

ITE = sp.Function("ite")
SIGMA = sp.Function("Sigma")  # Sigma(k, lo, hi, body): sum of body for k in [lo, hi)
MAXOVER = sp.Function("Maxover")  # Maxover(k, lo, hi, body): largest body for k in [lo, hi), lo < hi
MINOVER = sp.Function("Minover")  # Minover(k, lo, hi, body): smallest, likewise
BINDERS = (SIGMA, MAXOVER, MINOVER)  # heads whose first argument is a bound variable
CDIV = sp.Function("cdiv")    # C integer division (truncates toward zero)
CMOD = sp.Function("cmod")

_READS: dict[str, tuple[str, str]] = {}  # function name -> (kind, array)


def int_symbol(name: str, nonnegative: bool = False) -> sp.Symbol:
    return sp.Symbol(name, integer=True, nonnegative=nonnegative or None)


def real_symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


def is_int_symbol(s: sp.Basic) -> bool:
    return bool(getattr(s, "is_integer", False))


def read_fn(kind: str, array: str, int_valued: bool) -> sp.core.function.UndefinedFunction:
    """The head of a read of `array`: kind "in" (initial contents), "undef" (never written),
    "at<phase>" (contents at the start of a phase, resolved later), "own" (same-thread cell)."""
    name = f"{kind}:{array}"
    fn = sp.Function(name)
    fn._int_valued = int_valued
    _READS[name] = (kind, array)
    return fn


def read_info(e: sp.Basic) -> Optional[tuple[str, str]]:
    """(kind, array) when `e` is an array read, else None."""
    if isinstance(e, sp.Function) and isinstance(e.func, sp.core.function.UndefinedFunction):
        return _READS.get(str(e.func))
    return None


def const(value, is_float: bool) -> sp.Expr:
    if isinstance(value, bool):
        return sp.Integer(int(value))
    if is_float or isinstance(value, float):
        return sp.Rational(Fraction(float(value)))
    return sp.Integer(int(value))


def ite(c: sp.Basic, a: sp.Expr, b: sp.Expr) -> sp.Expr:
    if c is sp.true or c == sp.true:
        return a
    if c is sp.false or c == sp.false:
        return b
    if a == b:
        return a
    return ITE(c, a, b)


def truth(e: sp.Basic) -> sp.Basic:
    """A C value used as a condition."""
    if isinstance(e, (sp.Rel, sp.And, sp.Or, sp.Not)) or e in (sp.true, sp.false):
        return e
    return sp.Ne(e, 0)


def as_value(c: sp.Basic) -> sp.Expr:
    """A condition used as a C int (0/1)."""
    if isinstance(c, (sp.Rel, sp.And, sp.Or, sp.Not)) or c in (sp.true, sp.false):
        return ite(c, sp.Integer(1), sp.Integer(0))
    return c


def c_div(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """C integer division; floor when the operands are known non-negative and positive."""
    if b.is_Integer and int(b) > 0 and a.is_nonnegative:
        return sp.floor(a / b)
    if b.is_Integer and int(b) == 1:
        return a
    return CDIV(a, b)


def c_mod(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    if b.is_Integer and int(b) > 0 and a.is_nonnegative:
        return sp.Mod(a, b)
    return CMOD(a, b)


def pull_out(e: sp.Expr, acc: sp.Symbol) -> sp.Expr:
    """Rewrite ite(c, acc + x, acc + y) into acc + ite(c, x, y) (recursively) so folds show."""
    def rw(x: sp.Expr) -> sp.Expr:
        if isinstance(x, sp.Function) and x.func == ITE:
            a, b = rw(x.args[1]), rw(x.args[2])
            da, db = sp.expand(a - acc), sp.expand(b - acc)
            if acc not in da.free_symbols and acc not in db.free_symbols:
                return acc + ite(x.args[0], da, db)
            return ite(x.args[0], a, b)
        if x.args and not isinstance(x, (sp.Rel, sp.Symbol)):
            new = [rw(a) for a in x.args]
            return x.func(*new) if any(n is not o for n, o in zip(new, x.args)) else x
        return x
    return sp.expand(rw(e))


def sigma(k: sp.Symbol, lo: sp.Expr, hi: sp.Expr, body: sp.Expr) -> sp.Expr:
    """Sum of `body` for k in [lo, hi), split by linearity, k-independent factors pulled out."""
    body = sp.expand(body)
    if body == 0:
        return sp.Integer(0)
    total = sp.Integer(0)
    for term in sp.Add.make_args(body):
        split = _invariant_choice(term, k)
        if split is not None:  # sum of ite(c, a, b) with c independent of k: choose outside the sum
            c, a, b = split
            total += ite(c, sigma(k, lo, hi, a), sigma(k, lo, hi, b))
            continue
        indep, dep = term.as_independent(k, as_Add=False)
        if dep == 1:
            total += indep * sp.Max(hi - lo, 0)
        else:
            total += indep * SIGMA(k, lo, hi, dep)
    return total


def _invariant_choice(term: sp.Expr, k: sp.Symbol):
    """term = rest * ite(c, a, b) with c free of k: (c, rest*a, rest*b), else None."""
    for factor in sp.Mul.make_args(term):
        if isinstance(factor, sp.Function) and factor.func == ITE and k not in factor.args[0].free_symbols:
            rest = sp.Mul(*[f for f in sp.Mul.make_args(term) if f is not factor])
            return factor.args[0], sp.expand(rest * factor.args[1]), sp.expand(rest * factor.args[2])
    return None


def extremum_step(new: sp.Expr, acc: sp.Symbol) -> Optional[tuple[str, sp.Expr, sp.Basic]]:
    """`new` as one step of a max/min fold over `acc`: ("max" | "min", e, guard) when new is
    op(acc, e) where `guard` holds and acc otherwise (`if (x > m) m = x;`, atomicMax, fmax), else None."""
    if isinstance(new, sp.Function) and new.func == ITE and new.args[2] == acc and \
            acc not in new.args[0].free_symbols:
        inner = extremum_step(new.args[1], acc)
        return inner and (inner[0], inner[1], sp.And(new.args[0], inner[2]))
    new = _as_minmax(new)
    if isinstance(new, (sp.Max, sp.Min)) and acc in new.args:
        rest = [a for a in new.args if a != acc]
        if rest and not any(acc in a.free_symbols for a in rest):
            e = rest[0] if len(rest) == 1 else new.func(*rest)
            return ("max" if isinstance(new, sp.Max) else "min"), e, sp.true
    return None


def extremum(kind: str, k: sp.Symbol, lo: sp.Expr, hi: sp.Expr, body: sp.Expr) -> sp.Expr:
    """The largest (smallest) `body` for k in [lo, hi), a non-empty range; operands of a max (min)
    body that do not depend on k move outside (an OpenMP private copy starts at the identity)."""
    body = _as_minmax(body)
    same = sp.Max if kind == "max" else sp.Min
    parts = body.args if isinstance(body, same) else (body,)
    fixed = [a for a in parts if k not in a.free_symbols]
    varying = [a for a in parts if k in a.free_symbols]
    if not varying:
        return body
    inner = (MAXOVER if kind == "max" else MINOVER)(k, lo, hi, same(*varying))
    return same(*fixed, inner) if fixed else inner


def _as_minmax(e: sp.Expr) -> sp.Expr:
    """ite(a > b, a, b) is Max(a, b); ite(a < b, a, b) is Min(a, b) (ties give the same value)."""
    if isinstance(e, sp.Function) and e.func == ITE and isinstance(e.args[0], sp.Rel):
        c, a, b = e.args
        if isinstance(c, (sp.StrictGreaterThan, sp.GreaterThan)):
            greater, smaller = c.lhs, c.rhs
        elif isinstance(c, (sp.StrictLessThan, sp.LessThan)):
            greater, smaller = c.rhs, c.lhs
        else:
            return e
        if {greater, smaller} == {a, b} and a != b:
            return sp.Max(a, b) if a == greater else sp.Min(a, b)
    return e


def combine(kind: str, a: sp.Expr, b: sp.Expr) -> sp.Expr:
    return sp.Max(a, b) if kind == "max" else sp.Min(a, b)


def canonical(e: sp.Expr) -> sp.Expr:
    """Rename every sum's bound variable by its nesting height, so equal sums are equal terms."""
    def go(x: sp.Basic) -> tuple[sp.Basic, int]:
        if isinstance(x, sp.Function) and x.func in BINDERS:
            k, lo, hi, body = x.args
            body, h = go(body)
            lo, _ = go(lo)
            hi, _ = go(hi)
            name = int_symbol(f"_s{h}")
            return x.func(name, lo, hi, sp.expand(body.xreplace({k: name}))), h + 1
        if not x.args or isinstance(x, sp.Symbol):
            return x, 0
        parts = [go(a) for a in x.args]
        return x.func(*[p for p, _ in parts]), max((h for _, h in parts), default=0)
    return sp.expand(go(e)[0])
