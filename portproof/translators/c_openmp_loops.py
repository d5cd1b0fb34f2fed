"""OpenMP work-shared loops: a canonical loop nest (collapse(k) loops) as a ParallelFor over its trip counts."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, Optional

from pycparser import c_ast

from portproof.ir.mapper import walk
from portproof.ir.nodes import (Assign, Atomic, Axis, Binary, Const, Declare, Expr, For, Load, LocalArray, ParallelFor,
                                Select, Stmt, Store, Var)
from portproof.ir.types import I32, ScalarType
from portproof.translators.c_openmp_syntax import (LOOP_CLAUSES, Directive, c_walk, check_clauses, check_reduction,
                                                   reduction_identity, reduction_vars)
from portproof.translators.c_expr import OmpTeam
from portproof.translators.c_types import loc_of, unsupported
from portproof.translators.loop_exits import LoopExits, point_body

if TYPE_CHECKING:
    from portproof.translators.c_stmt import StmtLowering

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass
class OmpLoop:
    """A ParallelFor or a team region being lowered: scope depth at its start and the shared scalars updated by `omp atomic`."""
    depth: int
    atomics: dict[str, tuple[str, ScalarType]] = field(default_factory=dict)  # outer IR name -> (array, type)


@dataclass
class _State:
    loops: list[OmpLoop] = field(default_factory=list)


def omp_state(low: StmtLowering) -> _State:
    return low.__dict__.setdefault("_omp_state", _State())


def product(extents: list[Expr]) -> Expr:
    out: Expr = Const(1, I32)
    for e in extents:
        out = e if is_one(out) else Binary("*", out, e)
    return out


def is_one(e: Expr) -> bool:
    return isinstance(e, Const) and e.type.is_integer and e.value == 1


@dataclass(frozen=True)
class Level:
    c_var: str
    type: ScalarType
    start: Expr
    step: int
    extent: Expr


@contextmanager
def team_of(low: StmtLowering, team: Optional[OmpTeam]) -> Iterator[None]:
    """Lower with omp_get_thread_num() / omp_get_num_threads() meaning `team`'s (None: refused there)."""
    saved, low.expr.team = low.expr.team, team
    try:
        yield
    finally:
        low.expr.team = saved


