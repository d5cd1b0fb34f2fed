"""C types of pycparser declarations as IR scalar types, and the location helpers of the C frontend."""
from __future__ import annotations

from typing import Any, Optional

from pycparser import c_ast

from portproof.diagnostics import Unsupported
from portproof.ir.nodes import SourceLoc
from portproof.ir.types import BOOL, F32, F64, I32, I64, U32, U64, ScalarType
from portproof.translators.preprocess import source_line

_INTEGER_WORDS = {"int", "signed", "unsigned", "long", "short", "char"}
_NARROW_SIZES = {"char": 1, "short": 2}


def loc_of(coord: Any) -> Optional[SourceLoc]:
    """The SourceLoc of a pycparser coord (which follows the preprocessor's linemarkers)."""
    if coord is None or not getattr(coord, "line", None):
        return None
    return SourceLoc(str(coord.file), coord.line, coord.column or 0)


def unsupported(construct: str, coord: Any) -> Unsupported:
    loc = loc_of(coord)
    return Unsupported(construct, loc, source_line(loc.file, loc.line) if loc else "")


class CTypes:
    """Resolves type specifiers (through the file's typedefs) to IR scalar types."""

    def __init__(self) -> None:
        self.typedefs: dict[str, c_ast.Node] = {}

    def add_typedef(self, node: c_ast.Typedef) -> None:
        self.typedefs[node.name] = node.type

    def scalar(self, node: c_ast.Node, what: str) -> Optional[ScalarType]:
        """The scalar type of a TypeDecl (None for void); Unsupported for anything else, naming `what`."""
        names = self._names(node, what)
        if names == ["void"]:
            return None
        t = _scalar_of(names)
        if t is None:
            raise unsupported(f"type '{' '.join(names)}' of {what} has no IR type", node.coord)
        return t

    def sizeof(self, node: c_ast.Node) -> int:
        """sizeof of a type name (scalars, narrow integers and pointers)."""
        if isinstance(node, c_ast.PtrDecl):
            return 8
        names = self._names(node, "sizeof operand")
        narrow = [n for n in names if n in _NARROW_SIZES]
        if narrow:
            return _NARROW_SIZES[narrow[0]]
        t = _scalar_of(names)
        if t is None:
            raise unsupported(f"sizeof({' '.join(names)})", node.coord)
        return size_of(t)

    def _names(self, node: c_ast.Node, what: str) -> list[str]:
        seen: set[str] = set()
        while True:
            if isinstance(node, c_ast.Typename):
                node = node.type
            if not isinstance(node, c_ast.TypeDecl):
                raise unsupported(f"{_kind(node)} type of {what}", node.coord)
            spec = node.type
            if isinstance(spec, c_ast.Enum):
                return ["int"]
            if not isinstance(spec, c_ast.IdentifierType):
                raise unsupported(f"{_kind(spec)} type of {what}", node.coord)
            names = list(spec.names)
            if len(names) != 1 or names[0] not in self.typedefs or names[0] in seen:
                return names
            seen.add(names[0])
            node = self.typedefs[names[0]]


def size_of(t: ScalarType) -> int:
    return 1 if t == BOOL else t.bits // 8


def _scalar_of(names: list[str]) -> Optional[ScalarType]:
    words = set(names)
    if words == {"float"}:
        return F32
    if words == {"double"}:
        return F64
    if words == {"_Bool"}:
        return BOOL
    if not words or not words <= _INTEGER_WORDS or words & set(_NARROW_SIZES):
        return None
    if "long" in words:
        return U64 if "unsigned" in words else I64
    return U32 if "unsigned" in words else I32


def _kind(node: c_ast.Node) -> str:
    return {"PtrDecl": "pointer", "ArrayDecl": "array", "FuncDecl": "function", "Struct": "struct",
            "Union": "union"}.get(type(node).__name__, type(node).__name__)
