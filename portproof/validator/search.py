"""Counterexample search by running both IRs on small random inputs (never a proof of equivalence)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from portproof.diagnostics import Unsupported
from portproof.ir.concrete import DTYPES, arrays_to_numpy, run_concrete
from portproof.ir.evaluate import UNDEF
from portproof.ir.faults import ExecutionFault, Race
from portproof.ir.mapper import walk
from portproof.ir.nodes import ArrayParam, Copy, Store
from portproof.validator.binding import Pair
from portproof.validator.launch import threads_launched, widest_block
from portproof.validator.inputs import Inputs, Sizes, largest_sizes, make_inputs, size_names, size_tuples


@dataclass
class Finding:
    """A candidate counterexample: inputs on which the IRs of the two programs disagree."""
    kind: str                     # value | uninitialized | fault
    inputs: Inputs
    array: Optional[str] = None
    index: Optional[int] = None
    expected: object = None
    actual: object = None
    detail: str = ""
    statement: Optional[str] = None

    @property
    def is_race(self) -> bool:
        """A data race found in the port's IR (the interpreter's Race fault, as its detail says)."""
        return self.kind == "fault" and f"{Race.kind}:" in self.detail


@dataclass
class SearchReport:
    finding: Optional[Finding] = None
    runs: int = 0
    skipped: list[str] = field(default_factory=list)  # inputs on which the original itself faults


def tolerance(dtype: np.dtype) -> tuple[float, float]:
    return (1e-5, 1e-6) if dtype == np.float32 else (1e-9, 1e-12)


MAX_STEPS = 500_000  # statements per run: small inputs need far fewer; a port that loops stops here
RETURN = "return value"  # the name a differing return value is reported under


def exact_equal(a, b) -> np.ndarray:
    """`--fp ieee`: elementwise bit-equality of floats (+0 and -0 differ), with every NaN equal to
    every NaN; arrays of different float types compare by value."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return (a.view(np.uint64) == b.view(np.uint64)) | (np.isnan(a) & np.isnan(b))


def close(expected, actual, dtype, fp: str = "real") -> bool:
    if np.dtype(dtype).kind == "f" and fp == "ieee":
        return bool(exact_equal(expected, actual))
    if np.dtype(dtype).kind == "f":
        rtol, atol = tolerance(np.dtype(dtype))
        return bool(np.isclose(float(actual), float(expected), rtol=rtol, atol=atol, equal_nan=True))
    return expected == actual


def compare_outputs(pair: Pair, orig: dict, port: dict, fp: str = "real") -> Optional[tuple]:
    """(array, flat index, kind, expected, actual) of the first difference, or None."""
    if pair.orig_fn.return_type is not None:
        expected, actual = orig[RETURN], port[RETURN]
        if actual is None or actual is UNDEF:
            return RETURN, None, "uninitialized", _item(expected), None
        if not close(expected, actual, DTYPES[pair.orig_fn.return_type], fp):
            return RETURN, None, "value", _item(expected), _item(actual)
    for p in pair.orig_fn.params:
        if not isinstance(p, ArrayParam):
            continue
        o, q = orig[p.name], port[p.name]
        ov, qv = np.ravel(o.values), np.ravel(q.values)
        od, qd = np.ravel(o.defined), np.ravel(q.defined)
        for k in np.flatnonzero(od & ~qd):
            return p.name, int(k), "uninitialized", ov[k].item(), None
        if (ov.dtype.kind == "f" or qv.dtype.kind == "f") and fp == "ieee":
            bad = ~exact_equal(ov, qv)
        elif ov.dtype.kind == "f" or qv.dtype.kind == "f":
            rtol, atol = tolerance(ov.dtype)
            bad = ~np.isclose(qv.astype(np.float64), ov.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True)
        else:
            bad = ov != qv
        bad &= od
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            return p.name, k, "value", ov[k].item(), qv[k].item()
    return None


