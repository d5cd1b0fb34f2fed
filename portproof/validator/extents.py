"""Extents of the original's pointer parameters, inferred from its accesses (x[i] for i < n: n)."""
from __future__ import annotations

import sympy as sp

from portproof.ir.nodes import ArrayParam, Binary, Const, Expr, Function, ScalarParam, Var
from portproof.ir.types import I32
from portproof.validator.smt import Facts
from portproof.validator.summary import NotProvable, Summarizer, param_symbol


def infer_extents(fn: Function, macros: frozenset[str]) -> dict[str, tuple[Expr, ...]]:
    """For every pointer parameter: one past the largest index any access can reach, when that is
    a single expression that bounds all the others; parameters it cannot bound are left out."""
    pointers = [p.name for p in fn.params if isinstance(p, ArrayParam) and not p.extents]
    if not pointers:
        return {}
    try:
        summary = Summarizer(fn, {}, {m: sp.Symbol(m, integer=True, nonnegative=True) for m in macros}).summarize()
    except NotProvable:
        return {}
    facts = Facts(tuple(sp.Ge(param_symbol(p), 0) for p in fn.params
                        if isinstance(p, ScalarParam) and p.type.is_integer), 1000)
    out = {}
    for name in pointers:
        candidates = []
        for phase in summary.phases:
            for a in phase.accesses:
                if a.array == name:
                    top = _sup(a.index, a.loops)
                    if top is None:
                        break
                    candidates.append(sp.expand(top + 1))
            else:
                continue
            candidates = []
            break
        best = next((c for c in candidates if all(facts.valid(sp.Ge(c, d)) for d in candidates)), None)
        if best is not None:
            out[name] = (_to_ir(best),)
    return out


def _sup(index: sp.Expr, loops) -> sp.Expr | None:
    """Largest value of an index affine in the loop variables with coefficients +-1."""
    value = sp.expand(index)
    for lp in reversed(loops):
        c = value.coeff(lp.var)
        rest = sp.expand(value - c * lp.var)
        if lp.var in rest.free_symbols or lp.var in c.free_symbols or lp.step != 1:
            return None
        if c.is_nonnegative:
            value = rest + c * (lp.hi - 1)
        elif c.is_nonpositive:
            value = rest + c * lp.lo
        else:
            return None
    return sp.expand(value)


def _to_ir(e: sp.Expr) -> Expr:
    """An integer polynomial as an IR expression."""
    if e.is_Integer:
        return Const(int(e), I32)
    if e.is_Symbol:
        return Var(e.name)
    if isinstance(e, (sp.Add, sp.Mul)):
        op = "+" if isinstance(e, sp.Add) else "*"
        args = [_to_ir(a) for a in e.args]
        out = args[0]
        for a in args[1:]:
            out = Binary(op, out, a)
        return out
    if isinstance(e, sp.Pow) and e.exp.is_Integer and int(e.exp) > 0:
        return _to_ir(sp.Mul(*([e.base] * int(e.exp)), evaluate=False))
    raise NotProvable(f"extent {e} is not an integer polynomial")
