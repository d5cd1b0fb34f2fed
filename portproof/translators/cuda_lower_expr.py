"""Lowering of CUDA C++ expressions, parameters and __device__ inlining to IR expressions."""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Optional, Union

from tree_sitter import Node as TSNode

from portproof.diagnostics import Unsupported
from portproof.ir.builtins import BUILTINS, GENERIC, signature
from portproof.ir.mapper import transform, walk
from portproof.ir.nodes import (ArrayParam, Binary, Call, Cast, Const, Declare, Expr, For, Load, LocalArray,
                                Node, Param, Return, ScalarParam, Select, Shuffle, Stmt, Unary, Var)
from portproof.ir.types import BOOL, F32, I32, U32, U64, ScalarType, arithmetic_result, promote
from portproof.translators.c_constants import BUILTIN_CONSTANTS, negated_infinity
from portproof.translators.cuda_context import (BUILTIN_STRUCTS, Alias, Array, Boxed, Dim3, Scalar, Scopes,
                                                SourceMap, Symbol, literal, scalar_type, text)

Dim = tuple[Expr, Expr, Expr]
BINARY_OPS = frozenset("+ - * / % << >> & | ^ == != < <= > >= && ||".split())
_COMPARISONS = frozenset("== != < <= > >= && ||".split())
SHUFFLES = {"__shfl_down_sync": "down", "__shfl_up_sync": "up", "__shfl_xor_sync": "xor", "__shfl_sync": "idx"}
ATOMICS = {"atomicAdd": "add", "atomicSub": "sub", "atomicMax": "max", "atomicMin": "min",
           "atomicExch": "exch", "atomicAnd": "and", "atomicOr": "or", "atomicXor": "xor"}


@dataclass(frozen=True)
class InlineBody:
    """A __device__ function of statements ending in its only `return value;`, over its own names."""
    params: tuple[Param, ...]
    ret: ScalarType
    stmts: tuple[Stmt, ...]
    value: Expr
    locals: tuple[tuple[str, Symbol], ...]  # every name the body declares, with what it is


@dataclass
class Unit:
    """What every function of one translation unit may refer to."""
    source: SourceMap
    symbolic_macros: frozenset[str] = frozenset()
    device_functions: dict[str, TSNode] = field(default_factory=dict)
    constants: dict[str, tuple[ScalarType, TSNode]] = field(default_factory=dict)
    other_globals: dict[str, str] = field(default_factory=dict)
    kernels: dict[str, Optional[tuple[Param, ...]]] = field(default_factory=dict)
    free_identifiers: bool = False  # parse_launch: every identifier is a Var
    inlined: dict[str, Union[tuple[tuple[Param, ...], Expr], InlineBody, Unsupported]] = \
        field(default_factory=dict)


def callee_name(call: TSNode) -> Optional[str]:
    """`f` for `f(...)` and `std::f(...)`; None for anything fancier."""
    fn = call.child_by_field_name("function")
    if fn.type == "qualified_identifier" and text(fn.child_by_field_name("scope")) == "std":
        fn = fn.child_by_field_name("name")
    return text(fn) if fn.type == "identifier" else None


def strip_parens(node: TSNode) -> TSNode:
    while node.type == "parenthesized_expression" and node.named_child_count == 1:
        node = node.named_children[0]
    return node


def declarator_name(node: TSNode) -> TSNode:
    """The identifier inside a (pointer/array/init) declarator."""
    while node.type != "identifier":
        inner = node.child_by_field_name("declarator")
        if inner is None:
            return node
        node = inner
    return node


def has_token(node: TSNode, token: str) -> bool:
    return any(c.type == token for c in node.children)


def lower_params(source: SourceMap, declarator: TSNode) -> tuple[Param, ...]:
    """The parameters of a function_declarator: pointers/arrays become ArrayParam, scalars ScalarParam."""
    params = declarator.child_by_field_name("parameters")
    out: list[Param] = []
    for p in params.named_children:
        if p.type != "parameter_declaration":
            raise source.unsupported(f"parameter `{text(p)}`", p)
        decl = p.child_by_field_name("declarator")
        ptype = scalar_type(p.child_by_field_name("type"))
        if decl is None and text(p) == "void":
            continue
        if ptype is None or decl is None:
            raise source.unsupported(f"parameter type `{text(p)}`", p)
        name = text(declarator_name(decl))
        if decl.type == "identifier":
            out.append(ScalarParam(name, ptype))
            continue
        const = any(c.type == "type_qualifier" and text(c) == "const" for c in p.children)
        role = "in" if const else "inout"
        if decl.type == "pointer_declarator" and decl.child_by_field_name("declarator").type == "identifier":
            out.append(ArrayParam(name, ptype, (), role))
        elif decl.type == "array_declarator":
            out.append(ArrayParam(name, ptype, _param_extents(source, decl), role))
        else:
            raise source.unsupported(f"parameter `{text(p)}`", p)
    return tuple(out)


