"""An interpreter of the IR, generic over a value domain (concrete numbers, or solver terms)."""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Optional

from portproof.diagnostics import Unsupported
from portproof.ir import nodes as n
from portproof.ir.symbolic_access import Cells, load, store as store_cells
from portproof.ir.evaluate import UNDEF, ArrayStore, Domain, Evaluator, Frame, conditional
from portproof.ir.faults import (Access, BadArray, BadLaunch, ExecutionFault, OutOfBounds, Race,
                                 StepLimit, ThreadCoord)
from portproof.ir.mapper import walk
from portproof.ir.parallel import Block, RaceLog, Schedule, WarpOp, run_block
from portproof.ir.types import I32, U32, U64, ScalarType, promote

__all__ = ["UNDEF", "ArrayStore", "Domain", "Outcome", "run"]

_MISSING = object()
_ATOMIC_OPS = {"add": "+", "sub": "-", "and": "&", "or": "|", "xor": "^"}
_UNSIGNED = {32: U32, 64: U64}


@dataclass
class Outcome:
    arrays: dict[str, ArrayStore]
    return_value: Any
    steps: int
    # atomics that updated an element some other thread of the same launch also updated, unordered
    # by a barrier (their order is the schedule's), with the element type
    contended: dict[n.Atomic, ScalarType] = field(default_factory=dict)


class _Return(Exception):
    def __init__(self, value: Optional[tuple[Any, ScalarType]]):
        self.value = value


def run(program: n.Program, entry: str, scalars: Mapping[str, Any],
        arrays: Mapping[str, ArrayStore], *, domain: Domain, max_steps: int = 2_000_000,
        check_races: bool = True, schedule: Schedule = Schedule()) -> Outcome:
    """Run host function `entry`: `scalars` and `arrays` by parameter name, as domain values.

    A scalar that names no parameter is a global integer (type int) visible to every function,
    as a size macro left symbolic is. Arrays are updated in place. Blocks, threads and parallel
    iterations take their turns in the order `schedule` gives.
    """
    return _Interpreter(program, domain, max_steps, check_races, schedule).run(entry, scalars, arrays)


