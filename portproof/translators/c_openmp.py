"""Lowering of OpenMP pragmas (pycparser `Pragma` nodes in a statement list) to IR parallel loops and atomics:
directives, parallel regions (work-shared loops, `nowait`, regions that run once per thread) and atomics."""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from pycparser import c_ast, c_generator

from portproof.ir.mapper import substitute, transform, walk
from portproof.ir.nodes import (Assign, Atomic, Axis, Binary, Const, Declare, Expr, For, If, Load, LocalArray,
                                ParallelFor, Select, Stmt, Store, Var)
from portproof.ir.types import I32, ScalarType
from portproof.translators.c_expr import OmpTeam
from portproof.translators.c_openmp_loops import (OmpLoop, Level, add_expr, clause_scalar, collapse_depth, fresh_name,
                                                  is_one, loop_level, loop_nest, lower_loop, omp_state, position,
                                                  product, shared_scalars, sub_expr, team_of)
from portproof.translators.c_openmp_syntax import (LOOP_CLAUSES, LOOP_DIRECTIVES, REGION_CLAUSES, TARGET_CLAUSES,
                                                   Directive, c_walk, check_clauses, check_reduction, is_omp_pragma,
                                                   loop_words, parse_directive, reduction_identity, reduction_vars)
from portproof.translators.c_types import loc_of, unsupported

if TYPE_CHECKING:
    from portproof.translators.c_stmt import StmtLowering

_UPDATES = {"+=": "add", "-=": "sub", "&=": "and", "|=": "or", "^=": "xor"}
_UPDATE_OPS = {"+": "add", "-": "sub", "&": "and", "|": "or", "^": "xor"}
_COMMUTATIVE = {"+", "&", "|", "^"}

# the team size of a region that runs once per thread: a size of the IR (no C name has a dot), >= 1
THREADS = "omp.num_threads"


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
            check_clauses(d, TARGET_CLAUSES | {"to", "from", "nowait", "depend"})
            continue
        if k >= len(items):
            raise unsupported(f"'#pragma omp {' '.join(d.words)}' with no statement after it", d.coord)
        out += lower_directive(low, d, items[k])
        k += 1
    return out


def lower_directive(low: StmtLowering, d: Directive, stmt: c_ast.Node) -> list[Stmt]:
    """The IR of directive `d` applied to the statement `stmt` that follows it."""
    if loop_words(d.words) in LOOP_DIRECTIVES:
        if loop_words(d.words) in (("for",), ("loop",)):
            raise unsupported(f"orphaned '#pragma omp {d.words[0]}' outside a parallel region", d.coord)
        return lower_loop(low, d, stmt)
    if d.words == ("parallel",):
        return _lower_region(low, d, stmt)
    if d.words in (("target",), ("target", "data")):
        check_clauses(d, TARGET_CLAUSES)
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


def _lower_region(low: StmtLowering, d: Directive, stmt: c_ast.Node) -> list[Stmt]:
    """`#pragma omp parallel` whose body holds only work-shared loops, barriers and uninitialised declarations
    (private to each thread, so private to each iteration of the loops)."""
    check_clauses(d, REGION_CLAUSES)
    items = _region_items(list(stmt.block_items or []) if isinstance(stmt, c_ast.Compound) else [stmt])
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
            decls = _declarations(item)
            if decls is not None:
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
            if loop_words(inner.words) not in (("for",), ("loop",), ("simd",)) or k >= len(items):
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
    w = Var(fresh_name(low, "omp_w"))
    counts = [product([a.extent for a in pf.axes]) for pf in loops]
    branch: tuple[Stmt, ...] = ()
    offset: Expr = Const(0, I32)
    arms = []
    for pf, count in zip(loops, counts):
        arms.append((offset, count, pf))
        offset = add_expr(offset, count)
    for start, count, pf in reversed(arms):
        here = sub_expr(w, start)
        head = []
        for k, axis in enumerate(pf.axes):
            inner = product([a.extent for a in pf.axes[k + 1:]])
            v = here if is_one(inner) else Binary("/", here, inner)
            head.append(Declare(axis.var, I32, v if k == 0 else Binary("%", v, axis.extent), loc=pf.loc))
        body = (*head, *pf.body)
        branch = body if not branch else (If(Binary("<", w, add_expr(start, count)), body, branch, loc=pf.loc),)
    return [*pre, ParallelFor("omp", (Axis(w.name, offset),), branch, loc=loops[0].loc), *post]


def _region_items(items: list[c_ast.Node]) -> list[c_ast.Node]:
    """The statements and OpenMP directives of a region's body (empty statements and other pragmas dropped)."""
    return [item for item in items if not isinstance(item, c_ast.EmptyStatement) and
            not (isinstance(item, c_ast.Pragma) and not is_omp_pragma(item))]


