"""The C type of an IR expression, given the types of its variables and arrays."""
from __future__ import annotations

from typing import Callable

from portproof.ir import nodes as n
from portproof.ir.builtins import signature
from portproof.ir.mapper import Mapper
from portproof.ir.types import I32, ScalarType, arithmetic_result, promote

COMPARISONS = frozenset(("==", "!=", "<", "<=", ">", ">=", "&&", "||"))
SHIFTS = frozenset(("<<", ">>"))


def binary_types(op: str, left: ScalarType, right: ScalarType) -> tuple[ScalarType, ScalarType]:
    """(type both operands convert to, result type) of a binary operator, as C says.

    A shift's count converts to the promoted type of the shifted operand.
    """
    if op in SHIFTS:
        t = promote(left)
        return t, t
    common = arithmetic_result(left, right)
    return common, I32 if op in COMPARISONS else common


def unary_types(op: str, operand: ScalarType) -> tuple[ScalarType, ScalarType]:
    """(type the operand converts to, result type) of a unary operator."""
    return (operand, I32) if op == "!" else (promote(operand), promote(operand))


class TypeOf(Mapper):
    def __init__(self, var_type: Callable[[str], ScalarType],
                 array_type: Callable[[str], ScalarType]):
        self.var_type = var_type
        self.array_type = array_type

    def map_const(self, e: n.Const) -> ScalarType:
        return e.type

    def map_var(self, e: n.Var) -> ScalarType:
        return self.var_type(e.name)

    def map_load(self, e: n.Load) -> ScalarType:
        return self.array_type(e.array)

    def map_unary(self, e: n.Unary) -> ScalarType:
        return unary_types(e.op, self(e.operand))[1]

    def map_binary(self, e: n.Binary) -> ScalarType:
        return binary_types(e.op, self(e.left), self(e.right))[1]

    def map_select(self, e: n.Select) -> ScalarType:
        return arithmetic_result(self(e.if_true), self(e.if_false))

    def map_cast(self, e: n.Cast) -> ScalarType:
        return e.type

    def map_call(self, e: n.Call) -> ScalarType:
        return signature(e.function, tuple(self(a) for a in e.args))[1]


def expr_type(expr: n.Expr, var_type: Callable[[str], ScalarType],
              array_type: Callable[[str], ScalarType]) -> ScalarType:
    """The type of `expr`; `var_type` and `array_type` raise KeyError for unknown names."""
    return TypeOf(var_type, array_type)(expr)
