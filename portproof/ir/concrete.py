"""The concrete value domain (C ints as Python ints, floats as numpy scalars) and numpy helpers."""
from __future__ import annotations

import math
import operator
from typing import Any, Callable, Mapping, NamedTuple

import numpy as np

from portproof.diagnostics import Unsupported
from portproof.ir.builtins import base_name
from portproof.ir.faults import DivisionByZero, InvalidConversion, InvalidShift, SignedOverflow
from portproof.ir.interpret import UNDEF, ArrayStore, Outcome, run
from portproof.ir.nodes import Program, ScalarParam
from portproof.ir.types import BOOL, F32, F64, I32, I64, U32, U64, ScalarType

DTYPES: dict[ScalarType, type] = {
    BOOL: np.bool_, I32: np.int32, U32: np.uint32, I64: np.int64, U64: np.uint64,
    F32: np.float32, F64: np.float64,
}
_TYPES = {np.dtype(d): t for t, d in DTYPES.items()}
_FLOATS = {32: np.float32, 64: np.float64}

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
    "&&": lambda x, y: bool(x) and bool(y), "||": lambda x, y: bool(x) or bool(y),
}
_INT_OPS: dict[str, Callable[[int, int], int]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul,
    "&": operator.and_, "|": operator.or_, "^": operator.xor,
}
_FLOAT_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
}
# float builtins by base name, evaluated in double and rounded to the result type
_MATH: dict[str, Callable[..., Any]] = {
    "sqrt": np.sqrt, "exp": np.exp, "exp2": np.exp2, "log": np.log, "log2": np.log2,
    "log10": np.log10, "pow": np.power, "fabs": np.fabs, "sin": np.sin, "cos": np.cos,
    "tan": np.tan, "tanh": np.tanh, "fmin": np.fmin, "fmax": np.fmax, "fmod": np.fmod,
    "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "rsqrt": lambda x: 1.0 / np.sqrt(x),
}
_GENERIC: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "min": (min, np.fmin), "max": (max, np.fmax), "abs": (abs, np.fabs),
}


def int_range(t: ScalarType) -> tuple[int, int]:
    if t.signed:
        return -(1 << (t.bits - 1)), (1 << (t.bits - 1)) - 1
    return 0, (1 << t.bits) - 1


def _wrap(x: int, t: ScalarType) -> int:
    """Two's-complement conversion to an integer type (gcc's choice for signed targets)."""
    if t.kind == "bool":
        return int(x != 0)
    x &= (1 << t.bits) - 1
    return x - (1 << t.bits) if t.signed and x >> (t.bits - 1) else x


def _fit(op: str, r: int, t: ScalarType) -> int:
    """An arithmetic result: unsigned types wrap, signed ones must not overflow."""
    if not t.signed:
        return r & ((1 << t.bits) - 1)
    lo, hi = int_range(t)
    if not lo <= r <= hi:
        raise SignedOverflow(op, t, r)
    return r


def _int_to_float(x: int, t: ScalarType) -> Any:
    if t.bits == 64 or abs(x) < 1 << 53:
        return _FLOATS[t.bits](float(x))
    # round to odd at 53 bits so that the rounding to float is the only one that matters
    a = abs(x)
    shift = a.bit_length() - 53
    m = (a >> shift) | (1 if a & ((1 << shift) - 1) else 0)
    return np.float32(math.copysign(math.ldexp(float(m), shift), x))


