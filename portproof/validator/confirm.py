"""Confirm a candidate counterexample by running both programs from source: the original compiled
with gcc, the port through the CPU emulation of CUDA built from its own text (and, for a data race,
through the same emulation built with ThreadSanitizer)."""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Mapping, Optional, Sequence

import numpy as np

from portproof.ir.nodes import ArrayParam, Function
from portproof.validator.binding import Pair, is_openmp_port
from portproof.translators.c_openmp import THREADS
from portproof.validator.execute_c import OMP_THREADS, run_omp_port, run_omp_port_races
from portproof.validator.execute import ConcreteInputs, RaceReport, RunResult, run_original, run_port, run_port_races
from portproof.validator.harness import KernelLaunch
from portproof.validator.inputs import Inputs, Sizes, float_inputs, make_inputs, size_names
from portproof.validator.launch import concrete_launch, evaluate_int
from portproof.validator.orders import OrderFinding
from portproof.ir.concrete import DTYPES
from portproof.validator.search import RETURN, Finding, close, exact_equal, tolerance
from portproof.validator.verdict import Counterexample


@dataclass(frozen=True)
class Sources:
    original: str
    port: str
    include_dirs: Sequence[str] = ()
    defines: Mapping[str, Optional[str]] = None

    @property
    def define_map(self) -> Mapping[str, Optional[str]]:
        return self.defines or {}


def _shaped(pair: Pair, inputs: Inputs) -> dict[str, np.ndarray]:
    out = {}
    for name, data in inputs.arrays.items():
        dims = tuple(evaluate_int(d, inputs.sizes) for d in pair.shapes[name])
        out[name] = data.reshape(dims) if len(dims) > 1 else data
    return out


def _port_inputs(pair: Pair, inputs: Inputs, fn: Function) -> ConcreteInputs:
    scalars, arrays = {}, {}
    values = {**inputs.all_scalars(), **inputs.arrays}
    for p in fn.params:
        orig = next(o for o, q in pair.port_names.items() if q == p.name) if p.name in pair.port_names.values() \
            else p.name
        v = values[orig]
        if isinstance(p, ArrayParam):
            arrays[p.name] = np.asarray(v).ravel().astype(v.dtype)
        else:
            scalars[p.name] = v
    return ConcreteInputs(scalars, arrays)


def execute_both(pair: Pair, sources: Sources, inputs: Inputs, timeout_s: float) -> tuple[RunResult, RunResult, str]:
    """Run both programs from source on `inputs` (an OpenMP port with the team size the inputs give, if its IR
    models the team, else OMP_THREADS threads)."""
    orig = _run_original(pair, sources, inputs, timeout_s)
    if is_openmp_port(sources.port):
        port, how = _run_omp(pair, sources, inputs, timeout_s)
    else:
        port, how = _run_cuda(pair, sources, inputs, timeout_s)
    return orig, port, f"original compiled with gcc; {how}"


def _macro_values(pair: Pair, inputs: Inputs) -> dict[str, int]:
    """The size macros' values to compile the programs with (the OpenMP team size is no macro of the source)."""
    return {m: inputs.sizes[m] for m in pair.macros if m != THREADS}


def _run_original(pair: Pair, sources: Sources, inputs: Inputs, timeout_s: float) -> RunResult:
    orig_in = ConcreteInputs({p.name: inputs.all_scalars()[p.name] for p in pair.orig_raw.params
                              if not isinstance(p, ArrayParam)}, _shaped(pair, inputs))
    return run_original(sources.original, pair.orig_raw, orig_in, include_dirs=sources.include_dirs,
                        defines=sources.define_map, macro_values=_macro_values(pair, inputs), timeout_s=timeout_s)


