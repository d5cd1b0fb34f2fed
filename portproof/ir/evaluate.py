"""Expression evaluation for the interpreter: value domain, UNDEF, array stores, thread frames."""
from __future__ import annotations

import functools
from typing import Any, Callable, ClassVar, Optional, Protocol

from portproof.diagnostics import Unsupported
from portproof.ir import nodes as n
from portproof.ir.builtins import signature
from portproof.ir.faults import (ExecutionFault, OutOfBounds, RankMismatch, StepLimit, ThreadCoord,
                                 UndefinedValue)
from portproof.ir.mapper import Mapper
from portproof.ir.parallel import Block, RaceLog
from portproof.ir.symbolic_access import Cells, load, select_cells
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

    def wrapping(self, op: str, x: Any, y: Any, type: ScalarType) -> Any:
        """`x op y` (+ - & | ^) of a signed integer atomic, which wraps around instead of overflowing."""

    def call(self, name: str, args: tuple[Any, ...], arg_types: tuple[ScalarType, ...],
             result_type: ScalarType) -> Any: ...

    def select(self, cond: Any, a: Any, b: Any, type: ScalarType) -> Any:
        """`cond ? a : b`, where `cond` is any scalar (true when nonzero)."""

    def truth(self, x: Any) -> Optional[bool]:
        """Whether `x` is nonzero; None when that is not known (a symbolic value)."""

    def index(self, x: Any) -> int:
        """`x` as a Python int; raises Unsupported("data-dependent index") when not concrete."""

    def access(self, ok: Any, path: tuple[tuple[Any, bool], ...], fault: ExecutionFault) -> None:
        """Optional: an access at a data-dependent subscript, in bounds where `ok` holds, runs where
        every (condition, taken) of `path` holds. Without it such accesses are Unsupported."""

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
    """Evaluates expressions to (value, C type) pairs in a thread's frame.

    Each expression node is compiled once per run to a closure `f(frame) -> (value, type)` that
    calls its children's closures directly; a closure remembers the operand types it last saw
    (by identity) and the conversions C applies to them, so the inner loop does no type logic.
    """
    _handlers: ClassVar[dict[type, Callable[..., Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = {}

    def __init__(self, domain: Domain):
        self.domain = domain
        self.path: list[tuple[Any, bool]] = []  # the data-dependent conditions (value, taken) in force
        self.consts: dict[Any, Any] = {}
        self.code: dict[int, Callable[[Frame], tuple[Any, ScalarType]]] = {}
        self.flats: dict[int, Callable[[str, ArrayStore, Frame], int]] = {}
        self.alive: list[Any] = []  # the compiled nodes, so that no id in `code` is reused

    def __call__(self, node: Any, st: Frame) -> Any:
        """Statement dispatch, memoised per node class."""
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

    def eval(self, e: n.Expr, st: Frame) -> tuple[Any, ScalarType]:
        """The value and C type of expression `e` in frame `st`."""
        f = self.code.get(id(e))
        if f is None:
            f = self.compile(e)
        return f(st)

    def compile(self, e: n.Expr) -> Callable[[Frame], tuple[Any, ScalarType]]:
        f = self.code.get(id(e))
        if f is None:
            for cls in e.__class__.__mro__:
                make = getattr(self, "compile_" + getattr(cls, "mapper_method", "map_")[4:], None)
                if make is not None:
                    f = make(e)
                    break
            else:
                f = functools.partial(self.map_foreign, e)
            self.code[id(e)] = f
            self.alive.append(e)
        return f

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
        v = self.eval(e, st)[0]
        if v is UNDEF:
            raise UndefinedValue(use="as an index or size")
        return self.domain.index(v)

    def _array(self, name: str, st: Frame) -> ArrayStore:
        try:
            return st.arrays[name]
        except KeyError:
            raise Unsupported(f"unknown array {name}", st.loc) from None

    def _flat(self, name: str, store: ArrayStore, index: tuple[n.Expr, ...], st: Frame) -> int | Cells:
        f = self.flats.get(id(index))
        if f is None:
            f = self.flats[id(index)] = self._flattener(index)
            self.alive.append(index)
        return f(name, store, st)

    def _flattener(self, index: tuple[n.Expr, ...]) -> Callable[[str, ArrayStore, Frame], int | Cells]:
        """A function giving the flat element of `name[index]` in a store, checked in bounds, or
        the Cells it may be when a subscript is data-dependent."""
        subscripts, to_int = [self.compile(i) for i in index], self.domain.index

        def flat(name: str, store: ArrayStore, st: Frame) -> int | Cells:
            idx = []
            for f in subscripts:
                v = f(st)[0]
                if v is UNDEF:
                    raise UndefinedValue(use="as an index or size")
                try:
                    idx.append(to_int(v))
                except Unsupported:
                    return self._cells(name, store, subscripts, st)
            shape = store.shape
            if len(idx) != len(shape):
                raise RankMismatch(name, tuple(idx), shape)
            k = 0
            for i, extent in zip(idx, shape):
                if not 0 <= i < extent:
                    raise OutOfBounds(name, tuple(idx), shape)
                k = k * extent + i
            return k
        return flat

    def _cells(self, name: str, store: ArrayStore, subscripts: list, st: Frame) -> Cells:
        """The cells of an access at a data-dependent subscript. Whether it can be out of bounds is
        the domain's to decide (a solver can, here it is not known): the domain is told where."""
        access = getattr(self.domain, "access", None)
        if access is None:
            raise Unsupported("data-dependent index", st.loc)
        values = []
        for f in subscripts:
            v, t = f(st)
            if v is UNDEF:
                raise UndefinedValue(use="as an index or size")
            values.append((v, t))
        if len(values) != len(store.shape):
            raise RankMismatch(name, tuple(v for v, _ in values), store.shape)
        cells, ok, fault = select_cells(self.domain, name, store.shape, values, self._const)
        fault.locate(st.loc, st.coord)
        access(ok, tuple(self.path), fault)
        return cells

    def _record(self, st: Frame, name: str, store: ArrayStore, flat: int | Cells, kind: str) -> None:
        if st.races is None or store.space == "local":
            return
        if isinstance(flat, Cells):  # any of them, so a conflict on one is only possible
            for k, _ in flat.cells:
                st.races.record(name, store.values, k, kind, st, True)
        else:
            st.races.record(name, store.values, flat, kind, st, bool(self.path))

    def _guarded(self, f: Callable[[Frame], Any], st: Frame, cond: Any, taken: bool) -> tuple[Any, ScalarType]:
        """Evaluate `f` where it runs only where data-dependent `cond` is `taken`."""
        self.path.append((cond, taken))
        try:
            return f(st)
        except ExecutionFault as fault:
            raise conditional(fault) from fault
        finally:
            self.path.pop()

    def arith(self, op: str) -> Callable[[Any, ScalarType, Any, ScalarType], tuple[Any, ScalarType]]:
        """`x op y` on typed operands, remembering the conversions of the last operand types."""
        binary, cast = self.domain.binary, self.domain.cast
        last_x = last_y = ox = rt = None
        cast_x = cast_y = False

        def run(x: Any, tx: ScalarType, y: Any, ty: ScalarType) -> tuple[Any, ScalarType]:
            nonlocal last_x, last_y, ox, rt, cast_x, cast_y
            if tx is not last_x or ty is not last_y:
                ox, rt = binary_types(op, tx, ty)
                last_x, last_y, cast_x, cast_y = tx, ty, tx != ox, ty != ox
            if x is UNDEF or y is UNDEF:
                return UNDEF, rt
            return binary(op, cast(x, tx, ox) if cast_x else x, cast(y, ty, ox) if cast_y else y,
                          ox, rt), rt
        return run

    # ---- compiling expression nodes ----------------------------------------------------------

    def compile_const(self, e: n.Const) -> Callable[[Frame], tuple[Any, ScalarType]]:
        result = None

        def run(st: Frame) -> tuple[Any, ScalarType]:
            nonlocal result
            if result is None:
                result = (self.domain.constant(e.value, e.type), e.type)
            return result
        return run

    def compile_var(self, e: n.Var) -> Callable[[Frame], tuple[Any, ScalarType]]:
        name = e.name

        def run(st: Frame) -> tuple[Any, ScalarType]:
            try:
                return st.env[name], st.types[name]
            except KeyError:
                raise Unsupported(f"unknown variable {name}", st.loc) from None
        return run

    def compile_load(self, e: n.Load) -> Callable[[Frame], tuple[Any, ScalarType]]:
        name, flat, array = e.array, self._flattener(e.index), self._array

        def run(st: Frame) -> tuple[Any, ScalarType]:
            store = array(name, st)
            k = flat(name, store, st)
            if isinstance(k, Cells):
                self._record(st, name, store, k, "read")
                return load(self.domain, store.values, store.type, k, UNDEF), store.type
            if st.races is not None and store.space != "local":
                st.races.record(name, store.values, k, "read", st, bool(self.path))
            return store.values[k], store.type
        return run

    def compile_unary(self, e: n.Unary) -> Callable[[Frame], tuple[Any, ScalarType]]:
        op, operand, unary = e.op, self.compile(e.operand), self.domain.unary
        last = ot = rt = None

        def run(st: Frame) -> tuple[Any, ScalarType]:
            nonlocal last, ot, rt
            v, t = operand(st)
            if t is not last:
                ot, rt = unary_types(op, t)
                last = t
            if v is UNDEF:
                return UNDEF, rt
            return unary(op, self._cast(v, t, ot), ot), rt
        return run

    def compile_binary(self, e: n.Binary) -> Callable[[Frame], tuple[Any, ScalarType]]:
        left, right, arith = self.compile(e.left), self.compile(e.right), self.arith(e.op)
        if e.op not in ("&&", "||"):
            return lambda st: arith(*left(st), *right(st))
        short = e.op == "||"
        truth = self.domain.truth

        def logical(st: Frame) -> tuple[Any, ScalarType]:
            x, tx = left(st)
            if x is UNDEF:
                return UNDEF, I32
            t = truth(x)
            if t is not None and t == short:
                return self._const(int(t), I32), I32
            return arith(x, tx, *(right(st) if t is not None else self._guarded(right, st, x, not short)))
        return logical

    def compile_select(self, e: n.Select) -> Callable[[Frame], tuple[Any, ScalarType]]:
        cond, if_true, if_false = self.compile(e.cond), self.compile(e.if_true), \
            self.compile(e.if_false)
        truth = self.domain.truth

        def run(st: Frame) -> tuple[Any, ScalarType]:
            c = cond(st)[0]
            if c is UNDEF:
                return UNDEF, self._type(e, st)
            t = truth(c)
            if t is not None:
                chosen, other = (if_true, e.if_false) if t else (if_false, e.if_true)
                v, tv = chosen(st)
                result_type = arithmetic_result(tv, self._type(other, st))
                return self._cast(v, tv, result_type), result_type
            a, ta = self._guarded(if_true, st, c, True)
            b, tb = self._guarded(if_false, st, c, False)
            result_type = arithmetic_result(ta, tb)
            if a is UNDEF or b is UNDEF:
                return UNDEF, result_type
            a, b = self._cast(a, ta, result_type), self._cast(b, tb, result_type)
            return self.domain.select(c, a, b, result_type), result_type
        return run

    def _type(self, e: n.Expr, st: Frame) -> ScalarType:
        try:
            return expr_type(e, st.types.__getitem__, lambda a: st.arrays[a].type)
        except KeyError as k:
            raise Unsupported(f"unknown name {k.args[0]}", st.loc) from None

    def compile_cast(self, e: n.Cast) -> Callable[[Frame], tuple[Any, ScalarType]]:
        operand, type = self.compile(e.operand), e.type

        def run(st: Frame) -> tuple[Any, ScalarType]:
            v, t = operand(st)
            return self._cast(v, t, type), type
        return run

    def compile_call(self, e: n.Call) -> Callable[[Frame], tuple[Any, ScalarType]]:
        name, args = e.function, [self.compile(a) for a in e.args]
        last: Any = None
        params: Any = None
        result_type: Any = None

        def run(st: Frame) -> tuple[Any, ScalarType]:
            nonlocal last, params, result_type
            values = [f(st) for f in args]
            types = tuple([t for _, t in values])
            if types != last:
                params, result_type = signature(name, types)
                last = types
            if any(v is UNDEF for v, _ in values):
                return UNDEF, result_type
            converted = tuple(self._cast(v, t, p) for (v, t), p in zip(values, params))
            return self.domain.call(name, converted, params, result_type), result_type
        return run


def conditional(f: ExecutionFault) -> Exception:
    """A fault met on a path that runs only under a data-dependent condition may be infeasible."""
    if isinstance(f, StepLimit):
        return f
    return Unsupported(f"{f.kind} under a data-dependent condition: {f.detail}", f.loc)
