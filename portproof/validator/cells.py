"""The value of one symbolic array element after a program: last writers found by solving index
equations, loops that keep updating the element closed as sums."""
from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Optional, Sequence

import sympy as sp

from portproof.validator.smt import Facts
from portproof.validator.summary import Loop, NotProvable, Summary, Write, close_extremum, loop_sum, trip_count
from portproof.validator.symbolic import BINDERS, ITE, SIGMA, int_symbol, ite, pull_out, read_fn, read_info, real_symbol

_counter = itertools.count()


class CellEvaluator:
    def __init__(self, summary: Summary, facts: Facts, shapes: dict[str, tuple[sp.Expr, ...]]):
        self.s = summary
        self.facts = facts
        self.shapes = shapes  # multi-dimensional shapes (the original's), used to split flat indices
        self._memo: dict = {}

    # ---- values at program points -------------------------------------------------------------
    def final(self, array: str, index: sp.Expr) -> sp.Expr:
        return self.value_at(len(self.s.phases), array, index, self.facts)

    def value_at(self, phase: int, array: str, index: sp.Expr, facts: Facts) -> sp.Expr:
        key = (phase, array, index, facts.assumptions)
        if key in self._memo:
            return self._memo[key]
        first = self.s.declared_at.get(array, -1) + 1
        kind = self.s.initial.get(array, "in")
        value = read_fn(kind, array, self.s.arrays[array].is_integer)(index)
        for p in range(first, phase):
            writes = [w for w in self.s.phases[p].writes if w.array == array]
            if writes:
                value = self.resolve(self.effect(writes, index, value, 0, facts), facts)
        self._memo[key] = value
        return value

    def resolve(self, e: sp.Expr, facts: Facts) -> sp.Expr:
        """Replace reads of arrays at earlier phases by their values there."""
        if isinstance(e, sp.Function) and e.func in BINDERS:
            k, lo, hi, body = e.args
            lo, hi = self.resolve(lo, facts), self.resolve(hi, facts)
            if e.func == SIGMA:
                hi, body = _tighten(k, hi, body, facts)
            inner = facts.with_(sp.Ge(k, lo), sp.Lt(k, hi))
            return e.func(k, lo, hi, self.resolve(body, inner))
        info = read_info(e)
        if info and info[0].startswith("at"):
            index = self.resolve(e.args[0], facts)
            return self.value_at(int(info[0][2:]), info[1], sp.expand(index), facts)
        if info and info[0].startswith("own"):
            raise NotProvable(f"a thread reads '{info[1]}[{e.args[0]}]', which the same parallel phase "
                              f"writes elsewhere (possible race or stale read)")
        if not e.args or isinstance(e, sp.Symbol):
            return e
        new = [self.resolve(a, facts) for a in e.args]
        return e.func(*new) if any(n is not o for n, o in zip(new, e.args)) else e

    # ---- the effect of one phase's writes on one element ---------------------------------------
    def effect(self, writes: Sequence[Write], index: sp.Expr, current: sp.Expr, depth: int,
               facts: Facts) -> sp.Expr:
        k = 0
        while k < len(writes):
            w = writes[k]
            if len(w.loops) == depth:
                current = self.apply_write(w, index, current, facts)
                k += 1
                continue
            loop = w.loops[depth]
            group = [w]
            while k + len(group) < len(writes) and len(writes[k + len(group)].loops) > depth and \
                    writes[k + len(group)].loops[depth] is loop:
                group.append(writes[k + len(group)])
            current = self.apply_loop(loop, group, index, current, depth, facts)
            k += len(group)
        return current

    def apply_write(self, w: Write, index: sp.Expr, current: sp.Expr, facts: Facts) -> sp.Expr:
        hit = sp.And(sp.Eq(sp.expand(w.index - index), 0), w.cond)
        if not facts.possible(hit):
            return current
        value = self.own_reads(w, current)
        if facts.valid(hit):
            return value
        return ite(_simplify_cond(hit, facts), value, current)

    def own_reads(self, w: Write, current: sp.Expr) -> sp.Expr:
        """A thread's read of the element it writes is the element's current value."""
        def rw(x: sp.Basic) -> sp.Basic:
            info = read_info(x)
            if info and info[0] == f"own{w.version}" and info[1] == w.array and \
                    sp.expand(x.args[0] - w.index) == 0:
                return current
            if not x.args or isinstance(x, sp.Symbol):
                return x
            new = [rw(a) for a in x.args]
            return x.func(*new) if any(n is not o for n, o in zip(new, x.args)) else x
        return rw(w.value)

    def apply_loop(self, loop: Loop, group: list[Write], index: sp.Expr, current: sp.Expr, depth: int,
                   facts: Facts) -> sp.Expr:
        if loop.step != 1 and not facts.valid(sp.Ge(loop.step, 1)):
            raise NotProvable(f"the step {loop.step} of the loop over '{loop.var}' may be zero", loop.loc)
        merged = self.merge_grid_stride(loop, group, depth)
        if merged is not None:
            loop, group, extra = merged
            facts = facts.with_(extra)
            current_if_none = current
            result = self.apply_loop(loop, group, index, current, depth, facts)
            return ite(extra, result, current_if_none) if not facts.valid(extra) else result
        solutions = [self.solve_for(loop, w, index, depth, facts) for w in group]
        if not any(loop.var in w.index.free_symbols for w in group) and \
                facts.valid(sp.Le(loop.hi - loop.lo, 1)):
            solutions = [loop.lo] * len(group)  # at most one iteration: it is the one
        if all(s is not None for s in solutions) and all(sp.expand(s - solutions[0]) == 0 for s in solutions):
            h = solutions[0]
            in_range = sp.And(sp.Ge(h, loop.lo), sp.Lt(h, loop.hi))
            if loop.step != 1:
                in_range = sp.And(in_range, sp.Eq(sp.Mod(h - loop.lo, loop.step), 0))
            if not facts.possible(in_range):
                return current
            inner = _substitute(group, depth, {loop.var: h})
            inside = facts.with_(in_range)
            value = self.effect(inner, index, current, depth, inside)
            return value if facts.valid(in_range) else ite(_simplify_cond(in_range, facts), value, current)
        if any(s is not None for s in solutions) or any(loop.var in w.index.free_symbols for w in group):
            raise NotProvable(f"cannot tell which iteration of the loop over '{loop.var}' writes "
                              f"'{group[0].array}[{index}]'", loop.loc)
        if loop.parallel and not all(w.atomic for w in group) and not facts.valid(sp.Le(loop.hi - loop.lo, 1)):
            raise NotProvable(f"every thread may write '{group[0].array}[{index}]' (write-write race)",
                              group[0].loc)
        return self.fold(loop, group, index, current, depth, facts)  # atomics: a fold in any order

    def fold(self, loop: Loop, group: list[Write], index: sp.Expr, current: sp.Expr, depth: int,
             facts: Facts) -> sp.Expr:
        """Every iteration updates the element: close the update as a max/min, a sum, or the last one."""
        integer = self.s.arrays[group[0].array].is_integer
        acc = (int_symbol if integer else real_symbol)(f"acc#{next(_counter)}")
        inner = [replace(w, loops=w.loops[:depth] + w.loops[depth + 1:]) for w in group]
        body = self.effect(inner, index, acc, depth, facts.with_(*loop.range_facts()))
        closed = close_extremum(body, acc, current, loop, {acc}, facts)
        if closed is not None:
            return closed
        new = pull_out(body, acc)
        if new == acc:
            return current
        delta = sp.expand(new - acc)
        if acc not in delta.free_symbols:
            return current + loop_sum(loop, delta)
        if acc not in new.free_symbols:
            return ite(sp.Gt(trip_count(loop), 0), new.xreplace({loop.var: loop.last()}), current)
        raise NotProvable(f"the updates of '{group[0].array}' in the loop over '{loop.var}' are not a sum",
                          loop.loc)

    # ---- index equations ------------------------------------------------------------------------
    def solve_for(self, loop: Loop, w: Write, index: sp.Expr, depth: int, facts: Facts) -> Optional[sp.Expr]:
        """The unique value of `loop.var` for which `w` writes element `index`, or None."""
        unknowns = [lp.var for lp in w.loops[depth:]]
        ctx = facts.with_(w.cond, *(f for lp in w.loops[depth:] for f in lp.range_facts()))
        for eqs in self.equations(w.array, w.index, index, ctx, facts):
            sol = solve_linear(eqs, unknowns)
            if loop.var in sol:
                return sol[loop.var]
        return None

    def equations(self, array: str, lhs: sp.Expr, rhs: sp.Expr, lhs_facts: Facts, rhs_facts: Facts):
        """Candidate equation systems for lhs == rhs: split by each known shape, then flat."""
        for shape in self.candidate_shapes(array):
            a, b = split(lhs, shape), split(rhs, shape)
            if a is None or b is None:
                continue
            if all(lhs_facts.valid(sp.And(sp.Ge(c, 0), sp.Lt(c, n))) for c, n in zip(a[1:], shape[1:])) and \
                    all(rhs_facts.valid(sp.And(sp.Ge(c, 0), sp.Lt(c, n))) for c, n in zip(b[1:], shape[1:])):
                yield [sp.expand(x - y) for x, y in zip(a, b)]
        yield [sp.expand(lhs - rhs)]

    def candidate_shapes(self, array: str):
        """Shapes to split `array`'s flat indices by: its own, those of arrays of the same extent,
        and the orderings of its extent's factors (n*m: (n, m) and (m, n))."""
        extent = self.s.extents.get(array)
        if array in self.shapes and len(self.shapes[array]) > 1:
            yield self.shapes[array]
        for name, shape in self.shapes.items():
            if name != array and len(shape) > 1 and extent is not None and \
                    sp.expand(extent - sp.Mul(*shape)) == 0:
                yield shape
        if extent is not None:
            factors = sp.Mul.make_args(sp.factor(extent))
            if 2 <= len(factors) <= 3 and all(f.is_Symbol for f in factors):
                yield from itertools.permutations(factors)

    # ---- grid-stride loops ------------------------------------------------------------------------
    def merge_grid_stride(self, loop: Loop, group: list[Write], depth: int):
        """threads g < P each running `for (i = g + c; i < n; i += P)` cover i in [c, n) once each:
        the pair becomes one parallel loop over i (at the stride loop's place in the nest)."""
        if not loop.parallel or loop.lo != 0:
            return None
        first = group[0].loops[depth + 1:]
        for pos, stride_loop in enumerate(first):
            offset = sp.expand(stride_loop.lo - loop.var)
            if not stride_loop.parallel and loop.var not in offset.free_symbols and \
                    sp.expand(stride_loop.step - loop.hi) == 0 and loop.var not in stride_loop.hi.free_symbols:
                break
        else:
            return None
        at = depth + 1 + pos
        for w in group:
            if len(w.loops) <= at or w.loops[at] is not stride_loop:
                return None
            if any(loop.var in t.free_symbols for t in (w.index, w.value, w.cond)) or \
                    any(loop.var in (lp.lo.free_symbols | lp.hi.free_symbols | lp.step.free_symbols)
                        for k, lp in enumerate(w.loops[depth + 1:], depth + 1) if k != at):
                return None
        merged = Loop(stride_loop.var, offset, stride_loop.hi, sp.Integer(1), True, stride_loop.loc)
        new = [replace(w, loops=w.loops[:depth] + w.loops[depth + 1:at] + (merged,) + w.loops[at + 1:])
               for w in group]
        return new[0].loops[depth], new, sp.Ge(loop.hi, 1)


