"""Results that may depend on the order of threads: the atomics that make them so, and a search for an
input and two schedules of the port's IR whose results differ."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from portproof.diagnostics import Unsupported
from portproof.ir.concrete import arrays_to_numpy, run_concrete
from portproof.ir.faults import ExecutionFault
from portproof.ir.mapper import walk
from portproof.ir.nodes import ArrayParam, Atomic, LocalArray, Program
from portproof.ir.parallel import Schedule
from portproof.ir.types import ScalarType
from portproof.validator.binding import Pair
from portproof.validator.inputs import Inputs, Sizes, float_inputs, size_names, size_tuples
from portproof.validator.search import MAX_STEPS, RETURN, compare_outputs, port_step_limit

INDEX = Schedule()
OTHER_ORDERS = (Schedule("reverse"), *(Schedule("seeded", seed) for seed in range(1, 7)))
INPUTS_PER_SIZE = 3  # in the search; twice as many at the smaller sizes once it found a difference
BUDGET_S = 4.0  # of the search; what is left of the deadline when less
NOTE_BUDGET_S = 1.0  # of the runs behind the --fp real reassociation note


def order_sensitive(atomic: Atomic, type: Optional[ScalarType], fp: str) -> bool:
    """Whether two threads applying `atomic` to one element may leave a result that depends on
    which goes first: its old value is used, it exchanges, or it rounds (floats under ieee; min and
    max too, which pick between -0 and +0 and skip NaN by order)."""
    if atomic.result is not None or atomic.op == "exch":
        return True
    return type is None or (type.is_float and fp == "ieee")


def sensitive_atomics(program: Program, fp: str) -> list[Atomic]:
    """The port's atomics that may be order-sensitive (element types from the arrays' declarations;
    an array declared with two types counts as float)."""
    types: dict[str, set[ScalarType]] = {}
    for f in program.functions:
        for p in f.params:
            if isinstance(p, ArrayParam):
                types.setdefault(p.name, set()).add(p.type)
        for s in walk(f.body):
            if isinstance(s, LocalArray):
                types.setdefault(s.name, set()).add(s.type)
    found = []
    for f in program.functions:
        for s in walk(f.body):
            if isinstance(s, Atomic):
                declared = types.get(s.array, set())
                t = None if not declared else next((x for x in declared if x.is_float), next(iter(declared)))
                if order_sensitive(s, t, fp):
                    found.append(s)
    return found


def describe(atomics: list[Atomic]) -> str:
    """`atomic add on d_s (port.cu:7:9), ...`, each statement once."""
    seen = sorted({(str(a.loc) if a.loc else "", a.op, a.array) for a in atomics})
    return ", ".join(f"atomic {op} on {array}" + (f" ({loc})" if loc else "") for loc, op, array in seen)


@dataclass(frozen=True)
class OrderFinding:
    """An input on which the port's IR gives two results under two schedules."""
    inputs: Inputs
    first: Schedule
    second: Schedule
    array: str                    # RETURN for the return value
    index: Optional[int]
    first_value: Any
    second_value: Any
    atomics: str                  # the contended atomics, described


@dataclass
class OrderReport:
    finding: Optional[OrderFinding] = None
    inputs: int = 0               # inputs run in every order, with order-sensitive atomics contended
    contended: list[Atomic] = field(default_factory=list)  # order-sensitive atomics seen contended
    sizes: str = ""               # the largest sizes of those inputs

    @property
    def orders(self) -> int:
        return 1 + len(OTHER_ORDERS)


def order_search(pair: Pair, *, bound: int, deadline: float, fp: str) -> OrderReport:
    """Run the port's IR in index order and in OTHER_ORDERS on random inputs (floats of mixed
    magnitudes, whose sums round) at every size tuple up to `bound`, largest first (more threads meet
    at one element there); the first two orders whose results differ (bit-exactly under ieee,
    beyond the tolerance under real) are the finding, replaced by one at smaller sizes if the
    smaller tuples, smallest first, show one within the budget."""
    report = OrderReport()
    rng = np.random.default_rng(11)
    stop = min(deadline, time.monotonic() + BUDGET_S)
    tuples = list(size_tuples(size_names(pair.orig_fn, pair.macros), pair.macros, bound))
    at = _search(pair, tuples[::-1], fp, rng, stop, report, INPUTS_PER_SIZE)
    if at is not None:
        smaller = OrderReport()
        if _search(pair, tuples[:len(tuples) - 1 - at], fp, rng, stop, smaller, 2 * INPUTS_PER_SIZE) is not None:
            report.finding = smaller.finding
    return report


