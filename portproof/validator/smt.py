"""Translation of the prover's sympy terms to z3, and a fact base that answers validity queries."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import sympy as sp
import z3

from portproof.validator.symbolic import CDIV, CMOD, ITE, SIGMA, is_int_symbol


class Untranslatable(Exception):
    pass


class Translator:
    """sympy -> z3. Integer symbols are Ints, everything else Reals; applications of undefined
    functions (array reads, math calls, sums) become uninterpreted functions or constants, which
    over-approximates them: an `unsat` is a proof, a `sat` is not a counterexample."""

    def __init__(self) -> None:
        self.consts: dict[sp.Basic, z3.ExprRef] = {}
        self.functions: dict[tuple, z3.FuncDeclRef] = {}
        self.side: list[z3.BoolRef] = []  # what sympy assumes of symbols (nonnegative)
        self.memo: dict[sp.Basic, z3.ExprRef] = {}
        self.queries: dict[tuple, z3.CheckSatResult] = {}  # (assumptions, condition) -> answer

    def __call__(self, e: sp.Basic) -> z3.ExprRef:
        out = self.memo.get(e)
        if out is None:
            out = self.memo[e] = self._t(e)
        return out

    def _t(self, e):  # noqa: C901 - one case per sympy head
        if e is sp.true or e == sp.true:
            return z3.BoolVal(True)
        if e is sp.false or e == sp.false:
            return z3.BoolVal(False)
        if isinstance(e, sp.Integer):
            return z3.IntVal(int(e))
        if isinstance(e, sp.Rational):
            return z3.RealVal(f"{e.p}/{e.q}")
        if isinstance(e, sp.Float):
            return z3.RealVal(str(sp.Rational(e)))
        if isinstance(e, sp.Symbol):
            if e not in self.consts:
                self.consts[e] = z3.Int(e.name) if is_int_symbol(e) else z3.Real(e.name)
                if e.is_nonnegative:
                    self.side.append(self.consts[e] >= 0)
            return self.consts[e]
        if isinstance(e, sp.Add):
            return _coerce_sum([self._t(a) for a in e.args])
        if isinstance(e, sp.Mul):
            args = _unify([self._t(a) for a in e.args])
            out = args[0]
            for a in args[1:]:
                out = out * a
            return out
        if isinstance(e, sp.Pow):
            if e.exp.is_Integer and int(e.exp) > 0:
                base = self._t(e.base)
                out = base
                for _ in range(int(e.exp) - 1):
                    out = out * base
                return out
            if e.exp.is_Integer and int(e.exp) < 0:
                base = _real(self._t(e.base))
                out = base
                for _ in range(-int(e.exp) - 1):
                    out = out * base
                return 1 / out
            return self._opaque(e)
        if isinstance(e, sp.floor):
            num, den = sp.fraction(sp.together(e.args[0]))
            if den.is_Integer and int(den) > 0 and _is_int_expr(num):
                return self._t(num) / z3.IntVal(int(den))
            return self._opaque(e)
        if isinstance(e, sp.Mod):
            a, b = (self._t(x) for x in e.args)
            if z3.is_int(a) and z3.is_int(b):
                return a % b
            return self._opaque(e)
        if isinstance(e, (sp.Min, sp.Max)):
            args = _unify([self._t(a) for a in e.args])
            out = args[0]
            for a in args[1:]:
                out = z3.If(a < out, a, out) if isinstance(e, sp.Min) else z3.If(a > out, a, out)
            return out
        if isinstance(e, sp.Rel):
            a, b = _unify([self._t(e.lhs), self._t(e.rhs)])
            return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[e.rel_op]
        if isinstance(e, sp.And):
            return z3.And(*[self._t(a) for a in e.args])
        if isinstance(e, sp.Or):
            return z3.Or(*[self._t(a) for a in e.args])
        if isinstance(e, sp.Not):
            return z3.Not(self._t(e.args[0]))
        if isinstance(e, sp.Function) and e.func == ITE:
            c = self._t(e.args[0])
            a, b = _unify([self._t(e.args[1]), self._t(e.args[2])])
            return z3.If(c, a, b)
        if isinstance(e, sp.Function) and e.func in (CDIV, CMOD):
            a, b = (self._t(x) for x in e.args)
            if not (z3.is_int(a) and z3.is_int(b)):
                return self._opaque(e)
            q = _trunc_div(a, b)
            return q if e.func == CDIV else a - b * q
        if isinstance(e, sp.Function) and e.func == SIGMA:
            return self._opaque(e)
        if isinstance(e, sp.Function) and isinstance(e.func, sp.core.function.UndefinedFunction):
            args = [self._t(a) for a in e.args]
            key = (str(e.func), tuple(str(a.sort()) for a in args))
            if key not in self.functions:
                sort = z3.IntSort() if getattr(e.func, "_int_valued", False) else z3.RealSort()
                self.functions[key] = z3.Function(f"{e.func}#{len(self.functions)}",
                                                  *[a.sort() for a in args], sort)
            return self.functions[key](*args)
        return self._opaque(e)

    def _opaque(self, e: sp.Basic) -> z3.ExprRef:
        """A term z3 cannot see into: one fresh constant per distinct term."""
        if e not in self.consts:
            self.consts[e] = z3.Real(f"opaque#{len(self.consts)}")
        return self.consts[e]


def _is_int_expr(e: sp.Basic) -> bool:
    return all(is_int_symbol(s) for s in e.free_symbols) and not e.atoms(sp.Float) and \
        all(r.is_Integer for r in e.atoms(sp.Rational))


def _trunc_div(a: z3.ExprRef, b: z3.ExprRef) -> z3.ExprRef:
    """C's `/` on integers: truncation toward zero (z3's div is Euclidean)."""
    return z3.If(b > 0, z3.If(a >= 0, a / b, -((-a) / b)), z3.If(a >= 0, -(a / -b), (-a) / -b))


def _real(x: z3.ExprRef) -> z3.ExprRef:
    return z3.ToReal(x) if z3.is_int(x) else x


def _unify(args: list) -> list:
    if any(z3.is_real(a) for a in args):
        return [_real(a) if z3.is_int(a) else a for a in args]
    return args


def _coerce_sum(args: list) -> z3.ExprRef:
    args = _unify(args)
    out = args[0]
    for a in args[1:]:
        out = out + a
    return out


@dataclass
class Facts:
    """Assumptions (sympy booleans) and validity queries against them, answered by z3 and cached."""
    assumptions: tuple = ()
    timeout_ms: int = 2000
    translator: Translator = field(default_factory=Translator)
    timeouts: list = field(default_factory=list)
    _solver: Optional[z3.Solver] = None

    def with_(self, *more: sp.Basic) -> "Facts":
        more = tuple(m for m in more if m is not sp.true and m not in self.assumptions)
        return Facts(self.assumptions + more, self.timeout_ms, self.translator, self.timeouts) if more else self

    def valid(self, cond: sp.Basic) -> bool:
        """True only if `cond` provably holds under the assumptions."""
        if cond is sp.true:
            return True
        if cond is sp.false:
            return False
        return self._check(sp.Not(cond)) == z3.unsat

    def possible(self, cond: sp.Basic) -> bool:
        """False only if `cond` provably cannot hold under the assumptions."""
        if cond is sp.false:
            return False
        return self._check(cond) != z3.unsat

    def _check(self, cond: sp.Basic) -> Optional[z3.CheckSatResult]:
        key = (self.assumptions, cond)
        cached = self.translator.queries.get(key)
        if cached is not None:
            return cached
        try:
            if self._solver is None:
                self._solver = z3.Solver()
                self._solver.set("timeout", self.timeout_ms)
                for a in self.assumptions:
                    self._solver.add(self.translator(a))
            query = self.translator(cond)
            self._solver.push()
            try:
                self._solver.add(query, *self.translator.side)
                r = self._solver.check()
            finally:
                self._solver.pop()
        except (Untranslatable, z3.Z3Exception):
            r = z3.unknown
        if r == z3.unknown:
            self.timeouts.append(str(cond)[:200])
        self.translator.queries[key] = r
        return r
