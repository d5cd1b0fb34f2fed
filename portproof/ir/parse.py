"""Parse the IR's text syntax (grammar.lark) into IR nodes."""
from __future__ import annotations

import functools
import math
import re
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedInput, UnexpectedToken

from portproof.diagnostics import ParseError
from portproof.ir import nodes as n
from portproof.ir.types import BOOL, BY_NAME, F32, F64, I32, I64, U32, U64, ScalarType

IR_FILE = "<ir>"

_INT_SUFFIX = {"": I32, "u": U32, "L": I64, "UL": U64}
_SPECIAL = {"true": n.Const(True, BOOL), "false": n.Const(False, BOOL),
            "inf": n.Const(math.inf, F64), "inff": n.Const(math.inf, F32),
            # math.nan itself, so that two parsed NaN constants compare equal
            "nan": n.Const(math.nan, F64), "nanf": n.Const(math.nan, F32)}


def parse_program(text: str) -> n.Program:
    return _parse(text, "program")


def parse_function(text: str) -> n.Function:
    return _parse(text, "function")


def parse_stmts(text: str) -> tuple[n.Stmt, ...]:
    return _parse(text, "stmts")


def parse_expr(text: str) -> n.Expr:
    return _parse(text, "expr")


def _parse(text: str, start: str) -> Any:
    try:
        return _parser().parse(text, start=start)
    except UnexpectedInput as e:
        raise _syntax_error(e, text) from None


@functools.cache
def _parser() -> Lark:
    grammar = Path(__file__).with_name("grammar.lark").read_text()
    return Lark(grammar, parser="lalr", start=["program", "function", "stmts", "expr"],
                transformer=_ToNodes(), maybe_placeholders=True)


def _syntax_error(e: UnexpectedInput, text: str) -> ParseError:
    if isinstance(e, UnexpectedToken) and e.token.type == "$END":
        message = "unexpected end of input"
        lines = text.splitlines() or [""]
        line, col = len(lines), len(lines[-1]) + 1
    else:
        found = e.token if isinstance(e, UnexpectedToken) else text[e.pos_in_stream]
        message = f"unexpected {str(found)!r}"
        line, col = e.line, e.column
    expected = _describe(getattr(e, "expected", None) or getattr(e, "allowed", None) or ())
    if expected:
        message += f"; expected {expected}"
    return ParseError(message, n.SourceLoc(IR_FILE, line, col), _line(text, line))


def _describe(terminals: set[str]) -> str:
    shown = []
    for name in terminals:
        if name == "$END":
            shown.append("end of input")
            continue
        pattern = _parser().get_terminal(name).pattern
        shown.append(repr(pattern.value) if pattern.type == "str" else name.lower())
    return ", ".join(sorted(shown))


def _line(text: str, line: int) -> str:
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _number(text: str) -> n.Const:
    m = re.fullmatch(r"(\d+)(UL|L|u)?", text)
    if m:
        return n.Const(int(m[1]), _INT_SUFFIX[m[2] or ""])
    if text.endswith("f"):
        return n.Const(float(text[:-1]), F32)
    return n.Const(float(text), F64)


