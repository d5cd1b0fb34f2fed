"""Expression evaluation for the interpreter: value domain, UNDEF, array stores, thread frames."""
from __future__ import annotations

from typing import Any, Callable, ClassVar, Optional, Protocol

from portproof.diagnostics import Unsupported
from portproof.ir import nodes as n
from portproof.ir.builtins import signature
from portproof.ir.faults import (ExecutionFault, OutOfBounds, RankMismatch, StepLimit, ThreadCoord,
                                 UndefinedValue)
from portproof.ir.mapper import Mapper
from portproof.ir.parallel import Block, RaceLog
from portproof.ir.typeof import binary_types, expr_type, unary_types
from portproof.ir.types import I32, ScalarType, arithmetic_result


class _Undef:
    def __repr__(self) -> str:
        return "UNDEF"


UNDEF: Any = _Undef()
"""The value of an uninitialised scalar or element; operations on it give UNDEF again."""


class Domain(Protocol):
    """The values a run computes with. Operands arrive already converted to `operand_type`."""

    def constant(self, value: int | float, type: ScalarType) -> Any: ...

    def unary(self, op: str, x: Any, type: ScalarType) -> Any:
        """`-x`, `~x` (result of `type`) or `!x` (result int)."""

    def binary(self, op: str, x: Any, y: Any, operand_type: ScalarType,
               result_type: ScalarType) -> Any: ...

    def cast(self, x: Any, src: ScalarType, dst: ScalarType) -> Any: ...

    def call(self, name: str, args: tuple[Any, ...], arg_types: tuple[ScalarType, ...],
             result_type: ScalarType) -> Any: ...

    def select(self, cond: Any, a: Any, b: Any, type: ScalarType) -> Any:
        """`cond ? a : b`, where `cond` is any scalar (true when nonzero)."""

    def truth(self, x: Any) -> Optional[bool]:
        """Whether `x` is nonzero; None when that is not known (a symbolic value)."""

    def index(self, x: Any) -> int:
        """`x` as a Python int; raises Unsupported("data-dependent index") when not concrete."""

    def from_bytes(self, byte: int, type: ScalarType) -> Any:
        """The value whose every byte is `byte` (cudaMemset)."""


class ArrayStore:
    """An array's element type, shape and values (flat, row-major; UNDEF where never written)."""
    __slots__ = ("type", "shape", "values", "space")

    def __init__(self, type: ScalarType, shape: tuple[int, ...], values: list,
                 space: str = "global"):
        self.type = type
        self.shape = shape
        self.values = values
        self.space = space

    def __repr__(self) -> str:
        return f"ArrayStore({self.type}, {self.shape}, {self.values!r})"


class Frame:
    """One thread's state: scalars, their types, the arrays it sees, and where it is."""
    __slots__ = ("env", "types", "arrays", "scopes", "coord", "tid", "block", "races", "loc")

    def __init__(self, env: dict, types: dict, arrays: dict, coord: Optional[ThreadCoord] = None,
                 tid: int = 0, block: Optional[Block] = None, races: Optional[RaceLog] = None):
        self.env = env
        self.types = types
        self.arrays = arrays
        self.scopes: list[list] = []
        self.coord = coord
        self.tid = tid
        self.block = block
        self.races = races
        self.loc: Optional[n.SourceLoc] = None