def _search(pair: Pair, tuples: list[Sizes], fp: str, rng: np.random.Generator, stop: float,
            report: OrderReport, per_size: int) -> Optional[int]:
    """Fill `report`; the position in `tuples` of the finding's sizes, if there is one."""
    for position, sizes in enumerate(tuples):
        for _ in range(per_size):
            if time.monotonic() > stop:
                return None
            inputs = float_inputs(pair.orig_fn, pair.shapes, sizes, rng)
            limit = None if inputs is None else _step_limit(pair, inputs)
            base = None if limit is None else _run(pair, inputs, INDEX, fp, limit)
            if base is None:
                break
            outputs, contended = base
            if not contended:
                continue
            report.contended += [a for a in contended if a not in report.contended]
            for schedule in OTHER_ORDERS:
                if time.monotonic() > stop:
                    return None
                other = _run(pair, inputs, schedule, fp, limit)
                if other is None:
                    continue  # a fault in one order only: never `equivalent` here, see _thread_orders
                diff = compare_outputs(pair, outputs, other[0], fp)
                if diff is not None:
                    array, index, _, first, second = diff
                    report.finding = OrderFinding(inputs, INDEX, schedule, array, index, first, second,
                                                  describe(contended))
                    return position
            report.inputs += 1
            report.sizes = report.sizes or str(sizes.as_dict())
    return None


def reassociation(pair: Pair, bound: int, tries: int = 2) -> Optional[str]:
    """Under --fp real: why an equivalence holds only up to reassociation, from runs of both IRs on
    random floats at each size tuple up to `bound`, largest first: float atomics that threads apply
    to one element in the order they arrive, or outputs that differ from the original's in their
    last bits (a reordered sum; or a change of precision, which this cannot tell apart)."""
    fn = pair.orig_fn
    if not any(t is not None and t.is_float for t in (fn.return_type, *(p.type for p in fn.params))):
        return None  # no float comes in or out
    rng = np.random.default_rng(5)
    atomics: list[Atomic] = []
    diff = None
    tuples = reversed(list(size_tuples(size_names(pair.orig_fn, pair.macros), pair.macros, bound)))
    stop = time.monotonic() + NOTE_BUDGET_S
    for sizes in (s for s in tuples for _ in range(tries)):
        if time.monotonic() > stop:
            break
        inputs = float_inputs(pair.orig_fn, pair.shapes, sizes, rng)
        limit = None if inputs is None else _step_limit(pair, inputs)
        if limit is None:
            break
        try:
            o = run_concrete(pair.original, pair.orig_fn.name, inputs.all_scalars(), inputs.arrays,
                             max_steps=MAX_STEPS)
            q = run_concrete(pair.port, pair.port_fn.name, inputs.all_scalars(), inputs.arrays, max_steps=limit)
        except (ExecutionFault, Unsupported):
            break
        atomics += [a for a, t in q.contended.items() if t.is_float and a.op in ("add", "sub")]
        diff = compare_outputs(pair, {**arrays_to_numpy(o), RETURN: o.return_value},
                               {**arrays_to_numpy(q), RETURN: q.return_value}, "ieee")
        if diff is not None:
            diff_sizes = sizes.as_dict()
            break
    why = [f"{describe(atomics)}: threads add in the order they arrive"] if atomics else []
    if diff is not None:
        array, _, _, expected, actual = diff
        what = "the return value differs" if array == RETURN else f"{array} differs"
        why.append(f"on random floats at sizes {diff_sizes} {what} in rounding ({expected!r} in the "
                   f"original, {actual!r} in the port)")
    return "equivalent up to reassociation: " + "; ".join(why) if why else None


def _step_limit(pair: Pair, inputs: Inputs) -> Optional[int]:
    """The port's step limit on `inputs`; None when the original faults there (outside the contract)."""
    try:
        o = run_concrete(pair.original, pair.orig_fn.name, inputs.all_scalars(), inputs.arrays,
                         max_steps=MAX_STEPS)
    except (ExecutionFault, Unsupported):
        return None
    return port_step_limit(pair, o.steps, inputs.sizes)


def _run(pair: Pair, inputs: Inputs, schedule: Schedule, fp: str,
         limit: int) -> Optional[tuple[dict, list[Atomic]]]:
    """The port's outputs (keyed as the original's) and its contended order-sensitive atomics; None
    when it faults (the other checks deal with faults)."""
    try:
        q = run_concrete(pair.port, pair.port_fn.name, inputs.all_scalars(), inputs.arrays,
                         max_steps=limit, schedule=schedule)
    except (ExecutionFault, Unsupported):
        return None
    contended = [a for a, t in q.contended.items() if order_sensitive(a, t, fp)]
    return {**arrays_to_numpy(q), RETURN: q.return_value}, contended