def writers(pair: Pair, array: str) -> Optional[str]:
    """The port's statements that write `array` (directly or through a device copy of it)."""
    sources = {array}
    for n in walk(pair.proof_fn.body):
        if isinstance(n, Copy) and n.dst in sources:
            sources.add(n.src)
    locs = sorted({str(n.loc) for n in walk(pair.proof_fn.body)
                   if isinstance(n, Store) and n.array in sources and n.loc is not None})
    return ", ".join(locs) if locs else None


def run_pair(pair: Pair, inputs: Inputs) -> tuple[Optional[dict], Optional[dict], Optional[Exception]]:
    """Run both IRs; the original's fault is returned as the third value with no outputs."""
    try:
        o = run_concrete(pair.original, pair.orig_fn.name, inputs.all_scalars(), inputs.arrays,
                         max_steps=MAX_STEPS)
    except (ExecutionFault, Unsupported) as e:
        return None, None, e
    orig = {**arrays_to_numpy(o), RETURN: o.return_value}
    try:
        q = run_concrete(pair.port, pair.port_fn.name, inputs.all_scalars(), inputs.arrays,
                         max_steps=port_step_limit(pair, o.steps, inputs.sizes))
    except ExecutionFault as e:
        return orig, {"fault": e}, None
    return orig, {**arrays_to_numpy(q), RETURN: q.return_value}, None


def port_step_limit(pair: Pair, original_steps: int, sizes: dict) -> int:
    """How long the port may run before it counts as not terminating: generously more than the
    original took, plus room for every launched thread to test its guard and take part in the
    block's tree reductions (a few dozen steps each at 256 threads a block)."""
    return min(MAX_STEPS, 100 * original_steps + 200 * threads_launched(pair.port_fn, sizes) + 10_000)


def _item(x):
    return x.item() if hasattr(x, "item") else x


def search(pair: Pair, *, bound: int, deadline: float, seeds: int = 2, limit: Optional[int] = None,
           rng_seed: int = 0, start_at: int = 0, fp: str = "real", only: Optional[list[Sizes]] = None) -> SearchReport:
    """Try size tuples in increasing order (each size up to `bound`; or just those in `only`), `seeds` random
    inputs each; `start_at=-1` starts from the largest tuple instead (a smoke test of one run)."""
    report = SearchReport()
    rng = np.random.default_rng(rng_seed)
    names = size_names(pair.orig_fn, pair.macros)
    tuples = list(only) if only is not None else list(size_tuples(names, pair.macros, bound))
    for count, sizes in enumerate(tuples[start_at:] + tuples[:start_at]):
        if (limit is not None and count >= limit) or time.monotonic() > deadline:
            break
        for _ in range(seeds):
            inputs = make_inputs(pair.orig_fn, pair.shapes, sizes, rng)
            if inputs is None:
                break
            report.runs += 1
            orig, port, orig_fault = run_pair(pair, inputs)
            if orig_fault is not None:
                report.skipped.append(f"{sizes.as_dict()}: {orig_fault}")
                break
            if "fault" in port:
                fault = port["fault"]
                report.finding = Finding("fault", inputs, detail=str(fault),
                                         statement=str(fault.loc) if fault.loc else None)
                return report
            diff = compare_outputs(pair, orig, port, fp)
            if diff is not None:
                array, index, kind, expected, actual = diff
                report.finding = Finding(kind, inputs, array, index, expected, actual,
                                         statement=writers(pair, array))
                return report
    return report


def block_edge_sizes(pair: Pair, bound: int) -> Optional[Sizes]:
    """The sizes that set how many threads are launched, each two past the widest thread-block
    dimension (the others at the bound): a second, partial block, so code that only matters at a
    block's edge (halo loads, tile bounds, dynamic shared memory sizes) runs, which sizes up to a
    small bound never reach. None when the blocks are no wider than the bound."""
    env = largest_sizes(pair.orig_fn, pair.macros, bound).as_dict()
    widest = widest_block(pair.port_fn, env)
    if widest <= bound:
        return None
    threads = threads_launched(pair.port_fn, env)
    grows = {name for name in env if threads_launched(pair.port_fn, {**env, name: widest + 2}) != threads}
    if not grows:
        return None
    return Sizes(tuple((name, widest + 2 if name in grows else value) for name, value in env.items()))
