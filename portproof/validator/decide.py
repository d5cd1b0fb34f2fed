"""validate(original, port): parse, bind, check, decide (strongest first), confirm, report."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping, Optional, Sequence

import numpy as np

from portproof.diagnostics import CompileError, PortproofError, Unsupported
from portproof.ir.faults import StepLimit
from portproof.ir.mapper import walk
from portproof.ir.nodes import Expr, Program, Var
from portproof.ir.parse import parse_expr
from portproof.ir.printer import to_text
from portproof.specs import load_target
from portproof.translators.c_frontend import parse_c_unit
from portproof.translators.c_openmp import THREADS
from portproof.translators.cuda_frontend import parse_cuda
from portproof.translators.preprocess import integer_macros
from portproof.validator.binding import Pair, bind, is_openmp_port
from portproof.validator.bounded import bounded_check
from portproof.validator.confirm import Sources, confirm, confirm_orders
from portproof.validator.contract import Contract
from portproof.validator.execute import compile_check_original, compile_check_port
from portproof.validator.execute_c import compile_check_omp_port
from portproof.validator.extents import infer_extents
from portproof.validator.inputs import largest_sizes, make_inputs
from portproof.validator.launch import clamp_grids, launch_limit_violations, threads_launched
from portproof.validator.orders import OTHER_ORDERS, describe, order_search, reassociation, sensitive_atomics
from portproof.validator.prove import NotProvable, prove_all_sizes, setting_for
from portproof.validator.reward import reward_for
from portproof.validator.search import Finding, block_edge_sizes, search
from portproof.validator.spaces import space_violations
from portproof.validator.verdict import (
    Check, Equivalent, Error, NotEquivalent, Reason, Result, Unknown, Verdict,
)

QUICK_TUPLES = 4  # size tuples tried before the proof
HEAVY_LAUNCH = 4096  # threads in one launch above which the search first tries clamped grids
CLAMPED_BLOCKS = 2


@dataclass(frozen=True)
class Options:
    contract: Contract = field(default_factory=Contract)
    include_dirs: Sequence[str] = ()
    defines: Mapping[str, Optional[str]] = field(default_factory=dict)
    target: str = "sm_90"
    nvcc: bool = False
    confirm: bool = True


def validate(original: str, port: str, options: Options = Options()) -> Result:
    start = time.monotonic()
    deadline = start + options.contract.timeout_s
    checks: list[Check] = []
    defaults: list[str] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        compiled_port = pool.submit(compile_check_omp_port, port, include_dirs=options.include_dirs,
                                    defines=options.defines) if is_openmp_port(port) else \
            pool.submit(compile_check_port, port, include_dirs=options.include_dirs,
                        defines=options.defines, use_nvcc=options.nvcc)
        compiled_original = pool.submit(compile_check_original, original, include_dirs=options.include_dirs,
                                        defines=options.defines)
        try:
            pair = load_pair(original, port, options, defaults)
            verdict = _decide(pair, original, port, options, deadline, checks)
        except Unsupported as e:
            verdict = Unknown(Reason.UNSUPPORTED, e.message, str(e.loc) if e.loc else None)
        except PortproofError as e:
            verdict = _error(e)
        except Exception as e:  # a bug of portproof: say so, as a reasoned unknown, never a traceback
            verdict = Unknown(Reason.SOLVER, f"internal error in portproof ({type(e).__name__}: {e}); "
                              f"please report it with the two files", None)
        for which, future in (("original", compiled_original), ("port", compiled_port)):
            verdict = _with_compile_check(which, verdict, future, checks)
    result = Result(verdict, checks, defaults, time.monotonic() - start)
    result.reward = reward_for(result)
    return result


def _error(e: PortproofError) -> Error:
    return Error(e.kind, e.message, str(e.loc) if e.loc else None)


def _with_compile_check(which: str, verdict: Verdict, future, checks: list[Check]) -> Verdict:
    """A program the real compiler rejects is bad input, whatever the analysis of its IR said."""
    try:
        report = future.result()
    except PortproofError as e:
        checks.append(Check(f"compile {which}", "failed", str(e)))
        return verdict if isinstance(verdict, Error) else _error(e)
    checks.append(Check(f"compile {which}", "passed" if report.ok else "failed",
                        report.compiler + (f": {report.message}" if report.message else "")))
    if report.ok or isinstance(verdict, Error):
        return verdict
    return _error(report.error) if report.error else Error(CompileError.kind, report.message)


def load_pair(original: str, port: str, options: Options, defaults: list[str]) -> Pair:
    """Parse both files and bind them (entries, names, extents, size macros); `defaults` collects
    the defaults applied, as said in the report."""
    c = options.contract
    macro_values = _size_macros(original, port, options)
    macros = frozenset(macro_values)
    if macros:
        defaults.append(f"size macros treated as parameters (>= 1): {', '.join(sorted(macros))}")
    unit = parse_c_unit(original, include_dirs=options.include_dirs, defines=options.defines,
                        symbolic_macros=macros)
    if c.original_entry and c.original_entry in unit.failures:
        raise unit.failures[c.original_entry]
    if not unit.program.functions and unit.failures:
        raise next(iter(unit.failures.values()))
    reader = parse_c_unit if is_openmp_port(port) else parse_cuda
    cuda = reader(port, include_dirs=options.include_dirs, defines=options.defines, symbolic_macros=macros)
    if any(isinstance(v, Var) and v.name == THREADS for v in walk(cuda.program)):
        macros |= {THREADS}  # enumerated like a size macro, >= 1; confirm runs the port with that many threads
        defaults.append(f"OpenMP team size {THREADS} treated as a size (>= 1): a parallel region runs once per "
                        "thread; schedule(static) splits the iterations as gcc's libgomp does")
    program = unit.program
    if len(program.functions) > 1 and not c.original_entry:
        named = [f for f in program.functions if f.name in {g.name for g in cuda.program.functions}]
        if len(named) == 1:
            program = type(program)((named[0],), program.source)
    extents: dict[str, tuple[Expr, ...]] = {}
    for name, text in c.extents:
        extents[name] = tuple(parse_expr(part) for part in text.split(","))
    entry = next((f for f in program.functions if f.name == c.original_entry), None) if c.original_entry \
        else (program.functions[0] if len(program.functions) == 1 else None)
    if entry is not None:
        inferred = {k: v for k, v in infer_extents(entry, macros).items() if k not in extents}
        for name, dims in inferred.items():
            defaults.append(f"extent of '{name}' inferred from the original's accesses: {to_text(dims[0])}")
        extents.update(inferred)
    defaults.append("integer scalar parameters are sizes >= 0; arrays do not alias")
    pair = bind(program, cuda, c, macros, extents)
    pair.macro_values = macro_values
    defaults.extend(pair.defaults)
    pair.defaults = list(defaults)
    return pair


def _size_macros(original: str, port: str, options: Options) -> dict[str, int]:
    """Integer macros both files define with the same value become symbolic sizes (name -> value)."""
    try:
        a = integer_macros(original, include_dirs=options.include_dirs, defines=options.defines)
        b = integer_macros(port, include_dirs=options.include_dirs, defines=options.defines, language="c++")
    except PortproofError:
        return {}
    fixed = set(options.contract.fixed_macros) | set(options.defines)
    return {m: v for m, v in a.items() if m in b and b[m] == v and m not in fixed}


def _decide(pair: Pair, original: str, port: str, options: Options, deadline: float,
            checks: list[Check]) -> Verdict:
    c = options.contract
    sources = Sources(original, port, tuple(options.include_dirs), dict(options.defines))
    notes: list[str] = []
    if c.fp == "real":
        notes.append("floating point treated as real arithmetic (--fp real): equal up to rounding")
    if _identical(pair):
        checks.append(Check("identical", "passed", "normalized IRs print the same"))
        return Equivalent("all-sizes", None, tuple(notes + ["identical after normalization"]))

    finding = _launch_limits(pair, options, checks) or _memory_spaces(pair, options, checks)
    if finding is not None:
        verdict = _refute(pair, sources, finding, options, checks, notes, deadline)
        if isinstance(verdict, Unknown) and finding.kind == "memory space":
            return Unknown(Reason.UNCONFIRMED, finding.detail, None, tuple(notes))
        return verdict
    largest = largest_sizes(pair.orig_fn, pair.macros, c.bound)
    heavy = threads_launched(pair.port_fn, largest.as_dict()) > HEAVY_LAUNCH
    # most wrong ports differ on the smallest inputs: a few runs of the IRs cost less than a proof
    quick = search(pair, bound=c.bound, deadline=deadline, seeds=1, limit=0 if heavy else QUICK_TUPLES)
    if quick.finding is not None:
        return _refute(pair, sources, quick.finding, options, checks, notes, deadline)
    if c.fp == "ieee":
        notes.append("bit-exact IEEE arithmetic (--fp ieee): binary32/binary64, round to nearest even, no "
                     "contraction into FMA (compile the port with nvcc -fmad=false); +0 and -0 differ, NaNs are equal")
        return _thread_orders(pair, sources, options, deadline, checks, notes, lambda: _bounded(
            pair, sources, options, deadline, checks, notes, heavy, "--fp ieee has no proof for all sizes, "
            "only the bounded check"))
    try:
        setting = setting_for(pair.orig_raw, pair.shapes, set(pair.macros), timeout_ms=2000)
        proof = prove_all_sizes(pair.orig_fn, pair.proof_fn, setting)
    except (NotProvable, Unsupported) as e:
        why = str(e)
        checks.append(Check("all-sizes", "unknown", why))
    else:
        # defence in depth: a proof that one small run contradicts is a bug of the prover, not a verdict
        smoke_sizes = largest_sizes(pair.orig_fn, pair.macros, min(2, c.bound))
        too_big = threads_launched(pair.port_fn, smoke_sizes.as_dict()) > HEAVY_LAUNCH
        smoke = search(pair, bound=min(2, c.bound), deadline=deadline, seeds=1, limit=0 if too_big else 1,
                       start_at=-1)
        if too_big:
            checks.append(Check("smoke", "skipped", "the launch is too large to interpret in a smoke test"))
        if smoke.finding is not None:
            return Unknown(Reason.SOLVER, f"internal inconsistency: the all-sizes proof is contradicted by a "
                           f"run of the IRs ({smoke.finding.kind} {smoke.finding.detail}); please report it")
        checks.append(Check("all-sizes", "passed", f"every element of {', '.join(proof.arrays)} proved equal"))
        checks.append(Check("bounds", "passed", "every access of the port proved in bounds for all sizes"))
        checks.append(Check("race", "passed", "every element has one writer per launch, reads are own-cell"))
        proved = _reassociated(pair, options, Equivalent("all-sizes", None, tuple(notes)), heavy)
        return _thread_orders(pair, sources, options, deadline, checks, notes, lambda: proved)
    return _thread_orders(pair, sources, options, deadline, checks, notes, lambda: _reassociated(
        pair, options, _bounded(pair, sources, options, deadline, checks, notes, heavy, why), heavy))


def _reassociated(pair: Pair, options: Options, verdict: Verdict, heavy: bool) -> Verdict:
    """--fp real: an equivalence that holds only because float sums may be reordered says so (not looked
    for where the launch at the largest sizes is too heavy to interpret)."""
    if not isinstance(verdict, Equivalent) or heavy:
        return verdict
    why = reassociation(pair, options.contract.bound)
    return verdict if why is None else replace(verdict, notes=verdict.notes + (why,))


def _thread_orders(pair: Pair, sources: Sources, options: Options, deadline: float, checks: list[Check],
                   notes: list[str], rest: Callable[[], Verdict]) -> Verdict:
    """Every other check runs the port's threads in one order (`rest` gives their verdict). Where an
    atomic can make the result depend on the order (floats under ieee, a used old value, an
    exchange), look for an input and two orders that differ; an equivalence seen in one order only
    is no more than `unknown`. Under ieee the search goes first: it costs a few seconds at most, and
    a port that matches the original in index order otherwise costs the bounded check's z3 timeouts."""
    c = options.contract
    atomics = sensitive_atomics(pair.port, c.fp)
    if not atomics:
        return rest()
    verdict = None if c.fp == "ieee" else rest()
    if isinstance(verdict, (NotEquivalent, Error)):
        return verdict
    report = order_search(pair, bound=c.bound, deadline=deadline, fp=c.fp)
    found = report.finding
    if found is not None and not options.confirm:
        return Unknown(Reason.UNCONFIRMED, f"candidate counterexample not executed (--no-confirm): the port's "
                       f"result depends on thread order in the IR ({found.atomics}; {found.first} and "
                       f"{found.second}) at sizes {found.inputs.sizes}", None, tuple(notes))
    if found is not None:
        cex = confirm_orders(pair, sources, found, max(1.0, min(10.0, deadline - time.monotonic())), c.fp)
        checks.append(Check("thread order", "failed" if cex.confirmed else "unknown", cex.confirmation))
        if cex.confirmed:
            return NotEquivalent(cex, tuple(notes))
        if verdict is None:
            verdict = rest()
        return verdict if isinstance(verdict, NotEquivalent) else Unknown(
            Reason.UNCONFIRMED, f"the port's result depends on thread order in the IR, not reproduced by running "
            f"it from source: {cex.detail}", None, tuple(notes))
    tried = (f"{report.orders} orders (index, reverse, {len(OTHER_ORDERS) - 1} seeded permutations) on "
             f"{report.inputs} inputs where threads meet at one element" +
             (f", up to sizes {report.sizes}" if report.sizes else "") + ", all with the same results")
    checks.append(Check("thread order", "unknown", tried))
    if verdict is None:
        verdict = rest()
    if not isinstance(verdict, Equivalent):
        return verdict
    what = "float atomics" if c.fp == "ieee" and any(a.result is None and a.op != "exch" for a in atomics) \
        else "atomics whose old value is used or that exchange"
    scope = "for all sizes" if verdict.scope == "all-sizes" else f"for every size up to {verdict.bound}"
    return Unknown(Reason.THREAD_ORDER, f"{what} ({describe(report.contended or atomics)}): the result may "
                   f"depend on thread order under --fp {c.fp}; {tried}; equivalent {scope} in index order "
                   f"only", None, verdict.notes)


