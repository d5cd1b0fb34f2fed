"""Lowering of CUDA C++ statements (kernel and host code) to IR statements."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from tree_sitter import Node as TSNode

from portproof.ir.mapper import walk
from portproof.ir.nodes import (Assign, Atomic, Binary, Const, Declare, Expr, For, If, Load,
                                LocalArray, Return, SourceLoc, Stmt, Store, Unary, Var)
from portproof.ir.types import I32, U32, ScalarType
from portproof.translators.cuda_context import (Array, Boxed, Dim3, ErrorCode, Scalar,
                                                Scopes, Symbol, scalar_type, text)
from portproof.translators.cuda_lower_expr import (ATOMICS, SHUFFLES, ExprLowerer, Unit, callee_name,
                                                   declarator_name, strip_parens)
from portproof.translators.cuda_lower_host import HostCalls
from portproof.translators.loop_exits import LoopExits, counted_loop, escaping_counted_loop, set_flag, while_loop

_COMPOUND = frozenset("+= -= *= /= %= <<= >>= &= |= ^=".split())
_IGNORED_PRAGMAS = ("unroll", "nounroll")


def _named(node: TSNode) -> list[TSNode]:
    return [c for c in node.named_children if c.type != "comment"]


def _written(stmts: tuple[Stmt, ...]) -> set[str]:
    return {s.name for s in walk(stmts) if isinstance(s, Assign)} | \
        {s.result for s in walk(stmts) if isinstance(s, Atomic) and s.result}


def _free_vars(e: Expr) -> set[str]:
    return {v.name for v in walk(e) if isinstance(v, Var)}


def _assigned_identifiers(body: TSNode) -> set[str]:
    """Names written (or whose address is taken) anywhere under `body`."""
    out: set[str] = set()
    stack = [body]
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        target = None
        if node.type == "assignment_expression":
            target = node.child_by_field_name("left")
        elif node.type == "update_expression":
            target = node.child_by_field_name("argument")
        elif node.type == "pointer_expression" and text(node.child_by_field_name("operator")) == "&":
            target = node.child_by_field_name("argument")
        if target is not None and strip_parens(target).type == "identifier":
            out.add(text(strip_parens(target)))
    return out


_MEMORY_CALLS = frozenset({"cudaMemcpy", "cudaMemcpyAsync", "cudaMemset", "cudaMemsetAsync"})


def _identifiers(node: TSNode) -> set[str]:
    out: set[str] = set()
    stack = [node]
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        if node.type == "identifier":
            out.add(text(node))
    return out


def _memcpy_addressed(body: TSNode) -> set[str]:
    """Names `x` of every `&x` passed to cudaMemcpy/cudaMemset under `body` (scalars that get boxed)."""
    out: set[str] = set()
    stack = [body]
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        if node.type != "call_expression" or callee_name(node) not in _MEMORY_CALLS:
            continue
        for arg in _named(node.child_by_field_name("arguments")):
            arg = strip_parens(arg)
            while arg.type == "cast_expression":
                arg = strip_parens(arg.child_by_field_name("value"))
            if arg.type == "pointer_expression" and text(arg.child_by_field_name("operator")) == "&":
                target = strip_parens(arg.child_by_field_name("argument"))
                if target.type == "identifier":
                    out.add(text(target))
    return out


_SPLITTABLE = frozenset({"declaration", "expression_statement", "return_statement"})


def _check_shuffle_positions(lowerer: "StmtLowerer", statement: TSNode) -> None:
    """Refuse a warp shuffle that C evaluates only sometimes (`c ? shfl(..) : 0`, `a && shfl(..)`)."""
    stack = [(statement, False)]
    while stack:
        node, conditional = stack.pop()
        if node.type == "call_expression" and callee_name(node) in SHUFFLES and conditional:
            raise lowerer.unsupported(f"{callee_name(node)} under `?:`, `&&` or `||`", node)
        for child in node.named_children:
            inner = conditional
            if node.type == "conditional_expression" and child != node.child_by_field_name("condition"):
                inner = True
            if node.type == "binary_expression" and text(node.child_by_field_name("operator")) in ("&&", "||") \
                    and child == node.child_by_field_name("right"):
                inner = True
            stack.append((child, inner))


@dataclass(frozen=True)
class LoopVar(Scalar):
    """A for-loop variable that outlives its loop in the IR (the loop became a While): a later loop
    declaring the same name and type assigns it instead (C ended the first one's scope)."""


class StmtLowerer(HostCalls, ExprLowerer):
    """Lowers the body of one kernel or host function."""

    def __init__(self, unit: Unit, scopes: Scopes, kind: str, body: TSNode):
        super().__init__(unit, scopes, kind)
        self.body_node = body
        self.assigned = _assigned_identifiers(body)
        self.boxed = _memcpy_addressed(body) if kind == "host" else set()
        self.control_depth = 0
        self.byte_definitions: dict[str, TSNode] = {}
        self.loops: list[Optional[LoopExits]] = []  # innermost last; None: a `do { } while (0)` wrapper
        self.identifiers = _identifiers(body.parent if body.parent is not None else body)

    def loc(self, node: TSNode) -> SourceLoc:
        return self.unit.source.loc(node)

    def function_body(self) -> tuple[Stmt, ...]:
        return tuple(self.stmt(self.body_node))

    def nested(self, node: TSNode) -> tuple[Stmt, ...]:
        """The body of an if/for/while: its own scope, under control flow."""
        self.control_depth += 1
        self.scopes.push()
        try:
            return tuple(self.stmt(node))
        finally:
            self.scopes.pop()
            self.control_depth -= 1

    def loop_body(self, node: TSNode, exits: Optional[LoopExits]) -> tuple[Stmt, ...]:
        self.loops.append(exits)
        try:
            return self.nested(node)
        finally:
            self.loops.pop()

    def loop_exit(self, node: TSNode) -> list[Stmt]:
        """`break;` / `continue;`: set the innermost loop's flag (named at its first use)."""
        what = node.type.split("_")[0]
        exits = self.loops[-1] if self.loops else None
        if exits is None:
            where = "in `do { } while (0)`" if self.loops else "outside a loop"
            raise self.unsupported(f"`{what}` {where}", node)
        attr = f"{what}_flag"
        if getattr(exits, attr) is None:
            setattr(exits, attr, self.unused_name(f"loop_{what}"))
        return [set_flag(getattr(exits, attr), self.loc(node))]

    def unused_name(self, base: str) -> str:
        """`base_N`, no identifier of the function's source (N counts on from `fresh`'s temporaries, so no
        other generated name either), for a variable the source never names."""
        while True:
            self.temporaries += 1
            name = f"{base}_{self.temporaries}"
            if name not in self.identifiers:
                return name

    def stmt(self, node: TSNode) -> list[Stmt]:
        if self.hoisted is not None or node.type not in _SPLITTABLE or self.kind == "host":
            return self.plain_stmt(node)
        _check_shuffle_positions(self, node)
        self.hoisted = []
        try:
            out = self.plain_stmt(node)
        finally:
            hoisted, self.hoisted = self.hoisted, None
        return hoisted + out

    def plain_stmt(self, node: TSNode) -> list[Stmt]:
        kind = node.type
        if kind == "compound_statement":
            self.scopes.push()
            try:
                return [s for c in _named(node) for s in self.stmt(c)]
            finally:
                self.scopes.pop()
        if kind == "declaration":
            return self.declaration(node)
        if kind == "expression_statement":
            children = _named(node)
            return self.effect(children[0]) if children else []
        if kind == "if_statement":
            return self.if_statement(node)
        if kind == "for_statement":
            return self.for_statement(node)
        if kind == "while_statement":
            cond = node.child_by_field_name("condition").child_by_field_name("value")
            if cond is None:
                raise self.unsupported("while with a declaration as condition", node)
            exits = LoopExits()
            cond_e = self.expr(cond)
            body = self.loop_body(node.child_by_field_name("body"), exits)
            return while_loop(exits, cond_e, body, (), self.loc(node))
        if kind == "do_statement":
            cond = strip_parens(node.child_by_field_name("condition"))
            if text(cond) in ("0", "false"):  # do { ... } while (0): a macro's statement wrapper
                self.loops.append(None)
                try:
                    return self.stmt(node.child_by_field_name("body"))
                finally:
                    self.loops.pop()
            raise self.unsupported("do-while loop", node)
        if kind in ("break_statement", "continue_statement"):
            return self.loop_exit(node)
        if kind == "return_statement":
            value = _named(node)
            if value and self.kind == "kernel":
                raise self.unsupported("return with a value in a kernel", node)
            return [Return(self.expr(value[0]) if value else None, self.loc(node))]
        if kind == "preproc_call" and text(node.child_by_field_name("directive")) == "#pragma":
            argument = node.child_by_field_name("argument")
            if argument is not None and text(argument).split()[0] in _IGNORED_PRAGMAS:
                return []
        raise self.unsupported(f"statement `{text(node).splitlines()[0]}` ({kind})", node)

    # ---- declarations -------------------------------------------------------------------------

    def declaration(self, node: TSNode) -> list[Stmt]:
        type_node = node.child_by_field_name("type")
        quals = {text(c) for c in node.children if c.type in ("type_qualifier", "storage_class_specifier")}
        if "static" in quals:
            raise self.unsupported("static local variable", node)
        declarators = node.children_by_field_name("declarator")
        type_name = text(type_node)
        out: list[Stmt] = []
        for d in declarators:
            if type_name == "dim3":
                out += self.dim3_declaration(d)
            elif type_name == "cudaError_t":
                out += self.error_code_declaration(d)
            elif type_node.type == "placeholder_type_specifier":
                out += self.auto_declaration(d)
            else:
                ctype = scalar_type(type_node) if type_node.type in ("primitive_type", "sized_type_specifier") \
                    else None
                if ctype is None:
                    raise self.unsupported(f"local of type `{type_name}`", node)
                out += self.declarator(d, ctype, quals)
        return out

    def declare(self, name: str, symbol: Symbol, node: TSNode) -> None:
        if not self.scopes.declare(name, symbol):
            raise self.unsupported(f"declaration of `{name}` shadows or repeats another", node)

    def declarator(self, d: TSNode, ctype: ScalarType, quals: set[str]) -> list[Stmt]:
        init = d.child_by_field_name("value") if d.type == "init_declarator" else None
        target = d.child_by_field_name("declarator") if d.type == "init_declarator" else d
        if target.type == "identifier":
            return self.scalar_declaration(text(target), ctype, quals, init, d)
        if target.type == "pointer_declarator":
            return self.pointer_declaration(target, ctype, init)
        if target.type == "array_declarator":
            if init is not None:
                raise self.unsupported("array initializer", d)
            return self.array_declaration(target, ctype, quals)
        if target.type == "reference_declarator":
            raise self.unsupported("C++ reference", d)
        raise self.unsupported(f"declarator `{text(d)}`", d)

    def scalar_declaration(self, name: str, ctype: ScalarType, quals: set[str], init: Optional[TSNode],
                           d: TSNode) -> list[Stmt]:
        if "__shared__" in quals:
            raise self.unsupported("__shared__ scalar", d)
        loc = self.loc(d)
        if name in self.boxed:
            return self.boxed_declaration(name, ctype, init, d)
        if init is None:
            self.declare(name, Scalar(ctype), d)
            return [Declare(name, ctype, None, loc)]
        init = self.single_initializer(init)
        if init.type == "call_expression" and callee_name(init) in ATOMICS:
            self.declare(name, Scalar(ctype), d)
            return [Declare(name, ctype, None, loc), self.atomic(init, name)]
        value = self.expr(init)
        self.declare(name, Scalar(ctype), d)
        self.note_definition(name, init)
        return [Declare(name, ctype, value, loc)]

    def boxed_declaration(self, name: str, ctype: ScalarType, init: Optional[TSNode], d: TSNode) -> list[Stmt]:
        """`T x = e;` where `&x` goes to cudaMemcpy/cudaMemset: `local T x[1]; x[0] = e;`."""
        loc = self.loc(d)
        value = self.expr(self.single_initializer(init)) if init is not None else None
        self.declare(name, Boxed(ctype), d)
        out: list[Stmt] = [LocalArray(name, ctype, (Const(1, I32),), "local", loc)]
        if value is not None:
            out.append(Store(name, (Const(0, I32),), value, loc))
        return out

    def single_initializer(self, init: TSNode) -> TSNode:
        """`x = e`, `x(e)`, `x{e}` -> e."""
        if init.type in ("argument_list", "initializer_list"):
            values = _named(init)
            if len(values) != 1:
                raise self.unsupported(f"initializer `{text(init)}`", init)
            return values[0]
        return init

    def auto_declaration(self, d: TSNode) -> list[Stmt]:
        target = d.child_by_field_name("declarator") if d.type == "init_declarator" else None
        if target is None or target.type != "identifier":
            raise self.unsupported(f"auto declarator `{text(d)}`", d)
        init = self.single_initializer(d.child_by_field_name("value"))
        value = self.expr(init)
        ctype = self.type_of(value)
        if ctype is None:
            raise self.unsupported(f"auto whose type cannot be inferred from `{text(init)}`", d)
        self.declare(text(target), Scalar(ctype), d)
        return [Declare(text(target), ctype, value, self.loc(d))]

    def array_declaration(self, target: TSNode, ctype: ScalarType, quals: set[str]) -> list[Stmt]:
        sizes: list[Optional[TSNode]] = []
        node = target
        while node.type == "array_declarator":
            sizes.insert(0, node.child_by_field_name("size"))
            node = node.child_by_field_name("declarator")
        if node.type != "identifier":
            raise self.unsupported(f"array declarator `{text(target)}`", target)
        shared = "__shared__" in quals
        if shared and "extern" in quals and sizes == [None]:
            extents: tuple[Expr, ...] = ()  # dynamic shared memory: sized by the launch (IR convention)
            # every extern __shared__ array starts at the same address (the dynamic buffer); the IR's arrays
            # never alias, so a second one in a kernel is refused rather than taken as separate memory
            first = getattr(self, "extern_shared", None)
            if first is not None and first != text(node):
                raise self.unsupported(f"a second extern __shared__ array `{text(node)}` (it starts at the same "
                                       f"address as `{first}`)", target)
            self.extern_shared = text(node)
        elif None in sizes or "extern" in quals:
            raise self.unsupported(f"array without a size `{text(target)}`", target)
        else:
            extents = tuple(self.expr(s) for s in sizes)
        self.declare(text(node), Array(ctype, max(1, len(extents))), target)
        return [LocalArray(text(node), ctype, extents, "shared" if shared else "local", self.loc(target))]

    def dim3_declaration(self, d: TSNode) -> list[Stmt]:
        name_node = declarator_name(d)
        if name_node.type != "identifier":
            raise self.unsupported(f"dim3 declarator `{text(d)}`", d)
        init = d.child_by_field_name("value") if d.type == "init_declarator" else None
        if init is None:
            values = (Const(1, I32),) * 3
        elif init.type in ("argument_list", "initializer_list"):
            values = self.dim3_args(init)
        else:
            values = self.dim(init)
        name = text(name_node)
        self.declare(name, Dim3(), d)
        return [Declare(f"{name}.{axis}", U32, v, self.loc(d)) for axis, v in zip("xyz", values)]

    def error_code_declaration(self, d: TSNode) -> list[Stmt]:
        self.declare(text(declarator_name(d)), ErrorCode(), d)
        init = d.child_by_field_name("value") if d.type == "init_declarator" else None
        return self.api_effects(self.single_initializer(init)) if init is not None else []

    # ---- expressions as statements ------------------------------------------------------------

    def effect(self, node: TSNode) -> list[Stmt]:
        node = strip_parens(node)
        kind = node.type
        if kind == "assignment_expression":
            return self.assignment(node)
        if kind == "update_expression":
            op = "+=" if text(node.child_by_field_name("operator")) == "++" else "-="
            return [self.write(node.child_by_field_name("argument"), op, Const(1, I32), node)]
        if kind == "call_expression":
            return self.call_statement(node)
        if kind == "comma_expression":
            return self.effect(node.child_by_field_name("left")) + self.effect(node.child_by_field_name("right"))
        if kind == "cast_expression" and text(node.child_by_field_name("type")) == "void":
            value = strip_parens(node.child_by_field_name("value"))
            return self.effect(value) if value.type == "call_expression" else []
        if kind == "delete_expression":
            return []
        raise self.unsupported(f"expression statement `{text(node)}`", node)

    def assignment(self, node: TSNode) -> list[Stmt]:
        op = text(node.child_by_field_name("operator"))
        left = strip_parens(node.child_by_field_name("left"))
        right = strip_parens(node.child_by_field_name("right"))
        symbol = self.scopes.lookup(text(left)) if left.type == "identifier" else None
        if isinstance(symbol, ErrorCode) and op == "=":
            return self.api_effects(right)
        if op == "=" and isinstance(symbol, Scalar) and right.type == "call_expression" \
                and callee_name(right) in ATOMICS:
            return [self.atomic(right, text(left))]
        if op != "=" and op not in _COMPOUND:
            raise self.unsupported(f"assignment operator {op}", node)
        return [self.write(left, op, self.expr(right), node)]

    def write(self, target: TSNode, op: str, value: Expr, node: TSNode) -> Stmt:
        """`target op value` where op is `=` or a compound assignment."""
        target = strip_parens(target)
        loc = self.loc(node)
        if target.type in ("identifier", "field_expression"):
            if target.type == "identifier":
                if isinstance(self.scopes.lookup(text(target)), Boxed):
                    index = (Const(0, I32),)
                    if op != "=":
                        value = Binary(op[:-1], Load(text(target), index), value)
                    return Store(text(target), index, value, loc)
                if not isinstance(self.scopes.lookup(text(target)), Scalar):
                    raise self.unsupported(f"assignment to `{text(target)}`", node)
                name = text(target)
            else:
                name = self.member(target)
                if not isinstance(self.scopes.lookup(name.split(".")[0]), Dim3):
                    raise self.unsupported(f"assignment to `{name}`", node)
            return Assign(name, value if op == "=" else Binary(op[:-1], Var(name), value), loc)
        array, index = self.access(target)
        if op != "=":
            value = Binary(op[:-1], Load(array, index), value)
        return Store(array, index, value, loc)

    def atomic(self, call: TSNode, result: Optional[str]) -> Atomic:
        if self.kind == "host":
            raise self.unsupported("atomic in host code", call)
        args = _named(call.child_by_field_name("arguments"))
        if len(args) != 2:
            raise self.unsupported(f"{callee_name(call)} with {len(args)} arguments", call)
        target = strip_parens(args[0])
        if target.type == "pointer_expression" and text(target.child_by_field_name("operator")) == "&":
            array, index = self.access(strip_parens(target.child_by_field_name("argument")))
        elif target.type == "identifier" and isinstance(self.scopes.lookup(text(target)), Array):
            array, index = self.access_pointer(target, None)
        elif target.type == "binary_expression" and text(target.child_by_field_name("operator")) == "+":
            array, index = self.access_pointer(target.child_by_field_name("left"),
                                               target.child_by_field_name("right"))
        else:
            raise self.unsupported(f"atomic target `{text(target)}`", target)
        return Atomic(ATOMICS[callee_name(call)], array, index, self.expr(args[1]), result, self.loc(call))

    def access_pointer(self, base: TSNode, offset: Optional[TSNode]) -> tuple[str, tuple[Expr, ...]]:
        """`p` or `p + e` (either order) as an element of a 1-d array."""
        if offset is not None and isinstance(self.scopes.lookup(text(offset)), Array):
            base, offset = offset, base
        symbol = self.scopes.lookup(text(base))
        if base.type != "identifier" or not isinstance(symbol, Array) or symbol.ndim != 1:
            raise self.unsupported(f"pointer `{text(base)}`", base)
        return text(base), (self.expr(offset) if offset is not None else Const(0, I32),)

    # ---- control flow -------------------------------------------------------------------------

    def if_statement(self, node: TSNode) -> list[Stmt]:
        cond = node.child_by_field_name("condition").child_by_field_name("value")
        if cond is None:
            raise self.unsupported("if with a declaration as condition", node)
        then, orelse = node.child_by_field_name("consequence"), node.child_by_field_name("alternative")
        if orelse is not None and orelse.type == "else_clause":
            orelse = _named(orelse)[0]
        check = self.error_check(cond)
        if check is not None:
            effects, success_is_then = check
            taken = then if success_is_then else orelse
            return effects + (self.stmt(taken) if taken is not None else [])
        before, cond_e = self.hoisting(cond)
        return before + [If(cond_e, self.nested(then), self.nested(orelse) if orelse is not None else (),
                            self.loc(node))]

    def hoisting(self, node: TSNode) -> tuple[list[Stmt], Expr]:
        """An expression C evaluates once before what follows (an `if` condition), with what it hoists."""
        if self.hoisted is not None or self.kind == "host":
            return [], self.expr(node)
        _check_shuffle_positions(self, node)
        self.hoisted = []
        try:
            value = self.expr(node)
        finally:
            hoisted, self.hoisted = self.hoisted, None
        return hoisted, value

    def for_statement(self, node: TSNode) -> list[Stmt]:
        init, cond, update = (node.child_by_field_name(f) for f in ("initializer", "condition", "update"))
        if init is None or cond is None or update is None:
            return self.general_for(node, init, cond, update)
        loc = self.loc(node)
        reused = self.reused_loop_var(init)
        self.scopes.push()
        try:
            var, ctype, start, declared = reused or self.loop_init(init)
            cond_e = self.expr(cond)
            step = self.loop_step(update, var)
            exits = LoopExits()
            body = self.loop_body(node.child_by_field_name("body"), exits)
            changed = _written(body)
            counted = step is not None and var not in changed and not (_free_vars(step) & changed)
            if counted and (declared or not self.used_after(node, var)) and not reused:
                return counted_loop(exits, For(var, ctype, start, cond_e, step, body, loc))
            self.control_depth += 1
            try:
                update_stmts = tuple(self.effect(update))
            finally:
                self.control_depth -= 1
        finally:
            self.scopes.pop()
        first: Stmt = Assign(var, start, loc)
        if declared:  # the variable now outlives the loop in the IR: keep its name reserved
            self.declare(var, LoopVar(ctype), init)
            first = Declare(var, ctype, start, loc)
        lowered = escaping_counted_loop(exits, For(var, ctype, start, cond_e, step, body, loc),
                                        self.unused_name(f"{var}_counter")) if counted and exits.break_flag else None
        return [first, *(lowered or while_loop(exits, cond_e, body, update_stmts, loc))]

    def general_for(self, node: TSNode, init: Optional[TSNode], cond: Optional[TSNode],
                    update: Optional[TSNode]) -> list[Stmt]:
        """`for (init; cond; update)` with a part left out (`for (;;)`): init, then a while loop; no
        condition is a true one (a `break` ends the loop)."""
        if init is not None and init.type == "declaration":
            raise self.unsupported("for loop declaring a variable without a condition or update", node)
        loc = self.loc(node)
        first = self.effect(init) if init is not None else []
        cond_e = self.expr(cond) if cond is not None else Const(1, I32)
        exits = LoopExits()
        body = self.loop_body(node.child_by_field_name("body"), exits)
        self.control_depth += 1
        try:
            update_stmts = tuple(self.effect(update)) if update is not None else ()
        finally:
            self.control_depth -= 1
        return [*first, *while_loop(exits, cond_e, body, update_stmts, loc)]

    def reused_loop_var(self, init: TSNode) -> Optional[tuple[str, ScalarType, Expr, bool]]:
        """The loop_init of `T v = e` where `v` is a LoopVar of type T: (v, T, e, False)."""
        declarators = init.children_by_field_name("declarator") if init.type == "declaration" else []
        if len(declarators) != 1 or declarators[0].type != "init_declarator":
            return None
        name = text(declarators[0].child_by_field_name("declarator"))
        symbol = self.scopes.lookup(name)
        if not isinstance(symbol, LoopVar) or symbol.type != scalar_type(init.child_by_field_name("type")):
            return None
        return name, symbol.type, self.expr(declarators[0].child_by_field_name("value")), False

    def loop_init(self, init: TSNode) -> tuple[str, ScalarType, Expr, bool]:
        if init.type == "declaration":
            stmts = self.declaration(init)
            if len(stmts) == 1 and isinstance(stmts[0], Declare) and stmts[0].init is not None:
                return stmts[0].name, stmts[0].type, stmts[0].init, True
        elif init.type == "assignment_expression" and text(init.child_by_field_name("operator")) == "=":
            left = strip_parens(init.child_by_field_name("left"))
            symbol = self.scopes.lookup(text(left))
            if left.type == "identifier" and isinstance(symbol, Scalar):
                return text(left), symbol.type, self.expr(init.child_by_field_name("right")), False
        raise self.unsupported(f"for-loop initializer `{text(init)}`", init)

    def loop_step(self, update: TSNode, var: str) -> Optional[Expr]:
        """The step of `var++`, `var -= e`, `var = var + e`, ...; None for any other update."""
        update = strip_parens(update)
        if update.type == "update_expression" and text(update.child_by_field_name("argument")) == var:
            return Const(1 if text(update.child_by_field_name("operator")) == "++" else -1, I32)
        if update.type != "assignment_expression" or text(update.child_by_field_name("left")) != var:
            return None
        op, right = text(update.child_by_field_name("operator")), strip_parens(update.child_by_field_name("right"))
        if op == "=" and right.type == "binary_expression" and text(right.child_by_field_name("left")) == var:
            op = text(right.child_by_field_name("operator")) + "="
            right = right.child_by_field_name("right")
        if op == "+=":
            return self.expr(right)
        if op == "-=":
            return Unary("-", self.expr(right))
        return None

    def used_after(self, loop: TSNode, var: str) -> bool:
        stack = [self.body_node]
        while stack:
            node = stack.pop()
            if node.end_byte <= loop.end_byte:
                continue
            if node.type == "identifier" and text(node) == var and node.start_byte >= loop.end_byte:
                return True
            stack.extend(node.named_children)
        return False