def _param_extents(source: SourceMap, decl: TSNode) -> tuple[Expr, ...]:
    sizes: list[Optional[TSNode]] = []
    while decl.type == "array_declarator":
        sizes.insert(0, decl.child_by_field_name("size"))
        decl = decl.child_by_field_name("declarator")
    if decl.type != "identifier" or any(s is None for s in sizes[1:]):
        raise source.unsupported("array parameter shape", decl)
    if sizes[0] is None:
        if len(sizes) > 1:
            raise source.unsupported("array parameter with an unsized first dimension", decl)
        return ()
    lowerer = ExprLowerer(Unit(source), Scopes(), "host")
    return tuple(lowerer.expr(s) for s in sizes)


def _substitute(e: Expr, scalars: dict[str, Expr], arrays: dict[str, str]) -> Expr:
    """Replace parameter Vars by argument values and rename arrays of Loads.

    (portproof.ir.mapper.substitute cannot be used yet: `Node` lacks `mapper_method = "map_node"`,
    so IdentityMapper never reaches its generic handler.)
    """
    if isinstance(e, Var):
        return scalars.get(e.name, e)
    changes: dict[str, object] = {}
    for f in fields(e):
        value = getattr(e, f.name)
        if isinstance(value, Expr):
            changes[f.name] = _substitute(value, scalars, arrays)
        elif isinstance(value, tuple):
            changes[f.name] = tuple(_substitute(v, scalars, arrays) if isinstance(v, Expr) else v for v in value)
    if isinstance(e, Load) and e.array in arrays:
        changes["array"] = arrays[e.array]
    return replace(e, **changes)


_NAME_FIELDS = ("name", "array", "var", "result", "dst", "src")


def _rename(node: Union[Node, tuple[Node, ...]], names: dict[str, str]) -> Any:
    """Rename every variable and array that `names` maps, wherever it is read, written or declared."""
    def rewrite(n: Node) -> Optional[Node]:
        changes = {f: names[v] for f in _NAME_FIELDS
                   if isinstance(v := getattr(n, f, None), str) and v in names}
        return replace(n, **changes) if changes else None
    return transform(node, rewrite)


def _declared(stmts: tuple[Stmt, ...]) -> tuple[tuple[str, Symbol], ...]:
    out: dict[str, Symbol] = {}
    for s in walk(stmts):
        if isinstance(s, Declare):
            out[s.name] = Scalar(s.type)
        elif isinstance(s, For):
            out[s.var] = Scalar(s.type)
        elif isinstance(s, LocalArray):
            out[s.name] = Array(s.type, len(s.extents))
    return tuple(out.items())


def _descendants(node: TSNode) -> list[TSNode]:
    out, stack = [], [node]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.children)
    return out


def param_scopes(params: tuple[Param, ...]) -> Scopes:
    """The symbols of a function's parameters: a pointer is a 1-d array."""
    return Scopes({p.name: Array(p.type, max(len(p.extents), 1)) if isinstance(p, ArrayParam)
                   else Scalar(p.type) for p in params})