def _bounded(pair: Pair, sources: Sources, options: Options, deadline: float, checks: list[Check],
             notes: list[str], heavy: bool, why: str) -> Verdict:
    """Testing and the bounded check, in either fp mode: a refutation, `equivalent / bounded` or
    `unknown`; `why` says why there is no proof for all sizes."""
    c = options.contract
    if heavy:
        # interpreting every thread of a big fixed grid is slow: look for candidates with the grids
        # clamped first; only an execution with the real launch turns one into a verdict
        light_fn = clamp_grids(pair.port_fn, CLAMPED_BLOCKS)
        light = replace(pair, port=Program(tuple(f for f in pair.port.functions if f.kind == "kernel") +
                                           (light_fn,), pair.port.source), port_fn=light_fn)
        quick = search(light, bound=c.bound, deadline=deadline, seeds=1, fp=c.fp)
        if quick.finding is not None:
            verdict = _refute(pair, sources, quick.finding, options, checks, notes, deadline)
            if isinstance(verdict, NotEquivalent):
                return verdict
    # small sizes by testing (cheap, integer data that confirms cleanly), then every size up to the
    # bound by z3; testing covers the rest of the bound only where z3 stopped early
    small = search(pair, bound=min(2, c.bound), deadline=deadline, seeds=2, fp=c.fp)
    finding = small.finding
    bounded = None
    if finding is None:
        bounded = bounded_check(pair, bound=c.bound, deadline=deadline, fp=c.fp)
        if bounded.fault is not None:
            inputs = bounded.model if bounded.model is not None else \
                make_inputs(pair.orig_fn, pair.shapes, bounded.fault_sizes, np.random.default_rng(2))
            finding = Finding("fault", inputs, detail=bounded.fault) if inputs is not None else None
        elif bounded.model is not None:
            finding = Finding("value", bounded.model, detail=f"found by {bounded.found_by} (bounded check)")
        elif bounded.proved_bound < c.bound:
            finding = search(pair, bound=c.bound, deadline=deadline, seeds=2, fp=c.fp).finding
        if finding is None:
            finding = _block_edge(pair, options, deadline, checks)
    runs = f"random runs of both IRs for every size up to {min(2, c.bound)}"
    checks.append(Check("testing", "passed" if small.finding is None else "failed", f"{small.runs} {runs}"))
    if finding is not None:
        return _refute(pair, sources, finding, options, checks, notes, deadline)
    if bounded.proved_bound >= 1:
        status = "passed" if bounded.proved_bound == c.bound else "unknown"
        checks.append(Check("bounded", status, f"outputs equal for every size up to {bounded.proved_bound}"
                            + (f" ({bounded.stopped})" if bounded.stopped else "")))
        extra = [] if bounded.proved_bound == c.bound else [f"stopped below the requested bound {c.bound}: "
                                                             f"{bounded.stopped}"]
        if bounded.uninterpreted:
            extra.append(f"{', '.join(sorted(bounded.uninterpreted))}: uninterpreted functions, the same math "
                         f"library assumed on both sides")
        if bounded.original_faults:
            extra.append(f"inputs on which the original accesses out of bounds are outside the contract: "
                         f"{bounded.original_faults}")
        if bounded.skipped:
            extra.append(f"{len(bounded.skipped)} size tuples left out because the original itself faults "
                         f"there (outside the contract), e.g. {bounded.skipped[0]}")
        return Equivalent("bounded", bounded.proved_bound, tuple(notes + extra + [f"not proved for all sizes: {why}"]))
    checks.append(Check("bounded", "unknown", bounded.stopped))
    return Unknown(Reason.TIMEOUT if "time limit" in bounded.stopped else Reason.UNSUPPORTED,
                   f"no proof for all sizes ({why}); bounded check: {bounded.stopped}", None, tuple(notes))