def _run_cuda(pair: Pair, sources: Sources, inputs: Inputs, timeout_s: float,
              schedule: Optional[str] = None) -> tuple[RunResult, str]:
    """The CUDA port run in the emulation (its blocks and threads in `schedule`'s order, if given); and how."""
    entry, how = _port_entry(pair, inputs)
    port = run_port(sources.port, entry, _port_inputs(pair, inputs, pair.port_raw),
                    include_dirs=sources.include_dirs, defines=sources.define_map,
                    macro_values=_macro_values(pair, inputs), timeout_s=timeout_s, schedule=schedule)
    return port, how


def _run_omp(pair: Pair, sources: Sources, inputs: Inputs, timeout_s: float, *, unoptimized: bool = False,
             threads: int = OMP_THREADS) -> tuple[RunResult, str]:
    """The OpenMP port run with the team size the inputs give (THREADS) or `threads`, built with -O0 if
    `unoptimized`; and how."""
    threads = inputs.sizes.get(THREADS, threads)
    port = run_omp_port(sources.port, pair.port_raw, _port_inputs(pair, inputs, pair.port_raw),
                        include_dirs=sources.include_dirs, defines=sources.define_map,
                        macro_values=_macro_values(pair, inputs), timeout_s=timeout_s, threads=threads,
                        unoptimized=unoptimized)
    return port, (f"OpenMP port compiled with gcc -fopenmp{' -O0' if unoptimized else ''}, run with {threads} "
                  f"thread{'s' * (threads != 1)}")


def _port_entry(pair: Pair, inputs: Inputs):
    if pair.launch is not None:
        grid, block, shared = concrete_launch(*pair.launch, inputs.sizes)
        entry = KernelLaunch(pair.port_raw, grid, block, shared)
        return entry, f"port kernel {pair.port_raw.name}<<<{grid}, {block}>>> in the CPU emulation (g++)"
    return pair.port_raw, f"port host function {pair.port_raw.name} in the CPU emulation of CUDA (g++)"


def race_check(pair: Pair, sources: Sources, inputs: Inputs, timeout_s: float) -> RaceReport:
    """Run the port on `inputs` in the emulation built with ThreadSanitizer (threads of a block
    unordered between barriers, blocks of a launch unordered, atomics real atomics)."""
    entry, _ = _port_entry(pair, inputs)
    return run_port_races(sources.port, entry, _port_inputs(pair, inputs, pair.port_raw),
                          include_dirs=sources.include_dirs, defines=sources.define_map,
                          macro_values=_macro_values(pair, inputs), timeout_s=timeout_s)


def omp_race_check(pair: Pair, sources: Sources, inputs: Inputs, timeout_s: float) -> RaceReport:
    """Run the OpenMP port on `inputs` under ThreadSanitizer, with the team size the inputs give (at least 2)
    or OMP_THREADS threads, libgomp's synchronisation made visible to it."""
    return run_omp_port_races(sources.port, pair.port_raw, _port_inputs(pair, inputs, pair.port_raw),
                              include_dirs=sources.include_dirs, defines=sources.define_map,
                              macro_values=_macro_values(pair, inputs),
                              timeout_s=timeout_s, threads=max(2, inputs.sizes.get(THREADS, OMP_THREADS)))


def _race_counterexample(finding: Finding, base: dict, race: RaceReport) -> Counterexample:
    """A race that ThreadSanitizer saw in the port run from source on the finding's input."""
    first, _ = race.race
    return Counterexample("race", **{**base, "confirmation": f"executed under ThreadSanitizer: {race.describe()}"},
                          statement=f"{first.file}:{first.line}" if first.file else finding.statement,
                          detail=f"{finding.detail} | executing both programs from source gave the same "
                          f"outputs; ThreadSanitizer reports the race on this input",
                          confirmed=True)


