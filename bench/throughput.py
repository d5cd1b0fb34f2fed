#!/usr/bin/env python3
"""Verdicts per second of `run_batch` against a test-based checker that compiles and runs both programs.

    .venv/bin/python bench/throughput.py                    # every corpus case, writes bench/throughput.md
    .venv/bin/python bench/throughput.py --filter copy -o /tmp/t.md

batch     `run_batch` over every case of corpus/ (ports and mutants) on `--workers` warm worker processes
          (`python -m portproof.workers`, started once and reused); wall time of the whole batch, starts included.
baseline  what a test-based checker costs: for each case, `--inputs` random inputs (sizes 1..4, data from
          portproof.validator.inputs) run through `confirm.execute_both` (the original compiled with gcc,
          the port through the CPU emulation, compiled with g++), outputs compared with the validator's
          tolerance; the same number of worker processes. Parsing and binding (needed to know the
          parameters) is timed apart and left out of the baseline's rate, in its favour.
A benchmark with recorded results, not a timed test.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portproof.corpus import Case, cases  # noqa: E402
from portproof.validator.batch import run_batch  # noqa: E402

SIZE_BOUND = 4


def _batch(selected: list[Case], workers: int, timeout_s: float, records: Path) -> dict[str, Any]:
    candidates = records.with_suffix(".in.jsonl")
    records.parent.mkdir(parents=True, exist_ok=True)
    records.unlink(missing_ok=True)
    candidates.write_text("".join(json.dumps({"id": c.id, "original": str(c.original), "port": str(c.port),
                                              "args": list(c.args)}) + "\n" for c in selected))
    summary = run_batch(candidates, records, workers=workers, item_timeout_s=timeout_s, progress=True)
    rows = {r["id"]: r for r in map(json.loads, records.read_text().splitlines())}
    matched = sum(1 for c in selected if (rows[c.id]["result"] or {}).get("verdict") == c.expect)
    failed = {k: f"{r['status']}: {(r['error'].strip().splitlines() or [''])[-1]}" for k, r in rows.items()
              if r["status"] != "done"}
    return {"wall_s": summary.wall_s, "statuses": dict(summary.statuses), "verdicts": dict(summary.verdicts),
            "labels_matched": matched, "item_time_s": sorted(r["time_s"] for r in rows.values()), "failed": failed}


def _differs(pair, orig, port) -> bool:
    from portproof.ir.nodes import ArrayParam
    from portproof.validator.search import tolerance
    if orig.fault or port.fault:
        return True
    for p in pair.orig_raw.params:
        if isinstance(p, ArrayParam):
            a = np.ravel(orig.arrays[p.name]).astype(np.float64)
            b = np.ravel(port.arrays[pair.port_names.get(p.name, p.name)]).astype(np.float64)
            rtol, atol = tolerance(orig.arrays[p.name].dtype)
            if not np.allclose(b, a, rtol=rtol, atol=atol, equal_nan=True):
                return True
    return False


def _test_case(job: tuple[Case, int]) -> dict[str, Any]:
    """Parse and bind one case (timed apart), then compile and run both programs on random inputs."""
    from portproof.validator.cli import options_from, parser
    from portproof.validator.confirm import Sources, execute_both
    from portproof.validator.decide import load_pair
    from portproof.validator.inputs import make_inputs, size_names, size_tuples
    case, n_inputs = job
    start = time.perf_counter()
    args = parser().parse_args([str(case.original), str(case.port), *case.args])
    options = options_from(args)
    try:
        pair = load_pair(args.original, args.port, options, [])
    except Exception as e:  # a case the frontends cannot read: no baseline either
        return {"id": case.id, "parse_s": time.perf_counter() - start, "run_s": 0.0, "differs": None, "error": str(e)}
    parsed = time.perf_counter()
    rng = np.random.default_rng(0)
    tuples = [s for s in size_tuples(size_names(pair.orig_fn, pair.macros), pair.macros, SIZE_BOUND)
              if min(s.as_dict().values(), default=1) >= 1]
    picks = rng.choice(len(tuples), size=min(n_inputs, len(tuples)), replace=False)
    sources = Sources(args.original, args.port, tuple(options.include_dirs), dict(options.defines))
    differs = False
    for k in picks:
        inputs = make_inputs(pair.orig_fn, pair.shapes, tuples[k], rng)
        if inputs is not None:
            orig, port, _ = execute_both(pair, sources, inputs, timeout_s=30)
            differs = differs or _differs(pair, orig, port)
    return {"id": case.id, "parse_s": parsed - start, "run_s": time.perf_counter() - parsed, "differs": differs}


def _warm() -> None:
    import portproof.validator.decide  # noqa: F401  (imports are not what the baseline is about)


def _started(_: int) -> None:
    """Nothing: mapped once per worker so that timing starts with every worker imported."""


def _baseline(selected: list[Case], workers: int, n_inputs: int) -> dict[str, Any]:
    with multiprocessing.get_context("forkserver").Pool(workers, initializer=_warm) as pool:
        pool.map(_started, range(workers), chunksize=1)
        start = time.perf_counter()
        rows = pool.map(_test_case, [(c, n_inputs) for c in selected], chunksize=1)
        wall = time.perf_counter() - start
    parse = sum(r["parse_s"] for r in rows)
    run = sum(r["run_s"] for r in rows)
    expect = {c.id: c.expect for c in selected}
    caught = sum(1 for r in rows if r["differs"] and expect[r["id"]] == "not-equivalent")
    false_alarms = sum(1 for r in rows if r["differs"] and expect[r["id"]] == "equivalent")
    # the rate leaves out parsing: wall time scaled by the share of worker time spent compiling and running
    return {"wall_s": wall, "parse_s": parse, "run_s": run, "run_wall_s": wall * run / (parse + run),
            "caught": caught, "false_alarms": false_alarms, "unreadable": sum(1 for r in rows if "error" in r)}


def _machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    gcc = subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return f"{multiprocessing.cpu_count()} cores, CPU `{cpu}`, Python {platform.python_version()}, {gcc}, {platform.platform()}"


def _commit() -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--inputs", type=int, default=5, help="random inputs per case in the baseline (default 5)")
    ap.add_argument("--filter", default="", help="only cases whose id contains this")
    ap.add_argument("--item-timeout", type=float, default=120.0)
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "bench" / "throughput.md")
    ap.add_argument("--records", type=Path, default=ROOT / "bench" / "out" / "throughput_batch.jsonl",
                    help="where the batch writes its records (default bench/out/, git-ignored)")
    a = ap.parse_args()
    load = os.getloadavg()[0]
    selected = [c for c in cases(ROOT / "corpus") if a.filter in c.id]
    mutants = sum(1 for c in selected if c.expect == "not-equivalent")
    batch = _batch(selected, a.workers, a.item_timeout, a.records)
    base = _baseline(selected, a.workers, a.inputs)
    n = len(selected)
    times = batch["item_time_s"]
    text = f"""# portproof batch throughput — recorded results