class ConcreteDomain:
    """C semantics on concrete values; use under `np.errstate(all="ignore")`, like run_concrete."""

    def constant(self, value: int | float, type: ScalarType) -> Any:
        if type.is_float:
            return _FLOATS[type.bits](value)
        return _wrap(int(value), type)

    def unary(self, op: str, x: Any, type: ScalarType) -> Any:
        if op == "!":
            return int(x == 0)
        if op == "-":
            return -x if type.is_float else _fit("-", -x, type)
        if op == "~" and not type.is_float:
            return _wrap(~x, type)
        raise Unsupported(f"unary {op} on {type}")

    def binary(self, op: str, x: Any, y: Any, operand_type: ScalarType,
               result_type: ScalarType) -> Any:
        compare = _COMPARE.get(op)
        if compare is not None:
            return int(compare(x, y))
        t = operand_type
        if t.is_float:
            if op not in _FLOAT_OPS:
                raise Unsupported(f"{op} on {t}")
            return _FLOAT_OPS[op](x, y)
        if op in _INT_OPS:
            return _fit(op, _INT_OPS[op](x, y), t)
        if op in ("/", "%"):
            if y == 0:
                raise DivisionByZero(t)
            q = abs(x) // abs(y)
            q = _fit("/", -q if (x < 0) != (y < 0) else q, t)
            return q if op == "/" else x - y * q
        if op in ("<<", ">>"):
            if not 0 <= y < t.bits:
                raise InvalidShift(y, t)
            return _fit("<<", x << y, t) if op == "<<" else x >> y
        raise Unsupported(f"operator {op}")

    def wrapping(self, op: str, x: Any, y: Any, type: ScalarType) -> Any:
        return _wrap(_INT_OPS[op](x, y), type)

    def cast(self, x: Any, src: ScalarType, dst: ScalarType) -> Any:
        if dst.kind == "bool":
            return int(x != 0)
        if dst.is_float:
            return _FLOATS[dst.bits](x) if src.is_float else _int_to_float(x, dst)
        if not src.is_float:
            return _wrap(x, dst)
        lo, hi = int_range(dst)
        if not math.isfinite(x) or not lo <= int(x) <= hi:
            raise InvalidConversion(x, src, dst)
        return int(x)

    def call(self, name: str, args: tuple[Any, ...], arg_types: tuple[ScalarType, ...],
             result_type: ScalarType) -> Any:
        base = base_name(name)
        if base in _GENERIC:
            on_ints, on_floats = _GENERIC[base]
            if result_type.is_float:
                return on_floats(*args)
            return _fit(name, on_ints(*args), result_type)
        return _FLOATS[result_type.bits](_MATH[base](*(np.float64(a) for a in args)))

    def select(self, cond: Any, a: Any, b: Any, type: ScalarType) -> Any:
        return a if cond else b

    def truth(self, x: Any) -> bool:
        return bool(x)

    def index(self, x: Any) -> int:
        return int(x)

    def from_bytes(self, byte: int, type: ScalarType) -> Any:
        if type.kind == "bool":
            return int(byte != 0)
        raw = np.full(type.bits // 8, byte, np.uint8).view(DTYPES[type])[0]
        return raw if type.is_float else int(raw)


class NumpyArray(NamedTuple):
    values: np.ndarray
    defined: np.ndarray  # False where the element was never written (its value reads as 0)


def arrays_from_numpy(arrays: Mapping[str, np.ndarray]) -> dict[str, ArrayStore]:
    """ArrayStores holding copies of numpy arrays (shape and element type kept)."""
    stores = {}
    for name, a in arrays.items():
        a = np.asarray(a)
        if a.dtype not in _TYPES:
            raise ValueError(f"array {name}: no IR type for dtype {a.dtype}")
        t = _TYPES[a.dtype]
        flat = a.ravel()
        values = list(flat) if t.is_float else [int(v) for v in flat.tolist()]
        stores[name] = ArrayStore(t, a.shape, values)
    return stores


def arrays_to_numpy(outcome: Outcome) -> dict[str, NumpyArray]:
    result = {}
    for name, store in outcome.arrays.items():
        values = store.values
        shape = store.shape if math.prod(store.shape) == len(values) else (len(values),)
        defined = np.array([v is not UNDEF for v in values], dtype=bool).reshape(shape)
        data = np.array([0 if v is UNDEF else v for v in values], dtype=DTYPES[store.type])
        result[name] = NumpyArray(data.reshape(shape), defined)
    return result


def run_concrete(program: Program, entry: str, scalars: Mapping[str, int | float],
                 numpy_arrays: Mapping[str, np.ndarray], **kwargs: Any) -> Outcome:
    """`run` on concrete inputs; scalars convert to their parameter's type (globals to int)."""
    types = {p.name: p.type for p in program.function(entry).params if isinstance(p, ScalarParam)}
    domain = ConcreteDomain()
    values = {k: domain.constant(v, types.get(k, I32)) for k, v in scalars.items()}
    with np.errstate(all="ignore"):
        return run(program, entry, values, arrays_from_numpy(numpy_arrays), domain=domain,
                   **kwargs)
