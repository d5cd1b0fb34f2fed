"""Faults a run of the IR can end in (out-of-bounds access, data race, ...), with where and who."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from portproof.ir.nodes import SourceLoc
from portproof.ir.types import ScalarType


def _tuple(xs: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, xs)) + ")"


@dataclass(frozen=True)
class ThreadCoord:
    """A CUDA thread (block and thread index) or a ParallelFor point (axis names and values)."""
    block: Optional[tuple[int, ...]] = None
    thread: tuple[int, ...] = ()
    axes: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.block is not None:
            return f"block {_tuple(self.block)} thread {_tuple(self.thread)}"
        return "point " + ", ".join(f"{a}={i}" for a, i in zip(self.axes, self.thread))


@dataclass(frozen=True)
class Access:
    """One access of a race: who, how (read, write or atomic), and at which statement."""
    thread: ThreadCoord
    kind: str
    loc: Optional[SourceLoc]

    def __str__(self) -> str:
        return f"{self.kind} by {self.thread}" + (f" at {self.loc}" if self.loc else "")


class ExecutionFault(Exception):
    """A run that has no defined result; `loc` and `thread` say where, when known."""
    kind = "fault"

    def __init__(self, detail: str, loc: Optional[SourceLoc] = None,
                 thread: Optional[ThreadCoord] = None):
        super().__init__(detail)
        self.detail = detail
        self.loc = loc
        self.thread = thread

    def locate(self, loc: Optional[SourceLoc], thread: Optional[ThreadCoord]) -> None:
        """Fill in the innermost statement and thread, when the raiser did not know them."""
        if self.loc is None:
            self.loc = loc
        if self.thread is None:
            self.thread = thread

    def __str__(self) -> str:
        where = f"{self.loc}: " if self.loc else ""
        who = f" in {self.thread}" if self.thread else ""
        return f"{where}{self.kind}: {self.detail}{who}"


class OutOfBounds(ExecutionFault):
    kind = "out of bounds"

    def __init__(self, array: str, index: tuple[int, ...], extent: tuple[int, ...],
                 thread: Optional[ThreadCoord] = None, loc: Optional[SourceLoc] = None):
        subscripts = "".join(f"[{i}]" for i in index)
        super().__init__(f"{array}{subscripts} outside extent {_tuple(extent)}", loc, thread)
        self.array, self.index, self.extent = array, index, extent


class RankMismatch(ExecutionFault):
    kind = "rank mismatch"

    def __init__(self, array: str, index: tuple[int, ...], extent: tuple[int, ...]):
        super().__init__(f"{array} of shape {_tuple(extent)} accessed with {len(index)} indices")
        self.array, self.index, self.extent = array, index, extent


class Race(ExecutionFault):
    kind = "data race"

    def __init__(self, array: str, flat_index: int, first: Access, second: Access):
        super().__init__(f"{array}[{flat_index}]: {first} and {second}", second.loc, second.thread)
        self.array, self.flat_index, self.first, self.second = array, flat_index, first, second

    def __str__(self) -> str:
        where = f"{self.loc}: " if self.loc else ""
        return f"{where}{self.kind}: {self.detail}"


class BarrierDivergence(ExecutionFault):
    kind = "barrier divergence"

    def __str__(self) -> str:  # the detail names both threads
        where = f"{self.loc}: " if self.loc else ""
        return f"{where}{self.kind}: {self.detail}"


class UndefinedValue(ExecutionFault):
    kind = "uninitialised value"

    def __init__(self, loc: Optional[SourceLoc] = None, thread: Optional[ThreadCoord] = None,
                 use: str = "as a value"):
        super().__init__(f"used {use}", loc, thread)


class DivisionByZero(ExecutionFault):
    kind = "division by zero"

    def __init__(self, type: ScalarType):
        super().__init__(f"{type} division or remainder by zero")
        self.type = type


class SignedOverflow(ExecutionFault):
    kind = "signed overflow"

    def __init__(self, op: str, type: ScalarType, value: int):
        super().__init__(f"{op} gives {value}, outside the range of {type}")
        self.op, self.type, self.value = op, type, value


class InvalidShift(ExecutionFault):
    kind = "invalid shift"

    def __init__(self, count: int, type: ScalarType):
        super().__init__(f"shift of a {type} by {count}")
        self.count, self.type = count, type


class InvalidConversion(ExecutionFault):
    kind = "invalid conversion"

    def __init__(self, value: Any, src: ScalarType, dst: ScalarType):
        super().__init__(f"{src} {value} does not fit in {dst}")
        self.value, self.src, self.dst = value, src, dst


class StepLimit(ExecutionFault):
    kind = "step limit"

    def __init__(self, max_steps: int):
        super().__init__(f"more than {max_steps} steps")
        self.max_steps = max_steps


class BadLaunch(ExecutionFault):
    """A launch or barrier that makes no sense (mismatched arguments, a barrier on the host)."""
    kind = "bad launch"


class BadArray(ExecutionFault):
    """An array with a negative extent, or passed where its shape cannot fit the parameter."""
    kind = "bad array"
