"""Scalar types of the IR and C's usual arithmetic conversions over them."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScalarType:
    name: str  # the IR spelling, also the C spelling except for u64/i64 aliases
    kind: str  # "bool" | "int" | "float"
    bits: int
    signed: bool = True

    def __str__(self) -> str:
        return self.name

    @property
    def is_float(self) -> bool:
        return self.kind == "float"

    @property
    def is_integer(self) -> bool:
        return self.kind in ("int", "bool")

    @property
    def c_name(self) -> str:
        return _C_NAMES.get(self.name, self.name)


BOOL = ScalarType("bool", "bool", 1, False)
I32 = ScalarType("int", "int", 32)
U32 = ScalarType("unsigned", "int", 32, False)
I64 = ScalarType("long", "int", 64)
U64 = ScalarType("ulong", "int", 64, False)
F32 = ScalarType("float", "float", 32)
F64 = ScalarType("double", "float", 64)

ALL_TYPES = (BOOL, I32, U32, I64, U64, F32, F64)
BY_NAME = {t.name: t for t in ALL_TYPES}
_C_NAMES = {"ulong": "unsigned long", "bool": "_Bool"}


def arithmetic_result(a: ScalarType, b: ScalarType) -> ScalarType:
    """C's usual arithmetic conversions (C11 6.3.1.8), bool and int promoted to int."""
    if a.is_float or b.is_float:
        return F64 if F64 in (a, b) else F32
    a, b = promote(a), promote(b)
    if a == b:
        return a
    if a.bits != b.bits:
        return a if a.bits > b.bits else b
    return a if not a.signed else b


def promote(t: ScalarType) -> ScalarType:
    """Integer promotion: anything narrower than int becomes int."""
    return I32 if t.kind == "bool" else t