def confirm(pair: Pair, sources: Sources, finding: Finding, timeout_s: float = 10,
            fp: str = "real") -> Counterexample:
    """Run the finding's inputs on both programs; `confirmed` says whether the executions differ
    (floats within a relative tolerance under `fp="real"`, bit-exactly under `fp="ieee"`)."""
    inputs = finding.inputs
    orig, port, how = execute_both(pair, sources, inputs, timeout_s)
    base = dict(sizes=dict(inputs.sizes), scalars=dict(inputs.scalars),
                arrays={k: v.ravel().tolist() for k, v in inputs.arrays.items()},
                launch=_launch_text(pair, inputs), confirmation=how)
    if orig.fault:
        return Counterexample(finding.kind, **base, detail=f"the original faults on this input: {orig.fault}",
                              confirmed=False)
    if port.fault:
        confirmed = port.fault_kind not in ("unsupported", "harness")
        return Counterexample("fault" if finding.kind == "value" else finding.kind, **base,
                              detail=f"{finding.detail or ''} | executed: the port faults: {port.fault}".strip(" |"),
                              statement=finding.statement, confirmed=confirmed)
    diff = _first_difference(pair, orig, port, fp)
    if diff is None and finding.is_race and is_openmp_port(sources.port):
        # the race itself is the evidence when ThreadSanitizer sees it; otherwise it has to show in the outputs
        race = omp_race_check(pair, sources, inputs, 3 * timeout_s)
        if race.race is not None:
            return _race_counterexample(finding, base, race)
        return _amplified_race(pair, sources, finding, timeout_s, fp, judged=race.fault is None) or Counterexample(
            finding.kind, **base, statement=finding.statement, confirmed=False,
            detail=f"{finding.detail} | under ThreadSanitizer the port showed {race.fault or race.describe()}; "
                   f"executing both programs from source, also at larger sizes with {RACE_THREADS} threads built "
                   f"with -O1 and -O0, gave the same outputs")
    if diff is None and finding.is_race:
        # threads that run one after another rarely lose an update: the race itself is the evidence
        race = race_check(pair, sources, inputs, 3 * timeout_s)
        if race.race is not None:
            return _race_counterexample(finding, base, race)
        unconfirmed = race.fault or race.describe()
        return Counterexample(finding.kind, **base, array=finding.array, index=_index(pair, finding),
                              statement=finding.statement, confirmed=False,
                              detail=f"{finding.detail} | executing both programs from source gave the same "
                              f"outputs, and the port run under ThreadSanitizer showed {unconfirmed}")
    if diff is None:
        return Counterexample(finding.kind, **base, array=finding.array, index=_index(pair, finding),
                              expected=finding.expected, actual=finding.actual, statement=finding.statement,
                              detail=(finding.detail + " | " if finding.detail else "") +
                              "executing both programs from source gave the same outputs", confirmed=False)
    array, flat, expected, actual, note = diff
    return Counterexample(finding.kind if finding.kind != "value" or note == "" else "value", **base,
                          array=array, index=_unflatten(pair, array, flat, inputs),
                          expected=expected, actual=actual,
                          statement=finding.statement, detail=" ".join(x for x in (finding.detail, note) if x),
                          confirmed=True)