def lower_loop(low: StmtLowering, d: Directive, stmt: c_ast.Node) -> list[Stmt]:
    """A canonical loop nest (collapse(k): k perfectly nested loops) → ParallelFor("omp") over the trip counts."""
    check_clauses(d, LOOP_CLAUSES)
    state = omp_state(low)
    if state.loops:
        raise unsupported("nested OpenMP parallel loop", d.coord)
    depth = collapse_depth(d)
    nest = loop_nest(stmt, depth, d)
    loc = loc_of(nest[0].coord)
    pre: list[Stmt] = []
    post: list[Stmt] = []
    with low.scopes.scope():
        levels: list[Level] = []
        for node in nest:
            levels.append(loop_level(low, node, [lv.c_var for lv in levels], d))
        axes = tuple(Axis(fresh_name(low, f"omp_{lv.c_var}"), lv.extent) for lv in levels)
        loop = OmpLoop(len(low.scopes.stack))
        reductions: list[tuple[str, str, str, ScalarType]] = []  # (outer, private, atomic op, type)
        c_names: dict[str, str] = {}
        head: list[Stmt] = []
        with low.scopes.scope():
            for lv, axis in zip(levels, axes):
                name = low.scopes.declare(lv.c_var, lv.type)
                head.append(Declare(name, lv.type, position(lv, Var(axis.var)), loc=loc))
            loop_vars = {lv.c_var for lv in levels}
            for var in dict.fromkeys(d.names("private")):
                if var and var not in loop_vars:
                    sym = clause_scalar(low, var, "private", d)
                    head.append(Declare(low.scopes.declare(var, sym.type), sym.type, None, loc=loc))
            firstprivate = []
            for var in dict.fromkeys(d.names("firstprivate")):
                if var in loop_vars:
                    raise unsupported(f"firstprivate loop variable '{var}'", d.coord)
                sym = clause_scalar(low, var, "firstprivate", d)
                name = low.scopes.declare(var, sym.type)
                firstprivate.append((var, name))
                head.append(Declare(name, sym.type, Var(sym.name), loc=loc))
            for op, var in reduction_vars(d):
                sym = clause_scalar(low, var, "reduction", d)
                name = low.scopes.declare(var, sym.type)
                reductions.append((sym.name, name, op, sym.type))
                c_names[name] = var
                head.append(Declare(name, sym.type, reduction_identity(op, sym.type, d), loc=loc))
            shared = shared_scalars(low, loop.depth)
            saved = low.escaping
            low.escaping = saved | shared  # C semantics for `for (j = 0; ...)` on a shared j: it writes j
            state.loops.append(loop)
            exits = LoopExits()
            try:
                with low._loop(exits), team_of(low, None):  # which thread runs an iteration is not modelled
                    body = low._block(nest[-1].stmt)
            finally:
                state.loops.pop()
                low.escaping = saved
            if exits.break_flag is not None:
                raise unsupported("break out of an OpenMP loop", d.coord)
            body = point_body(exits, body, loc)
        assigned = {s.name for s in walk(body) if isinstance(s, Assign)} | \
            {s.var for s in walk(body) if isinstance(s, For)}
        for stmt_ in head[:len(levels)]:
            if stmt_.name in assigned:
                raise unsupported(f"the body of an OpenMP loop assigns its loop variable '{stmt_.name}'", d.coord)
        for var, name in firstprivate:
            if name in assigned:
                raise unsupported(f"firstprivate '{var}' assigned in the loop (its value carries from one "
                                  "iteration of a thread to the next)", d.coord)
        tail: list[Stmt] = []
        for outer, name, op, t in reductions:
            check_reduction(body, name, op, d, c_names[name])
            array = fresh_name(low, f"{outer}_omp_reduction")
            low.scopes.declared.add(array)
            if op == "mul":  # no atomic multiply: each iteration's partial, multiplied in after the loop
                count = product([a.extent for a in axes])
                k = fresh_name(low, "omp_k")
                size = Select(Binary(">", count, Const(0, I32)), count, Const(0, I32))  # a loop may run no times
                pre.append(LocalArray(array, t, (size,), "local", loc=loc))
                tail.append(Store(array, (_linear(axes),), Var(name), loc=loc))
                post.append(For(k, I32, Const(0, I32), Binary("<", Var(k), count), Const(1, I32), (
                    Assign(outer, Binary("*", Var(outer), Load(array, (Var(k),))), loc=loc),), loc=loc))
                continue
            pre += [LocalArray(array, t, (Const(1, I32),), "local", loc=loc),
                    Store(array, (Const(0, I32),), Var(outer), loc=loc)]
            tail.append(Atomic(op, array, (Const(0, I32),), Var(name), loc=loc))
            post.append(Assign(outer, Load(array, (Const(0, I32),)), loc=loc))
        for outer, (array, t) in loop.atomics.items():
            if any(isinstance(x, Var) and x.name == outer for x in walk(body)) or outer in assigned:
                raise unsupported(f"shared scalar '{outer}' is updated by 'omp atomic' and also used otherwise "
                                  "in the loop", d.coord)
            pre += [LocalArray(array, t, (Const(1, I32),), "local", loc=loc),
                    Store(array, (Const(0, I32),), Var(outer), loc=loc)]
            post.append(Assign(outer, Load(array, (Const(0, I32),)), loc=loc))
    return [*pre, ParallelFor("omp", axes, (*head, *body, *tail), loc=loc), *post]


def _linear(axes: tuple[Axis, ...]) -> Expr:
    """The row-major number of the point of `axes` (the iteration's place in the collapsed loop)."""
    out: Expr = Var(axes[0].var)
    for a in axes[1:]:
        out = Binary("+", Binary("*", out, a.extent), Var(a.var))
    return out


def collapse_depth(d: Directive) -> int:
    args = [arg for name, arg in d.clauses if name == "collapse"]
    if not args:
        return 1
    if len(args) > 1 or not (args[0] or "").isdigit() or int(args[0]) < 1:
        raise unsupported(f"collapse({args[-1]}) (only one collapse with a literal positive count)", d.coord)
    return int(args[0])


def loop_nest(stmt: c_ast.Node, depth: int, d: Directive) -> list[c_ast.For]:
    nest = []
    for level in range(depth):
        while isinstance(stmt, c_ast.Compound) and len(stmt.block_items or []) == 1 and level:
            stmt = stmt.block_items[0]
        if not isinstance(stmt, c_ast.For):
            what = "a for loop" if not level else f"{depth} perfectly nested for loops (collapse({depth}))"
            raise unsupported(f"'#pragma omp {' '.join(d.words)}' must be followed by {what}",
                              getattr(stmt, "coord", d.coord))
        nest.append(stmt)
        stmt = stmt.stmt
    return nest


