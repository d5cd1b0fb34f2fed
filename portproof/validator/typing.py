"""The C type of an IR expression, given the types of the scalars and arrays in scope."""
from __future__ import annotations

from typing import Mapping

from portproof.ir.nodes import Binary, Call, Cast, Const, Expr, Load, Select, Unary, Var
from portproof.ir.types import F32, F64, I32, U32, ScalarType, arithmetic_result, promote

COMPARISONS = {"==", "!=", "<", "<=", ">", ">=", "&&", "||"}
_FLOAT_MATH = {"sqrt", "exp", "log", "pow", "fabs", "sin", "cos", "tan", "tanh", "fmin", "fmax", "floor",
               "ceil", "rsqrt", "exp2", "log2", "fma", "erf", "cbrt", "atan", "asin", "acos", "log10", "round"}


def builtin_type(name: str) -> ScalarType:
    return U32 if name.split(".")[0] in ("threadIdx", "blockIdx", "blockDim", "gridDim") else I32


def type_of(e: Expr, scalars: Mapping[str, ScalarType], arrays: Mapping[str, ScalarType]) -> ScalarType:
    if isinstance(e, Const):
        return e.type
    if isinstance(e, Var):
        return scalars[e.name] if e.name in scalars else builtin_type(e.name)
    if isinstance(e, Load):
        return arrays[e.array]
    if isinstance(e, Cast):
        return e.type
    if isinstance(e, Unary):
        return I32 if e.op == "!" else promote(type_of(e.operand, scalars, arrays))
    if isinstance(e, Binary):
        if e.op in COMPARISONS:
            return I32
        left = type_of(e.left, scalars, arrays)
        if e.op in ("<<", ">>"):
            return promote(left)
        return arithmetic_result(left, type_of(e.right, scalars, arrays))
    if isinstance(e, Select):
        return arithmetic_result(type_of(e.if_true, scalars, arrays), type_of(e.if_false, scalars, arrays))
    if isinstance(e, Call):
        return call_type(e.function, [type_of(a, scalars, arrays) for a in e.args])
    raise TypeError(f"no type for {type(e).__name__}")


def call_type(name: str, args: list[ScalarType]) -> ScalarType:
    """Result type of a math builtin: `f`-suffixed float versions, double otherwise, min/max/abs as C++."""
    if name in ("min", "max", "abs"):
        out = args[0]
        for a in args[1:]:
            out = arithmetic_result(out, a)
        return promote(out)
    base = canonical_math(name)
    if base in _FLOAT_MATH:
        return F32 if name.endswith("f") and name[:-1] == base else F64
    raise KeyError(name)


def canonical_math(name: str) -> str:
    """sqrtf -> sqrt, fmaxf -> fmax, rsqrtf -> rsqrt; other names unchanged."""
    if name.endswith("f") and name[:-1] in _FLOAT_MATH:
        return name[:-1]
    return name
