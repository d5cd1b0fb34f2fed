"""The one printer: IR nodes to the text syntax of grammar.lark, parenthesized by C precedence."""
from __future__ import annotations

import math
import re
from typing import Any

from portproof.ir import nodes as n
from portproof.ir.mapper import Mapper
from portproof.ir.types import BOOL

# The keywords that the LALR parser can meet where a name may also stand (host and kernel can
# follow any block); a name spelled like one of them is printed in backticks.
RESERVED = frozenset("""
    bool int unsigned long ulong float double if else for while return host kernel
    true false inf inff nan nanf
    parallel barrier atomic shuffle shared device local copy fill launch array
""".split())

PREC_SELECT, PREC_UNARY = 1, 12
BINARY_PREC = {
    "||": 2, "&&": 3, "|": 4, "^": 5, "&": 6, "==": 7, "!=": 7,
    "<": 8, "<=": 8, ">": 8, ">=": 8, "<<": 9, ">>": 9,
    "+": 10, "-": 10, "*": 11, "/": 11, "%": 11,
}
_SUFFIX = {"int": "", "unsigned": "u", "long": "L", "ulong": "UL", "double": "", "float": "f"}
_INDENT = "  "
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def to_text(node: Any) -> str:
    """The text of a node, or of a tuple of statements (one per line)."""
    if isinstance(node, tuple):
        return "\n".join(_PRINTER(stmt) for stmt in node)
    return _PRINTER(node)


def name(text: str) -> str:
    """A name as written: backticks around a keyword or a non-identifier (`std::max`)."""
    if _IDENTIFIER.fullmatch(text) and text not in RESERVED:
        return text
    if not text or "`" in text or "\n" in text:
        raise ValueError(f"{text!r} cannot be written as an IR name")
    return f"`{text}`"


def literal(const: n.Const) -> str:
    """A constant's spelling; a negative one is parenthesized, `(-1)`, so it reads back as a constant."""
    value, type_ = const.value, const.type
    if type_ == BOOL:
        return "true" if value else "false"
    if type_.is_float:
        value = float(value)
        if math.isnan(value):
            return "nan" + _SUFFIX[type_.name]
        negative = math.copysign(1.0, value) < 0
        text = repr(abs(value))
    else:
        if value != int(value):
            raise ValueError(f"{value!r} is not a value of type {type_}")
        value = int(value)
        negative = value < 0
        text = str(abs(value))
    text += _SUFFIX[type_.name]
    return f"(-{text})" if negative else text


def _wrap(text: str, prec: int, context: int) -> str:
    return f"({text})" if prec < context else text