def loop_level(low: StmtLowering, node: c_ast.For, outer_vars: list[str], d: Directive) -> Level:
    """Loop variable, type, start, constant step and trip count of one canonical loop of the nest."""
    shape = low._for_shape(node) if node.cond is not None else None
    if shape is None:
        raise unsupported("OpenMP loop not in canonical form (`for (i = lo; i < hi; i += step)`)", node.coord)
    var, declared_type, start_node, step_node, sign = shape
    for part in (node.init, node.cond, node.next):
        used = {n.name for n in c_walk(part) if isinstance(n, c_ast.ID)} & set(outer_vars)
        if used:
            raise unsupported(f"non-rectangular loop nest: the bounds of an inner loop use '{sorted(used)[0]}'",
                              node.coord)
    cond = node.cond
    if not (isinstance(cond, c_ast.BinaryOp) and cond.op in _FLIP):
        raise unsupported("OpenMP loop condition other than <, <=, >, >= on the loop variable", cond.coord)
    if isinstance(cond.left, c_ast.ID) and cond.left.name == var:
        op, bound_node = cond.op, cond.right
    elif isinstance(cond.right, c_ast.ID) and cond.right.name == var:
        op, bound_node = _FLIP[cond.op], cond.left
    else:
        raise unsupported("OpenMP loop condition does not compare the loop variable", cond.coord)
    if declared_type is None:
        declared_type = low.scopes.lookup(var).type
    start, bound = low.expr.visit(start_node), low.expr.visit(bound_node)
    step_expr = Const(1, I32) if step_node is None else low.expr.visit(step_node)
    if not (isinstance(step_expr, Const) and step_expr.type.is_integer and step_expr.value > 0):
        raise unsupported("OpenMP loop with a step that is not a positive integer literal", node.coord)
    step = int(step_expr.value) * (1 if sign == "+" else -1)
    if (op in ("<", "<=")) != (step > 0):
        raise unsupported("OpenMP loop whose step goes away from its bound", node.coord)
    lo, hi = (start, bound) if step > 0 else (bound, start)
    diff = sub_expr(hi, lo)
    if op in ("<=", ">="):
        diff = add_expr(diff, Const(1, I32))
    extent = diff if abs(step) == 1 else Binary("/", add_expr(diff, Const(abs(step) - 1, I32)), Const(abs(step), I32))
    if declared_type.is_integer and not declared_type.signed and not (is_zero(start) and step > 0):
        extent = Select(Binary(op, start, bound), extent, Const(0, I32))
    return Level(var, declared_type, start, step, extent)


def position(lv: Level, v: Var) -> Expr:
    """lo + v*step, the loop variable at point v of the axis."""
    offset: Expr = v if abs(lv.step) == 1 else Binary("*", v, Const(abs(lv.step), I32))
    return add_expr(lv.start, offset) if lv.step > 0 else Binary("-", lv.start, offset)


def add_expr(a: Expr, b: Expr) -> Expr:
    """a + b, folding zeros and `(x - k1) + k2` with integer literals k1, k2."""
    if is_zero(a) or is_zero(b):
        return b if is_zero(a) else a
    if isinstance(b, Const) and b.type == I32 and isinstance(a, Binary) and a.op in ("+", "-") and \
            isinstance(a.right, Const) and a.right.type == I32:
        k = b.value + (a.right.value if a.op == "+" else -a.right.value)
        return a.left if k == 0 else Binary("+" if k > 0 else "-", a.left, Const(abs(k), I32))
    return Binary("+", a, b)


def sub_expr(a: Expr, b: Expr) -> Expr:
    return a if is_zero(b) else Binary("-", a, b)


def is_zero(e: Expr) -> bool:
    return isinstance(e, Const) and e.type.is_integer and e.value == 0


def fresh_name(low: StmtLowering, base: str) -> str:
    """An IR name used nowhere in the function so far, reserved from now on (no C name binds to it)."""
    taken = {s.name for scope in low.scopes.stack for s in scope.values()} | low.scopes.declared
    name, k = base, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    low.scopes.declared.add(name)
    return name


def clause_scalar(low: StmtLowering, var: str, clause: str, d: Directive):
    sym = low.scopes.lookup(var)
    if sym is None:
        raise unsupported(f"{clause}({var}): '{var}' is not a local variable or parameter here", d.coord)
    if sym.extents is not None:
        raise unsupported(f"{clause}({var}) on an array", d.coord)
    return sym


def shared_scalars(low: StmtLowering, depth: int) -> set[str]:
    """C names that resolve to scalars declared outside the loop (depth = scope depth at the loop's start)."""
    names = {name for scope in low.scopes.stack for name in scope}
    found = set()
    for name in names:
        for level in range(len(low.scopes.stack) - 1, -1, -1):
            if name in low.scopes.stack[level]:
                if level < depth and low.scopes.stack[level][name].extents is None:
                    found.add(name)
                break
    return found