def _tighten(k: sp.Symbol, hi: sp.Expr, body: sp.Expr, facts: Facts) -> tuple[sp.Expr, sp.Expr]:
    """A sum of ite(k < b, t, 0) for k below hi is the sum of t for k below b, when b <= hi (a guard
    like `if (i < n)` in threads numbered up to a rounded-up grid)."""
    if isinstance(body, sp.Function) and body.func == ITE and body.args[2] == 0:
        c = body.args[0]
        bound = c.rhs if isinstance(c, sp.StrictLessThan) and c.lhs == k else \
            c.lhs if isinstance(c, sp.StrictGreaterThan) and c.rhs == k else None
        if bound is not None and k not in bound.free_symbols and facts.valid(sp.Le(bound, hi)):
            return bound, body.args[1]
    return hi, body


def solve_linear(eqs: list[sp.Expr], unknowns: list[sp.Symbol]) -> dict:
    """Solve equations (each `e == 0`) for unknowns that occur with coefficient +-1 and whose value
    then involves no other unknown; each such solution is the unique one."""
    sol: dict = {}
    eqs = [e for e in eqs if e != 0]
    while True:
        found = None
        for e in eqs:
            for u in unknowns:
                if u in sol or u not in e.free_symbols:
                    continue
                c = e.coeff(u)
                rest = sp.expand(e - c * u)
                if c in (1, -1) and not rest.free_symbols & set(unknowns):
                    found = (e, u, sp.expand(-rest / c))
                    break
            if found:
                break
        if not found:
            return sol
        e, u, value = found
        sol[u] = value
        eqs = [x for x in (sp.expand(x.xreplace({u: value})) for x in eqs if x is not e) if x != 0]