class ExprLowerer:
    """Lowers expressions of one function; `kind` is "kernel", "host" or "device"."""

    def __init__(self, unit: Unit, scopes: Scopes, kind: str):
        self.unit = unit
        self.scopes = scopes
        self.kind = kind
        # statements that run before the one being lowered (warp shuffles used as values); None
        # where a shuffle cannot be hoisted out of the expression
        self.hoisted: Optional[list[Stmt]] = None
        self.temporaries = 0
        self.conditional = 0  # > 0 while lowering what C evaluates only sometimes (`?:` arms, `&&`/`||` right)

    def unsupported(self, construct: str, node: TSNode) -> Unsupported:
        return self.unit.source.unsupported(construct, node)

    # ---- expressions --------------------------------------------------------------------------

    def expr(self, node: TSNode) -> Expr:
        kind = node.type
        if kind == "identifier":
            return self.identifier(node)
        if kind == "number_literal":
            const = literal(text(node))
            if const is None:
                raise self.unsupported(f"literal {text(node)}", node)
            return const
        if kind in ("true", "false"):
            return Const(kind == "true", BOOL)
        if kind == "parenthesized_expression" and node.named_child_count == 1:
            return self.expr(node.named_children[0])
        if kind == "binary_expression":
            op = text(node.child_by_field_name("operator"))
            if op not in BINARY_OPS:
                raise self.unsupported(f"operator {op}", node)
            left = self.expr(node.child_by_field_name("left"))
            return Binary(op, left, self.conditionally(node.child_by_field_name("right"), op in ("&&", "||")))
        if kind == "unary_expression":
            op = text(node.child_by_field_name("operator"))
            operand = self.expr(node.child_by_field_name("argument"))
            if op == "+":
                return operand
            if op == "-" and isinstance(operand, Const) and negated_infinity(operand.value):
                return Const(-operand.value, operand.type)
            if op in ("-", "!", "~"):
                return Unary(op, operand)
        if kind == "conditional_expression":
            return Select(self.expr(node.child_by_field_name("condition")),
                          self.conditionally(node.child_by_field_name("consequence")),
                          self.conditionally(node.child_by_field_name("alternative")))
        if kind == "cast_expression":
            return Cast(self.type_descriptor(node.child_by_field_name("type")),
                        self.expr(node.child_by_field_name("value")))
        if kind == "call_expression":
            return self.call(node)
        if kind in ("subscript_expression", "pointer_expression"):
            array, index = self.access(node)
            return Load(array, index)
        if kind == "field_expression":
            return Var(self.member(node))
        if kind == "sizeof_expression":
            return Const(self.sizeof(node), U64)
        if kind == "lambda_expression":
            raise self.unsupported("C++ lambda", node)
        raise self.unsupported(f"expression `{text(node)}` ({kind})", node)

    def conditionally(self, node: TSNode, conditional: bool = True) -> Expr:
        self.conditional += conditional
        try:
            return self.expr(node)
        finally:
            self.conditional -= conditional

    def identifier(self, node: TSNode) -> Expr:
        name = text(node)
        symbol = self.scopes.lookup(name)
        if isinstance(symbol, Scalar) or self.unit.free_identifiers:
            return Var(name)
        if isinstance(symbol, Boxed):
            return Load(name, (Const(0, I32),))
        if symbol is not None:
            raise self.unsupported(f"`{name}` used as a scalar value", node)
        if name == "warpSize" and self.kind != "host":
            return Var(name)
        if name in self.unit.constants:
            ctype, init = self.unit.constants[name]
            value = ExprLowerer(self.unit, Scopes(), "host").expr(init)
            return value if self.type_of(value) == ctype else Cast(ctype, value)
        if name in self.unit.symbolic_macros:
            return Var(name)
        if name in self.unit.other_globals:
            raise self.unsupported(self.unit.other_globals[name], node)
        raise self.unsupported(f"unknown identifier `{name}`", node)

    def member(self, node: TSNode) -> str:
        """`threadIdx.x` or `g.x` for a dim3 local `g`."""
        base, fld = node.child_by_field_name("argument"), text(node.child_by_field_name("field"))
        if has_token(node, ".") and base.type == "identifier" and fld in ("x", "y", "z"):
            name = text(base)
            if name in BUILTIN_STRUCTS and self.scopes.lookup(name) is None:
                if self.kind == "host":
                    raise self.unsupported(f"{name} in host code", node)
                return f"{name}.{fld}"
            if isinstance(self.scopes.lookup(name), Dim3):
                return f"{name}.{fld}"
        raise self.unsupported(f"member access `{text(node)}`", node)

    def type_descriptor(self, node: TSNode) -> ScalarType:
        ctype = scalar_type(node.child_by_field_name("type"))
        if ctype is None or node.child_by_field_name("declarator") is not None:
            raise self.unsupported(f"type `{text(node)}`", node)
        return ctype

    def access(self, node: TSNode) -> tuple[str, tuple[Expr, ...]]:
        """`A[i][j]`, `*(p + e)`, `*p` as (array name, index tuple)."""
        indices: list[Expr] = []
        base = node
        if node.type == "pointer_expression":
            if text(node.child_by_field_name("operator")) != "*":
                raise self.unsupported(f"address-of `{text(node)}`", node)
            inner = strip_parens(node.child_by_field_name("argument"))
            if inner.type == "binary_expression" and text(inner.child_by_field_name("operator")) == "+":
                left, right = inner.child_by_field_name("left"), inner.child_by_field_name("right")
                if isinstance(self.scopes.lookup(text(right)), (Array, Alias)):
                    left, right = right, left
                base, indices = left, [self.expr(right)]
            else:
                base, indices = inner, [Const(0, I32)]
        else:
            while base.type == "subscript_expression":
                args = base.child_by_field_name("indices").named_children
                if len(args) != 1:
                    raise self.unsupported(f"subscript `{text(base)}`", base)
                indices.insert(0, self.expr(args[0]))
                base = base.child_by_field_name("argument")
        symbol = self.scopes.lookup(text(base)) if base.type == "identifier" else None
        if isinstance(symbol, Alias) and len(indices) == 1:
            return symbol.base, (Binary("+", symbol.offset, indices[0]),)
        if not isinstance(symbol, Array):
            raise self.unsupported(f"access through `{text(base)}`", node)
        if len(indices) != symbol.ndim:
            raise self.unsupported(f"{len(indices)} subscripts on a {symbol.ndim}-d array", node)
        return text(base), tuple(indices)

    def sizeof(self, node: TSNode) -> int:
        operand = node.child_by_field_name("type") or node.child_by_field_name("value")
        if operand.type == "type_descriptor":
            return self.type_descriptor(operand).bits // 8
        inner = strip_parens(operand)
        if inner.type in ("subscript_expression", "pointer_expression"):
            base = inner
            while base.type in ("subscript_expression", "pointer_expression", "parenthesized_expression"):
                base = base.named_children[-1] if base.type == "pointer_expression" else base.named_children[0]
            symbol = self.scopes.lookup(text(base))
            if symbol is not None and hasattr(symbol, "elem"):
                return symbol.elem.bits // 8
        ctype = self.type_of(self.expr(inner))
        if ctype is None:
            raise self.unsupported(f"sizeof of `{text(operand)}`", node)
        return max(ctype.bits // 8, 1)

    # ---- launch configurations ----------------------------------------------------------------

    def launch_config(self, syntax: TSNode) -> tuple[Dim, Dim, Expr]:
        """(grid, block, shared bytes) of a `<<<grid, block[, shared[, stream]]>>>`; the stream is ignored."""
        parts = [c for c in syntax.named_children if c.type != "comment"]
        if not 2 <= len(parts) <= 4:
            raise self.unsupported(f"launch configuration `{text(syntax)}`", syntax)
        shared = self.expr(parts[2]) if len(parts) > 2 else Const(0, U64)
        return self.dim(parts[0]), self.dim(parts[1]), shared

    def dim(self, node: TSNode) -> Dim:
        """A grid or block extent: a dim3 local, `dim3(a, b)`, or a scalar `e` meaning (e, 1, 1)."""
        node = strip_parens(node)
        if node.type == "identifier" and isinstance(self.scopes.lookup(text(node)), Dim3):
            return Var(f"{text(node)}.x"), Var(f"{text(node)}.y"), Var(f"{text(node)}.z")
        if node.type == "call_expression" and callee_name(node) == "dim3":
            return self.dim3_args(node.child_by_field_name("arguments"))
        return self.expr(node), Const(1, I32), Const(1, I32)

    def dim3_args(self, args: TSNode) -> Dim:
        values = [self.expr(a) for a in args.named_children if a.type != "comment"]
        if len(values) > 3:
            raise self.unsupported(f"dim3 with {len(values)} values", args)
        x, y, z = values + [Const(1, I32)] * (3 - len(values))
        return x, y, z

    # ---- calls --------------------------------------------------------------------------------

    def call(self, node: TSNode) -> Expr:
        name = callee_name(node)
        args = node.child_by_field_name("arguments").named_children
        fn = node.child_by_field_name("function")
        if fn.type == "template_function" and text(fn.child_by_field_name("name")) == "static_cast":
            types = fn.child_by_field_name("arguments").named_children
            if len(types) == 1 and types[0].type == "type_descriptor" and len(args) == 1:
                return Cast(self.type_descriptor(types[0]), self.expr(args[0]))
        if name in BUILTIN_CONSTANTS:
            return Const(*BUILTIN_CONSTANTS[name])
        if name in BUILTINS or name in GENERIC:
            return self.math_call(name, tuple(self.expr(a) for a in args), node)
        if name in self.unit.device_functions:
            return self.inline(name, node, args)
        if name in SHUFFLES:
            return self.shuffle(name, node, [a for a in args if a.type != "comment"])
        if name and name.startswith("__"):
            raise self.unsupported(f"CUDA intrinsic {name}", node)
        if name in ATOMICS:
            raise self.unsupported(f"{name} inside an expression", node)
        raise self.unsupported(f"call to `{name or text(node.child_by_field_name('function'))}`", node)

    def shuffle(self, name: str, node: TSNode, args: list[TSNode]) -> Var:
        """`__shfl_*_sync(mask, v, lane[, width])` as a temporary that a Shuffle before the statement sets."""
        if self.kind == "host":
            raise self.unsupported(f"{name} in host code", node)
        if self.hoisted is None:
            raise self.unsupported(f"{name} where its statement cannot be split", node)
        if len(args) not in (3, 4):
            raise self.unsupported(f"{name} with {len(args)} arguments", node)
        mask, value, lane = (self.expr(a) for a in args[:3])
        width = self.expr(args[3]) if len(args) == 4 else Const(32, I32)
        ctype = self.type_of(value)
        if ctype is None:
            raise self.unsupported(f"{name} of a value whose type cannot be told", node)
        temp = self.fresh("shfl", Scalar(ctype))
        loc = self.unit.source.loc(node)
        self.hoisted += [Declare(temp, ctype, None, loc), Shuffle(SHUFFLES[name], temp, value, lane, width, mask, loc)]
        return Var(temp)

    def fresh(self, base: str, symbol: Symbol) -> str:
        """A new name `base_N` declared in the innermost scope, for a temporary placed in `hoisted`."""
        while True:
            self.temporaries += 1
            temp = f"{base.replace('.', '_')}_{self.temporaries}"
            if self.scopes.declare(temp, symbol):
                return temp

    def math_call(self, name: str, args: tuple[Expr, ...], node: TSNode) -> Call:
        """A math builtin; C++ overloads on float arguments (`sqrt(x)`, x float) are the `f` versions."""
        types = [self.type_of(a) for a in args]
        if name + "f" in BUILTINS and types and all(t == F32 for t in types):
            name += "f"
        if all(t is not None for t in types):
            try:
                signature(name, tuple(types))
            except Unsupported as e:
                raise self.unsupported(e.construct, node) from None
        return Call(name, args)

    def inline(self, name: str, node: TSNode, args: list[TSNode]) -> Expr:
        found = self._device_function(name, node)
        params = found.params if isinstance(found, InlineBody) else found[0]
        args = [a for a in args if a.type != "comment"]
        if len(params) != len(args):
            raise self.unsupported(f"call to {name} with {len(args)} arguments", node)
        if isinstance(found, InlineBody):
            return self.inline_body(name, found, node, args)
        scalars: dict[str, Expr] = {}
        arrays: dict[str, str] = {}
        for param, arg in zip(params, args):
            if isinstance(param, ArrayParam):
                arrays[param.name] = self.array_argument(name, param, arg)
            else:
                value = self.expr(arg)
                scalars[param.name] = value if self.type_of(value) == param.type else Cast(param.type, value)
        return _substitute(found[1], scalars, arrays)

    def array_argument(self, name: str, param: ArrayParam, arg: TSNode) -> str:
        arg = strip_parens(arg)
        if arg.type == "pointer_expression" and text(arg.child_by_field_name("operator")) == "&":
            raise self.unsupported(f"pointer to a scalar `{text(arg)}` passed to {name}", arg)
        if arg.type != "identifier" or not isinstance(self.scopes.lookup(text(arg)), Array):
            raise self.unsupported(f"argument `{text(arg)}` for array parameter {param.name}", arg)
        return text(arg)

    def inline_body(self, name: str, found: InlineBody, node: TSNode, args: list[TSNode]) -> Var:
        """The helper's statements go to `hoisted`: parameters bound to fresh locals (arguments evaluated
        once, left to right), every local renamed fresh, the returned value in a fresh temporary."""
        if self.hoisted is None:
            raise self.unsupported(f"call to __device__ function {name} (not a single `return expr;`) "
                                   "where its statement cannot be split", node)
        if self.conditional:
            raise self.unsupported(f"call to __device__ function {name} (not a single `return expr;`) "
                                   "under `?:`, `&&` or `||`", node)
        loc = self.unit.source.loc(node)
        names: dict[str, str] = {}
        for param, arg in zip(found.params, args):
            if isinstance(param, ArrayParam):
                names[param.name] = self.array_argument(name, param, arg)
                continue
            value = self.expr(arg)
            names[param.name] = self.fresh(f"{name}_{param.name}", Scalar(param.type))
            self.hoisted.append(Declare(names[param.name], param.type, value, loc))
        for local, symbol in found.locals:
            names[local] = self.fresh(f"{name}_{local}", symbol)
        result = self.fresh(f"{name}_result", Scalar(found.ret))
        self.hoisted += _rename(found.stmts, names)
        self.hoisted.append(Declare(result, found.ret, _rename(found.value, names), loc))
        return Var(result)

    def _device_function(self, name: str, call: TSNode) -> Union[tuple[tuple[Param, ...], Expr], InlineBody]:
        """A __device__ function, lowered once: (params, value) for a single `return value;`, else its body."""
        cache = self.unit.inlined
        if name not in cache:
            cache[name] = self.unsupported(f"recursive __device__ function {name}", call)
            try:
                cache[name] = self._lower_device_function(self.unit.device_functions[name])
            except Unsupported as e:
                cache[name] = e
        found = cache[name]
        if isinstance(found, Unsupported):
            err = self.unsupported(f"call to __device__ function {name}: {found.construct}", call)
            if found.loc is not None:
                err.add_note(f"{found.loc}: {found.construct}")
            raise err
        return found

    def _lower_device_function(self, fn: TSNode) -> Union[tuple[tuple[Param, ...], Expr], InlineBody]:
        from portproof.translators.cuda_lower_stmt import StmtLowerer  # it builds on this module
        declarator = fn.child_by_field_name("declarator")
        if declarator.type != "function_declarator":
            raise self.unsupported("__device__ function returning a pointer or reference", fn)
        params = lower_params(self.unit.source, declarator)
        type_node = fn.child_by_field_name("type")
        ret = scalar_type(type_node)
        if ret is None:
            raise self.unsupported(f"__device__ function returning `{text(type_node)}`", fn)
        body = fn.child_by_field_name("body")
        stmts = [c for c in body.named_children if c.type != "comment"]
        returns = [n for n in _descendants(body) if n.type == "return_statement"]
        if not stmts or stmts[-1].type != "return_statement" or len(returns) != 1 \
                or stmts[-1].named_child_count != 1:
            raise self.unsupported("__device__ function that is not statements ending in its only "
                                   "`return expr;`", fn)
        lowerer = StmtLowerer(self.unit, param_scopes(params), "device", body)
        lowered = lowerer.function_body()
        last = lowered[-1]
        assert isinstance(last, Return) and last.value is not None
        if len(lowered) == 1:
            value = last.value
            return params, value if lowerer.type_of(value) == ret else Cast(ret, value)
        shared = next((s for s in walk(lowered) if isinstance(s, LocalArray) and s.space == "shared"), None)
        if shared is not None:
            raise self.unsupported(f"__shared__ array `{shared.name}` in a __device__ function", fn)
        return InlineBody(params, ret, lowered[:-1], last.value, _declared(lowered))

    # ---- types --------------------------------------------------------------------------------

    def type_of(self, e: Expr) -> Optional[ScalarType]:
        """The C++ type of a lowered expression, or None when it cannot be told."""
        if isinstance(e, Const):
            return e.type
        if isinstance(e, Cast):
            return e.type
        if isinstance(e, Var):
            symbol = self.scopes.lookup(e.name)
            if isinstance(symbol, Scalar):
                return symbol.type
            if e.name == "warpSize" or e.name in self.unit.symbolic_macros:
                return I32
            return U32 if "." in e.name else None
        if isinstance(e, Load):
            symbol = self.scopes.lookup(e.array)
            return symbol.elem if isinstance(symbol, (Array, Boxed)) else None
        if isinstance(e, Unary):
            t = self.type_of(e.operand)
            return BOOL if e.op == "!" else t and promote(t)
        if isinstance(e, Binary):
            if e.op in _COMPARISONS:
                return BOOL
            left, right = self.type_of(e.left), self.type_of(e.right)
            if e.op in ("<<", ">>"):
                return left and promote(left)
            return left and right and arithmetic_result(left, right)
        if isinstance(e, Select):
            a, b = self.type_of(e.if_true), self.type_of(e.if_false)
            return a and b and arithmetic_result(a, b)
        if isinstance(e, Call):
            return self._call_type(e)
        return None

    def _call_type(self, e: Call) -> Optional[ScalarType]:
        types = tuple(self.type_of(a) for a in e.args)
        return None if None in types else signature(e.function, types)[1]
