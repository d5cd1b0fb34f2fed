"""Parallel regions of a run: the race log, CUDA blocks, the barrier-to-barrier thread schedule and
the order in which blocks and threads take their turns."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Optional

from portproof.diagnostics import Unsupported
from portproof.ir.faults import Access, BarrierDivergence, Race, ThreadCoord
from portproof.ir.nodes import Shuffle, SourceLoc

if TYPE_CHECKING:
    from portproof.ir.evaluate import ArrayStore, Frame


@dataclass
class Block:
    """A CUDA block (or a whole ParallelFor): its number, barrier epoch and `__shared__` arrays."""
    id: int
    shared_bytes: int = 0
    epoch: int = 0
    shared: dict[str, "ArrayStore"] = field(default_factory=dict)
    first_tid: int = 0  # the run-wide id of its thread 0, so that tid - first_tid is the linear id
    warp_epochs: dict[int, int] = field(default_factory=dict)  # warp -> __syncwarp()s passed

    def warp_of(self, tid: int) -> tuple[int, int]:
        """(warp, warp epoch) of the thread with run-wide id `tid`."""
        warp = (tid - self.first_tid) // WARP_SIZE
        return warp, self.warp_epochs.get(warp, 0)


WARP_SIZE = 32
FULL_MASK = 0xFFFFFFFF
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class Schedule:
    """The order in which the blocks of a grid, the threads of a block (from one synchronisation to
    the next) and the iterations of a parallel loop take their turns: `index` order, `reverse` order,
    or a `seeded` permutation. The CUDA emulation's launcher draws the same permutations from the
    same seed (splitmix64, Fisher-Yates), so that an order found in the IR can be run from source."""
    kind: str = "index"  # index | reverse | seeded
    seed: int = 0

    def __str__(self) -> str:
        return {"index": "index order", "reverse": "reverse index order"}.get(
            self.kind, f"permutation with seed {self.seed}")

    @property
    def spec(self) -> str:
        """The text the emulation reads (its `portproof_schedule` file)."""
        return f"seed {self.seed}" if self.kind == "seeded" else self.kind

    def orders(self) -> "Orders":
        return Orders(self)


class Orders:
    """One run's stream of orders: `orders(count)` is the turn order of `count` blocks or threads."""

    def __init__(self, schedule: Schedule):
        self.kind = schedule.kind
        self.state = schedule.seed & _MASK64

    def __call__(self, count: int) -> list[int]:
        if self.kind == "index":
            return list(range(count))
        if self.kind == "reverse":
            return list(range(count - 1, -1, -1))
        order = list(range(count))
        for i in range(count - 1, 0, -1):
            j = self._next() % (i + 1)
            order[i], order[j] = order[j], order[i]
        return order

    def _next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)


@dataclass
class WarpOp:
    """What a thread hands to the scheduler at a warp shuffle or a __syncwarp (Barrier "warp")."""
    stmt: Any
    value: Any = None
    type: Any = None
    lane_arg: int = 0
    width: int = WARP_SIZE
    mask: int = FULL_MASK

    @property
    def loc(self) -> Optional[SourceLoc]:
        return self.stmt.loc


class _Entry:
    """A thread's first access of a cell between two barriers; the Access is made for a report."""
    __slots__ = ("tid", "block", "epoch", "atomic", "conditional", "frame", "kind", "loc", "warp")

    def __init__(self, tid: int, block: int, epoch: int, atomic: bool, conditional: bool,
                 frame: "Frame", kind: str, loc: Optional[SourceLoc], warp: tuple[int, int]):
        self.tid, self.block, self.epoch, self.atomic = tid, block, epoch, atomic
        self.conditional, self.frame, self.kind, self.loc = conditional, frame, kind, loc
        self.warp = warp

    @property
    def access(self) -> Access:
        return Access(self.frame.coord, self.kind, self.loc)