class Evaluator(Mapper):
    """Evaluates expressions to (value, C type) pairs in a thread's frame."""
    _handlers: ClassVar[dict[type, Callable[..., Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = {}

    def __init__(self, domain: Domain):
        self.domain = domain
        self.symbolic = 0  # depth of data-dependent branches being executed
        self.consts: dict[Any, Any] = {}

    def __call__(self, node: Any, st: Frame) -> Any:
        """Mapper dispatch, memoised per node class (this is the interpreter's inner loop)."""
        handler = self._handlers.get(node.__class__)
        if handler is None:
            for cls in node.__class__.__mro__:
                handler = getattr(type(self), getattr(cls, "mapper_method", ""), None)
                if handler is not None:
                    break
            else:
                return self.map_foreign(node, st)
            self._handlers[node.__class__] = handler
        return handler(self, node, st)

    def _const(self, value: int | float, type: ScalarType) -> Any:
        key = (value, type)
        v = self.consts.get(key)
        if v is None:
            v = self.consts[key] = self.domain.constant(value, type)
        return v

    def _cast(self, v: Any, src: ScalarType, dst: ScalarType) -> Any:
        if v is UNDEF or src is dst or src == dst:
            return v
        return self.domain.cast(v, src, dst)

    def _truth(self, v: Any, use: str) -> Optional[bool]:
        if v is UNDEF:
            raise UndefinedValue(use=use)
        return self.domain.truth(v)

    def _index(self, e: n.Expr, st: Frame) -> int:
        v, _ = self(e, st)
        if v is UNDEF:
            raise UndefinedValue(use="as an index or size")
        return self.domain.index(v)

    def _array(self, name: str, st: Frame) -> ArrayStore:
        try:
            return st.arrays[name]
        except KeyError:
            raise Unsupported(f"unknown array {name}", st.loc) from None

    def _flat(self, name: str, store: ArrayStore, index: tuple[n.Expr, ...], st: Frame) -> int:
        idx = tuple(self._index(i, st) for i in index)
        shape = store.shape
        if len(idx) != len(shape):
            raise RankMismatch(name, idx, shape)
        flat = 0
        for i, extent in zip(idx, shape):
            if not 0 <= i < extent:
                raise OutOfBounds(name, idx, shape)
            flat = flat * extent + i
        return flat

    def _record(self, st: Frame, name: str, store: ArrayStore, flat: int, kind: str) -> None:
        if st.races is not None and store.space != "local":
            st.races.record(name, store.values, flat, kind, st.tid, st.block, st.coord, st.loc,
                            self.symbolic > 0)

    def _guarded(self, e: n.Expr, st: Frame) -> tuple[Any, ScalarType]:
        """Evaluate `e` where it runs only under a data-dependent condition."""
        self.symbolic += 1
        try:
            return self(e, st)
        except ExecutionFault as f:
            raise conditional(f) from f
        finally:
            self.symbolic -= 1

    def map_const(self, e: n.Const, st: Frame) -> tuple[Any, ScalarType]:
        v = self.consts.get(id(e))
        if v is None:
            v = self.consts[id(e)] = self.domain.constant(e.value, e.type)
        return v, e.type

    def map_var(self, e: n.Var, st: Frame) -> tuple[Any, ScalarType]:
        try:
            return st.env[e.name], st.types[e.name]
        except KeyError:
            raise Unsupported(f"unknown variable {e.name}", st.loc) from None

    def map_load(self, e: n.Load, st: Frame) -> tuple[Any, ScalarType]:
        store = self._array(e.array, st)
        flat = self._flat(e.array, store, e.index, st)
        self._record(st, e.array, store, flat, "read")
        return store.values[flat], store.type

    def map_unary(self, e: n.Unary, st: Frame) -> tuple[Any, ScalarType]:
        v, t = self(e.operand, st)
        operand_type, result_type = unary_types(e.op, t)
        if v is UNDEF:
            return UNDEF, result_type
        return self.domain.unary(e.op, self._cast(v, t, operand_type), operand_type), result_type

    def map_binary(self, e: n.Binary, st: Frame) -> tuple[Any, ScalarType]:
        if e.op in ("&&", "||"):
            return self._logical(e, st)
        x, tx = self(e.left, st)
        y, ty = self(e.right, st)
        return self._arith(e.op, x, tx, y, ty)

    def _arith(self, op: str, x: Any, tx: ScalarType, y: Any,
               ty: ScalarType) -> tuple[Any, ScalarType]:
        operand_type, result_type = binary_types(op, tx, ty)
        if x is UNDEF or y is UNDEF:
            return UNDEF, result_type
        x, y = self._cast(x, tx, operand_type), self._cast(y, ty, operand_type)
        return self.domain.binary(op, x, y, operand_type, result_type), result_type

    def _logical(self, e: n.Binary, st: Frame) -> tuple[Any, ScalarType]:
        x, tx = self(e.left, st)
        if x is UNDEF:
            return UNDEF, I32
        t = self.domain.truth(x)
        if t is not None and t == (e.op == "||"):
            return self._const(int(t), I32), I32
        y, ty = self(e.right, st) if t is not None else self._guarded(e.right, st)
        return self._arith(e.op, x, tx, y, ty)

    def map_select(self, e: n.Select, st: Frame) -> tuple[Any, ScalarType]:
        c, _ = self(e.cond, st)
        if c is UNDEF:
            return UNDEF, self._type(e, st)
        t = self.domain.truth(c)
        if t is not None:
            chosen, other = (e.if_true, e.if_false) if t else (e.if_false, e.if_true)
            v, tv = self(chosen, st)
            result_type = arithmetic_result(tv, self._type(other, st))
            return self._cast(v, tv, result_type), result_type
        a, ta = self._guarded(e.if_true, st)
        b, tb = self._guarded(e.if_false, st)
        result_type = arithmetic_result(ta, tb)
        if a is UNDEF or b is UNDEF:
            return UNDEF, result_type
        a, b = self._cast(a, ta, result_type), self._cast(b, tb, result_type)
        return self.domain.select(c, a, b, result_type), result_type

    def _type(self, e: n.Expr, st: Frame) -> ScalarType:
        try:
            return expr_type(e, st.types.__getitem__, lambda a: st.arrays[a].type)
        except KeyError as k:
            raise Unsupported(f"unknown name {k.args[0]}", st.loc) from None

    def map_cast(self, e: n.Cast, st: Frame) -> tuple[Any, ScalarType]:
        v, t = self(e.operand, st)
        return self._cast(v, t, e.type), e.type

    def map_call(self, e: n.Call, st: Frame) -> tuple[Any, ScalarType]:
        args = [self(a, st) for a in e.args]
        params, result_type = signature(e.function, tuple(t for _, t in args))
        if any(v is UNDEF for v, _ in args):
            return UNDEF, result_type
        values = tuple(self._cast(v, t, p) for (v, t), p in zip(args, params))
        return self.domain.call(e.function, values, params, result_type), result_type


def conditional(f: ExecutionFault) -> Exception:
    """A fault met on a path that runs only under a data-dependent condition may be infeasible."""
    if isinstance(f, StepLimit):
        return f
    return Unsupported(f"{f.kind} under a data-dependent condition: {f.detail}", f.loc)
