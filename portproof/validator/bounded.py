"""Bounded proof: run both IRs on symbolic inputs (z3 terms) for every size up to a bound and ask
z3 whether any output element can differ. Floats are reals under `--fp real`, IEEE binary32/64
(z3's floating-point theory, round to nearest even) under `--fp ieee`."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import z3

from portproof.diagnostics import Unsupported
from portproof.ir.concrete import DTYPES
from portproof.ir.evaluate import UNDEF, ArrayStore
from portproof.ir.faults import ExecutionFault
from portproof.ir.interpret import run
from portproof.ir.nodes import ArrayParam, ScalarParam
from portproof.ir.types import ScalarType
from portproof.validator.binding import Pair
from portproof.validator.domains import IeeeDomain, RealDomain
from portproof.validator.inputs import Inputs, Sizes, array_extent, float_inputs, size_names, size_tuples
from portproof.validator.search import MAX_STEPS, compare_outputs, port_step_limit, run_pair


@dataclass
class BoundedReport:
    proved_bound: int                  # every size tuple with all sizes <= this was checked
    model: Optional[Inputs] = None     # inputs z3 found on which outputs differ
    fault: Optional[str] = None
    fault_sizes: Optional[Sizes] = None  # where the port faults (whatever the data, or on `model`)
    stopped: str = ""                  # why the check stopped before the requested bound
    tuples: int = 0
    skipped: list[str] = field(default_factory=list)  # sizes outside the contract: the original faults
    uninterpreted: set[str] = field(default_factory=set)  # math functions left uninterpreted (ieee)
    found_by: str = "z3"               # or "random floats" (ieee): what produced `model`
    # an access of the original at a data-dependent index that can be out of bounds: the inputs that
    # make it so are outside the contract
    original_faults: str = ""


def bounded_check(pair: Pair, *, bound: int, deadline: float, timeout_ms: int = 5000,
                  fp: str = "real") -> BoundedReport:
    names = size_names(pair.orig_fn, pair.macros)
    report = BoundedReport(proved_bound=0)
    current_max = 0
    blocked: Optional[int] = None  # ieee: the level where z3 first gave up; larger sizes may still refute
    rng = np.random.default_rng(0)
    for sizes in size_tuples(names, pair.macros, bound):
        level = max((v for _, v in sizes.values), default=0)
        if level > current_max and blocked is None:
            report.proved_bound = current_max = level - 1 if level > 0 else 0
        if time.monotonic() > deadline:
            report.stopped = (f"{report.stopped}; then " if report.stopped else "") + \
                f"time limit reached while checking sizes {sizes.as_dict()}"
            return report
        domain = IeeeDomain() if fp == "ieee" else RealDomain()
        outcome = _float_testing(pair, sizes, rng) if fp == "ieee" else None
        if outcome is not None:
            report.found_by = "random floats"
        else:
            outcome = _check_sizes(pair, sizes, timeout_ms, domain)
        report.uninterpreted |= getattr(domain, "uninterpreted", set())
        if domain.original_faults and not report.original_faults:
            report.original_faults = str(domain.original_faults[0][1])
        report.tuples += 1
        if outcome is not None:
            kind, payload = outcome
            if kind == "skipped":
                report.skipped.append(payload)
                continue
            if kind == "gave up" and fp == "ieee":
                # bit-exact proofs of differently shaped float terms are hard for z3, counterexamples
                # are not: keep looking for one at larger sizes
                if blocked is None:
                    blocked, report.stopped = level, payload
                continue
            if kind == "model":
                report.model = payload
            elif kind == "fault":
                report.fault, report.fault_sizes = payload, sizes
            elif kind == "fault model":
                (report.fault, report.model), report.fault_sizes = payload, sizes
            else:
                report.stopped = payload
            return report
    report.proved_bound = bound if blocked is None else max(blocked - 1, 0)
    if report.skipped and len(report.skipped) == report.tuples:
        report.proved_bound, report.stopped = 0, "the original faults on every size tuple checked"
    return report


def _float_testing(pair: Pair, sizes: Sizes, rng: np.random.Generator,
                   runs: int = 3) -> Optional[tuple[str, Any]]:
    """ieee: runs of both IRs on random floats of mixed magnitudes, whose sums and products round
    (the search's small integers are exact); a bit-level difference is a model, as z3's would be."""
    for _ in range(runs):
        inputs = float_inputs(pair.orig_fn, pair.shapes, sizes, rng)
        if inputs is None:
            return None
        orig, port, orig_fault = run_pair(pair, inputs)
        if orig_fault is not None or "fault" in port:
            return None  # data-dependent faults are left to z3
        if compare_outputs(pair, orig, port, fp="ieee") is not None:
            return "model", inputs
    return None


def _check_sizes(pair: Pair, sizes: Sizes, timeout_ms: int,
                 domain: RealDomain) -> Optional[tuple[str, Any]]:
    env = sizes.as_dict()
    scalars: dict[str, Any] = dict(env)
    arrays: dict[str, list] = {}
    symbols: dict[str, Any] = {}
    types: dict[str, ScalarType] = {}
    for p in pair.orig_fn.params:
        if isinstance(p, ScalarParam) and not p.type.is_integer:
            scalars[p.name] = symbols[p.name] = domain.symbol(p.name, p.type)
            types[p.name] = p.type
        elif isinstance(p, ArrayParam):
            extent = array_extent(pair.shapes[p.name], env)
            if extent < 0:
                return "skipped", f"sizes {env}: '{p.name}' would have a negative extent"
            arrays[p.name] = [domain.symbol(f"{p.name}[{k}]", p.type) for k in range(extent)]
            types[p.name] = p.type
    try:
        o = run(pair.original, pair.orig_fn.name, scalars, _stores(pair.orig_fn, arrays), domain=domain,
                max_steps=MAX_STEPS)
    except ExecutionFault as e:
        return "skipped", f"sizes {env}: the original itself faults ({e.detail})"
    except Unsupported as e:
        return "stopped", f"sizes {env}: the original: {e}"
    except z3.Z3Exception as e:
        return "stopped", f"sizes {env}: the original could not be encoded ({e})"
    # inputs on which the original reads or writes out of bounds are outside the contract
    in_bounds = [z3.Not(c) for c, _ in domain.faults]
    if in_bounds:
        result, solver = _solve(domain.constraints(symbols, arrays, types) + in_bounds, timeout_ms)
        if result == z3.unsat:
            return "skipped", f"sizes {env}: the original faults whatever the data ({domain.faults[0][1]})"
        if result == z3.unknown:  # a proof under no inputs at all would be vacuous
            return "stopped", f"sizes {env}: solver gave up on the bounds of the original ({solver.reason_unknown()})"
    domain.original_faults, domain.faults = domain.faults, []
    # under ieee the port sees the original's element types, as in the concrete runs
    port_types = types if isinstance(domain, IeeeDomain) else {}
    try:
        q = run(pair.port, pair.port_fn.name, scalars, _stores(pair.port_fn, arrays, port_types),
                domain=domain, max_steps=port_step_limit(pair, o.steps, env))
    except ExecutionFault as e:
        return "fault", f"sizes {env}: {e}"
    except Unsupported as e:
        return "stopped", f"sizes {env}: {e}"
    except z3.Z3Exception as e:
        return "stopped", f"sizes {env}: the port could not be encoded ({e})"
    contract = domain.constraints(symbols, arrays, types) + in_bounds
    if domain.inf_operands and not _infinities_unseen(domain, contract, timeout_ms):
        return "stopped", (f"sizes {env}: an infinite constant may reach arithmetic (+ - * /, a math "
                           f"function or a conversion), which reals cannot model; --fp ieee can")
    if domain.faults:
        result, solver = _solve(contract + [z3.Or(*[c for c, _ in domain.faults])], timeout_ms)
        if result == z3.unknown:
            return "stopped", f"sizes {env}: solver gave up on the bounds of the port ({solver.reason_unknown()})"
        if result == z3.sat:
            model = solver.model()
            fault = next(f for c, f in domain.faults if z3.is_true(model.eval(c, model_completion=True)))
            inputs = _inputs_from_model(pair, env, symbols, arrays, types, model, domain)
            return "fault model", (f"sizes {env}: {fault} (on the inputs z3 found)", inputs)
    differences = []
    pairs_of_values = [(p.name, p.type, a, b) for p in pair.orig_fn.params if isinstance(p, ArrayParam)
                       for a, b in zip(o.arrays[p.name].values, q.arrays[p.name].values)]
    if pair.orig_fn.return_type is not None:
        pairs_of_values.append(("the return value", pair.orig_fn.return_type, o.return_value, q.return_value))
    for name, type, a, b in pairs_of_values:
        if a is UNDEF and b is UNDEF:
            continue
        if a is UNDEF or b is UNDEF or a is None or b is None:
            return "stopped", f"sizes {env}: '{name}' left undefined by one side"
        d = domain.differs(a, b, type)
        if d is not None:
            differences.append(d)
    if not differences:
        return None
    result, solver = _solve(contract + [z3.Or(*differences)], timeout_ms)
    if result == z3.unsat:
        return None
    if result == z3.unknown:
        return "gave up", f"sizes {env}: solver gave up ({solver.reason_unknown()})"
    model = solver.model()
    finite = domain.finite(symbols, arrays) if isinstance(domain, IeeeDomain) else []
    if finite and not all(z3.is_true(model.eval(f, model_completion=True)) for f in finite):
        # prefer a counterexample with finite inputs when there is one
        solver.add(*finite)
        if solver.check() == z3.sat:
            model = solver.model()
    return "model", _inputs_from_model(pair, env, symbols, arrays, types, model, domain)


def _infinities_unseen(domain: RealDomain, contract: list, timeout_ms: int) -> bool:
    """Whether every arithmetic operand that mentions an infinity stand-in has one value whatever
    the stand-ins' values (within the contract): then it has that value with true infinities too,
    and only comparisons, min, max and selects see the stand-ins, as they would see infinities."""
    moved = [(s, z3.FreshReal(str(s))) for s in domain.infinities.values()]
    changes = [t != z3.substitute(t, *moved) for t in domain.inf_operands.values()]
    result, _ = _solve(contract + [z3.substitute(c, *moved) for c in contract] + [z3.Or(*changes)], timeout_ms)
    return result == z3.unsat


def _solve(assertions: list, timeout_ms: int) -> tuple[z3.CheckSatResult, z3.Solver]:
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    solver.add(*assertions)
    return solver.check(), solver


def _stores(fn, arrays: dict[str, list], types: Optional[dict] = None) -> dict[str, ArrayStore]:
    out = {}
    for p in fn.params:
        if isinstance(p, ArrayParam):
            values = arrays[p.name]
            out[p.name] = ArrayStore((types or {}).get(p.name, p.type), (len(values),), list(values))
    return out


def _inputs_from_model(pair: Pair, env: dict, symbols: dict, arrays: dict, types: dict,
                       model: z3.ModelRef, domain: RealDomain) -> Inputs:
    """The model's inputs; under ieee floats keep their exact bits."""
    scalars = {name: domain.value(model, s, types[name]) for name, s in symbols.items()}
    out = {}
    for p in pair.orig_fn.params:
        if isinstance(p, ArrayParam):
            out[p.name] = np.array([domain.value(model, t, p.type) for t in arrays[p.name]],
                                   dtype=DTYPES[p.type])
    return Inputs(env, scalars, out)
