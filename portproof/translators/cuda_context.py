"""Shared state of the CUDA frontend: source locations, C type names, literals, and scoped symbols."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Union

from tree_sitter import Node as TSNode

from portproof.diagnostics import Unsupported
from portproof.ir.nodes import Const, Expr, SourceLoc
from portproof.ir.types import BOOL, F32, F64, I32, I64, U32, U64, ScalarType

BUILTIN_STRUCTS = frozenset({"threadIdx", "blockIdx", "blockDim", "gridDim"})

_NAMED_TYPES = {
    "int": I32, "int32_t": I32, "signed": I32, "unsigned": U32, "uint32_t": U32,
    "long": I64, "int64_t": I64, "ptrdiff_t": I64, "ssize_t": I64,
    "size_t": U64, "uint64_t": U64, "float": F32, "double": F64, "bool": BOOL,
}


@dataclass
class SourceMap:
    """Maps nodes of the parsed (preprocessed) text back to the user's files and lines."""
    line_of: Callable[[int], tuple[str, int]]  # 1-based parsed line -> (file, 1-based line)
    parsed: list[str]  # the lines tree-sitter saw
    _lines: dict[str, list[str]] = field(default_factory=dict)

    def loc(self, node: TSNode) -> SourceLoc:
        """The user's file and line; the column only where macro expansion left the line's start intact."""
        row, col = node.start_point
        file, line = self.line_of(row + 1)
        loc = SourceLoc(file, line)
        intact = row < len(self.parsed) and self.source_line(loc).startswith(self.parsed[row][:col])
        return SourceLoc(file, line, col + 1) if intact else loc

    def source_line(self, loc: SourceLoc) -> str:
        if loc.file not in self._lines:
            try:
                with open(loc.file, encoding="utf-8", errors="replace") as f:
                    self._lines[loc.file] = f.read().splitlines()
            except OSError:
                self._lines[loc.file] = []
        lines = self._lines[loc.file]
        return lines[loc.line - 1] if 0 < loc.line <= len(lines) else ""

    def unsupported(self, construct: str, node: TSNode) -> Unsupported:
        loc = self.loc(node)
        return Unsupported(construct, loc, self.source_line(loc) or text(node).splitlines()[0])


def text(node: TSNode) -> str:
    return node.text.decode("utf-8", errors="replace")


def scalar_type(node: TSNode) -> Optional[ScalarType]:
    """The IR type named by a primitive/sized type specifier, or None (char, short, structs, ...)."""
    words = text(node).split()
    if len(words) == 1:
        return _NAMED_TYPES.get(words[0])
    if any(w not in ("unsigned", "signed", "long", "int") for w in words):
        return None
    wide = "long" in words
    if "unsigned" in words:
        return U64 if wide else U32
    return I64 if wide else I32


def literal(spelling: str) -> Optional[Const]:
    """A C number literal with its C type (C11 6.4.4.1), or None for what the IR cannot hold."""
    t = spelling.replace("'", "").lower()
    is_hex = t.startswith("0x")
    if not is_hex and ("." in t or "e" in t or t.endswith("f")):
        if t.endswith("l"):
            return None
        return Const(float(t.rstrip("f")), F32 if t.endswith("f") else F64)
    body = t.rstrip("ul")
    suffix = t[len(body):]
    try:
        if body.startswith("0b"):
            value = int(body[2:], 2)
        elif body.startswith("0") and len(body) > 1 and not is_hex:
            value = int(body, 8)
        else:
            value = int(body, 0)
    except ValueError:
        return None
    decimal = not (is_hex or body.startswith("0") and len(body) > 1)
    unsigned, longs = "u" in suffix, suffix.count("l")
    candidates = [I32, U32, I64, U64]
    if unsigned:
        candidates = [t for t in candidates if not t.signed]
    elif decimal:
        candidates = [t for t in candidates if t.signed]
    if longs:
        candidates = [t for t in candidates if t.bits == 64]
    for ctype in candidates:
        if value < 2 ** (ctype.bits - (1 if ctype.signed else 0)):
            return Const(value, ctype)
    return None


# ---- symbols ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scalar:
    type: ScalarType


@dataclass(frozen=True)
class Array:
    elem: ScalarType
    ndim: int


@dataclass(frozen=True)
class Boxed:
    """A host scalar whose address goes to cudaMemcpy/cudaMemset: a one-element local array."""
    elem: ScalarType


@dataclass(frozen=True)
class Dim3:
    """A dim3 local, lowered to three scalars `name.x`, `name.y`, `name.z`."""


@dataclass(frozen=True)
class Pointer:
    """A declared pointer that cudaMalloc has not yet allocated."""
    elem: ScalarType


@dataclass(frozen=True)
class Alias:
    """`T *p = a + offset;` into 1-d array `a`, where neither `p`, `a` nor the offset's variables
    are ever written: `p[i]` is `a[offset + i]`."""
    base: str
    offset: Expr


@dataclass(frozen=True)
class ErrorCode:
    """A cudaError_t local: its checks are dropped (the port is assumed to run without API errors)."""


Symbol = Union[Scalar, Array, Boxed, Dim3, Pointer, Alias, ErrorCode]


class Scopes:
    """Block-scoped symbols; shadowing a visible name is refused rather than renamed."""

    def __init__(self, outer: Optional[dict[str, Symbol]] = None):
        self._stack: list[dict[str, Symbol]] = [dict(outer or {})]

    def push(self) -> None:
        self._stack.append({})

    def pop(self) -> None:
        self._stack.pop()

    def lookup(self, name: str) -> Optional[Symbol]:
        for scope in reversed(self._stack):
            if name in scope:
                return scope[name]
        return None

    def declare(self, name: str, symbol: Symbol) -> bool:
        """Declare `name` in the innermost scope; False if that would shadow a visible name."""
        if self.lookup(name) is not None:
            return False
        self._stack[-1][name] = symbol
        return True

    def update(self, name: str, symbol: Symbol) -> None:
        """Change what `name` is, in the scope that declared it."""
        for scope in reversed(self._stack):
            if name in scope:
                scope[name] = symbol
                return
        raise KeyError(name)