def _declarations(item: c_ast.Node) -> Optional[list[c_ast.Decl]]:
    """The declarations of a declaration statement, None for any other item."""
    if isinstance(item, c_ast.DeclList):
        return item.decls
    return [item] if isinstance(item, c_ast.Decl) else None


def _needs_team(items: list[c_ast.Node]) -> bool:
    """Some item of a region body is run by every thread (not only work-shared): the region needs its team."""
    k = 0
    while k < len(items):
        item = items[k]
        k += 1
        decls = _declarations(item)
        if decls is not None:
            if any(decl.init is not None or not isinstance(decl.type, c_ast.TypeDecl) for decl in decls):
                return True
            continue
        if not is_omp_pragma(item):
            return True
        words = parse_directive(item).words
        if words != ("barrier",):
            if loop_words(words) not in (("for",), ("loop",), ("simd",)):
                return True
            k += 1  # the loop
    return False


def _lower_team(low: StmtLowering, d: Directive, items: list[c_ast.Node]) -> list[Stmt]:
    """A region whose body every thread runs: one ParallelFor over the thread ids 0 <= t < THREADS (a size of
    the IR, so that every team size up to the bound is checked) per barrier-free phase. Scalars declared in the
    region are each thread's own: a THREADS-element array indexed by t, so that they outlive a phase. `omp for`
    loops give each thread its chunk of the iterations (`_chunk`); the barrier at their end ends the phase."""
    check_clauses(d, REGION_CLAUSES)
    state = omp_state(low)
    if state.loops:
        raise unsupported("nested OpenMP parallel region", d.coord)
    loc = loc_of(d.coord)
    t = Var(fresh_name(low, "omp_t"))
    phases: list[list[Stmt]] = [[]]
    own: dict[str, tuple[str, ScalarType]] = {}  # IR name of a thread's scalar -> (array, type)
    region = OmpLoop(len(low.scopes.stack))  # names declared from here on are each thread's own
    with low.scopes.scope():
        for var in dict.fromkeys(d.names("private") + d.names("firstprivate")):
            sym = clause_scalar(low, var, "private", d)
            name = low.scopes.declare(var, sym.type)
            own[name] = (fresh_name(low, f"{name}_omp_thread"), sym.type)
            if var in d.names("firstprivate"):
                phases[-1].append(Assign(name, Var(sym.name), loc=loc))
        state.loops.append(region)
        outside, low.expr.team = low.expr.team, OmpTeam(t, Var(THREADS))
        try:
            k = 0
            while k < len(items):
                item = items[k]
                k += 1
                decls = _declarations(item)
                if decls is not None:
                    for decl in decls:
                        if not isinstance(decl.type, c_ast.TypeDecl):
                            raise unsupported(f"declaration of '{decl.name}' in a parallel region (only scalars)",
                                              decl.coord)
                    for s_ in low.visit(item):
                        if isinstance(s_, Declare):
                            own[s_.name] = (fresh_name(low, f"{s_.name}_omp_thread"), s_.type)
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
                if loop_words(inner.words) == ("for",):
                    if nowait and items[k + 1:]:
                        raise unsupported("'nowait' in a parallel region whose statements run once per thread (the "
                                          "loops' iterations may be split among the threads differently)", inner.coord)
                    phases[-1] += _chunk(low, inner, items[k], t, region)
                    phases.append([])
                elif inner.words in (("master",), ("masked",), ("single",)):
                    check_clauses(inner, {"nowait"} if inner.words == ("single",) else set())
                    with team_of(low, None if inner.words == ("single",) else low.expr.team):  # any one runs a single
                        body = low.visit(items[k])
                    if inner.words != ("single",) or nowait:
                        written = {x.name for x in walk(tuple(body)) if isinstance(x, Assign)} - set(own)
                        if written:
                            raise unsupported(f"'{sorted(written)[0]}' assigned in '#pragma omp "
                                              f"{inner.words[0]}' with no barrier after it", inner.coord)
                    if inner.words == ("single",):
                        # any one thread runs a single (libgomp: the first to arrive), modelled as thread 0: sound
                        # only where the choice cannot show, i.e. no thread's own value is used and no statement
                        # of the region runs concurrently with it (thread 0's would be ordered with it here)
                        mine = sorted({x.name for x in walk(tuple(body)) if isinstance(x, (Var, Assign))} & set(own))
                        if mine:
                            raise unsupported(f"'#pragma omp single' using '{mine[0]}', which is each thread's own "
                                              "(any one thread of the team runs the single)", inner.coord)
                        if nowait and items[k + 1:]:
                            raise unsupported("'#pragma omp single nowait' followed by statements that may run "
                                              "concurrently with it on any thread", inner.coord)
                    phases[-1].append(If(Binary("==", t, Const(0, I32)), tuple(body), loc=loc_of(inner.coord)))
                    if inner.words == ("single",) and not nowait:
                        phases.append([])
                else:
                    phases[-1] += lower_directive(low, inner, items[k])
                k += 1
        finally:
            state.loops.pop()
            low.expr.team = outside
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
            fresh = fresh_name(low, n.var)
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