class RaceLog:
    """Every element's accesses within one launch or ParallelFor; raises Race on a conflict.

    Two accesses conflict when they are by different threads, at least one writes, not both are
    atomic, and they are in different blocks or in one block between the same two barriers (and,
    for two threads of one warp, between the same two __syncwarp()s).
    """

    def __init__(self) -> None:
        # (id of the values list, flat index) -> (reads, writes, atomic updates), each keyed by
        # (tid, epoch, atomic, warp epoch); atomics are apart so that many of them on one element
        # (a sum) are not compared with each other
        self.cells: dict[tuple[int, int], tuple[dict, dict, dict]] = {}
        # the lists themselves, so that no id is reused while the log lives (per-block arrays)
        self.alive: dict[int, list] = {}

    def record(self, array: str, values: list, flat: int, kind: str, st: "Frame",
               conditional: bool) -> None:
        """Log an access by the thread of frame `st` at its current statement."""
        key = (id(values), flat)
        cell = self.cells.get(key)
        if cell is None:
            cell = self.cells[key] = ({}, {}, {})
            self.alive[id(values)] = values
        reads, writes, atomics = cell
        atomic = kind == "atomic"
        tid, block = st.tid, st.block
        epoch = block.epoch
        warp = block.warp_of(tid)
        against = {"read": (writes, atomics), "write": (reads, writes, atomics),
                   "atomic": (reads, writes)}[kind]
        for log in against:
            for e in log.values():
                if e.tid != tid and (e.block != block.id or e.epoch == epoch and
                                     (e.warp[0] != warp[0] or e.warp[1] == warp[1])):
                    second = Access(st.coord, kind, st.loc)
                    if conditional or e.conditional:
                        raise Unsupported(f"possible data race on {array}[{flat}] ({e.access} and "
                                          f"{second}) under a data-dependent condition", st.loc)
                    raise Race(array, flat, e.access, second)
        log = reads if kind == "read" else atomics if atomic else writes
        entry = (tid, epoch, atomic, warp[1])
        if entry not in log:
            log[entry] = _Entry(tid, block.id, epoch, atomic, conditional, st, kind, st.loc, warp)


def run_block(threads: list[tuple[ThreadCoord, Iterator[Any]]], block: Block,
              order: Optional[list[int]] = None) -> None:
    """Run a block's threads round-robin from one synchronisation to the next, in `order` (positions
    in `threads`; index order by default).

    `threads` are in linear thread order; each yields a Barrier at __syncthreads() and a WarpOp at a
    warp shuffle or __syncwarp(), and is sent the value its shuffle returns. All threads must reach
    the same barrier before any passes it; a thread that ends while others wait, or threads waiting
    at different barriers, is barrier divergence. The lanes of a warp named by a shuffle's mask
    meet at it alone (the other warps need not be there), as at a barrier of the warp.
    """
    count = len(threads)
    at: list[Any] = [None] * count  # what each thread waits at; None once it has ended
    sends: list[Any] = [None] * count
    order = list(range(count)) if order is None else order
    rank = {t: k for k, t in enumerate(order)}
    runnable = order
    ended: Optional[int] = None
    while True:
        for i in runnable:
            try:
                at[i] = threads[i][1].send(sends[i])
            except StopIteration:
                at[i] = None
                ended = i if ended is None else ended
            sends[i] = None
        runnable = sorted(_meet_in_warps(threads, at, sends, block), key=rank.__getitem__)
        if runnable:
            continue
        waiting = [i for i in range(count) if at[i] is not None]
        if not waiting:
            return
        barrier = at[waiting[0]]
        for i in waiting:
            if at[i] is not barrier:
                raise BarrierDivergence(
                    f"{threads[waiting[0]][0]} waits at the barrier at {barrier.loc} while {threads[i][0]} "
                    f"waits at the one at {at[i].loc}", at[i].loc, threads[i][0])
        if ended is not None:
            raise BarrierDivergence(f"{threads[ended][0]} ended while {threads[waiting[0]][0]} waits at "
                                    f"the barrier at {barrier.loc}", barrier.loc, threads[ended][0])
        block.epoch += 1
        runnable = [i for i in order if at[i] is not None]