def _amplified_race(pair: Pair, sources: Sources, finding: Finding, timeout_s: float,
                    fp: str, judged: bool = False) -> Optional[Counterexample]:
    """A race in an OpenMP port, run from source where it can show: RACE_THREADS threads, the port built with
    -O1 (a shared accumulator kept in a register loses whole partial sums) and with -O0 (shared loop counters
    and temporaries live in memory), sizes grown from the finding's while a run stays short: each size alone
    with the others at the finding's values (where the racing iterations may be all there is, as the one row
    of a collapsed nest whose columns all update one element), then all together. Only an observed difference
    or a fault of the port counts; the runs together take about RACE_BUDGET_S."""
    names = [n for n in size_names(pair.orig_fn, pair.macros) if n != THREADS]
    grow = [n for n in names if n not in pair.macros]  # size macros (bins, tiles) keep their values
    base = {n: finding.inputs.sizes.get(n, 1) for n in names}
    plans = ([[n] for n in grow] if len(grow) > 1 else []) + [grow]
    rng = np.random.default_rng(7)
    stop = time.monotonic() + RACE_BUDGET_S
    warm = False  # the first sizes also compile the port: their time says nothing of the sizes' cost
    for k, plan in enumerate(plans):
        plan_stop = min(stop, time.monotonic() + (stop - time.monotonic()) / (len(plans) - k))
        scale, largest = 2, None
        while time.monotonic() < plan_stop:
            sizes = Sizes(tuple((n, max(scale, base[n]) if n in plan else base[n]) for n in names) +
                          ((THREADS, RACE_THREADS),) * (THREADS in pair.macros))
            inputs = make_inputs(pair.orig_fn, pair.shapes, sizes, rng, max_elements=1 << 22)
            if inputs is None:
                if largest is None:
                    break
                scale = largest  # as large as the arrays may get: new data at the same sizes
                continue
            started = time.monotonic()
            orig = _run_original(pair, sources, inputs, 10 * RACE_RUN_S)
            if orig.fault:
                return None
            for unoptimized in (False, True):
                port, how = _run_omp(pair, sources, inputs, 10 * RACE_RUN_S, unoptimized=unoptimized,
                                     threads=RACE_THREADS)
                cex = _race_shown(pair, finding, inputs, orig, port, f"original compiled with gcc; {how}", fp)
                if cex is not None and judged and not port.fault:
                    # ThreadSanitizer followed the port on the finding's input and saw no race: a difference at
                    # these sizes may be rounding alone (a float reduction reassociated over many partials goes
                    # past the tolerance), so it counts only where ThreadSanitizer sees the race on this input
                    race = omp_race_check(pair, sources, inputs, 30 * RACE_RUN_S)
                    if race.race is None:
                        return None
                    cex = replace(cex, confirmation=f"{cex.confirmation}; under ThreadSanitizer: {race.describe()}")
                if cex is not None:
                    return cex
                if port.fault:  # a timeout: larger sizes take longer still
                    break
            took = time.monotonic() - started if warm else 0.0
            warm = True
            if port.fault:
                break
            if took < RACE_RUN_S:  # else new data at the same sizes until the plan's time is up
                largest, scale = scale, scale * (4 if len(plan) == 1 else 2)
    return None


def _race_shown(pair: Pair, finding: Finding, inputs: Inputs, orig: RunResult, port: RunResult, how: str,
                fp: str) -> Optional[Counterexample]:
    """The counterexample of a run of a racy port that differs from the original or faults (not a timeout)."""
    where = f"{how}; the race shows at these sizes"
    if port.fault and port.fault_kind not in ("unsupported", "harness", "timeout"):
        return Counterexample("race", dict(inputs.sizes), dict(inputs.scalars), _arrays(inputs), None,
                              statement=finding.statement, confirmed=True, confirmation=where,
                              detail=f"{finding.detail} | executed: the port faults: {port.fault}")
    diff = None if port.fault else _first_difference(pair, orig, port, fp)
    if diff is None:
        return None
    array, flat, expected, actual, note = diff
    return Counterexample("race", dict(inputs.sizes), dict(inputs.scalars), _arrays(inputs), None, array,
                          _unflatten(pair, array, flat, inputs), expected, actual, finding.statement,
                          " ".join(x for x in (finding.detail, note) if x), True, where)


def confirm_orders(pair: Pair, sources: Sources, finding: OrderFinding, timeout_s: float = 10,
                   fp: str = "ieee") -> Counterexample:
    """Run the original, and the port in the finding's two orders of blocks and threads (the CUDA
    emulation with that schedule; an OpenMP port with teams of 1 to OMP_THREADS threads, see
    _omp_teams). Confirmed when two runs of the port differ (its result is no function of its input,
    and at least one of them is not the original's), or when a run of the port differs from the
    original."""
    inputs = finding.inputs
    place = _place(finding.array, pair, finding.index, inputs)
    seen = f"in the IR, with {finding.atomics}, {place} is {finding.first_value!r} in {finding.first} and " \
           f"{finding.second_value!r} in {finding.second}"
    if is_openmp_port(sources.port):
        return _omp_teams(pair, sources, finding, seen, timeout_s, fp)
    orig = _run_original(pair, sources, inputs, timeout_s)
    (first, how), (second, _) = (_run_cuda(pair, sources, inputs, timeout_s, schedule=s.spec)
                                 for s in (finding.first, finding.second))
    how = f"original compiled with gcc; {how}, run twice: blocks and threads in {finding.first}, then in " \
          f"{finding.second}"
    return _compare_runs(pair, inputs, how, orig, (str(finding.first), first), (str(finding.second), second),
                         finding.atomics, seen, fp)


