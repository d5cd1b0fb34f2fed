"""Lowering of C expressions (pycparser AST) to IR expressions, with the scopes of the C frontend."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator, Optional

from pycparser import c_ast

from portproof.ir.nodes import Binary, Call, Cast, Const, Expr, Load, Select, Unary, Var
from portproof.ir.types import I32, U64, ScalarType
from portproof.translators.c_constants import (BUILTIN_CONSTANTS, char_literal, float_literal, int_literal,
                                              negated_infinity)
from portproof.translators.c_types import CTypes, size_of, unsupported

_MATH = {"sqrt", "cbrt", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "pow", "sin", "cos",
         "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "fabs",
         "fmin", "fmax", "fmod", "floor", "ceil", "round", "trunc", "rint", "nearbyint", "hypot", "erf",
         "erfc", "tgamma", "lgamma", "copysign", "fma", "fdim", "remainder"}
MATH_FUNCTIONS = frozenset(_MATH | {f + "f" for f in _MATH} | {"abs", "labs", "llabs"})
_BINARY_OPS = {"+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^", "==", "!=", "<", "<=", ">", ">=", "&&", "||"}
_EXPR_CONSTRUCTS = {"Assignment": "assignment used as a value", "StructRef": "struct or union member access",
                    "ExprList": "comma expression", "CompoundLiteral": "compound literal",
                    "InitList": "initializer list", "GenericSelection": "_Generic selection"}


@dataclass
class FileScope:
    """What file-scope declarations mean inside function bodies."""
    types: CTypes
    symbolic: frozenset[str]
    constants: dict[str, Expr] = field(default_factory=dict)        # enum constants and const globals
    globals: set[str] = field(default_factory=set)                  # any other file-scope variable
    functions: dict[str, c_ast.FuncDef] = field(default_factory=dict)


@dataclass(frozen=True)
class Symbol:
    name: str  # IR name
    type: ScalarType
    extents: Optional[tuple[Expr, ...]] = None  # None for a scalar, () for a pointer


class Scopes:
    """C block scopes; a declaration that would shadow or repeat a name in the flat IR gets a fresh name."""

    def __init__(self) -> None:
        self.stack: list[dict[str, Symbol]] = [{}]
        self.declared: set[str] = set()  # IR names of every Declare/LocalArray/parameter so far

    def lookup(self, name: str) -> Optional[Symbol]:
        for scope in reversed(self.stack):
            if name in scope:
                return scope[name]
        return None

    @contextmanager
    def scope(self) -> Iterator[None]:
        self.stack.append({})
        try:
            yield
        finally:
            self.stack.pop()

    def declare(self, name: str, type: ScalarType, extents: Optional[tuple[Expr, ...]] = None, *,
                loop_var: bool = False) -> str:
        """Bind C `name` in the innermost scope; a loop variable may repeat a name of a finished sibling loop."""
        visible = {s.name for scope in self.stack for s in scope.values()}
        ir_name, k = name, 2
        while ir_name in visible or ir_name in self.declared:
            ir_name, k = f"{name}_{k}", k + 1
        if not loop_var:
            self.declared.add(ir_name)
        self.stack[-1][name] = Symbol(ir_name, type, extents)
        return ir_name


@dataclass(frozen=True)
class OmpTeam:
    """The thread running an expression, as OpenMP's queries see it: its id and the size of its team."""
    thread: Expr
    size: Expr


SEQUENTIAL = OmpTeam(Const(0, I32), Const(1, I32))  # outside parallel regions: thread 0 of a team of 1