def _meet_in_warps(threads: list[tuple[ThreadCoord, Iterator[Any]]], at: list[Any], sends: list[Any],
                   block: Block) -> list[int]:
    """Complete every warp operation that all its lanes reached; the lanes that may go on."""
    resumed: list[int] = []
    count = len(threads)
    for first in range(0, count, WARP_SIZE):
        lanes = range(first, min(first + WARP_SIZE, count))
        arrived = [i for i in lanes if isinstance(at[i], WarpOp)]
        if not arrived:
            continue
        op: WarpOp = at[arrived[0]]
        loc = op.stmt.loc
        for i in arrived:
            other: WarpOp = at[i]
            if other.stmt is not op.stmt:
                raise BarrierDivergence(f"lanes of a warp wait at different warp operations "
                                        f"({loc} and {other.stmt.loc})", other.stmt.loc, threads[i][0])
            if other.mask != op.mask:
                raise Unsupported(f"lanes of a warp at {_what(op.stmt)} with different masks", loc)
            if not op.mask >> (i - first) & 1:
                raise BarrierDivergence(f"{_what(op.stmt)} with mask {op.mask:#x}, which leaves out the "
                                        f"calling lane {i - first}", loc, threads[i][0])
        members = [i for i in lanes if op.mask >> (i - first) & 1]
        for i in members:
            if at[i] is None:
                raise BarrierDivergence(f"{threads[i][0]} ended while {threads[arrived[0]][0]} waits at "
                                        f"{_what(op.stmt)}", loc, threads[i][0])
            if not isinstance(at[i], WarpOp):
                raise BarrierDivergence(f"{threads[i][0]} waits at a barrier ({at[i].loc}) while "
                                        f"{threads[arrived[0]][0]} waits at {_what(op.stmt)}", loc,
                                        threads[i][0])
        if isinstance(op.stmt, Shuffle):
            member_set = set(members)
            for i in members:
                mine: WarpOp = at[i]
                source = first + _source_lane(op.stmt.kind, i - first, mine.lane_arg, mine.width, loc,
                                              threads[i][0])
                if source not in member_set:
                    raise BarrierDivergence(f"lane {i - first} reads lane {source - first}, which is not "
                                            f"in the shuffle's mask {op.mask:#x} or not in the block",
                                            loc, threads[i][0])
                sends[i] = (at[source].value, at[source].type)
        else:  # __syncwarp(): accesses before it are ordered before those after it, in this warp
            warp = first // WARP_SIZE
            block.warp_epochs[warp] = block.warp_epochs.get(warp, 0) + 1
        for i in members:
            at[i] = None
        resumed += members
    return resumed


def _what(stmt: Any) -> str:
    return f"a warp shuffle ({stmt.kind})" if isinstance(stmt, Shuffle) else "__syncwarp()"


def _source_lane(kind: str, lane: int, arg: int, width: int, loc: Optional[SourceLoc],
                 coord: ThreadCoord) -> int:
    """The lane whose value `lane` receives (CUDA's __shfl_*_sync, width-sized segments)."""
    if width < 1 or width > WARP_SIZE or width & (width - 1):
        raise BarrierDivergence(f"warp shuffle width {width} is not a power of 2 up to 32", loc, coord)
    start = lane - lane % width
    if kind == "down":
        return lane + arg if arg >= 0 and lane + arg < start + width else lane
    if kind == "up":
        return lane - arg if arg >= 0 and lane - arg >= start else lane
    if kind == "xor":
        source = lane ^ arg
        return source if 0 <= source < start + width else lane
    if kind == "idx":
        return start + arg % width
    raise Unsupported(f"warp shuffle kind {kind}", loc)