class Printer(Mapper):
    """Expressions take the precedence their context needs; statements take their nesting depth."""

    def map_const(self, e: n.Const, context: int = 0) -> str:
        return literal(e)

    def map_var(self, e: n.Var, context: int = 0) -> str:
        return name(e.name)

    def map_load(self, e: n.Load, context: int = 0) -> str:
        return name(e.array) + self._indices(e.index)

    def map_call(self, e: n.Call, context: int = 0) -> str:
        return f"{name(e.function)}({self._list(e.args)})"

    def map_unary(self, e: n.Unary, context: int = 0) -> str:
        operand = self(e.operand, PREC_UNARY)
        space = " " if operand.startswith(e.op) else ""  # `- -x`, never `--x`
        return _wrap(f"{e.op}{space}{operand}", PREC_UNARY, context)

    def map_binary(self, e: n.Binary, context: int = 0) -> str:
        prec = BINARY_PREC[e.op]
        text = f"{self(e.left, prec)} {e.op} {self(e.right, prec + 1)}"
        return _wrap(text, prec, context)

    def map_select(self, e: n.Select, context: int = 0) -> str:
        text = f"{self(e.cond, PREC_SELECT + 1)} ? {self(e.if_true)} : {self(e.if_false, PREC_SELECT)}"
        return _wrap(text, PREC_SELECT, context)

    def map_cast(self, e: n.Cast, context: int = 0) -> str:
        return _wrap(f"({e.type}){self(e.operand, PREC_UNARY)}", PREC_UNARY, context)

    def map_array_arg(self, a: n.ArrayArg) -> str:
        return f"array {name(a.name)}"

    def map_axis(self, a: n.Axis) -> str:
        return f"{name(a.var)} < {self(a.extent)}"

    def map_scalar_param(self, p: n.ScalarParam) -> str:
        return f"{p.type} {name(p.name)}"

    def map_array_param(self, p: n.ArrayParam) -> str:
        return f"{p.type} {name(p.name)}{self._indices(p.extents)} {p.role}"

    # ---- statements: each returns its lines, indented `depth` levels ----

    def map_declare(self, s: n.Declare, depth: int = 0) -> str:
        init = "" if s.init is None else f" = {self(s.init)}"
        return f"{_INDENT * depth}{s.type} {name(s.name)}{init};"

    def map_assign(self, s: n.Assign, depth: int = 0) -> str:
        return f"{_INDENT * depth}{name(s.name)} = {self(s.value)};"

    def map_store(self, s: n.Store, depth: int = 0) -> str:
        return f"{_INDENT * depth}{name(s.array)}{self._indices(s.index)} = {self(s.value)};"

    def map_if(self, s: n.If, depth: int = 0) -> str:
        text = f"{_INDENT * depth}if ({self(s.cond)}) {self._block(s.then, depth)}"
        if len(s.orelse) == 1 and isinstance(s.orelse[0], n.If):
            return f"{text} else {self(s.orelse[0], depth).lstrip()}"
        return f"{text} else {self._block(s.orelse, depth)}" if s.orelse else text

    def map_for(self, s: n.For, depth: int = 0) -> str:
        var = name(s.var)
        head = f"for ({s.type} {var} = {self(s.start)}; {self(s.cond)}; {var} += {self(s.step)})"
        return f"{_INDENT * depth}{head} {self._block(s.body, depth)}"

    def map_while(self, s: n.While, depth: int = 0) -> str:
        return f"{_INDENT * depth}while ({self(s.cond)}) {self._block(s.body, depth)}"

    def map_parallel_for(self, s: n.ParallelFor, depth: int = 0) -> str:
        head = f"parallel {name(s.kind)} ({self._list(s.axes)})"
        return f"{_INDENT * depth}{head} {self._block(s.body, depth)}"

    def map_barrier(self, s: n.Barrier, depth: int = 0) -> str:
        return f"{_INDENT * depth}barrier {name(s.scope)};"

    def map_atomic(self, s: n.Atomic, depth: int = 0) -> str:
        result = "" if s.result is None else f"{name(s.result)} = "
        target = name(s.array) + self._indices(s.index)
        return f"{_INDENT * depth}{result}atomic {name(s.op)}({target}, {self(s.value)});"

    def map_shuffle(self, s: n.Shuffle, depth: int = 0) -> str:
        args = self._list((s.value, s.lane_arg, s.width, s.mask))
        return f"{_INDENT * depth}{name(s.result)} = shuffle {name(s.kind)}({args});"

    def map_local_array(self, s: n.LocalArray, depth: int = 0) -> str:
        return f"{_INDENT * depth}{s.space} {s.type} {name(s.name)}{self._indices(s.extents)};"

    def map_copy(self, s: n.Copy, depth: int = 0) -> str:
        return f"{_INDENT * depth}copy {name(s.dst)} <- {name(s.src)}, {self(s.count)};"

    def map_fill(self, s: n.Fill, depth: int = 0) -> str:
        return f"{_INDENT * depth}fill {name(s.array)} <- {self(s.byte)}, {self(s.count)};"

    def map_launch(self, s: n.Launch, depth: int = 0) -> str:
        config = f"({self._list(s.grid)}), ({self._list(s.block)}), {self(s.shared_bytes)}"
        return f"{_INDENT * depth}launch {name(s.kernel)}<<<{config}>>>({self._list(s.args)});"

    def map_return(self, s: n.Return, depth: int = 0) -> str:
        value = "" if s.value is None else f" {self(s.value)}"
        return f"{_INDENT * depth}return{value};"

    def map_function(self, f: n.Function) -> str:
        returns = "void" if f.return_type is None else str(f.return_type)
        head = f"{f.kind} {returns} {name(f.name)}({self._list(f.params)})"
        return f"{head} {self._block(f.body, 0)}"

    def map_program(self, p: n.Program) -> str:
        return "\n\n".join(self(f) for f in p.functions)

    def _block(self, body: tuple[n.Stmt, ...], depth: int) -> str:
        if not body:
            return "{}"
        lines = "\n".join(self(s, depth + 1) for s in body)
        return f"{{\n{lines}\n{_INDENT * depth}}}"

    def _indices(self, index: tuple[n.Expr, ...]) -> str:
        return "".join(f"[{self(i)}]" for i in index) if index else "[]"

    def _list(self, items: tuple[Any, ...]) -> str:
        return ", ".join(self(i) for i in items)


_PRINTER = Printer()