class _Interpreter(Evaluator):
    def __init__(self, program: n.Program, domain: Domain, max_steps: int, check_races: bool,
                 schedule: Schedule):
        super().__init__(domain)
        self.program = program
        self.max_steps = max_steps
        self.check_races = check_races
        self.order = schedule.orders()
        # this launch's atomically updated elements: cell -> ((block, epoch) -> (thread, statement),
        # the statements that updated it)
        self.atomic_cells: dict[tuple[int, int], tuple[dict[tuple[int, int], tuple[int, n.Atomic]],
                                                       set[n.Atomic]]] = {}
        self.contended: dict[n.Atomic, ScalarType] = {}
        self.steps = 0
        self.globals: dict[str, Any] = {}
        self.adders: dict[int, Any] = {}  # a For loop's id -> the `+` of its step
        self.barriers: dict[str, bool] = {}  # kernel name -> whether its body has a Barrier

    # ---- entry, scopes, helpers -------------------------------------------------------------

    def run(self, entry: str, scalars: Mapping[str, Any],
            arrays: Mapping[str, ArrayStore]) -> Outcome:
        fn = self.program.function(entry)
        if fn.kind != "host":
            raise ValueError(f"{entry} is a kernel; run a host function that launches it")
        names = {p.name for p in fn.params}
        self.globals = {k: v for k, v in scalars.items() if k not in names}
        st = Frame(dict(self.globals), {k: I32 for k in self.globals}, {})
        for p in fn.params:
            if isinstance(p, n.ScalarParam):
                if p.name not in scalars:
                    raise ValueError(f"no value for scalar parameter {p.name}")
                st.env[p.name], st.types[p.name] = scalars[p.name], p.type
        for p in fn.params:
            if isinstance(p, n.ArrayParam):
                if p.name not in arrays:
                    raise ValueError(f"no array for parameter {p.name}")
                st.arrays[p.name] = self._bind_array(p, arrays[p.name], st)
        result = None
        try:
            self._run_to_end(fn.body, st, "barrier outside a kernel")
        except _Return as r:
            if r.value is not None and fn.return_type is not None:
                result = self._cast(*r.value, fn.return_type)
        params = {p.name: st.arrays[p.name] for p in fn.params if isinstance(p, n.ArrayParam)}
        return Outcome(params, result, self.steps, self.contended)

    def _block(self, stmts: tuple[n.Stmt, ...], st: Frame) -> Iterator[n.Barrier]:
        """Run statements in a new scope; yields at each barrier reached."""
        st.scopes.append([])
        for s in stmts:
            self.steps += 1
            if self.steps > self.max_steps:
                raise StepLimit(self.max_steps)
            st.loc = s.loc
            try:
                r = self(s, st)
                if r is not None:
                    yield from r
            except ExecutionFault as f:
                f.locate(s.loc, st.coord)
                raise
            except Unsupported as u:
                u.loc = u.loc or s.loc
                raise
        self._close_scope(st)

    def _run_to_end(self, stmts: tuple[n.Stmt, ...], st: Frame, no_barrier: str) -> None:
        for barrier in self._block(stmts, st):
            raise Unsupported(no_barrier, barrier.loc)

    def _tick(self) -> None:
        self.steps += 1
        if self.steps > self.max_steps:
            raise StepLimit(self.max_steps)

    def _bind(self, st: Frame, table: dict, name: str, value: Any) -> None:
        st.scopes[-1].append((table, name, table.get(name, _MISSING)))
        table[name] = value

    def _close_scope(self, st: Frame) -> None:
        for table, name, old in reversed(st.scopes.pop()):
            if old is _MISSING:
                del table[name]
            else:
                table[name] = old

    def _bind_array(self, p: n.ArrayParam, store: ArrayStore, st: Frame) -> ArrayStore:
        """The store a parameter sees: the array passed, viewed with the declared extents."""
        if store.type != p.type:
            raise BadLaunch(f"{store.type} array passed for {p.type} parameter {p.name}")
        if not p.extents:
            return store
        shape = tuple(self._index(e, st) for e in p.extents)
        if shape == store.shape:
            return store
        if min(shape) < 0 or math.prod(shape) > len(store.values):
            raise BadArray(f"{len(store.values)} elements passed for {p.name} of shape {shape}")
        return ArrayStore(store.type, shape, store.values, store.space)

    # ---- statements: leaves return None, statements holding statements a generator -------

    def map_declare(self, s: n.Declare, st: Frame) -> None:
        v = UNDEF
        if s.init is not None:
            v, t = self.eval(s.init, st)
            v = self._cast(v, t, s.type)
        env, types, name = st.env, st.types, s.name
        scope = st.scopes[-1]
        scope.append((env, name, env.get(name, _MISSING)))
        env[name] = v
        scope.append((types, name, types.get(name, _MISSING)))
        types[name] = s.type

    def map_assign(self, s: n.Assign, st: Frame) -> None:
        target = st.types.get(s.name)
        if target is None:
            raise Unsupported(f"assignment to unknown variable {s.name}", s.loc)
        v, t = self.eval(s.value, st)
        st.env[s.name] = self._cast(v, t, target)

    def map_store(self, s: n.Store, st: Frame) -> None:
        store = self._array(s.array, st)
        flat = self._flat(s.array, store, s.index, st)
        v, t = self.eval(s.value, st)
        self._record(st, s.array, store, flat, "write")
        v = self._cast(v, t, store.type)
        if isinstance(flat, Cells):
            store_cells(self.domain, store.values, store.type, flat, lambda _: v, UNDEF)
        else:
            store.values[flat] = v

    def map_if(self, s: n.If, st: Frame) -> Iterator[n.Barrier]:
        c, _ = self.eval(s.cond, st)
        t = self._truth(c, "as a branch condition")
        if t is None:
            self._fork(c, s, st)
        elif t and s.then:
            yield from self._block(s.then, st)
        elif not t and s.orelse:
            yield from self._block(s.orelse, st)

    def _fork(self, cond: Any, s: n.If, st: Frame) -> None:
        """Run both branches of a data-dependent `if` and merge the states with `select`."""
        stores = {id(a.values): a for a in st.arrays.values()}
        before = {k: a.values[:] for k, a in stores.items()}
        env_before = dict(st.env)
        why = "barrier under a data-dependent condition"
        self.path.append((cond, True))
        try:
            self._run_to_end(s.then, st, why)
            then_values = {k: a.values[:] for k, a in stores.items()}
            then_env = dict(st.env)
            for k, a in stores.items():
                a.values[:] = before[k]
            st.env.clear()
            st.env.update(env_before)
            self.path[-1] = (cond, False)
            self._run_to_end(s.orelse, st, why)
        except ExecutionFault as f:
            raise conditional(f) from f
        finally:
            self.path.pop()
        for k, a in stores.items():
            values = a.values
            for i, x in enumerate(then_values[k]):
                if x is not values[i]:
                    values[i] = self._merge(cond, x, values[i], a.type)
        for name in st.env:
            if then_env[name] is not st.env[name]:
                st.env[name] = self._merge(cond, then_env[name], st.env[name], st.types[name])

    def _merge(self, cond: Any, a: Any, b: Any, type: ScalarType) -> Any:
        return UNDEF if a is UNDEF or b is UNDEF else self.domain.select(cond, a, b, type)

    def _loop_test(self, cond: n.Expr, st: Frame, loc: Optional[n.SourceLoc]) -> bool:
        self._tick()
        st.loc = loc
        c, _ = self.eval(cond, st)
        t = self._truth(c, "as a loop condition")
        if t is None:
            raise Unsupported("data-dependent loop bound", loc)
        return t

    def map_for(self, s: n.For, st: Frame) -> Iterator[n.Barrier]:
        start, t = self.eval(s.start, st)
        add = self.adders.get(id(s))
        if add is None:
            add = self.adders[id(s)] = self.arith("+")
        st.scopes.append([])
        self._bind(st, st.env, s.var, self._cast(start, t, s.type))
        self._bind(st, st.types, s.var, s.type)
        while self._loop_test(s.cond, st, s.loc):
            yield from self._block(s.body, st)
            step, t = self.eval(s.step, st)
            v, tv = add(st.env[s.var], s.type, step, t)
            st.env[s.var] = self._cast(v, tv, s.type)
        self._close_scope(st)

    def map_while(self, s: n.While, st: Frame) -> Iterator[n.Barrier]:
        while self._loop_test(s.cond, st, s.loc):
            yield from self._block(s.body, st)

    def map_return(self, s: n.Return, st: Frame) -> None:
        if self.path:
            raise Unsupported("return under a data-dependent condition", s.loc)
        raise _Return(None if s.value is None else self.eval(s.value, st))

    def map_barrier(self, s: n.Barrier, st: Frame) -> Iterator[Any]:
        if st.block is None:
            raise BadLaunch("barrier outside a kernel")
        if self.path:
            raise Unsupported("barrier under a data-dependent condition", s.loc)
        if s.scope == "warp":
            self._in_cuda_block(s, st, "__syncwarp()")
            yield WarpOp(s)
        elif s.scope == "block":
            yield s
        else:
            raise Unsupported(f"barrier {s.scope}", s.loc)

    def map_shuffle(self, s: n.Shuffle, st: Frame) -> Iterator[Any]:
        """The thread hands its value to the scheduler, which sends back its source lane's."""
        if st.block is None:
            raise BadLaunch("warp shuffle outside a kernel")
        if self.path:
            raise Unsupported("warp shuffle under a data-dependent condition", s.loc)
        self._in_cuda_block(s, st, "warp shuffle")
        target = st.types.get(s.result)
        if target is None:
            raise Unsupported(f"assignment to unknown variable {s.result}", s.loc)
        value, type_ = self.eval(s.value, st)
        op = WarpOp(s, value, type_, self._index(s.lane_arg, st), self._index(s.width, st),
                    self._index(s.mask, st) & 0xFFFFFFFF)
        got, got_type = yield op
        st.env[s.result] = self._cast(got, got_type, target)

    def _in_cuda_block(self, s: n.Stmt, st: Frame, what: str) -> None:
        if st.coord is None or st.coord.block is None:
            raise Unsupported(f"{what} outside a CUDA kernel", s.loc)

    def map_local_array(self, s: n.LocalArray, st: Frame) -> None:
        if s.space != "shared":
            store = self._allocate(s, st, None)
        elif st.block is None or st.coord is None or st.coord.block is None:
            raise Unsupported(f"__shared__ array {s.name} outside a kernel", s.loc)
        else:
            store = st.block.shared.get(s.name)
            if store is None:
                store = st.block.shared[s.name] = self._allocate(s, st, st.block.shared_bytes)
        self._bind(st, st.arrays, s.name, store)

    def _allocate(self, s: n.LocalArray, st: Frame, dynamic_bytes: Optional[int]) -> ArrayStore:
        if s.extents:
            shape = tuple(self._index(x, st) for x in s.extents)
        elif dynamic_bytes is not None:  # extern __shared__ T s[]: sized by the launch
            shape = (dynamic_bytes // max(1, s.type.bits // 8),)
        else:
            raise Unsupported(f"array {s.name} without a size", s.loc)
        if min(shape) < 0:
            raise BadArray(f"{s.name} has a negative extent {shape}")
        return ArrayStore(s.type, shape, [UNDEF] * math.prod(shape), s.space)

    def _count(self, name: str, store: ArrayStore, count: int) -> None:
        if not 0 <= count <= len(store.values):
            raise OutOfBounds(name, (count - 1,), (len(store.values),))

    def map_copy(self, s: n.Copy, st: Frame) -> None:
        dst, src = self._array(s.dst, st), self._array(s.src, st)
        if dst.type != src.type:
            raise Unsupported(f"copy from {src.type} {s.src} to {dst.type} {s.dst}", s.loc)
        count = self._index(s.count, st)
        self._count(s.src, src, count)
        self._count(s.dst, dst, count)
        for k in range(count if st.races is not None else 0):
            self._record(st, s.src, src, k, "read")
            self._record(st, s.dst, dst, k, "write")
        dst.values[:count] = src.values[:count]

    def map_fill(self, s: n.Fill, st: Frame) -> None:
        store = self._array(s.array, st)
        byte = self._index(s.byte, st) & 0xFF
        count = self._index(s.count, st)
        self._count(s.array, store, count)
        for k in range(count if st.races is not None else 0):
            self._record(st, s.array, store, k, "write")
        d = self.domain
        value = d.constant(0, store.type) if byte == 0 else d.from_bytes(byte, store.type)
        store.values[:count] = [value] * count

    def map_atomic(self, s: n.Atomic, st: Frame) -> None:
        store = self._array(s.array, st)
        flat = self._flat(s.array, store, s.index, st)
        v, t = self.eval(s.value, st)
        v = self._cast(v, t, store.type)
        self._record(st, s.array, store, flat, "atomic")
        if st.block is not None:
            for k in [k for k, _ in flat.cells] if isinstance(flat, Cells) else [flat]:
                self._contend(s, store, k, st)
        if isinstance(flat, Cells):
            old = load(self.domain, store.values, store.type, flat, UNDEF)
            store_cells(self.domain, store.values, store.type, flat,
                        lambda o: UNDEF if v is UNDEF else self._atomic(s.op, o, v, store.type), UNDEF)
        else:
            old = store.values[flat]
            store.values[flat] = UNDEF if old is UNDEF or v is UNDEF else \
                self._atomic(s.op, old, v, store.type)
        if s.result is not None:
            target = st.types.get(s.result)
            if target is None:
                raise Unsupported(f"assignment to unknown variable {s.result}", s.loc)
            st.env[s.result] = self._cast(old, store.type, target)

    def _contend(self, s: n.Atomic, store: ArrayStore, flat: int, st: Frame) -> None:
        """Note `s` as contended when another thread updated the element between the same two
        barriers of its block, or in another block: the schedule decides which goes first."""
        entries, statements = self.atomic_cells.setdefault((id(store.values), flat), ({}, set()))
        block, epoch = st.block.id, st.block.epoch
        statements.add(s)
        if not statements.issubset(self.contended):  # else nothing new to learn here: stay linear
            for (b, e), (tid, other) in entries.items():
                if tid != st.tid and (b != block or e == epoch):
                    self.contended[s] = self.contended[other] = store.type
        entries.setdefault((block, epoch), (st.tid, s))

    def _atomic(self, op: str, old: Any, v: Any, type: ScalarType) -> Any:
        d = self.domain
        if op == "exch":
            return v
        if op in ("max", "min"):
            return d.select(d.binary(">" if op == "max" else "<", v, old, type, I32), v, old, type)
        if op not in _ATOMIC_OPS:
            raise Unsupported(f"atomic {op}")
        if type.is_integer and type.signed:  # atomics wrap around; they never overflow
            return d.wrapping(_ATOMIC_OPS[op], old, v, type)
        return d.binary(_ATOMIC_OPS[op], old, v, type, type)

    # ---- parallel regions ------------------------------------------------------------------

    def map_launch(self, s: n.Launch, st: Frame) -> None:
        if st.block is not None:
            raise Unsupported("launch inside a parallel region", s.loc)
        kernel = self._kernel(s.kernel, s.loc)
        grid = tuple(self._index(x, st) for x in s.grid)
        block = tuple(self._index(x, st) for x in s.block)
        shared_bytes = self._index(s.shared_bytes, st)
        if len(s.args) != len(kernel.params):
            raise BadLaunch(f"{kernel.name} takes {len(kernel.params)} arguments, "
                            f"{len(s.args)} given")
        frame = Frame(dict(self.globals), {k: I32 for k in self.globals}, {})
        passed = []
        for p, a in zip(kernel.params, s.args):
            if isinstance(p, n.ArrayParam):
                if not isinstance(a, n.ArrayArg):
                    raise Unsupported(f"argument for array parameter {p.name} is not an array name",
                                      s.loc)
                passed.append((p, self._array(a.name, st)))
            elif isinstance(a, n.ArrayArg):
                raise BadLaunch(f"array {a.name} passed for scalar parameter {p.name}")
            else:
                v, t = self.eval(a, st)
                frame.env[p.name], frame.types[p.name] = self._cast(v, t, p.type), p.type
        for p, store in passed:
            frame.arrays[p.name] = self._bind_array(p, store, frame)
        if min(grid + block) <= 0:
            return
        self._launch(kernel, grid, block, shared_bytes, frame)

    def _kernel(self, name: str, loc: Optional[n.SourceLoc]) -> n.Function:
        try:
            kernel = self.program.function(name)
        except KeyError:
            raise Unsupported(f"launch of unknown kernel {name}", loc) from None
        if kernel.kind != "kernel":
            raise BadLaunch(f"launch of host function {name}")
        return kernel

    def _launch(self, kernel: n.Function, grid: tuple[int, ...], block: tuple[int, ...],
                shared_bytes: int, frame: Frame) -> None:
        """Run every thread; blocks of a kernel without barriers run thread after thread."""
        races = RaceLog() if self.check_races else None
        u = [self._const(i, U32) for i in range(max(grid + block) + 1)]
        dims = {"warpSize": self._const(32, I32)}
        for axis, g, b in zip("xyz", grid, block):
            dims[f"gridDim.{axis}"], dims[f"blockDim.{axis}"] = u[g], u[b]
        types = dict(frame.types, warpSize=I32)
        types.update({f"{v}.{axis}": U32 for v in ("threadIdx", "blockIdx", "blockDim", "gridDim")
                      for axis in "xyz"})
        scheduled = self._has_barrier(kernel)
        points = list(itertools.product(*(range(b) for b in reversed(block))))
        blocks = list(itertools.product(*(range(g) for g in reversed(grid))))
        self.atomic_cells = {}
        for linear in self.order(len(blocks)):
            bz, by, bx = blocks[linear]
            blk = Block(linear, shared_bytes, first_tid=linear * len(points))
            block_env = dict(frame.env, **dims)
            block_env.update({"blockIdx.x": u[bx], "blockIdx.y": u[by], "blockIdx.z": u[bz]})
            threads = []
            for k in range(len(points)) if scheduled else self.order(len(points)):
                tz, ty, tx = points[k]
                tid = blk.first_tid + k
                env = dict(block_env)
                env["threadIdx.x"], env["threadIdx.y"], env["threadIdx.z"] = u[tx], u[ty], u[tz]
                coord = ThreadCoord((bx, by, bz), (tx, ty, tz))
                if scheduled:
                    thread = Frame(env, dict(types), dict(frame.arrays), coord, tid, blk, races)
                    threads.append((coord, self._thread(kernel, thread)))
                else:  # threads share the tables that each restores when it ends
                    self._run_thread(kernel, Frame(env, types, frame.arrays, coord, tid, blk,
                                                   races))
            if scheduled:
                run_block(threads, blk, self.order(len(threads)))

    def _has_barrier(self, kernel: n.Function) -> bool:
        found = self.barriers.get(kernel.name)
        if found is None:
            found = self.barriers[kernel.name] = any(isinstance(x, (n.Barrier, n.Shuffle))
                                                     for x in walk(kernel.body))
        return found

    def _thread(self, kernel: n.Function, st: Frame) -> Iterator[n.Barrier]:
        try:
            yield from self._block(kernel.body, st)
        except _Return:
            pass

    def _run_thread(self, kernel: n.Function, st: Frame) -> None:
        """Run a thread that reaches no barrier to its end, closing the scopes a return left."""
        try:
            self._run_to_end(kernel.body, st, "barrier in a kernel without barriers")
        except _Return:
            while st.scopes:
                self._close_scope(st)

    def map_parallel_for(self, s: n.ParallelFor, st: Frame) -> None:
        if st.block is not None:
            raise Unsupported("nested parallel region", s.loc)
        names = tuple(a.var for a in s.axes)
        types = [promote(self._type(a.extent, st)) for a in s.axes]
        sizes = [self._index(a.extent, st) for a in s.axes]
        races = RaceLog() if self.check_races else None
        region = Block(0)
        shared = s.kind != "cuda"  # outer scalars are shared by OpenMP threads, private in CUDA
        written: dict[str, tuple[ThreadCoord, Any]] = {}
        points = list(itertools.product(*(range(k) for k in sizes)))
        self.atomic_cells = {}
        for tid in self.order(len(points)):
            point = points[tid]
            coord = ThreadCoord(None, point, names)
            frame = Frame(dict(st.env), dict(st.types), dict(st.arrays), coord, tid, region, races)
            for name, value, t in zip(names, point, types):
                frame.env[name], frame.types[name] = self._const(value, t), t
            try:
                self._run_to_end(s.body, frame, "barrier inside a ParallelFor")
            except _Return:
                if shared:
                    raise Unsupported("return inside a parallel loop", s.loc) from None
            for name, old in st.env.items() if shared else ():
                new = frame.env[name]
                if new is not old and name not in names:
                    if races is not None and name in written:
                        raise Race(name, 0, Access(written[name][0], "write", None),
                                   Access(coord, "write", None))
                    written[name] = (coord, new)
        for name, (_, value) in written.items():
            st.env[name] = value