@v_args(inline=True)
class _ToNodes(Transformer):
    """Builds nodes during the LALR parse (no parse tree), so each callback gets built children."""

    def name(self, token: Token) -> str:
        return token[1:-1] if token.type == "QUOTED_NAME" else str(token)

    def scalar_type(self, token: Token) -> ScalarType:
        return BY_NAME[token]

    def void(self) -> None:
        return None

    def fn_kind(self, token: Token) -> str:
        return str(token)

    role = space = fn_kind

    def number(self, token: Token) -> n.Const:
        return _number(token)

    def neg_number(self, token: Token) -> n.Const:
        body = token.strip("()- \t\r\n")
        const = _SPECIAL[body] if body.startswith("inf") else _number(body)
        return n.Const(-const.value, const.type)

    def special(self, token: Token) -> n.Const:
        return _SPECIAL[token]

    def var(self, name: str) -> n.Var:
        return n.Var(name)

    def load(self, array: str, index: tuple[n.Expr, ...]) -> n.Load:
        return n.Load(array, index)

    def call(self, function: str, *args: n.Expr) -> n.Call:
        return n.Call(function, args)

    def unary(self, op: Token, operand: n.Expr) -> n.Unary:
        return n.Unary(str(op), operand)

    def binary(self, left: n.Expr, op: Token, right: n.Expr) -> n.Binary:
        return n.Binary(str(op), left, right)

    def select(self, cond: n.Expr, if_true: n.Expr, if_false: n.Expr) -> n.Select:
        return n.Select(cond, if_true, if_false)

    def cast(self, type_: ScalarType, operand: n.Expr) -> n.Cast:
        return n.Cast(type_, operand)

    def indices(self, *index: n.Expr) -> tuple[n.Expr, ...]:
        return index

    def dim3(self, x: n.Expr, y: n.Expr, z: n.Expr) -> tuple[n.Expr, n.Expr, n.Expr]:
        return (x, y, z)

    def stmts(self, *body: n.Stmt) -> tuple[n.Stmt, ...]:
        return body

    def block(self, body: tuple[n.Stmt, ...]) -> tuple[n.Stmt, ...]:
        return body

    def declare(self, type_: ScalarType, name: str, init: n.Expr | None) -> n.Declare:
        return n.Declare(name, type_, init)

    def assign(self, name: str, value: n.Expr) -> n.Assign:
        return n.Assign(name, value)

    def store(self, array: str, index: tuple[n.Expr, ...], value: n.Expr) -> n.Store:
        return n.Store(array, index, value)

    def if_stmt(self, cond: n.Expr, then: tuple[n.Stmt, ...],
                orelse: tuple[n.Stmt, ...] = ()) -> n.If:
        return n.If(cond, then, orelse)

    def else_if(self, stmt: n.If) -> tuple[n.Stmt, ...]:
        return (stmt,)

    def for_stmt(self, type_: ScalarType, var: str, start: n.Expr, cond: n.Expr, updated: str,
                 plus_assign: Token, step: n.Expr, body: tuple[n.Stmt, ...]) -> n.For:
        if updated != var:
            raise ParseError(f"the loop declares {var!r} but steps {updated!r}",
                             n.SourceLoc(IR_FILE, plus_assign.line, plus_assign.column))
        return n.For(var, type_, start, cond, step, body)

    def while_stmt(self, cond: n.Expr, body: tuple[n.Stmt, ...]) -> n.While:
        return n.While(cond, body)

    def axis(self, var: str, extent: n.Expr) -> n.Axis:
        return n.Axis(var, extent)

    def parallel_for(self, kind: str, *axes_and_body: Any) -> n.ParallelFor:
        return n.ParallelFor(kind, axes_and_body[:-1], axes_and_body[-1])

    def barrier(self, scope: str) -> n.Barrier:
        return n.Barrier(scope)

    def atomic(self, result: str | None, op: str, array: str, index: tuple[n.Expr, ...],
               value: n.Expr) -> n.Atomic:
        return n.Atomic(op, array, index, value, result)

    def shuffle(self, result: str, kind: str, value: n.Expr, lane_arg: n.Expr, width: n.Expr,
                mask: n.Expr) -> n.Shuffle:
        return n.Shuffle(kind, result, value, lane_arg, width, mask)

    def local_array(self, space: str, type_: ScalarType, name: str,
                    extents: tuple[n.Expr, ...]) -> n.LocalArray:
        return n.LocalArray(name, type_, extents, space)

    def copy(self, dst: str, src: str, count: n.Expr) -> n.Copy:
        return n.Copy(dst, src, count)

    def fill(self, array: str, byte: n.Expr, count: n.Expr) -> n.Fill:
        return n.Fill(array, byte, count)

    def array_arg(self, name: str) -> n.ArrayArg:
        return n.ArrayArg(name)

    def launch(self, kernel: str, grid: tuple[n.Expr, n.Expr, n.Expr],
               block: tuple[n.Expr, n.Expr, n.Expr], shared_bytes: n.Expr,
               *args: n.Expr | n.ArrayArg) -> n.Launch:
        return n.Launch(kernel, grid, block, shared_bytes, args)

    def return_stmt(self, value: n.Expr | None) -> n.Return:
        return n.Return(value)

    def scalar_param(self, type_: ScalarType, name: str) -> n.ScalarParam:
        return n.ScalarParam(name, type_)

    def array_param(self, type_: ScalarType, name: str, extents: tuple[n.Expr, ...],
                    role: str) -> n.ArrayParam:
        return n.ArrayParam(name, type_, extents, role)

    def params(self, *params: n.Param) -> tuple[n.Param, ...]:
        return params

    def function(self, kind: str, return_type: ScalarType | None, name: str,
                 params: tuple[n.Param, ...], body: tuple[n.Stmt, ...]) -> n.Function:
        return n.Function(name, kind, params, body, return_type)

    def program(self, *functions: n.Function) -> n.Program:
        return n.Program(functions)
