"""All-sizes proof: every output element has the same value in both programs, for every size."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import sympy as sp

from portproof.ir.nodes import ArrayParam, Expr, Function, ScalarParam
from portproof.validator.cells import CellEvaluator, split
from portproof.validator.smt import Facts
from portproof.validator.summary import Access, NotProvable, Summary, Summarizer, param_symbol
from portproof.validator.symbolic import canonical, int_symbol


@dataclass
class AllSizesProof:
    arrays: list[str]
    notes: list[str] = field(default_factory=list)


@dataclass
class Setting:
    """What both programs are proved over: symbols for sizes, preconditions, array shapes."""
    macros: dict[str, sp.Symbol]
    shapes: dict[str, tuple[sp.Expr, ...]]
    extents: dict[str, sp.Expr]
    facts: Facts


def setting_for(original: Function, shapes: dict[str, tuple[Expr, ...]], macros: set[str],
                timeout_ms: int) -> Setting:
    macro_syms = {m: int_symbol(m, nonnegative=True) for m in sorted(macros)}
    env_owner = Summarizer(original, {}, macro_syms)
    sym_shapes = {name: tuple(sp.expand(env_owner.ev(e)) for e in dims) for name, dims in shapes.items()}
    extents = {name: sp.expand(sp.Mul(*dims)) for name, dims in sym_shapes.items()}
    pre = [sp.Ge(param_symbol(p), 0) for p in original.params
           if isinstance(p, ScalarParam) and p.type.is_integer]
    pre += [sp.Ge(s, 1) for s in macro_syms.values()]
    return Setting(macro_syms, sym_shapes, extents, Facts(tuple(pre), timeout_ms))


def prove_all_sizes(original: Function, port: Function, setting: Setting) -> AllSizesProof:
    """Raises NotProvable with the reason when the proof does not go through."""
    so = Summarizer(original, setting.extents, setting.macros).summarize()
    sp_ = Summarizer(port, setting.extents, setting.macros).summarize()
    _check_bounds(sp_, setting.facts)
    orig_cells = CellEvaluator(so, setting.facts, setting.shapes)
    port_cells = CellEvaluator(sp_, setting.facts, setting.shapes)
    if original.return_type is not None:
        if so.return_value is None or sp_.return_value is None:
            raise NotProvable("a return value the prover could not follow")
        vo = orig_cells.resolve(so.return_value, setting.facts)
        vp = port_cells.resolve(sp_.return_value, setting.facts)
        if not _same(vo, vp, setting.facts):
            raise NotProvable(f"could not prove the return values equal: original {_short(vo)}, "
                              f"port {_short(vp)}")
    proved = []
    for p in original.params:
        if not isinstance(p, ArrayParam):
            continue
        failures = []
        for shape in _cell_shapes(setting.shapes[p.name]):
            try:
                _prove_array(p.name, shape, so, sp_, orig_cells, port_cells, setting)
                break
            except NotProvable as e:
                failures.append(e)
        else:
            raise failures[0]
        proved.append(p.name)
    _check_port_arrays(sp_, port_cells, setting)
    return AllSizesProof(proved)


def _prove_array(name: str, shape: tuple, so: Summary, sp_: Summary, orig_cells: CellEvaluator,
                 port_cells: CellEvaluator, setting: Setting) -> None:
    cell = tuple(int_symbol(f"{name}@{k}", nonnegative=True) for k in range(len(shape)))
    facts = setting.facts.with_(*(sp.Lt(c, n) for c, n in zip(cell, shape)))
    index = _flat(cell, shape)
    vo = orig_cells.value_at(len(so.phases), name, index, facts)
    vp = port_cells.value_at(len(sp_.phases), name, index, facts)
    if not _same(vo, vp, facts):
        raise NotProvable(f"could not prove that {name}[{', '.join(map(str, cell))}] is the same: "
                          f"original {_short(vo)}, port {_short(vp)}")


def _cell_shapes(shape: tuple) -> list[tuple]:
    """The array's shape; for a flat array whose extent is a product, also its factorizations."""
    shapes = [shape]
    if len(shape) == 1:
        factors = sp.Mul.make_args(sp.factor(shape[0]))
        if 2 <= len(factors) <= 3 and all(f.is_Symbol for f in factors):
            shapes += [tuple(p) for p in itertools.permutations(factors)]
    return shapes


def _same(a: sp.Expr, b: sp.Expr, facts: Facts) -> bool:
    ca, cb = canonical(a), canonical(b)
    if sp.expand(ca - cb) == 0:
        return True
    return facts.valid(sp.Eq(ca, cb))


def _flat(cell: tuple, shape: tuple) -> sp.Expr:
    acc = cell[0]
    for c, n in zip(cell[1:], shape[1:]):
        acc = acc * n + c
    return sp.expand(acc)


def _check_bounds(summary: Summary, facts: Facts) -> None:
    """Every access of the port stays inside its array, for every size."""
    for phase in summary.phases:
        for a in phase.accesses:
            extent = summary.extents.get(a.array)
            if extent is None:
                raise NotProvable(f"no extent known for '{a.array}'", a.loc)
            ctx = facts.with_(a.cond, *(f for lp in a.loops for f in lp.range_facts()))
            if not _inside(a, extent, ctx):
                raise NotProvable(f"could not prove '{a.array}[{a.index}]' stays within its extent "
                                  f"{extent}", a.loc)


def _inside(a: Access, extent: sp.Expr, ctx: Facts) -> bool:
    if ctx.valid(sp.And(sp.Ge(a.index, 0), sp.Lt(a.index, extent))):
        return True
    # nonlinear flat indices: prove it digit by digit for a factorisation of the extent
    factors = sp.Mul.make_args(sp.factor(extent))
    if len(factors) < 2:
        return False
    digits = split(a.index, factors)
    return digits is not None and all(ctx.valid(sp.And(sp.Ge(d, 0), sp.Lt(d, n)))
                                      for d, n in zip(digits, factors))


def _check_port_arrays(summary: Summary, cells: CellEvaluator, setting: Setting) -> None:
    """Arrays the port allocates: every element has one writer per phase (no write-write race)."""
    for name, kind in summary.initial.items():
        if kind != "undef":
            continue
        shape = next(iter(cells.candidate_shapes(name)), (summary.extents[name],))
        cell = tuple(int_symbol(f"{name}@{k}", nonnegative=True) for k in range(len(shape)))
        facts = setting.facts.with_(*(sp.Lt(c, n) for c, n in zip(cell, shape)))
        cells.value_at(len(summary.phases), name, _flat(cell, shape), facts)


def _short(e: sp.Expr) -> str:
    text = str(e)
    return text if len(text) < 160 else text[:157] + "..."


__all__ = ["AllSizesProof", "Setting", "setting_for", "prove_all_sizes", "NotProvable"]
