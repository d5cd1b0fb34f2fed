"""C literals (integer, floating, character) with their C types, and a safe evaluator of integer macro values."""
from __future__ import annotations

import math
import operator
import re
from typing import Optional

from portproof.ir.types import F32, F64, I32, I64, U32, U64, ScalarType

_INT_LITERAL = re.compile(r"(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)\Z")
_FLOAT_LITERAL = re.compile(
    r"((?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?|0[xX](?:[0-9a-fA-F]*\.?[0-9a-fA-F]*)[pP][+-]?\d+)([fFlL]?)\Z")
_ESCAPES = {"n": 10, "t": 9, "r": 13, "0": 0, "a": 7, "b": 8, "f": 12, "v": 11,
            "\\": 92, "'": 39, '"': 34, "?": 63}


# What the prelude's INFINITY, HUGE_VAL(F) and NAN expand to: calls of no variable argument.
BUILTIN_CONSTANTS = {
    "__builtin_inff": (math.inf, F32), "__builtin_huge_valf": (math.inf, F32),
    "__builtin_inf": (math.inf, F64), "__builtin_huge_val": (math.inf, F64),
    "__builtin_nanf": (math.nan, F32), "__builtin_nan": (math.nan, F64),
}


def negated_infinity(value: int | float) -> bool:
    """Whether `-x` of a constant `x` is folded (to -inf), so that `-INFINITY` is a literal."""
    return isinstance(value, float) and math.isinf(value)


def _fits(value: int, t: ScalarType) -> bool:
    return 0 <= value < 2 ** t.bits if not t.signed else value < 2 ** (t.bits - 1)


def int_literal(text: str) -> Optional[tuple[int, ScalarType]]:
    """Value and C type (C11 6.4.4.1, LP64) of an integer literal; None if `text` is not one or is too large."""
    m = _INT_LITERAL.match(text)
    if not m:
        return None
    digits, suffix = m.group(1), m.group(2).lower()
    if suffix not in ("", "u", "l", "ul", "lu", "ll", "ull", "llu"):
        return None
    if digits[:2].lower() in ("0x", "0b"):
        value = int(digits[2:], 16 if digits[1] in "xX" else 2)
    else:
        value = int(digits, 8 if digits.startswith("0") and len(digits) > 1 else 10)
    decimal = digits[0] != "0" or digits == "0"
    unsigned, long_ = "u" in suffix, "l" in suffix
    if unsigned:
        candidates = (U64,) if long_ else (U32, U64)
    elif decimal:
        candidates = (I64,) if long_ else (I32, I64)
    else:
        candidates = (I64, U64) if long_ else (I32, U32, I64, U64)
    for t in candidates:
        if _fits(value, t):
            return value, t
    return None


def float_literal(text: str) -> Optional[tuple[float, ScalarType]]:
    """Value and type of a floating literal: F32 with an `f` suffix, F64 without; None for `long double` or non-literals."""
    m = _FLOAT_LITERAL.match(text)
    if not m or m.group(2) in ("l", "L"):
        return None
    body = m.group(1)
    value = float.fromhex(body) if body[:2].lower() == "0x" else float(body)
    return value, (F32 if m.group(2) else F64)


def char_literal(text: str) -> Optional[int]:
    """The int value of a plain character literal such as 'a', '\\n', '\\x41', '\\101'; None otherwise."""
    if len(text) < 3 or text[0] != "'" or text[-1] != "'":
        return None
    body = text[1:-1]
    if len(body) == 1 and body != "\\":
        return ord(body)
    if not body.startswith("\\"):
        return None
    rest = body[1:]
    if rest in _ESCAPES:
        return _ESCAPES[rest]
    if re.fullmatch(r"[0-7]{1,3}", rest):
        return _signed_char(int(rest, 8))
    if re.fullmatch(r"x[0-9a-fA-F]{1,2}", rest):
        return _signed_char(int(rest[1:], 16))
    return None


def _signed_char(value: int) -> int:
    return value - 256 if value >= 128 else value


# ---- integer constant expressions in macro values ---------------------------------------------

_TOKEN = re.compile(r"\s*(?:(\.?\d(?:[eEpP][+-]|[\w.])*)|([A-Za-z_]\w*)|('(?:\\.|[^\\'])+')|"
                    r"(<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%<>&|^~!?:()]))")
_INT_TYPE_WORDS = {"int", "long", "unsigned", "signed", "short", "char", "size_t"}
_BINARY_PRECEDENCE = {"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6, "<": 7, "<=": 7, ">": 7,
                      ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10}


class _NotConstant(Exception):
    pass


def tokenize(text: str) -> Optional[list[str]]:
    """C tokens of a macro value; None if it holds anything else (strings, stray characters)."""
    tokens, pos, text = [], 0, text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            return None
        tokens.append(m.group(m.lastindex))
        pos = m.end()
    return tokens


def expand_object_macros(tokens: list[str], macros: dict[str, str], active: frozenset[str] = frozenset()) \
        -> Optional[list[str]]:
    """Replace object-like macro names by their (recursively expanded) values; None on a function-like use."""
    out: list[str] = []
    for tok in tokens:
        if tok in macros and tok not in active:
            inner = tokenize(macros[tok])
            inner = None if inner is None else expand_object_macros(inner, macros, active | {tok})
            if inner is None:
                return None
            out.extend(inner)
        else:
            out.append(tok)
    return out


def eval_int_expr(tokens: list[str]) -> Optional[int]:
    """The value of an integer constant expression (C semantics for / and %), or None."""
    parser = _Parser(tokens)
    try:
        value = parser.expr(0)
        if parser.pos != len(tokens):
            return None
        return value
    except (_NotConstant, ZeroDivisionError, IndexError):
        return None


class _Parser:
    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> Optional[str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: Optional[str] = None) -> str:
        tok = self.tokens[self.pos]
        if expected is not None and tok != expected:
            raise _NotConstant(tok)
        self.pos += 1
        return tok

    def expr(self, min_prec: int) -> int:
        left = self.unary()
        while True:
            op = self.peek()
            if op == "?" and min_prec == 0:
                self.take()
                a = self.expr(0)
                self.take(":")
                b = self.expr(0)
                left = a if left else b
                continue
            prec = _BINARY_PRECEDENCE.get(op or "")
            if prec is None or prec <= min_prec:
                return left
            self.take()
            left = apply_int_op(op, left, self.expr(prec))

    def unary(self) -> int:
        tok = self.take()
        if tok in ("-", "+", "~", "!"):
            v = self.unary()
            return {"-": -v, "+": v, "~": ~v, "!": int(not v)}[tok]
        if tok == "(":
            if self.peek() in _INT_TYPE_WORDS:
                while self.peek() in _INT_TYPE_WORDS:
                    self.take()
                self.take(")")
                return self.unary()
            v = self.expr(0)
            self.take(")")
            return v
        literal = int_literal(tok)
        if literal is not None:
            return literal[0]
        char = char_literal(tok)
        if char is not None:
            return char
        raise _NotConstant(tok)


_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "<<": operator.lshift,
        ">>": operator.rshift, "&": operator.and_, "|": operator.or_, "^": operator.xor,
        "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
        ">=": operator.ge, "&&": lambda a, b: bool(a and b), "||": lambda a, b: bool(a or b)}


def apply_int_op(op: str, a: int, b: int) -> int:
    if op == "/":
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q
    if op == "%":
        return a - b * apply_int_op("/", a, b)
    if op in ("<<", ">>") and not 0 <= b < 64:
        raise _NotConstant(op)
    return int(_OPS[op](a, b))