def _compare_runs(pair: Pair, inputs: Inputs, how: str, orig: RunResult, first: tuple[str, RunResult],
                  second: tuple[str, RunResult], atomics: str, seen: str, fp: str) -> Counterexample:
    """The counterexample of two runs of the port, each with its order, and one of the original."""
    base = dict(sizes=dict(inputs.sizes), scalars=dict(inputs.scalars), arrays=_arrays(inputs),
                launch=_launch_text(pair, inputs), confirmation=how)
    faults = [f"{what} faults: {r.fault}" for what, r in (("the original", orig), ("the port", first[1]),
                                                         ("the port", second[1])) if r.fault]
    if faults:
        return Counterexample("thread order", **base, detail=f"{seen} | executed: {faults[0]}", confirmed=False)
    split = _first_difference(pair, _as_original(pair, first[1]), second[1], fp)
    if split is None:
        diff = _first_difference(pair, orig, first[1], fp)
        if diff is None:
            return Counterexample("thread order", **base, confirmed=False,
                                  detail=f"{seen} | executing both programs from source, the port {first[0]} and "
                                         f"{second[0]}, gave the original's outputs")
        array, flat, expected, actual, note = diff
        return Counterexample("value", **base, array=array, index=_unflatten(pair, array, flat, inputs),
                              expected=expected, actual=actual, confirmed=True,
                              detail=f"{seen}; executed, the port gives the same result {first[0]} and "
                                     f"{second[0]}, which is not the original's {note}".rstrip())
    array, flat, a, b, note = split
    expected = orig.return_value if flat is None else np.ravel(orig.arrays[array])[flat].item()
    return Counterexample(
        "thread order", **base, array=array, index=_unflatten(pair, array, flat, inputs), expected=expected,
        actual=_differing(expected, a, b, fp), confirmed=True,
        orders=[{"order": first[0], "value": a}, {"order": second[0], "value": b}],
        detail=f"result depends on thread order: {atomics}; {_place(array, pair, flat, inputs)} is {a!r} "
               f"({first[0]}) and {b!r} ({second[0]}), the original gives {expected!r} "
               f"({note or 'compared within the tolerance'})")


def _omp_teams(pair: Pair, sources: Sources, finding: OrderFinding, seen: str, timeout_s: float,
               fp: str) -> Counterexample:
    """The order of a real OpenMP team cannot be chosen, but its size can, and a reduction combines
    one partial result per thread: run the port with 1 to OMP_THREADS threads on the finding's input,
    then on inputs with every size grown to 4 * OMP_THREADS (each thread then adds several terms)."""
    grown = Sizes(tuple((k, v if k in pair.macros else max(v, 4 * OMP_THREADS))
                        for k, v in finding.inputs.sizes.items()))
    rng = np.random.default_rng(13)
    candidates = [finding.inputs] + [float_inputs(pair.orig_fn, pair.shapes, grown, rng) for _ in range(OMP_TEAM_TRIES)]
    cex = None
    for inputs in (i for i in candidates if i is not None):
        orig = _run_original(pair, sources, inputs, timeout_s)
        single, _ = _run_omp(pair, sources, _team(inputs, 1), timeout_s, threads=1)
        for threads in range(2, OMP_THREADS + 1):
            port, how = _run_omp(pair, sources, _team(inputs, threads), timeout_s, threads=threads)
            cex = _compare_runs(pair, inputs, f"original compiled with gcc; {how}, and with 1 thread", orig,
                                ("1 thread", single), (f"{threads} threads", port), finding.atomics, seen, fp)
            if cex.confirmed:
                return cex
    return cex or Counterexample("thread order", dict(finding.inputs.sizes), dict(finding.inputs.scalars),
                                 _arrays(finding.inputs), None, detail=f"{seen} | no input to run")