def split(index: sp.Expr, shape: tuple) -> Optional[list[sp.Expr]]:
    """Row-major digits of a flat index: index = ((c0*n1 + c1)*n2 + c2)..., by polynomial division."""
    comps = []
    rest = sp.expand(index)
    for radix in reversed(shape[1:]):
        q, r = sp.Integer(0), sp.Integer(0)
        for term in sp.Add.make_args(rest):
            part = _divide(term, radix)
            if part is None:
                r += term
            else:
                q += part
        comps.insert(0, sp.expand(r))
        rest = sp.expand(q)
    comps.insert(0, rest)
    return comps


def _divide(term: sp.Expr, radix: sp.Expr) -> Optional[sp.Expr]:
    if radix.is_Integer:
        coeff, rest = term.as_coeff_Mul()
        if coeff.is_Integer and int(radix) != 0 and int(coeff) % int(radix) == 0:
            return sp.Integer(int(coeff) // int(radix)) * rest
        return None
    q = sp.cancel(term / radix)
    num, den = sp.fraction(q)
    if den.free_symbols & radix.free_symbols or not den.is_number or den != 1:
        return None
    return sp.expand(q)


def _substitute(group: list[Write], depth: int, mapping: dict) -> list[Write]:
    """Writes of a loop body with the loop's variable fixed: the loop is dropped from their nests."""
    memo: dict[int, Loop] = {}

    def sub_loop(lp: Loop) -> Loop:
        if id(lp) not in memo:
            memo[id(lp)] = lp.subs(mapping)
        return memo[id(lp)]

    return [replace(w, index=sp.expand(w.index.xreplace(mapping)), value=w.value.xreplace(mapping),
                    cond=w.cond.xreplace(mapping) if w.cond is not sp.true else w.cond,
                    loops=w.loops[:depth] + tuple(sub_loop(lp) for lp in w.loops[depth + 1:]))
            for w in group]


def _simplify_cond(c: sp.Basic, facts: Facts) -> sp.Basic:
    """Drop the conjuncts of `c` that the facts already imply."""
    if isinstance(c, sp.And):
        kept = [a for a in c.args if not facts.valid(a)]
        return sp.And(*kept) if kept else sp.true
    return c
