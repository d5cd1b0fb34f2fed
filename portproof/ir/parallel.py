"""Parallel regions of a run: the race log, CUDA blocks, the barrier-to-barrier thread schedule."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Optional

from portproof.diagnostics import Unsupported
from portproof.ir.faults import Access, BarrierDivergence, Race, ThreadCoord
from portproof.ir.nodes import Barrier, SourceLoc

if TYPE_CHECKING:
    from portproof.ir.evaluate import ArrayStore, Frame


@dataclass
class Block:
    """A CUDA block (or a whole ParallelFor): its number, barrier epoch and `__shared__` arrays."""
    id: int
    shared_bytes: int = 0
    epoch: int = 0
    shared: dict[str, "ArrayStore"] = field(default_factory=dict)


class _Entry:
    """A thread's first access of a cell between two barriers; the Access is made for a report."""
    __slots__ = ("tid", "block", "epoch", "atomic", "conditional", "frame", "kind", "loc")

    def __init__(self, tid: int, block: int, epoch: int, atomic: bool, conditional: bool,
                 frame: "Frame", kind: str, loc: Optional[SourceLoc]):
        self.tid, self.block, self.epoch, self.atomic = tid, block, epoch, atomic
        self.conditional, self.frame, self.kind, self.loc = conditional, frame, kind, loc

    @property
    def access(self) -> Access:
        return Access(self.frame.coord, self.kind, self.loc)


class RaceLog:
    """Every element's accesses within one launch or ParallelFor; raises Race on a conflict.

    Two accesses conflict when they are by different threads, at least one writes, not both are
    atomic, and they are in different blocks or in one block between the same two barriers.
    """

    def __init__(self) -> None:
        # (id of the values list, flat index) -> (reads, writes), each keyed by (tid, epoch, atomic)
        self.cells: dict[tuple[int, int], tuple[dict, dict]] = {}
        # the lists themselves, so that no id is reused while the log lives (per-block arrays)
        self.alive: dict[int, list] = {}

    def record(self, array: str, values: list, flat: int, kind: str, st: "Frame",
               conditional: bool) -> None:
        """Log an access by the thread of frame `st` at its current statement."""
        key = (id(values), flat)
        cell = self.cells.get(key)
        if cell is None:
            cell = self.cells[key] = ({}, {})
            self.alive[id(values)] = values
        reads, writes = cell
        atomic = kind == "atomic"
        tid, block = st.tid, st.block
        epoch = block.epoch
        for log in (writes,) if kind == "read" else (reads, writes):
            for e in log.values():
                if e.tid != tid and not (atomic and e.atomic) and \
                        (e.block != block.id or e.epoch == epoch):
                    second = Access(st.coord, kind, st.loc)
                    if conditional or e.conditional:
                        raise Unsupported(f"possible data race on {array}[{flat}] ({e.access} and "
                                          f"{second}) under a data-dependent condition", st.loc)
                    raise Race(array, flat, e.access, second)
        log = reads if kind == "read" else writes
        entry = (tid, epoch, atomic)
        if entry not in log:
            log[entry] = _Entry(tid, block.id, epoch, atomic, conditional, st, kind, st.loc)


def run_block(threads: list[tuple[ThreadCoord, Iterator[Barrier]]], block: Block) -> None:
    """Run a block's threads round-robin from barrier to barrier (each thread yields at a Barrier).

    All threads must reach the same barrier before any passes it; a thread that ends while others
    wait, or threads waiting at different barriers, is barrier divergence.
    """
    live = threads
    while live:
        waiting: list[tuple[ThreadCoord, Iterator[Barrier]]] = []
        barrier: Any = None
        finished: Optional[ThreadCoord] = None
        for coord, thread in live:
            try:
                reached = next(thread)
            except StopIteration:
                finished = finished or coord
                continue
            if barrier is None:
                barrier = reached
            elif reached is not barrier:
                raise BarrierDivergence(
                    f"threads wait at different barriers ({barrier.loc} and {reached.loc})",
                    reached.loc, coord)
            waiting.append((coord, thread))
        if waiting and finished is not None:
            raise BarrierDivergence(f"{finished} ended while {waiting[0][0]} waits at a barrier",
                                    barrier.loc, finished)
        block.epoch += 1
        live = waiting