def _block_edge(pair: Pair, options: Options, deadline: float, checks: list[Check]) -> Optional[Finding]:
    """One run of both IRs with every size past the first thread-block boundary: halos, tiles and
    guards at a block's edge first act there, beyond the bound of the exhaustive check."""
    c = options.contract
    edge = block_edge_sizes(pair, c.bound)
    if edge is None:
        return None
    report = search(pair, bound=c.bound, deadline=deadline, seeds=1, fp=c.fp, only=[edge])
    where = ", ".join(f"{k}={v}" for k, v in edge.values)
    if report.finding is not None and f"{StepLimit.kind}:" in report.finding.detail:
        # at these sizes a correct port may simply need more steps than a run is given
        checks.append(Check("block edge", "skipped", f"the run at {where} reached the step limit"))
        return None
    if report.runs == 0:
        checks.append(Check("block edge", "skipped", f"no run at {where} (inputs too large, or no time left)"))
    else:
        checks.append(Check("block edge", "passed" if report.finding is None else "failed",
                            f"a random run of both IRs at {where}"))
    return report.finding


def _identical(pair: Pair) -> bool:
    a = to_text(pair.orig_fn.body)
    b = to_text(pair.proof_fn.body)
    return a == b


def _launch_limits(pair: Pair, options: Options, checks: list[Check]) -> Optional[Finding]:
    """Launches that break the target's limits at the largest tested sizes, or at the real values
    of generalised size macros (a kernel that is never launched computes nothing)."""
    target = load_target(options.target)
    largest = largest_sizes(pair.orig_fn, pair.macros, options.contract.bound)
    for env in (largest.as_dict(), {**largest.as_dict(), **pair.macro_values}):
        problems = launch_limit_violations(pair.port_fn, target, env)
        if problems:
            checks.append(Check("launch", "failed", "; ".join(problems)))
            inputs = make_inputs(pair.orig_fn, pair.shapes, largest, np.random.default_rng(1))
            if env == largest.as_dict() and inputs is not None:
                return Finding("launch", inputs, detail="; ".join(problems))
            raise Unsupported("; ".join(problems) + " (at the macros' own values; no small counterexample)")
    checks.append(Check("launch", "passed", f"launches within the limits of {target.name}"))
    return None


