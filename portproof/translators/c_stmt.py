"""Lowering of C statements (pycparser AST) of one function body to IR statements."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional

from pycparser import c_ast

from portproof.ir.mapper import walk
from portproof.ir.nodes import (Assign, Binary, Const, Declare, Expr, For, If, Load, LocalArray, Return, Stmt,
                                Store, Unary, Var)
from portproof.ir.types import I32, ScalarType
from portproof.translators.c_expr import ExprLowering, FileScope, Scopes
from portproof.translators.c_openmp import is_omp_pragma, lower_omp_items
from portproof.translators.c_types import loc_of, unsupported
from portproof.translators.loop_exits import (LoopExits, counted_loop, do_while_loop, escaping_counted_loop, set_flag,
                                              while_loop)

_DROPPED_CALLS = {"printf", "fprintf", "puts", "putchar", "fflush"}
_STMT_CONSTRUCTS = {
    "Goto": "goto statement", "Label": "labelled statement", "Switch": "switch statement",
    "Case": "switch case", "Default": "switch case",
    "Return": "return before the end of the function (early exits are not supported)",
    "Typedef": "local typedef", "StaticAssert": "static assertion"}

ForShape = tuple[str, Optional[ScalarType], c_ast.Node, Optional[c_ast.Node], str]


class StmtLowering(c_ast.NodeVisitor):
    """`visit(node)` returns the list of IR statements of a C statement; anything else raises Unsupported."""

    def __init__(self, file: FileScope):
        self.file = file
        self.scopes = Scopes()
        self.expr = ExprLowering(file, self.scopes)
        self.escaping: set[str] = set()
        self.loops: list[Optional[LoopExits]] = []  # innermost last; None: statements a break may not leave
        self.identifiers: set[str] = set()

    def lower_body(self, body: c_ast.Compound) -> tuple[Stmt, ...]:
        """A function body; a final `return` becomes Return, any other return is Unsupported."""
        self.escaping = escaping_loop_vars(body)
        self.identifiers = {n.name for n in _c_nodes(body) if isinstance(n, (c_ast.ID, c_ast.Decl)) and n.name}
        items = list(body.block_items or [])
        last = items.pop() if items and isinstance(items[-1], c_ast.Return) else None
        with self.scopes.scope():
            out = self._items(items)
            if last is not None and last.expr is not None:
                out.append(Return(self.expr.visit(last.expr), loc=loc_of(last.coord)))
        return tuple(out)

    def generic_visit(self, node: c_ast.Node) -> list[Stmt]:
        name = type(node).__name__
        raise unsupported(_STMT_CONSTRUCTS.get(name, f"{name} statement"), node.coord)

    def _items(self, items: list[c_ast.Node]) -> list[Stmt]:
        if any(is_omp_pragma(item) for item in items):
            with self._loop(None):
                return lower_omp_items(self, items)
        return [s for item in items for s in self.visit(item)]

    def _block(self, node: c_ast.Node) -> tuple[Stmt, ...]:
        with self.scopes.scope():
            return tuple(self.visit(node))

    def visit_Compound(self, node: c_ast.Compound) -> list[Stmt]:
        with self.scopes.scope():
            return self._items(node.block_items or [])

    def visit_EmptyStatement(self, node: c_ast.EmptyStatement) -> list[Stmt]:
        return []

    def visit_Pragma(self, node: c_ast.Pragma) -> list[Stmt]:
        if node.string.split()[:1] == ["omp"]:
            raise unsupported("OpenMP pragma not yet supported", node.coord)
        return []

    # ---- declarations --------------------------------------------------------------------------

    def visit_DeclList(self, node: c_ast.DeclList) -> list[Stmt]:
        return self._items(node.decls)

    def visit_Decl(self, node: c_ast.Decl) -> list[Stmt]:
        loc = loc_of(node.coord)
        if node.name is None:
            raise unsupported("local struct, union or enum declaration", node.coord)
        if node.storage and node.storage != ["register"]:
            raise unsupported(f"{' '.join(node.storage)} local variable '{node.name}'", node.coord)
        if isinstance(node.type, c_ast.ArrayDecl):
            return self._local_array(node)
        if isinstance(node.type, c_ast.PtrDecl):
            raise unsupported(f"local pointer variable '{node.name}'", node.coord)
        t = self.file.types.scalar(node.type, f"local '{node.name}'")
        if t is None:
            raise unsupported(f"void local '{node.name}'", node.coord)
        if isinstance(node.init, c_ast.InitList):
            raise unsupported(f"initializer list for the scalar '{node.name}'", node.coord)
        init = self.expr.visit(node.init) if node.init is not None else None
        return [Declare(self.scopes.declare(node.name, t), t, init, loc=loc)]

    def _local_array(self, node: c_ast.Decl) -> list[Stmt]:
        dims, t = [], node.type
        while isinstance(t, c_ast.ArrayDecl):
            if t.dim is None:
                raise unsupported(f"local array '{node.name}' without a size", node.coord)
            dims.append(t.dim)
            t = t.type
        elem = self.file.types.scalar(t, f"local array '{node.name}'")
        if elem is None:
            raise unsupported(f"void local array '{node.name}'", node.coord)
        extents = tuple(self.expr.visit(d) for d in dims)
        name = self.scopes.declare(node.name, elem, extents)
        out: list[Stmt] = [LocalArray(name, elem, extents, "local", loc=loc_of(node.coord))]
        if node.init is not None:
            out += self._array_init(name, elem, extents, node.init)
        return out

    def _array_init(self, name: str, elem: ScalarType, extents: tuple[Expr, ...], init: c_ast.Node) -> list[Stmt]:
        """`T a[K] = {v0, v1}`: stores of the values, then a loop storing zero into the rest."""
        size = extents[0] if len(extents) == 1 else None
        flat = isinstance(init, c_ast.InitList) and not any(
            isinstance(e, (c_ast.InitList, c_ast.NamedInitializer)) for e in init.exprs)
        if not (flat and isinstance(size, Const) and size.type.is_integer and len(init.exprs) <= size.value):
            raise unsupported(f"initializer of local array '{name}' (only flat lists for one-dimensional "
                              "arrays of constant size)", init.coord)
        loc = loc_of(init.coord)
        out: list[Stmt] = [Store(name, (Const(k, I32),), self.expr.visit(e), loc=loc)
                           for k, e in enumerate(init.exprs)]
        if len(init.exprs) < size.value:
            with self.scopes.scope():
                k = self.scopes.declare(f"{name}_init", I32, loop_var=True)
            zero = Const(0.0 if elem.is_float else 0, elem)
            out.append(For(k, I32, Const(len(init.exprs), I32), Binary("<", Var(k), size), Const(1, I32),
                           (Store(name, (Var(k),), zero, loc=loc),), loc=loc))
        return out

    # ---- expression statements -----------------------------------------------------------------

    def visit_Assignment(self, node: c_ast.Assignment) -> list[Stmt]:
        value = self.expr.visit(node.rvalue)
        if node.op != "=":
            value = Binary(node.op[:-1], self.expr.visit(node.lvalue), value)
        return [self._write(node.lvalue, value, node)]

    def visit_UnaryOp(self, node: c_ast.UnaryOp) -> list[Stmt]:
        if node.op not in ("++", "--", "p++", "p--"):
            raise unsupported("expression statement with no effect", node.coord)
        op = "+" if "++" in node.op else "-"
        return [self._write(node.expr, Binary(op, self.expr.visit(node.expr), Const(1, I32)), node)]

    def _write(self, target: c_ast.Node, value: Expr, node: c_ast.Node) -> Stmt:
        loc = loc_of(node.coord)
        if isinstance(target, c_ast.ArrayRef):
            return Store(*self.expr.element(target), value, loc=loc)
        if isinstance(target, c_ast.UnaryOp) and target.op == "*":
            return Store(*self.expr.deref(target), value, loc=loc)
        if isinstance(target, c_ast.ID):
            current = self.expr.visit(target)  # raises for arrays, globals and undeclared names
            if isinstance(current, Var) and self.scopes.lookup(target.name) is not None:
                return Assign(current.name, value, loc=loc)
            raise unsupported(f"assignment to '{target.name}', which is not a variable", node.coord)
        raise unsupported("assignment to this kind of lvalue", node.coord)

    def visit_FuncCall(self, node: c_ast.FuncCall) -> list[Stmt]:
        """printf-like calls are dropped (their arguments must be free of effects); pure calls have no effect."""
        if isinstance(node.name, c_ast.ID) and node.name.name in _DROPPED_CALLS:
            for arg in node.args.exprs if node.args else ():
                if not (isinstance(arg, c_ast.Constant) and arg.type == "string") and \
                        not (isinstance(arg, c_ast.ID) and arg.name in ("stdout", "stderr")):
                    self.expr.visit(arg)
            return []
        self.expr.visit(node)
        return []

    def visit_ExprList(self, node: c_ast.ExprList) -> list[Stmt]:
        return self._items(node.exprs)

    # ---- control flow --------------------------------------------------------------------------

    def visit_If(self, node: c_ast.If) -> list[Stmt]:
        orelse = self._block(node.iffalse) if node.iffalse is not None else ()
        return [If(self.expr.visit(node.cond), self._block(node.iftrue), orelse, loc=loc_of(node.coord))]

    def visit_While(self, node: c_ast.While) -> list[Stmt]:
        cond = self.expr.visit(node.cond)
        exits, body = self._loop_body(node.stmt)
        return while_loop(exits, cond, body, (), loc_of(node.coord))

    def visit_DoWhile(self, node: c_ast.DoWhile) -> list[Stmt]:
        """`do S while (c)` as `S; while (c) S` (the copy's declarations get fresh names)."""
        exits, first = self._loop_body(node.stmt)
        again, body = self._loop_body(node.stmt, LoopExits(break_flag=exits.break_flag))
        return do_while_loop(exits, first, again, self.expr.visit(node.cond), body, loc_of(node.coord))

    def visit_Break(self, node: c_ast.Break) -> list[Stmt]:
        exits = self._innermost_loop("break", node)
        if exits.break_flag is None:
            exits.break_flag = self._fresh("loop_break")
        return [set_flag(exits.break_flag, loc_of(node.coord))]

    def visit_Continue(self, node: c_ast.Continue) -> list[Stmt]:
        exits = self._innermost_loop("continue", node)
        if exits.continue_flag is None:
            exits.continue_flag = self._fresh("loop_continue")
        return [set_flag(exits.continue_flag, loc_of(node.coord))]

    def _innermost_loop(self, what: str, node: c_ast.Node) -> LoopExits:
        if not self.loops:
            raise unsupported(f"{what} statement outside a loop", node.coord)
        if self.loops[-1] is None:
            raise unsupported(f"{what} statement among OpenMP directives (it may leave an OpenMP loop)", node.coord)
        return self.loops[-1]

    def _fresh(self, base: str) -> str:
        """A name for a flag or counter: no identifier of the function's C code and no IR name given so far."""
        name, k = base, 2
        while name in self.identifiers or name in self.scopes.declared:
            name, k = f"{base}_{k}", k + 1
        self.scopes.declared.add(name)
        return name

    @contextmanager
    def _loop(self, exits: Optional[LoopExits]) -> Iterator[None]:
        self.loops.append(exits)
        try:
            yield
        finally:
            self.loops.pop()

    def _loop_body(self, node: c_ast.Node, exits: Optional[LoopExits] = None) -> tuple[LoopExits, tuple[Stmt, ...]]:
        exits = exits or LoopExits()
        with self._loop(exits):
            return exits, self._block(node)

    def visit_For(self, node: c_ast.For) -> list[Stmt]:
        loc = loc_of(node.coord)
        with self.scopes.scope():
            shape = self._for_shape(node) if node.cond is not None else None
            if shape is None:  # a while loop; no condition (`for (;;)`) is a true one
                init = self.visit(node.init) if node.init is not None else []
                cond = self.expr.visit(node.cond) if node.cond is not None else Const(1, I32)
                exits, body = self._loop_body(node.stmt)
                update = self.visit(node.next) if node.next is not None else []
                return [*init, *while_loop(exits, cond, body, tuple(update), loc)]
            var, declared_type, start_node, step_node, sign = shape
            start = self.expr.visit(start_node)
            if declared_type is not None:
                name, t = self.scopes.declare(var, declared_type, loop_var=True), declared_type
            else:
                sym = self.scopes.lookup(var)
                name, t = sym.name, sym.type
            step: Expr = Const(1, I32) if step_node is None else self.expr.visit(step_node)
            if sign == "-":
                step = Const(-1, I32) if step_node is None else Unary("-", step)
            cond = self.expr.visit(node.cond)
            exits, body = self._loop_body(node.stmt)
            loop = For(name, t, start, cond, step, body, loc=loc)
            counted = _is_counted(name, step, body)
            if counted and (declared_type is not None or var not in self.escaping):
                return counted_loop(exits, loop)
            # C semantics kept: the variable lives on after the loop, or the body changes it
            init_loc = loc_of(node.init.coord)
            if declared_type is not None:
                self.scopes.declared.add(name)
                first: Stmt = Declare(name, t, start, loc=init_loc)
            else:
                first = Assign(name, start, loc=init_loc)
            lowered = escaping_counted_loop(exits, loop, self._fresh(f"{var}_counter")) \
                if counted and exits.break_flag else None
            return [first, *(lowered or while_loop(exits, cond, body, tuple(self.visit(node.next)), loc))]

    def _for_shape(self, node: c_ast.For) -> Optional[ForShape]:
        """(loop variable, its declared type or None, start, step or None for 1, sign) of a counted loop."""
        init = node.init
        if isinstance(init, c_ast.DeclList) and len(init.decls) == 1:
            d = init.decls[0]
            if not isinstance(d.type, c_ast.TypeDecl) or d.init is None or isinstance(d.init, c_ast.InitList) \
                    or d.storage:
                return None
            t = self.file.types.scalar(d.type, f"loop variable '{d.name}'")
            if t is None:
                return None
            var, start, declared_type = d.name, d.init, t
        elif isinstance(init, c_ast.Assignment) and init.op == "=" and isinstance(init.lvalue, c_ast.ID):
            sym = self.scopes.lookup(init.lvalue.name)
            if sym is None or sym.extents is not None:
                return None
            var, start, declared_type = init.lvalue.name, init.rvalue, None
        else:
            return None
        step = _step(node.next, var)
        return None if step is None else (var, declared_type, start, *step)


def _step(update: Optional[c_ast.Node], var: str) -> Optional[tuple[Optional[c_ast.Node], str]]:
    """(step expression or None for 1, "+" or "-") when `update` is var++, var += e, var = var + e, ..."""
    def is_var(n: c_ast.Node) -> bool:
        return isinstance(n, c_ast.ID) and n.name == var

    if isinstance(update, c_ast.UnaryOp) and update.op in ("++", "p++", "--", "p--") and is_var(update.expr):
        return None, ("+" if "++" in update.op else "-")
    if not isinstance(update, c_ast.Assignment) or not is_var(update.lvalue):
        return None
    if update.op in ("+=", "-="):
        return update.rvalue, update.op[0]
    rhs = update.rvalue
    if update.op == "=" and isinstance(rhs, c_ast.BinaryOp) and rhs.op in ("+", "-"):
        if is_var(rhs.left):
            return rhs.right, rhs.op
        if rhs.op == "+" and is_var(rhs.right):
            return rhs.left, "+"
    return None


def _is_counted(var: str, step: Expr, body: tuple[Stmt, ...]) -> bool:
    """The body never assigns the loop variable, and the step is loop-invariant."""
    assigned = {n.name for n in walk(body) if isinstance(n, Assign)} | \
        {n.var for n in walk(body) if isinstance(n, For)}
    step_nodes = list(walk(step))
    return var not in assigned and not any(
        isinstance(n, Load) or (isinstance(n, Var) and (n.name in assigned or n.name == var)) for n in step_nodes)


def escaping_loop_vars(body: c_ast.Node) -> set[str]:
    """Variables assigned by a for-init (`for (i = 0; ...)`) that are used outside such loops or re-bound inside
    one: lowering their loops as IR For (whose variable is scoped to the loop) would lose their C value."""
    escaping: set[str] = set()

    def visit(node: c_ast.Node, bound: frozenset[str]) -> None:
        init = node.init if isinstance(node, c_ast.For) else None
        if isinstance(init, c_ast.Assignment) and init.op == "=" and isinstance(init.lvalue, c_ast.ID):
            var = init.lvalue.name
            visit(init.rvalue, bound)
            if var in bound:
                escaping.add(var)
            for part in (node.cond, node.next, node.stmt):
                if part is not None:
                    visit(part, bound | {var})
            return
        if isinstance(node, c_ast.ID) and node.name not in bound:
            escaping.add(node.name)
        for _, child in node.children():
            visit(child, bound)

    visit(body, frozenset())
    return escaping


def _c_nodes(node: c_ast.Node) -> Iterator[c_ast.Node]:
    yield node
    for _, child in node.children():
        yield from _c_nodes(child)