- date: {_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
- git commit: `{_commit()}` (plus the uncommitted working tree of that moment)
- machine: {_machine()}; 1-minute load average at the start {load:.2f}, at the end {os.getloadavg()[0]:.2f}
  (anything else on the cores shows in the times)
- command: `bench/throughput.py --workers {a.workers} --inputs {a.inputs}{f" --filter {a.filter}" if a.filter else ""}`
- cases: {n} from corpus/ ({n - mutants} ports, {mutants} mutants)

| checker | workers | wall s | verdicts/s | what a verdict means |
|---|---:|---:|---:|---|
| `run_batch` (validate on warm workers) | {a.workers} | {batch["wall_s"]:.1f} | {n / batch["wall_s"]:.2f} | proof or executed counterexample; labels matched {batch["labels_matched"]}/{n} |
| baseline: parse + compile + run both on {a.inputs} random inputs | {a.workers} | {base["wall_s"]:.1f} | {n / base["wall_s"]:.2f} | as below |
| baseline without parsing (estimate) | {a.workers} | {base["run_wall_s"]:.1f} | {n / base["run_wall_s"]:.2f} | mutants caught {base["caught"]}/{mutants}; ports flagged {base["false_alarms"]}/{n - mutants}; no claim for all sizes |

- batch outcomes: {json.dumps(batch["statuses"])}; verdicts: {json.dumps(batch["verdicts"])}
- batch items not done: {json.dumps(batch["failed"], indent=1) if batch["failed"] else "none"}
- batch item wall time (a job on a warm worker; each worker's first item includes its start, ~0.7 s): median
  {times[len(times) // 2]:.2f} s, max {times[-1]:.2f} s
- baseline worker time: parsing and binding {base["parse_s"]:.1f} s (a test harness needs the signatures;
  the estimate scales the wall time by the share spent compiling and running, {base["run_s"]:.1f} s);
  {base["unreadable"]} cases unreadable. Its workers are warm processes that keep their compiled binaries,
  so a pair's original is compiled once for all its mutants.
"""
    a.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
