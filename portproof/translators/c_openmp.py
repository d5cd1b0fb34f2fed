"""Lowering of OpenMP pragmas (pycparser `Pragma` nodes in a statement list) to IR parallel loops and atomics."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from pycparser import c_ast, c_generator

from portproof.ir.mapper import substitute, transform, walk
from portproof.ir.nodes import (Assign, Atomic, Axis, Binary, Call, Const, Declare, Expr, For, If, Load, LocalArray,
                                ParallelFor, Select, Stmt, Store, Var, While)
from portproof.ir.types import I32, ScalarType
from portproof.translators.c_types import loc_of, unsupported

if TYPE_CHECKING:
    from portproof.translators.c_stmt import StmtLowering

_LOOP_DIRECTIVES = {
    ("parallel", "for"), ("for",), ("simd",), ("parallel", "loop"), ("loop",),
    ("target", "parallel", "for"), ("target", "parallel", "loop"),
    ("target", "teams", "distribute", "parallel", "for"), ("teams", "distribute", "parallel", "for"),
    ("target", "teams", "distribute"), ("teams", "distribute"), ("target", "teams", "loop"), ("teams", "loop")}
_KNOWN = _LOOP_DIRECTIVES | {(*w, "simd") for w in _LOOP_DIRECTIVES if w[-1] == "for"} | {
    ("target", "data"), ("target", "update"), ("target", "enter", "data"), ("target", "exit", "data"),
    ("atomic", "update"), ("declare", "target"), ("end", "declare", "target")}
_DIRECTIVE_WORDS = {"parallel", "for", "simd", "loop", "target", "teams", "distribute", "data", "update", "enter",
                    "exit", "atomic", "critical", "barrier", "single", "master", "masked", "sections", "section",
                    "task", "taskloop", "taskwait", "taskgroup", "ordered", "flush", "declare", "end",
                    "threadprivate", "cancel", "scan"}
# clauses that change nothing under the host memory model and a race-checking semantics of the loop
_IGNORED = {"shared", "schedule", "nowait", "num_threads", "map", "proc_bind", "num_teams", "thread_limit",
            "dist_schedule", "device", "simdlen", "defaultmap", "is_device_ptr", "order"}
_LOOP_CLAUSES = _IGNORED | {"private", "firstprivate", "reduction", "collapse", "default"}
_REGION_CLAUSES = {"private", "firstprivate", "shared", "default", "num_threads", "proc_bind"}
_TARGET_CLAUSES = {"map", "device", "defaultmap", "is_device_ptr"}
_REDUCTIONS = {"+": "add", "-": "add", "*": "mul", "&": "and", "|": "or", "^": "xor", "max": "max", "min": "min"}
_REDUCTION_OPS = {"add": "+", "mul": "*", "and": "&", "or": "|", "xor": "^"}
_UPDATES = {"+=": "add", "-=": "sub", "&=": "and", "|=": "or", "^=": "xor"}
_UPDATE_OPS = {"+": "add", "-": "sub", "&": "and", "|": "or", "^": "xor"}
_COMMUTATIVE = {"+", "&", "|", "^"}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
_MAX_CALLS = {"fmax", "fmaxf", "max"}
_MIN_CALLS = {"fmin", "fminf", "min"}
_TOKEN = re.compile(r"\s*,?\s*([A-Za-z_]\w*)")
# the team size of a region that runs once per thread: a size of the IR (no C name has a dot), >= 1
THREADS = "omp.num_threads"


@dataclass(frozen=True)
class Directive:
    """`#pragma omp <words> <clauses>`: clause arguments as written (None when the clause has none)."""
    words: tuple[str, ...]
    clauses: tuple[tuple[str, Optional[str]], ...]
    coord: object = field(compare=False)

    def names(self, clause: str) -> list[str]:
        return [n.strip() for name, arg in self.clauses if name == clause for n in (arg or "").split(",")]


@dataclass
class _Loop:
    """A ParallelFor being lowered: scope depth at its start and the shared scalars updated by `omp atomic`."""
    depth: int
    atomics: dict[str, tuple[str, ScalarType]] = field(default_factory=dict)  # outer IR name -> (array, type)


@dataclass
class _State:
    loops: list[_Loop] = field(default_factory=list)


def is_omp_pragma(node: c_ast.Node) -> bool:
    return isinstance(node, c_ast.Pragma) and node.string.split()[:1] == ["omp"]


def parse_directive(node: c_ast.Pragma) -> Directive:
    """Split `omp parallel for collapse(2) private(t)` into directive words and clauses."""
    text, pos = node.string.strip()[3:], 0
    words: list[str] = []
    clauses: list[tuple[str, Optional[str]]] = []
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise unsupported(f"OpenMP pragma '{node.string}' (cannot read it)", node.coord)
        name, pos = m.group(1), m.end()
        arg = None
        rest = text[pos:].lstrip()
        if rest.startswith("("):
            pos = len(text) - len(rest)
            depth, end = 0, pos
            for end, ch in enumerate(text[pos:], pos):
                depth += {"(": 1, ")": -1}.get(ch, 0)
                if depth == 0:
                    break
            if depth:
                raise unsupported(f"OpenMP pragma '{node.string}' (unbalanced parentheses)", node.coord)
            arg, pos = text[pos + 1:end].strip(), end + 1
        if not clauses and name in _DIRECTIVE_WORDS and (arg is None or name == "critical") and \
                (not words or any(known[:len(words) + 1] == (*words, name) for known in _KNOWN)):
            words.append(name)
        else:
            clauses.append((name, arg))
    return Directive(tuple(words), tuple(clauses), node.coord)


def lower_omp_items(low: StmtLowering, items: list[c_ast.Node]) -> list[Stmt]:
    """A statement list holding `#pragma omp` lines: each directive takes the statement after it (if it has one)."""
    out: list[Stmt] = []
    k = 0
    while k < len(items):
        item = items[k]
        k += 1
        if not is_omp_pragma(item):
            out += low.visit(item)
            continue
        d = parse_directive(item)
        if d.words == ("barrier",):
            raise unsupported("OpenMP barrier outside a parallel region (or inside a work-shared loop)", d.coord)
        if d.words in (("target", "update"), ("target", "enter", "data"), ("target", "exit", "data")):
            _check_clauses(d, _TARGET_CLAUSES | {"to", "from", "nowait", "depend"})
            continue
        if k >= len(items):
            raise unsupported(f"'#pragma omp {' '.join(d.words)}' with no statement after it", d.coord)
        out += lower_directive(low, d, items[k])
        k += 1
    return out


def lower_directive(low: StmtLowering, d: Directive, stmt: c_ast.Node) -> list[Stmt]:
    """The IR of directive `d` applied to the statement `stmt` that follows it."""
    if _loop_words(d.words) in _LOOP_DIRECTIVES:
        if _loop_words(d.words) in (("for",), ("loop",)):
            raise unsupported(f"orphaned '#pragma omp {d.words[0]}' outside a parallel region", d.coord)
        return lower_loop(low, d, stmt)
    if d.words == ("parallel",):
        return _lower_region(low, d, stmt)
    if d.words in (("target",), ("target", "data")):
        _check_clauses(d, _TARGET_CLAUSES)
        return low.visit(stmt)
    if d.words in (("atomic",), ("atomic", "update")):
        for name, _ in d.clauses:
            if name not in ("seq_cst", "relaxed", "acq_rel", "release", "acquire", "update"):
                raise unsupported(f"'#pragma omp atomic {name}' (only the update form is supported)", d.coord)
        return _lower_atomic(low, stmt, "omp atomic")
    if d.words == ("critical",):
        body = stmt.block_items if isinstance(stmt, c_ast.Compound) else [stmt]
        if len(body or []) != 1 or _update_op(body[0]) is None:
            raise unsupported("OpenMP critical section (only one `x += e` update is supported)", d.coord)
        return _lower_atomic(low, body[0], "omp critical")
    raise unsupported(f"OpenMP directive '{' '.join(d.words) or d.clauses[0][0]}'", d.coord)


def _loop_words(words: tuple[str, ...]) -> tuple[str, ...]:
    """The words of a loop directive without a trailing `simd` (`parallel for simd` is `parallel for`)."""
    return words[:-1] if len(words) > 1 and words[-1] == "simd" else words


def _state(low: StmtLowering) -> _State:
    return low.__dict__.setdefault("_omp_state", _State())


def _check_clauses(d: Directive, allowed: set[str]) -> None:
    for name, arg in d.clauses:
        if name not in allowed:
            raise unsupported(f"OpenMP clause '{name}' on '{' '.join(d.words)}'", d.coord)
        if name == "default" and arg not in ("shared", "none"):
            raise unsupported(f"OpenMP clause 'default({arg})'", d.coord)


# ---- parallel regions --------------------------------------------------------------------------

def _lower_region(low: StmtLowering, d: Directive, stmt: c_ast.Node) -> list[Stmt]:
    """`#pragma omp parallel` whose body holds only work-shared loops, barriers and uninitialised declarations
    (private to each thread, so private to each iteration of the loops)."""
    _check_clauses(d, _REGION_CLAUSES)
    items = list(stmt.block_items or []) if isinstance(stmt, c_ast.Compound) else [stmt]
    if _needs_team(items):
        return _lower_team(low, d, items)
    out: list[Stmt] = []
    private = d.names("private")
    group: list[list[Stmt]] = []  # lowered loops since the last barrier: all but the last have `nowait`
    with low.scopes.scope():
        k = 0
        while k < len(items):
            item = items[k]
            k += 1
            if isinstance(item, c_ast.EmptyStatement) or (isinstance(item, c_ast.Pragma) and not is_omp_pragma(item)):
                continue
            if isinstance(item, (c_ast.Decl, c_ast.DeclList)):
                decls = item.decls if isinstance(item, c_ast.DeclList) else [item]
                for decl in decls:
                    if decl.init is not None or not isinstance(decl.type, c_ast.TypeDecl):
                        raise unsupported(f"declaration of '{decl.name}' in a parallel region outside a loop "
                                          "(only uninitialised scalars, private to each thread)", decl.coord)
                    private.append(decl.name)
                out += low.visit(item)
                continue
            if not is_omp_pragma(item):
                raise unsupported("statement in an OpenMP parallel region outside a work-shared loop "
                                  "(every thread runs it)", item.coord)
            inner = parse_directive(item)
            if inner.words == ("barrier",):
                out += _concurrent(low, group, inner)
                group = []
                continue
            if _loop_words(inner.words) not in (("for",), ("loop",), ("simd",)) or k >= len(items):
                raise unsupported(f"'#pragma omp {' '.join(inner.words)}' inside a parallel region (only "
                                  "'omp for' loops and barriers are supported there)", inner.coord)
            merged = Directive(inner.words, inner.clauses + (("private", ",".join(private)),) * bool(private)
                               + tuple(c for c in d.clauses if c[0] == "firstprivate"), inner.coord)
            group.append(lower_loop(low, merged, items[k]))
            k += 1
            if not any(name == "nowait" for name, _ in inner.clauses):
                out += _concurrent(low, group, inner)
                group = []
    return out + _concurrent(low, group, d)  # the region ends with a barrier


def _concurrent(low: StmtLowering, group: list[list[Stmt]], d: Directive) -> list[Stmt]:
    """Work-shared loops with no barrier between them (`nowait`) as one ParallelFor over all their iterations:
    a point w < n1 runs iteration w of the first loop, n1 <= w < n1 + n2 iteration w - n1 of the second, ... so
    the race check sees every pair of iterations as unordered (the interpreter still runs them in order)."""
    if len(group) < 2:
        return [s for lowered in group for s in lowered]
    pre: list[Stmt] = []
    post: list[Stmt] = []
    loops: list[ParallelFor] = []
    for lowered in group:
        at = next(k for k, s in enumerate(lowered) if isinstance(s, ParallelFor))
        later = (*lowered[:at + 1],)
        # a reduction's or atomic's result reaches its shared scalar only after the group's barrier
        stale = sorted({s.name for s in post} & {x.name for x in walk(later) if isinstance(x, Var)})
        if stale:
            raise unsupported(f"'{stale[0]}' is updated by a 'nowait' loop and used by a loop that may run "
                              "concurrently with it", d.coord)
        pre += lowered[:at]
        loops.append(lowered[at])
        post += lowered[at + 1:]
    w = Var(_fresh(low, "omp_w"))
    counts = [_product([a.extent for a in pf.axes]) for pf in loops]
    branch: tuple[Stmt, ...] = ()
    offset: Expr = Const(0, I32)
    arms = []
    for pf, count in zip(loops, counts):
        arms.append((offset, count, pf))
        offset = _add(offset, count)
    for start, count, pf in reversed(arms):
        here = _sub(w, start)
        head = []
        for k, axis in enumerate(pf.axes):
            inner = _product([a.extent for a in pf.axes[k + 1:]])
            v = here if _one(inner) else Binary("/", here, inner)
            head.append(Declare(axis.var, I32, v if k == 0 else Binary("%", v, axis.extent), loc=pf.loc))
        body = (*head, *pf.body)
        branch = body if not branch else (If(Binary("<", w, _add(start, count)), body, branch, loc=pf.loc),)
    return [*pre, ParallelFor("omp", (Axis(w.name, offset),), branch, loc=loops[0].loc), *post]


def _product(extents: list[Expr]) -> Expr:
    out: Expr = Const(1, I32)
    for e in extents:
        out = e if _one(out) else Binary("*", out, e)
    return out


def _one(e: Expr) -> bool:
    return isinstance(e, Const) and e.type.is_integer and e.value == 1


# ---- regions that run once per thread -----------------------------------------------------------

def _needs_team(items: list[c_ast.Node]) -> bool:
    """Some item of a region body is run by every thread (not only work-shared): the region needs its team."""
    k = 0
    while k < len(items):
        item = items[k]
        k += 1
        if isinstance(item, c_ast.EmptyStatement) or (isinstance(item, c_ast.Pragma) and not is_omp_pragma(item)):
            continue
        if isinstance(item, (c_ast.Decl, c_ast.DeclList)):
            decls = item.decls if isinstance(item, c_ast.DeclList) else [item]
            if any(decl.init is not None or not isinstance(decl.type, c_ast.TypeDecl) for decl in decls):
                return True
            continue
        if not is_omp_pragma(item):
            return True
        words = parse_directive(item).words
        if words != ("barrier",):
            if _loop_words(words) not in (("for",), ("loop",), ("simd",)):
                return True
            k += 1  # the loop
    return False


def _lower_team(low: StmtLowering, d: Directive, items: list[c_ast.Node]) -> list[Stmt]:
    """A region whose body every thread runs: one ParallelFor over the thread ids 0 <= t < THREADS (a size of
    the IR, so that every team size up to the bound is checked) per barrier-free phase. Scalars declared in the
    region are each thread's own: a THREADS-element array indexed by t, so that they outlive a phase. `omp for`
    loops give each thread its chunk of the iterations (`_chunk`); the barrier at their end ends the phase."""
    _check_clauses(d, _REGION_CLAUSES)
    state = _state(low)
    if state.loops:
        raise unsupported("nested OpenMP parallel region", d.coord)
    loc = loc_of(d.coord)
    t = Var(_fresh(low, "omp_t"))
    phases: list[list[Stmt]] = [[]]
    own: dict[str, tuple[str, ScalarType]] = {}  # IR name of a thread's scalar -> (array, type)
    region = _Loop(len(low.scopes.stack))  # names declared from here on are each thread's own
    with low.scopes.scope():
        for var in dict.fromkeys(d.names("private") + d.names("firstprivate")):
            sym = _scalar(low, var, "private", d)
            name = low.scopes.declare(var, sym.type)
            own[name] = (_fresh(low, f"{name}_omp_thread"), sym.type)
            if var in d.names("firstprivate"):
                phases[-1].append(Assign(name, Var(sym.name), loc=loc))
        state.loops.append(region)
        try:
            k = 0
            while k < len(items):
                item = items[k]
                k += 1
                if isinstance(item, c_ast.EmptyStatement) or \
                        (isinstance(item, c_ast.Pragma) and not is_omp_pragma(item)):
                    continue
                if isinstance(item, (c_ast.Decl, c_ast.DeclList)):
                    decls = item.decls if isinstance(item, c_ast.DeclList) else [item]
                    for decl in decls:
                        if not isinstance(decl.type, c_ast.TypeDecl):
                            raise unsupported(f"declaration of '{decl.name}' in a parallel region (only scalars)",
                                              decl.coord)
                    for s_ in low.visit(item):
                        if isinstance(s_, Declare):
                            own[s_.name] = (_fresh(low, f"{s_.name}_omp_thread"), s_.type)
                            if s_.init is not None:
                                phases[-1].append(Assign(s_.name, s_.init, loc=s_.loc))
                        else:
                            phases[-1].append(s_)
                    continue
                if not is_omp_pragma(item):
                    phases[-1] += low.visit(item)
                    continue
                inner = parse_directive(item)
                if inner.words == ("barrier",):
                    phases.append([])
                    continue
                if k >= len(items):
                    raise unsupported(f"'#pragma omp {' '.join(inner.words)}' with no statement after it", inner.coord)
                nowait = any(name == "nowait" for name, _ in inner.clauses)
                if inner.words == ("loop",):
                    raise unsupported("'#pragma omp loop' in a parallel region whose statements run once per thread "
                                      "(which thread runs which iteration is unspecified)", inner.coord)
                if _loop_words(inner.words) == ("for",):
                    if nowait and any(not isinstance(x, c_ast.EmptyStatement) for x in items[k + 1:]):
                        raise unsupported("'nowait' in a parallel region whose statements run once per thread (the "
                                          "loops' iterations may be split among the threads differently)", inner.coord)
                    phases[-1] += _chunk(low, inner, items[k], t, region)
                    phases.append([])
                elif inner.words in (("master",), ("masked",), ("single",)):
                    _check_clauses(inner, {"nowait"} if inner.words == ("single",) else set())
                    body = low.visit(items[k])
                    if inner.words != ("single",) or nowait:
                        written = {x.name for x in walk(tuple(body)) if isinstance(x, Assign)} - set(own)
                        if written:
                            raise unsupported(f"'{sorted(written)[0]}' assigned in '#pragma omp "
                                              f"{inner.words[0]}' with no barrier after it", inner.coord)
                    phases[-1].append(If(Binary("==", t, Const(0, I32)), tuple(body), loc=loc_of(inner.coord)))
                    if inner.words == ("single",) and not nowait:
                        phases.append([])
                else:
                    phases[-1] += lower_directive(low, inner, items[k])
                k += 1
        finally:
            state.loops.pop()
    body = _thread_arrays(low, tuple(st for phase in phases for st in phase), own, t)
    pre: list[Stmt] = [LocalArray(array, type_, (Var(THREADS),), "local", loc=loc) for array, type_ in own.values()]
    post: list[Stmt] = []
    for outer, (array, type_) in region.atomics.items():
        others = [x for x in walk(body) if (isinstance(x, Var) and x.name == outer) or
                  (isinstance(x, Assign) and x.name == outer)]
        if others:
            raise unsupported(f"shared scalar '{outer}' is updated by 'omp atomic' or a reduction and also used "
                              "otherwise in the parallel region", d.coord)
        pre += [LocalArray(array, type_, (Const(1, I32),), "local", loc=loc),
                Store(array, (Const(0, I32),), Var(outer), loc=loc)]
        post.append(Assign(outer, Load(array, (Const(0, I32),)), loc=loc))
    loops = []
    start = 0
    for phase in phases:
        count = len(phase)
        if count:
            loops.append(ParallelFor("omp", (Axis(t.name, Var(THREADS)),), body[start:start + count], loc=loc))
        start += count
    return [*pre, *loops, *post]


def _thread_arrays(low: StmtLowering, body: tuple[Stmt, ...], own: dict[str, tuple[str, ScalarType]],
                   t: Var) -> tuple[Stmt, ...]:
    """Each access of a thread's own scalar `x` as an access of element t of its array (a `for` over `x` counts
    with a scalar of its own: the value after the loop is unused, else the frontend had made it a `while`)."""
    def counters(n):
        if isinstance(n, For) and n.var in own:
            fresh = _fresh(low, n.var)
            mapping = {n.var: Var(fresh)}
            return For(fresh, n.type, n.start, substitute(n.cond, mapping), substitute(n.step, mapping),
                       substitute(n.body, mapping), loc=n.loc)
        return None

    def rewrite(n):
        if isinstance(n, Var) and n.name in own:
            return Load(own[n.name][0], (t,))
        if isinstance(n, Assign) and n.name in own:
            return Store(own[n.name][0], (t,), n.value, loc=n.loc)
        if isinstance(n, Atomic) and n.result in own:
            raise unsupported("atomic capture into a thread's own variable", n.loc)
        return None
    return transform(transform(body, counters), rewrite)


def _chunk(low: StmtLowering, d: Directive, stmt: c_ast.Node, t: Var, region: _Loop) -> list[Stmt]:
    """`omp for` run by thread t of the team: the iterations of its chunk of the (collapsed) iteration space, in
    order. schedule(static) without a chunk size splits as libgomp does (the first total % T threads get one
    iteration more; OpenMP itself only says "approximately equal"), schedule(static, c) deals chunks of c
    round-robin; other schedules may split in any way and are refused."""
    _check_clauses(d, _LOOP_CLAUSES)
    chunk = _static_chunk(low, d)
    depth = _collapse(d)
    nest = _nest(stmt, depth, d)
    loc = loc_of(nest[0].coord)
    threads = Var(THREADS)
    with low.scopes.scope():
        levels: list[_Level] = []
        for node in nest:
            levels.append(_level(low, node, [lv.c_var for lv in levels], d))
        total = _product([lv.extent for lv in levels])
        c = Var(_fresh(low, "omp_c"))
        head: list[Stmt] = []
        with low.scopes.scope():
            for k, lv in enumerate(levels):
                inner = _product([x.extent for x in levels[k + 1:]])
                v = c if _one(inner) else Binary("/", c, inner)
                point = v if k == 0 else Binary("%", v, lv.extent)
                head.append(Declare(low.scopes.declare(lv.c_var, lv.type), lv.type, _position(lv, point), loc=loc))
            loop_vars = {lv.c_var for lv in levels}
            for var in dict.fromkeys(d.names("private")):
                if var and var not in loop_vars:
                    sym = _scalar(low, var, "private", d)
                    head.append(Declare(low.scopes.declare(var, sym.type), sym.type, None, loc=loc))
            first = []
            for var in dict.fromkeys(d.names("firstprivate")):
                sym = _scalar(low, var, "firstprivate", d)
                first.append(Declare(low.scopes.declare(var, sym.type), sym.type, Var(sym.name), loc=loc))
            reductions = []
            for op, var in _reduction_vars(d):
                if op == "mul":
                    raise unsupported("reduction(*) in a parallel region whose statements run once per thread",
                                      d.coord)
                sym = _scalar(low, var, "reduction", d)
                reductions.append((var, sym, op, low.scopes.declare(var, sym.type)))
            saved = low.escaping
            low.escaping = saved | _shared_scalars(low, region.depth)
            try:
                body = low._block(nest[-1].stmt)
            finally:
                low.escaping = saved
        assigned = {x.name for x in walk(body) if isinstance(x, Assign)} | \
            {x.var for x in walk(body) if isinstance(x, For)}
        if any(h.name in assigned for h in head[:len(levels)]) or any(f.name in assigned for f in first):
            raise unsupported("the body of an OpenMP loop assigns its loop variable or a firstprivate variable",
                              d.coord)
        before: list[Stmt] = list(first)
        after: list[Stmt] = []
        for var, sym, op, name in reductions:
            _check_reduction(body, name, op, d, var)
            if sym.name not in region.atomics:
                region.atomics[sym.name] = (_fresh(low, f"{sym.name}_omp_reduction"), sym.type)
            before.append(Declare(name, sym.type, _identity(op, sym.type, d), loc=loc))
            after.append(Atomic(op, region.atomics[sym.name][0], (Const(0, I32),), Var(name), loc=loc))
    step = (*head, *body)
    if chunk is None:
        q, r = Binary("/", total, threads), Binary("%", total, threads)
        lo, hi = Var(_fresh(low, "omp_lo")), Var(_fresh(low, "omp_hi"))
        before += [Declare(lo.name, I32, _add(Binary("*", t, q), Select(Binary("<", t, r), t, r)), loc=loc),
                   Declare(hi.name, I32, _add(_add(lo, q), Select(Binary("<", t, r), Const(1, I32), Const(0, I32))),
                           loc=loc)]
        loop: Stmt = For(c.name, I32, lo, Binary("<", c, hi), Const(1, I32), step, loc=loc)
    else:
        b = Var(_fresh(low, "omp_b"))
        end = Binary("+", b, chunk)
        loop = For(b.name, I32, Binary("*", t, chunk), Binary("<", b, total), Binary("*", threads, chunk), (
            For(c.name, I32, b, Binary("<", c, Select(Binary("<", end, total), end, total)), Const(1, I32), step,
                loc=loc),), loc=loc)
    return [*before, loop, *after]


def _static_chunk(low: StmtLowering, d: Directive) -> Optional[Expr]:
    """None for schedule(static) (or no schedule: gcc's default), the chunk size of schedule(static, c)."""
    args = [arg for name, arg in d.clauses if name == "schedule"]
    if not args:
        return None
    kind, _, size = (args[-1] or "").partition(",")
    if len(args) > 1 or kind.strip() != "static":
        raise unsupported(f"schedule({args[-1]}) in a parallel region whose statements run once per thread (only "
                          "static schedules say which thread runs which iteration)", d.coord)
    if not size.strip():
        return None
    if not size.strip().isdigit() or int(size) < 1:
        raise unsupported(f"schedule({args[-1]}) (only a literal positive chunk size)", d.coord)
    return Const(int(size), I32)


# ---- work-shared loops -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Level:
    c_var: str
    type: ScalarType
    start: Expr
    step: int
    extent: Expr


def lower_loop(low: StmtLowering, d: Directive, stmt: c_ast.Node) -> list[Stmt]:
    """A canonical loop nest (collapse(k): k perfectly nested loops) → ParallelFor("omp") over the trip counts."""
    _check_clauses(d, _LOOP_CLAUSES)
    state = _state(low)
    if state.loops:
        raise unsupported("nested OpenMP parallel loop", d.coord)
    depth = _collapse(d)
    nest = _nest(stmt, depth, d)
    loc = loc_of(nest[0].coord)
    pre: list[Stmt] = []
    post: list[Stmt] = []
    with low.scopes.scope():
        levels: list[_Level] = []
        for node in nest:
            levels.append(_level(low, node, [lv.c_var for lv in levels], d))
        axes = tuple(Axis(_fresh(low, f"omp_{lv.c_var}"), lv.extent) for lv in levels)
        loop = _Loop(len(low.scopes.stack))
        reductions: list[tuple[str, str, str, ScalarType]] = []  # (outer, private, atomic op, type)
        c_names: dict[str, str] = {}
        head: list[Stmt] = []
        with low.scopes.scope():
            for lv, axis in zip(levels, axes):
                name = low.scopes.declare(lv.c_var, lv.type)
                head.append(Declare(name, lv.type, _position(lv, Var(axis.var)), loc=loc))
            loop_vars = {lv.c_var for lv in levels}
            for var in dict.fromkeys(d.names("private")):
                if var and var not in loop_vars:
                    sym = _scalar(low, var, "private", d)
                    head.append(Declare(low.scopes.declare(var, sym.type), sym.type, None, loc=loc))
            firstprivate = []
            for var in dict.fromkeys(d.names("firstprivate")):
                if var in loop_vars:
                    raise unsupported(f"firstprivate loop variable '{var}'", d.coord)
                sym = _scalar(low, var, "firstprivate", d)
                name = low.scopes.declare(var, sym.type)
                firstprivate.append((var, name))
                head.append(Declare(name, sym.type, Var(sym.name), loc=loc))
            for op, var in _reduction_vars(d):
                sym = _scalar(low, var, "reduction", d)
                name = low.scopes.declare(var, sym.type)
                reductions.append((sym.name, name, op, sym.type))
                c_names[name] = var
                head.append(Declare(name, sym.type, _identity(op, sym.type, d), loc=loc))
            shared = _shared_scalars(low, loop.depth)
            saved = low.escaping
            low.escaping = saved | shared  # C semantics for `for (j = 0; ...)` on a shared j: it writes j
            state.loops.append(loop)
            try:
                body = low._block(nest[-1].stmt)
            finally:
                state.loops.pop()
                low.escaping = saved
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
            _check_reduction(body, name, op, d, c_names[name])
            array = _fresh(low, f"{outer}_omp_reduction")
            low.scopes.declared.add(array)
            if op == "mul":  # no atomic multiply: each iteration's partial, multiplied in after the loop
                count = _product([a.extent for a in axes])
                k = _fresh(low, "omp_k")
                pre.append(LocalArray(array, t, (count,), "local", loc=loc))
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


def _collapse(d: Directive) -> int:
    args = [arg for name, arg in d.clauses if name == "collapse"]
    if not args:
        return 1
    if len(args) > 1 or not (args[0] or "").isdigit() or int(args[0]) < 1:
        raise unsupported(f"collapse({args[-1]}) (only one collapse with a literal positive count)", d.coord)
    return int(args[0])


def _nest(stmt: c_ast.Node, depth: int, d: Directive) -> list[c_ast.For]:
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


def _level(low: StmtLowering, node: c_ast.For, outer_vars: list[str], d: Directive) -> _Level:
    """Loop variable, type, start, constant step and trip count of one canonical loop of the nest."""
    shape = low._for_shape(node) if node.cond is not None else None
    if shape is None:
        raise unsupported("OpenMP loop not in canonical form (`for (i = lo; i < hi; i += step)`)", node.coord)
    var, declared_type, start_node, step_node, sign = shape
    for part in (node.init, node.cond, node.next):
        used = {n.name for n in _c_walk(part) if isinstance(n, c_ast.ID)} & set(outer_vars)
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
    diff = _sub(hi, lo)
    if op in ("<=", ">="):
        diff = _add(diff, Const(1, I32))
    extent = diff if abs(step) == 1 else Binary("/", _add(diff, Const(abs(step) - 1, I32)), Const(abs(step), I32))
    if declared_type.is_integer and not declared_type.signed and not (_zero(start) and step > 0):
        extent = Select(Binary(op, start, bound), extent, Const(0, I32))
    return _Level(var, declared_type, start, step, extent)


def _position(lv: _Level, v: Var) -> Expr:
    """lo + v*step, the loop variable at point v of the axis."""
    offset: Expr = v if abs(lv.step) == 1 else Binary("*", v, Const(abs(lv.step), I32))
    return _add(lv.start, offset) if lv.step > 0 else Binary("-", lv.start, offset)


def _add(a: Expr, b: Expr) -> Expr:
    """a + b, folding zeros and `(x - k1) + k2` with integer literals k1, k2."""
    if _zero(a) or _zero(b):
        return b if _zero(a) else a
    if isinstance(b, Const) and b.type == I32 and isinstance(a, Binary) and a.op in ("+", "-") and \
            isinstance(a.right, Const) and a.right.type == I32:
        k = b.value + (a.right.value if a.op == "+" else -a.right.value)
        return a.left if k == 0 else Binary("+" if k > 0 else "-", a.left, Const(abs(k), I32))
    return Binary("+", a, b)


def _sub(a: Expr, b: Expr) -> Expr:
    return a if _zero(b) else Binary("-", a, b)


def _zero(e: Expr) -> bool:
    return isinstance(e, Const) and e.type.is_integer and e.value == 0


def _c_walk(node: Optional[c_ast.Node]):
    if node is None:
        return
    yield node
    for _, child in node.children():
        yield from _c_walk(child)


def _fresh(low: StmtLowering, base: str) -> str:
    """An IR name used nowhere in the function so far, reserved from now on (no C name binds to it)."""
    taken = {s.name for scope in low.scopes.stack for s in scope.values()} | low.scopes.declared
    name, k = base, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    low.scopes.declared.add(name)
    return name


def _scalar(low: StmtLowering, var: str, clause: str, d: Directive):
    sym = low.scopes.lookup(var)
    if sym is None:
        raise unsupported(f"{clause}({var}): '{var}' is not a local variable or parameter here", d.coord)
    if sym.extents is not None:
        raise unsupported(f"{clause}({var}) on an array", d.coord)
    return sym


def _shared_scalars(low: StmtLowering, depth: int) -> set[str]:
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


# ---- reductions --------------------------------------------------------------------------------

def _reduction_vars(d: Directive) -> list[tuple[str, str]]:
    out = []
    for name, arg in d.clauses:
        if name != "reduction":
            continue
        op, sep, names = (arg or "").partition(":")
        op = op.strip()
        if not sep or "," in op:
            raise unsupported(f"reduction({arg}) (reduction modifiers or a missing operator)", d.coord)
        if op not in _REDUCTIONS:
            raise unsupported(f"reduction({op}) not supported (+, -, *, &, |, ^, min, max are)", d.coord)
        out += [(_REDUCTIONS[op], var.strip()) for var in names.split(",")]
    return out


def _identity(op: str, t: ScalarType, d: Directive) -> Const:
    if t.kind == "bool":
        raise unsupported(f"reduction on a {t} variable", d.coord)
    if op in ("add", "or", "xor"):
        if t.is_float and op != "add":
            raise unsupported(f"reduction({_REDUCTION_OPS[op]}) on a {t} variable", d.coord)
        return Const(0.0 if t.is_float else 0, t)
    if op == "mul":
        return Const(1.0 if t.is_float else 1, t)
    if op == "and":
        if t.is_float:
            raise unsupported(f"reduction(&) on a {t} variable", d.coord)
        return Const(-1 if t.signed else (1 << t.bits) - 1, t)
    if t.is_float:
        return Const(-math.inf if op == "max" else math.inf, t)
    lo, hi = (-(1 << (t.bits - 1)), (1 << (t.bits - 1)) - 1) if t.signed else (0, (1 << t.bits) - 1)
    return Const(lo if op == "max" else hi, t)


def _uses(e: object, name: str) -> bool:
    return any(isinstance(x, Var) and x.name == name for x in walk(e))


def _first_bigger(c: Expr, a: Expr, b: Expr) -> bool:
    """`c` says a > b (or a >= b)."""
    return isinstance(c, Binary) and ((c.op in (">", ">=") and (c.left, c.right) == (a, b)) or
                                      (c.op in ("<", "<=") and (c.left, c.right) == (b, a)))


def _is_update(value: Expr, r: str, op: str) -> bool:
    """`value` is `r op e` with e free of r (chains of op, and of - for add; fmax/max calls and selects for
    max/min)."""
    me = Var(r)
    if op in _REDUCTION_OPS:
        if value == me:
            return True
        if isinstance(value, Binary) and value.op == _REDUCTION_OPS[op]:
            return (_is_update(value.left, r, op) and not _uses(value.right, r)) or \
                (_is_update(value.right, r, op) and not _uses(value.left, r))
        return op == "add" and isinstance(value, Binary) and value.op == "-" and _is_update(value.left, r, op) \
            and not _uses(value.right, r)
    calls = _MAX_CALLS if op == "max" else _MIN_CALLS
    if isinstance(value, Call) and value.function in calls and len(value.args) == 2 and me in value.args:
        other = value.args[1] if value.args[0] == me else value.args[0]
        return not _uses(other, r)
    if isinstance(value, Select) and me in (value.if_true, value.if_false):
        a, b = value.if_true, value.if_false
        other = b if a == me else a
        bigger = _first_bigger(value.cond, a, b) if op == "max" else _first_bigger(value.cond, b, a)
        return bigger and not _uses(other, r)
    return False


def _check_reduction(body: tuple[Stmt, ...], r: str, op: str, d: Directive, c_name: str) -> None:
    """Every use of the private copy `r` is an update `r = r op e`; then combining one copy per iteration equals
    combining one per thread (the order of a floating-point combination is unspecified, as in OpenMP)."""
    def bad(s: Stmt) -> None:
        raise unsupported(f"reduction variable '{c_name}' used in the loop other than in `{c_name} = {c_name} op e` "
                          "updates "
                          f"(line {s.loc.line if s.loc else '?'})", d.coord)

    for s in body:
        if isinstance(s, Assign) and s.name == r:
            if not _is_update(s.value, r, op):
                bad(s)
        elif isinstance(s, If):
            if _uses(s.cond, r):
                ok = op != "add" and not s.orelse and len(s.then) == 1 and isinstance(s.then[0], Assign) \
                    and s.then[0].name == r and not _uses(s.then[0].value, r)
                e = s.then[0].value if ok else None
                if not ok or not (_first_bigger(s.cond, e, Var(r)) if op == "max"
                                  else _first_bigger(s.cond, Var(r), e)):
                    bad(s)
            else:
                _check_reduction(s.then, r, op, d, c_name)
                _check_reduction(s.orelse, r, op, d, c_name)
        elif isinstance(s, (For, While)):
            parts = (s.start, s.cond, s.step) if isinstance(s, For) else (s.cond,)
            if any(_uses(p, r) for p in parts):
                bad(s)
            _check_reduction(s.body, r, op, d, c_name)
        elif _uses(s, r) or (isinstance(s, Atomic) and s.result == r) or (isinstance(s, Declare) and s.name == r):
            bad(s)


# ---- atomics -----------------------------------------------------------------------------------

def _update_op(node: c_ast.Node) -> Optional[tuple[str, c_ast.Node, Optional[c_ast.Node]]]:
    """(atomic op, lvalue, operand or None for 1) of `x += e`, `x = x + e`, `x++`, ...; None for other forms."""
    if isinstance(node, c_ast.UnaryOp) and node.op in ("++", "p++", "--", "p--"):
        return ("add" if "++" in node.op else "sub"), node.expr, None
    if not isinstance(node, c_ast.Assignment):
        return None
    if node.op in _UPDATES:
        return _UPDATES[node.op], node.lvalue, node.rvalue
    rhs = node.rvalue
    if node.op == "=" and isinstance(rhs, c_ast.BinaryOp) and rhs.op in _UPDATE_OPS:
        same = _same_lvalue
        if same(rhs.left, node.lvalue) and not _mentions(rhs.right, node.lvalue):
            return _UPDATE_OPS[rhs.op], node.lvalue, rhs.right
        if rhs.op in _COMMUTATIVE and same(rhs.right, node.lvalue) and not _mentions(rhs.left, node.lvalue):
            return _UPDATE_OPS[rhs.op], node.lvalue, rhs.left
    return None


def _same_lvalue(a: c_ast.Node, b: c_ast.Node) -> bool:
    gen = c_generator.CGenerator()
    return type(a) is type(b) and gen.visit(a) == gen.visit(b)


def _mentions(e: c_ast.Node, lvalue: c_ast.Node) -> bool:
    return any(_same_lvalue(n, lvalue) for n in _c_walk(e))


def _lower_atomic(low: StmtLowering, node: c_ast.Node, what: str) -> list[Stmt]:
    """`x[i] += e` → Atomic add; a shared scalar goes through a one-element array the loop's lowering allocates.
    Outside a parallel loop the update is sequential and lowers as written."""
    update = _update_op(node)
    if update is None:
        raise unsupported(f"{what} on a statement other than an update `x op= e` (op one of + - & | ^)",
                          getattr(node, "coord", None))
    op, target, operand = update
    loop = _state(low).loops[-1] if _state(low).loops else None
    if loop is None:
        return low.visit(node)
    loc = loc_of(node.coord)
    value = Const(1, I32) if operand is None else low.expr.visit(operand)
    if isinstance(target, c_ast.ArrayRef):
        return [Atomic(op, *low.expr.element(target), value, loc=loc)]
    if isinstance(target, c_ast.UnaryOp) and target.op == "*":
        return [Atomic(op, *low.expr.deref(target), value, loc=loc)]
    if isinstance(target, c_ast.ID):
        sym = low.scopes.lookup(target.name)
        if sym is None or sym.extents is not None:
            raise unsupported(f"{what} on '{target.name}', which is not a variable", node.coord)
        level = max(k for k, scope in enumerate(low.scopes.stack) if target.name in scope)
        if level >= loop.depth:  # private to the iteration: nothing to synchronise
            return low.visit(node)
        if sym.name not in loop.atomics:
            array = _fresh(low, f"{sym.name}_omp_atomic")
            loop.atomics[sym.name] = (array, sym.type)
        return [Atomic(op, loop.atomics[sym.name][0], (Const(0, I32),), value, loc=loc)]
    raise unsupported(f"{what} on this kind of lvalue", node.coord)
