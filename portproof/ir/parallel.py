"""Parallel regions of a run: the race log, CUDA blocks, the barrier-to-barrier thread schedule."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Optional

from portproof.diagnostics import Unsupported
from portproof.ir.faults import Access, BarrierDivergence, Race, ThreadCoord
from portproof.ir.nodes import Barrier, SourceLoc

if TYPE_CHECKING:
    from portproof.ir.interpret import ArrayStore


@dataclass
class Block:
    """A CUDA block (or a whole ParallelFor): its number, barrier epoch and `__shared__` arrays."""
    id: int
    shared_bytes: int = 0
    epoch: int = 0
    shared: dict[str, "ArrayStore"] = field(default_factory=dict)


@dataclass(frozen=True)
class _Entry:
    tid: int
    block: int
    epoch: int
    atomic: bool
    conditional: bool
    access: Access


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

    def record(self, array: str, values: list, flat: int, kind: str, tid: int, block: Block,
               coord: ThreadCoord, loc: Optional[SourceLoc], conditional: bool) -> None:
        cell = self.cells.get((id(values), flat))
        if cell is None:
            cell = self.cells[(id(values), flat)] = ({}, {})
            self.alive[id(values)] = values
        reads, writes = cell
        atomic = kind == "atomic"
        epoch = block.epoch
        others = writes.values() if kind == "read" else (*reads.values(), *writes.values())
        for e in others:
            if e.tid != tid and not (atomic and e.atomic) and \
                    (e.block != block.id or e.epoch == epoch):
                second = Access(coord, kind, loc)
                if conditional or e.conditional:
                    raise Unsupported(f"possible data race on {array}[{flat}] ({e.access} and "
                                      f"{second}) under a data-dependent condition", loc)
                raise Race(array, flat, e.access, second)
        log = reads if kind == "read" else writes
        key = (tid, epoch, atomic)
        if key not in log:
            log[key] = _Entry(tid, block.id, epoch, atomic, conditional, Access(coord, kind, loc))


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