def _memory_spaces(pair: Pair, options: Options, checks: list[Check]) -> Optional[Finding]:
    """A host function that gives a kernel host memory, or reads device memory on the host, has no
    defined result on a GPU; the finding is executed at the largest tested sizes."""
    if pair.launch is not None:
        return None  # kernel-only ports: the arrays are device memory by the contract
    problems = space_violations(pair.port_fn)
    if not problems:
        checks.append(Check("memory spaces", "passed", "kernels get device memory; host code does not touch it"))
        return None
    checks.append(Check("memory spaces", "failed", "; ".join(problems)))
    largest = largest_sizes(pair.orig_fn, pair.macros, options.contract.bound)
    inputs = make_inputs(pair.orig_fn, pair.shapes, largest, np.random.default_rng(3))
    return Finding("memory space", inputs, detail="; ".join(problems)) if inputs is not None else None


def _refute(pair: Pair, sources: Sources, finding: Finding, options: Options, checks: list[Check],
            notes: list[str], deadline: float) -> Verdict:
    if not options.confirm:
        sizes = ", ".join(f"{k}={v}" for k, v in finding.inputs.sizes.items())
        return Unknown(Reason.UNCONFIRMED, f"candidate counterexample not executed (--no-confirm): "
                       f"{finding.kind} at sizes {sizes}" + (f": {finding.detail}" if finding.detail else ""))
    # each execution gets what is left of the budget (at least a second, at most ten)
    cex = confirm(pair, sources, finding, timeout_s=max(1.0, min(10.0, deadline - time.monotonic())),
                  fp=options.contract.fp)
    checks.append(Check("confirm", "passed" if cex.confirmed else "failed", cex.confirmation))
    if cex.confirmed:
        return NotEquivalent(cex, tuple(notes))
    return Unknown(Reason.UNCONFIRMED, f"a difference found in the IR was not reproduced by running the "
                   f"programs from source: {cex.detail}", cex.statement, tuple(notes))