def _team(inputs: Inputs, threads: int) -> Inputs:
    """`inputs` with the team size `threads`, where the IR models the team as a size."""
    return replace(inputs, sizes={**inputs.sizes, THREADS: threads}) if THREADS in inputs.sizes else inputs


def _differing(expected, a, b, fp: str):
    """Of two results of the port that differ, one that is not the original's (`a` if both)."""
    dtype = np.float64 if isinstance(expected, float) else np.int64
    return b if close(expected, a, dtype, fp) else a


def _as_original(pair: Pair, port: RunResult) -> RunResult:
    """A run of the port with its arrays named as the original's, to compare two runs of the port."""
    arrays = {p.name: port.arrays[pair.port_names.get(p.name, p.name)] for p in pair.orig_raw.params
              if isinstance(p, ArrayParam)}
    return replace(port, arrays=arrays)


def _place(array: str, pair: Pair, flat: Optional[int], inputs: Inputs) -> str:
    index = _unflatten(pair, array, flat, inputs)
    return array if index is None else array + "".join(f"[{i}]" for i in index)


def _arrays(inputs: Inputs) -> dict[str, list]:
    return {k: v.ravel().tolist() for k, v in inputs.arrays.items()}


RACE_THREADS = 8  # more threads than cores: time slicing interleaves them at arbitrary points
RACE_RUN_S = 0.3  # sizes grow until one run of both programs takes this long
RACE_BUDGET_S = 6.0

OMP_TEAM_TRIES = 3  # grown random inputs on which an OpenMP port runs with each team size

EXACT_NOTE = "compared bit-exactly (--fp ieee: -0.0 and 0.0 differ, every NaN equals every NaN)"


def _first_difference(pair: Pair, orig: RunResult, port: RunResult, fp: str = "real"):
    if pair.orig_raw.return_type is not None and \
            not close(orig.return_value, port.return_value, DTYPES[pair.orig_raw.return_type], fp):
        return RETURN, None, orig.return_value, port.return_value, EXACT_NOTE if fp == "ieee" else ""
    for p in pair.orig_raw.params:
        if not isinstance(p, ArrayParam):
            continue
        a = np.ravel(orig.arrays[p.name])
        b = np.ravel(port.arrays[pair.port_names.get(p.name, p.name)])
        if a.dtype.kind == "f" and fp == "ieee":
            bad = ~exact_equal(a, b)
            note = EXACT_NOTE
        elif a.dtype.kind == "f":
            rtol, atol = tolerance(a.dtype)
            bad = ~np.isclose(b.astype(np.float64), a.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True)
            note = f"compared with relative tolerance {rtol:g}"
        else:
            bad = a != b
            note = ""
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            return p.name, k, a[k].item(), b[k].item(), note
    return None


def _unflatten(pair: Pair, array: str, flat: Optional[int], inputs: Inputs) -> Optional[list[int]]:
    if flat is None:
        return None
    dims = [evaluate_int(d, inputs.sizes) for d in pair.shapes[array]]
    return [int(i) for i in np.unravel_index(flat, dims)] if all(d > 0 for d in dims) else [flat]


def _index(pair: Pair, finding: Finding) -> Optional[list[int]]:
    if finding.array is None or finding.index is None:
        return None
    return _unflatten(pair, finding.array, finding.index, finding.inputs)


def _launch_text(pair: Pair, inputs: Inputs) -> Optional[str]:
    if pair.launch is None:
        return None
    grid, block, shared = concrete_launch(*pair.launch, inputs.sizes)
    return f"<<<{grid}, {block}, {shared}>>>"
