"""Verdicts are values: Equivalent | NotEquivalent | Unknown | Error, each with a stable JSON form."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, Optional, Union

from portproof.diagnostics import EXIT_BAD_INPUT, EXIT_EQUIVALENT, EXIT_NOT_EQUIVALENT, EXIT_UNKNOWN

SCHEMA = "portproof.verdict/1"


class Reason(str, Enum):
    UNSUPPORTED = "unsupported"
    TIMEOUT = "timeout"
    APPROXIMATION = "approximation"
    SOLVER = "solver-error"
    UNCONFIRMED = "unconfirmed"
    THREAD_ORDER = "thread-order"  # the result may depend on the order of threads; not all orders checked


@dataclass(frozen=True)
class Check:
    name: str       # bounds | race | launch | compile | identical | all-sizes | bounded | testing
    status: str     # passed | failed | skipped | unknown
    detail: str = ""


@dataclass(frozen=True)
class Counterexample:
    kind: str                         # value | race | out-of-bounds | uninitialized | fault | thread order
    sizes: dict[str, Any]             # integer scalars (sizes, macros)
    scalars: dict[str, Any]           # the other scalars
    arrays: dict[str, list]           # input array contents (flat)
    launch: Optional[str]             # the launch the port ran with, when kernel-only
    array: Optional[str] = None       # first differing output
    index: Optional[list[int]] = None
    expected: Any = None
    actual: Any = None
    statement: Optional[str] = None   # the port's statement that wrote it (file:line)
    detail: str = ""
    confirmed: bool = False
    confirmation: str = ""            # how it was executed on both sides
    # kind "thread order": the port run twice on the input, [{"order": ..., "value": ...}] per run
    orders: Optional[list[dict[str, Any]]] = None


@dataclass(frozen=True)
class Equivalent:
    scope: str                        # all-sizes | bounded
    bound: Optional[int] = None
    notes: tuple[str, ...] = ()
    verdict: str = "equivalent"


@dataclass(frozen=True)
class NotEquivalent:
    counterexample: Counterexample
    notes: tuple[str, ...] = ()
    verdict: str = "not-equivalent"


@dataclass(frozen=True)
class Unknown:
    reason: Reason
    detail: str
    location: Optional[str] = None
    notes: tuple[str, ...] = ()
    verdict: str = "unknown"


@dataclass(frozen=True)
class Error:
    kind: str
    message: str
    location: Optional[str] = None
    verdict: str = "error"


Verdict = Union[Equivalent, NotEquivalent, Unknown, Error]

EXIT_STATUS = {"equivalent": EXIT_EQUIVALENT, "not-equivalent": EXIT_NOT_EQUIVALENT,
               "unknown": EXIT_UNKNOWN, "error": EXIT_BAD_INPUT}


@dataclass
class Result:
    """A verdict with what led to it: the checks run, the defaults applied, the time taken."""
    verdict: Verdict
    checks: list[Check] = field(default_factory=list)
    defaults: list[str] = field(default_factory=list)
    time_s: float = 0.0
    reward: float = 0.0

    @property
    def exit_status(self) -> int:
        return EXIT_STATUS[self.verdict.verdict]

    def to_json(self) -> dict[str, Any]:
        v = self.verdict
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "verdict": v.verdict,
            "scope": getattr(v, "scope", None),
            "bound": getattr(v, "bound", None),
            "counterexample": asdict(v.counterexample) if isinstance(v, NotEquivalent) else None,
            "reasons": _reasons(v),
            "checks": [asdict(c) for c in self.checks],
            "defaults": list(self.defaults),
            "reward": self.reward,
            "time_s": round(self.time_s, 4),
        }
        return out


def _reasons(v: Verdict) -> list[dict[str, Any]]:
    if isinstance(v, Unknown):
        return [{"reason": v.reason.value, "detail": v.detail, "location": v.location}]
    if isinstance(v, Error):
        return [{"reason": v.kind, "detail": v.message, "location": v.location}]
    return [{"reason": "note", "detail": n, "location": None} for n in getattr(v, "notes", ())]