class ExprLowering(c_ast.NodeVisitor):
    """`visit(node)` returns the IR expression of a C expression; anything else raises Unsupported."""

    def __init__(self, file: FileScope, scopes: Scopes, inlining: tuple[str, ...] = (),
                 arguments: Optional[dict[str, Expr]] = None, team: Optional[OmpTeam] = SEQUENTIAL):
        self.file = file
        self.scopes = scopes
        self.inlining = inlining  # functions being inlined, innermost last
        self.arguments = arguments or {}  # parameters of an inlined function -> argument expressions
        self.team = team  # what omp_get_thread_num() / omp_get_num_threads() are here; None: not modelled

    def generic_visit(self, node: c_ast.Node) -> Expr:
        name = type(node).__name__
        raise unsupported(_EXPR_CONSTRUCTS.get(name, f"{name} in an expression"), node.coord)

    def visit_Constant(self, node: c_ast.Constant) -> Expr:
        text = node.value
        if text.startswith("'"):
            value = char_literal(text)
            if value is not None:
                return Const(value, I32)
        elif not text.startswith('"'):
            literal = int_literal(text) or float_literal(text)
            if literal is not None:
                return Const(*literal)
        raise unsupported(f"literal {text}", node.coord)

    def visit_ID(self, node: c_ast.ID) -> Expr:
        if node.name in self.arguments:
            return self.arguments[node.name]
        sym = self.scopes.lookup(node.name)
        if sym is not None:
            if sym.extents is not None:
                raise unsupported(f"array '{node.name}' used as a value (pointer arithmetic or aliasing)",
                                  node.coord)
            return Var(sym.name)
        if node.name in self.file.constants:
            return self.file.constants[node.name]
        if node.name in self.file.globals:
            raise unsupported(f"global variable '{node.name}' (only const scalars are folded)", node.coord)
        if node.name in self.file.symbolic:
            return Var(node.name)
        raise unsupported(f"undeclared identifier '{node.name}'", node.coord)

    def visit_ArrayRef(self, node: c_ast.ArrayRef) -> Expr:
        name, index = self.element(node)
        return Load(name, index)

    def element(self, node: c_ast.ArrayRef) -> tuple[str, tuple[Expr, ...]]:
        """The IR array name and index of `A[i][j]...`, checked against the array's rank."""
        subscripts = []
        base: c_ast.Node = node
        while isinstance(base, c_ast.ArrayRef):
            subscripts.append(base.subscript)
            base = base.name
        sym = self.array(base)
        rank = max(len(sym.extents or ()), 1)
        if len(subscripts) != rank:
            raise unsupported(f"{len(subscripts)} subscripts on '{base.name}', which has rank {rank}", node.coord)
        return sym.name, tuple(self.visit(s) for s in reversed(subscripts))

    def array(self, node: c_ast.Node) -> Symbol:
        sym = self.scopes.lookup(node.name) if isinstance(node, c_ast.ID) else None
        if sym is None or sym.extents is None:
            raise unsupported("subscript or dereference of something that is not an array parameter or local "
                              "array", node.coord)
        return sym

    def deref(self, node: c_ast.UnaryOp) -> tuple[str, tuple[Expr, ...]]:
        """The element `*p`, `*(p + e)`, `*(e + p)` or `*(p - e)` of a one-dimensional array."""
        target = node.expr
        if isinstance(target, c_ast.ID):
            sym, offset = self.array(target), Const(0, I32)
        elif isinstance(target, c_ast.BinaryOp) and target.op in ("+", "-"):
            pointer_left = isinstance(target.left, c_ast.ID) and self._is_array(target.left.name)
            if pointer_left:
                sym, offset = self.array(target.left), self.visit(target.right)
                if target.op == "-":
                    offset = Unary("-", offset)
            elif target.op == "+":
                sym, offset = self.array(target.right), self.visit(target.left)
            else:
                raise unsupported("dereference of a pointer difference", node.coord)
        else:
            raise unsupported("dereference of a pointer expression", node.coord)
        if len(sym.extents or ()) > 1:
            raise unsupported(f"pointer arithmetic on the multi-dimensional array '{sym.name}'", node.coord)
        return sym.name, (offset,)

    def _is_array(self, name: str) -> bool:
        sym = self.scopes.lookup(name)
        return sym is not None and sym.extents is not None

    def visit_UnaryOp(self, node: c_ast.UnaryOp) -> Expr:
        op = node.op
        if op in ("-", "!", "~"):
            operand = self.visit(node.expr)
            if op == "-" and isinstance(operand, Const) and negated_infinity(operand.value):
                return Const(-operand.value, operand.type)
            return Unary(op, operand)
        if op == "+":
            return self.visit(node.expr)
        if op == "*":
            return Load(*self.deref(node))
        if op == "sizeof":
            return Const(self._sizeof(node.expr), U64)
        if op in ("++", "--", "p++", "p--"):
            raise unsupported(f"{op.lstrip('p')} used as a value", node.coord)
        if op == "&":
            raise unsupported("address-of operator &", node.coord)
        raise unsupported(f"unary operator {op}", node.coord)

    def _sizeof(self, operand: c_ast.Node) -> int:
        if isinstance(operand, c_ast.Typename):
            return self.file.types.sizeof(operand.type)
        sym = self.scopes.lookup(operand.name) if isinstance(operand, c_ast.ID) else None
        if sym is None or sym.extents is not None:
            raise unsupported("sizeof of an expression other than a scalar variable", operand.coord)
        return size_of(sym.type)

    def visit_BinaryOp(self, node: c_ast.BinaryOp) -> Expr:
        if node.op not in _BINARY_OPS:
            raise unsupported(f"binary operator {node.op}", node.coord)
        return Binary(node.op, self.visit(node.left), self.visit(node.right))

    def visit_TernaryOp(self, node: c_ast.TernaryOp) -> Expr:
        return Select(self.visit(node.cond), self.visit(node.iftrue), self.visit(node.iffalse))

    def visit_Cast(self, node: c_ast.Cast) -> Expr:
        t = self.file.types.scalar(node.to_type.type, "a cast")
        if t is None:
            raise unsupported("cast to void", node.coord)
        return Cast(t, self.visit(node.expr))

    def visit_FuncCall(self, node: c_ast.FuncCall) -> Expr:
        if not isinstance(node.name, c_ast.ID):
            raise unsupported("call through a function pointer", node.coord)
        name = node.name.name
        if name in BUILTIN_CONSTANTS:
            return Const(*BUILTIN_CONSTANTS[name])
        args = tuple(self.visit(a) for a in (node.args.exprs if node.args else ()))
        if name in ("omp_get_thread_num", "omp_get_num_threads") and not args:
            if self.team is None:
                raise unsupported(f"{name}() in a parallel loop whose iterations are not assigned to threads in "
                                  "the model (use it in a `#pragma omp parallel` region)", node.coord)
            return self.team.thread if name == "omp_get_thread_num" else self.team.size
        if name in self.file.functions:
            return self._inline(name, args, node)
        if name in MATH_FUNCTIONS:
            return Call(name, args)
        raise unsupported(f"call to unknown function '{name}'", node.coord)

    def _inline(self, name: str, args: tuple[Expr, ...], call: c_ast.FuncCall) -> Expr:
        """A call to a user function whose body is `return expr;`, with C's conversions of arguments and result."""
        fd = self.file.functions[name]
        items = fd.body.block_items or []
        if name in self.inlining:
            raise unsupported(f"recursive call to '{name}'", call.coord)
        if len(items) != 1 or not isinstance(items[0], c_ast.Return) or items[0].expr is None:
            raise unsupported(f"call to user function '{name}' (only functions whose body is a single "
                              "`return expr;` are inlined)", call.coord)
        params = scalar_params(fd, self.file.types)
        if len(params) != len(args):
            raise unsupported(f"call to '{name}' with {len(args)} arguments for {len(params)} parameters",
                              call.coord)
        result_type = self.file.types.scalar(fd.decl.type.type, f"the result of '{name}'")
        if result_type is None:
            raise unsupported(f"void function '{name}' used as a value", call.coord)
        arguments = {pname: Cast(ptype, arg) for (pname, ptype), arg in zip(params, args)}
        callee = ExprLowering(self.file, Scopes(), self.inlining + (name,), arguments, self.team)
        return Cast(result_type, callee.visit(items[0].expr))


def scalar_params(fd: c_ast.FuncDef, types: CTypes) -> list[tuple[str, ScalarType]]:
    """The (name, type) of each parameter of an inlinable function; Unsupported for array parameters."""
    decls = fd.decl.type.args.params if fd.decl.type.args else []
    out = []
    for d in decls:
        if isinstance(d, c_ast.Typename) and types.scalar(d.type, "a parameter") is None:
            continue  # f(void)
        if not isinstance(d, c_ast.Decl) or not isinstance(d.type, c_ast.TypeDecl):
            raise unsupported(f"inlining '{fd.decl.name}', which has a non-scalar parameter", d.coord)
        t = types.scalar(d.type, f"parameter '{d.name}'")
        if t is None:
            raise unsupported(f"void parameter '{d.name}'", d.coord)
        out.append((d.name, t))
    return out