def _chunk(low: StmtLowering, d: Directive, stmt: c_ast.Node, t: Var, region: OmpLoop) -> list[Stmt]:
    """`omp for` run by thread t of the team: the iterations of its chunk of the (collapsed) iteration space, in
    order. schedule(static) without a chunk size splits as libgomp does (the first total % T threads get one
    iteration more; OpenMP itself only says "approximately equal"), schedule(static, c) deals chunks of c
    round-robin; other schedules may split in any way and are refused."""
    check_clauses(d, LOOP_CLAUSES)
    chunk = _static_chunk(low, d)
    depth = collapse_depth(d)
    nest = loop_nest(stmt, depth, d)
    loc = loc_of(nest[0].coord)
    threads = Var(THREADS)
    with low.scopes.scope():
        levels: list[Level] = []
        for node in nest:
            levels.append(loop_level(low, node, [lv.c_var for lv in levels], d))
        total = product([lv.extent for lv in levels])
        c = Var(fresh_name(low, "omp_c"))
        head: list[Stmt] = []
        with low.scopes.scope():
            for k, lv in enumerate(levels):
                inner = product([x.extent for x in levels[k + 1:]])
                v = c if is_one(inner) else Binary("/", c, inner)
                point = v if k == 0 else Binary("%", v, lv.extent)
                head.append(Declare(low.scopes.declare(lv.c_var, lv.type), lv.type, position(lv, point), loc=loc))
            loop_vars = {lv.c_var for lv in levels}
            for var in dict.fromkeys(d.names("private")):
                if var and var not in loop_vars:
                    sym = clause_scalar(low, var, "private", d)
                    head.append(Declare(low.scopes.declare(var, sym.type), sym.type, None, loc=loc))
            first = []
            for var in dict.fromkeys(d.names("firstprivate")):
                sym = clause_scalar(low, var, "firstprivate", d)
                first.append(Declare(low.scopes.declare(var, sym.type), sym.type, Var(sym.name), loc=loc))
            reductions = []
            for op, var in reduction_vars(d):
                if op == "mul":
                    raise unsupported("reduction(*) in a parallel region whose statements run once per thread",
                                      d.coord)
                sym = clause_scalar(low, var, "reduction", d)
                reductions.append((var, sym, op, low.scopes.declare(var, sym.type)))
            saved = low.escaping
            low.escaping = saved | shared_scalars(low, region.depth)
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
            check_reduction(body, name, op, d, var)
            if sym.name not in region.atomics:
                region.atomics[sym.name] = (fresh_name(low, f"{sym.name}_omp_reduction"), sym.type)
            before.append(Declare(name, sym.type, reduction_identity(op, sym.type, d), loc=loc))
            after.append(Atomic(op, region.atomics[sym.name][0], (Const(0, I32),), Var(name), loc=loc))
    step = (*head, *body)
    if chunk is None:
        q, r = Binary("/", total, threads), Binary("%", total, threads)
        lo, hi = Var(fresh_name(low, "omp_lo")), Var(fresh_name(low, "omp_hi"))
        before += [Declare(lo.name, I32, add_expr(Binary("*", t, q), Select(Binary("<", t, r), t, r)), loc=loc),
                   Declare(hi.name, I32, add_expr(add_expr(lo, q), Select(Binary("<", t, r), Const(1, I32), Const(0, I32))),
                           loc=loc)]
        loop: Stmt = For(c.name, I32, lo, Binary("<", c, hi), Const(1, I32), step, loc=loc)
    else:
        b = Var(fresh_name(low, "omp_b"))
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
    return any(_same_lvalue(n, lvalue) for n in c_walk(e))


def _lower_atomic(low: StmtLowering, node: c_ast.Node, what: str) -> list[Stmt]:
    """`x[i] += e` → Atomic add; a shared scalar goes through a one-element array the loop's lowering allocates.
    Outside a parallel loop the update is sequential and lowers as written."""
    update = _update_op(node)
    if update is None:
        raise unsupported(f"{what} on a statement other than an update `x op= e` (op one of + - & | ^)",
                          getattr(node, "coord", None))
    op, target, operand = update
    loop = omp_state(low).loops[-1] if omp_state(low).loops else None
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
            array = fresh_name(low, f"{sym.name}_omp_atomic")
            loop.atomics[sym.name] = (array, sym.type)
        return [Atomic(op, loop.atomics[sym.name][0], (Const(0, I32),), value, loc=loc)]
    raise unsupported(f"{what} on this kind of lvalue", node.coord)
