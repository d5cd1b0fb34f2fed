"""Loop-nest IR: frozen dataclass nodes made by one decorator, children as tuples."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Optional, Union

from portproof.ir.types import ScalarType


@dataclass(frozen=True)
class SourceLoc:
    """Where a node came from; never part of a node's identity."""
    file: str
    line: int
    col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}" if self.col else f"{self.file}:{self.line}"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def node(cls):
    """Make `cls` a frozen IR node with a cached hash and a derived `mapper_method`."""
    cls.mapper_method = "map_" + _snake(cls.__name__)
    cls = dataclass(frozen=True)(cls)
    field_hash = cls.__hash__

    def cached_hash(self) -> int:
        try:
            return self.__dict__["_hash"]
        except KeyError:
            h = field_hash(self)
            object.__setattr__(self, "_hash", h)
            return h

    cls.__hash__ = cached_hash
    return cls


class Node:
    mapper_method: ClassVar[str] = "map_node"

    def children(self) -> tuple[tuple[str, Any], ...]:
        return tuple((f.name, getattr(self, f.name)) for f in fields(self) if f.compare)

    def __str__(self) -> str:
        from portproof.ir.printer import to_text
        return to_text(self)


class Expr(Node):
    pass


class Stmt(Node):
    pass


def _loc() -> Any:
    return field(default=None, compare=False, repr=False)


# ---- expressions ----------------------------------------------------------------------------

@node
class Const(Expr):
    value: Union[int, float, bool]
    type: ScalarType


@node
class Var(Expr):
    """A scalar: parameter, local, loop variable, or CUDA builtin (`threadIdx.x`, `blockDim.y`)."""
    name: str


@node
class Load(Expr):
    array: str
    index: tuple[Expr, ...]


@node
class Unary(Expr):
    op: str  # "-" | "!" | "~"
    operand: Expr


@node
class Binary(Expr):
    op: str  # + - * / % << >> & | ^ == != < <= > >= && ||
    left: Expr
    right: Expr


@node
class Select(Expr):
    cond: Expr
    if_true: Expr
    if_false: Expr


@node
class Cast(Expr):
    type: ScalarType
    operand: Expr


@node
class Call(Expr):
    """A pure math builtin (sqrt, exp, fabs, fmin, fmax, min, max, pow, ...)."""
    function: str
    args: tuple[Expr, ...]


# ---- statements -----------------------------------------------------------------------------

@node
class Declare(Stmt):
    name: str
    type: ScalarType
    init: Optional[Expr] = None
    loc: Optional[SourceLoc] = _loc()


@node
class Assign(Stmt):
    name: str
    value: Expr
    loc: Optional[SourceLoc] = _loc()


@node
class Store(Stmt):
    array: str
    index: tuple[Expr, ...]
    value: Expr
    loc: Optional[SourceLoc] = _loc()


@node
class If(Stmt):
    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...] = ()
    loc: Optional[SourceLoc] = _loc()


@node
class For(Stmt):
    """`for (type var = start; cond; var += step) body`; `var` is scoped to the loop."""
    var: str
    type: ScalarType
    start: Expr
    cond: Expr
    step: Expr
    body: tuple[Stmt, ...]
    loc: Optional[SourceLoc] = _loc()


@node
class While(Stmt):
    cond: Expr
    body: tuple[Stmt, ...]
    loc: Optional[SourceLoc] = _loc()


@node
class Axis(Node):
    var: str
    extent: Expr


@node
class ParallelFor(Stmt):
    """Every point of the axes' box runs `body` concurrently; kind "cuda" or "omp"."""
    kind: str
    axes: tuple[Axis, ...]
    body: tuple[Stmt, ...]
    loc: Optional[SourceLoc] = _loc()


@node
class Barrier(Stmt):
    scope: str = "block"
    loc: Optional[SourceLoc] = _loc()


@node
class Atomic(Stmt):
    """`result = old value; array[index] = op(old, value)`, indivisibly."""
    op: str  # add | sub | max | min | exch | and | or | xor
    array: str
    index: tuple[Expr, ...]
    value: Expr
    result: Optional[str] = None
    loc: Optional[SourceLoc] = _loc()


@node
class Shuffle(Stmt):
    """`result = __shfl_<kind>_sync(mask, value, lane_arg, width)`: a warp's lanes exchange values.

    kind "down" | "up" | "xor" | "idx"; lane_arg is the delta, the lane mask or the source lane.
    """
    kind: str
    result: str
    value: Expr
    lane_arg: Expr
    width: Expr
    mask: Expr
    loc: Optional[SourceLoc] = _loc()


@node
class LocalArray(Stmt):
    """An array the function allocates: space "local", "shared" (CUDA) or "device" (cudaMalloc)."""
    name: str
    type: ScalarType
    extents: tuple[Expr, ...]
    space: str = "local"
    loc: Optional[SourceLoc] = _loc()


@node
class Copy(Stmt):
    """cudaMemcpy: dst[k] = src[k] for k < count (element counts, flat)."""
    dst: str
    src: str
    count: Expr
    loc: Optional[SourceLoc] = _loc()


@node
class Fill(Stmt):
    """cudaMemset: every byte of the first `count` elements set to `byte`."""
    array: str
    byte: Expr
    count: Expr
    loc: Optional[SourceLoc] = _loc()


@node
class ArrayArg(Node):
    """An array passed by name to a launch (the kernel parameter aliases it)."""
    name: str


@node
class Launch(Stmt):
    kernel: str
    grid: tuple[Expr, Expr, Expr]
    block: tuple[Expr, Expr, Expr]
    shared_bytes: Expr
    args: tuple[Union[Expr, ArrayArg], ...]
    loc: Optional[SourceLoc] = _loc()


@node
class Return(Stmt):
    value: Optional[Expr] = None
    loc: Optional[SourceLoc] = _loc()


# ---- functions and programs -----------------------------------------------------------------

@node
class ScalarParam(Node):
    name: str
    type: ScalarType


@node
class ArrayParam(Node):
    """A pointer or array parameter; `extents` is () for a bare pointer (extent from the contract)."""
    name: str
    type: ScalarType
    extents: tuple[Expr, ...]
    role: str = "inout"  # in | out | inout


Param = Union[ScalarParam, ArrayParam]


@node
class Function(Node):
    name: str
    kind: str  # host | kernel
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]
    return_type: Optional[ScalarType] = None
    loc: Optional[SourceLoc] = _loc()

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


@node
class Program(Node):
    functions: tuple[Function, ...]
    source: str = field(default="", compare=False)

    def function(self, name: str) -> Function:
        for f in self.functions:
            if f.name == name:
                return f
        raise KeyError(name)
