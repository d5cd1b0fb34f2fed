#!/usr/bin/env python3
"""Validate every case of corpus/ and record verdicts, labels and wall times.

    .venv/bin/python bench/run_corpus.py                    # both modes, results in bench/
    .venv/bin/python bench/run_corpus.py --mode in-process --filter gemm -o /tmp/b

Two modes (see bench/README.md):
  in-process  portproof.validator.cli.run(argv) called sequentially in this one process, the way a
              batch or RL user calls the library; the first call (imports, precompiled emulation
              header, ...) is timed and reported separately as the warm-up.
  cli         `.venv/bin/validate ORIGINAL PORT ARGS --json` as a fresh process per case, wall time
              including interpreter start-up and imports; on a sample (every pair's ported*.cu plus
              one mutant per pair) unless --cli-cases all.

Writes DIR/results.json (per-case rows and the summary) and DIR/results.md (tables).
This is a benchmark with recorded results, not a timed test: nothing here fails on a slow run.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portproof.corpus import Case, cases  # noqa: E402  (light: no solver, no parser)

VERDICT_KINDS = ("equivalent/all-sizes", "equivalent/bounded", "not-equivalent", "unknown", "error", "crash")
TARGET_MEDIAN_S = 1.0
TARGET_P95_S = 10.0
CLI_TIMEOUT_S = 600.0


# --------------------------------------------------------------------------------------------- stats

def percentile(values: Iterable[float], q: float) -> Optional[float]:
    """Linear interpolation between closest ranks (numpy's default), q in [0, 100]."""
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "median_s": None, "p95_s": None, "max_s": None, "total_s": 0.0}
    return {"n": len(values), "median_s": round(percentile(values, 50), 4),
            "p95_s": round(percentile(values, 95), 4), "max_s": round(max(values), 4),
            "total_s": round(sum(values), 3)}


# --------------------------------------------------------------------------------------------- cases

def kind_of(verdict: str, scope: Optional[str]) -> str:
    return f"equivalent/{scope}" if verdict == "equivalent" else verdict


def label_matches(case: Case, verdict: str, scope: Optional[str]) -> bool:
    if verdict != case.expect:
        return False
    return case.expect != "equivalent" or case.scope is None or scope == case.scope


def base_row(case: Case, mode: str) -> dict[str, Any]:
    return {"id": case.id, "pair": case.pair, "name": case.name, "mode": mode,
            "original": str(case.original), "port": str(case.port), "args": list(case.args),
            "expect": case.expect, "expect_scope": case.scope, "bug_class": case.bug_class}


def finish_row(row: dict[str, Any], case: Case, data: Optional[dict[str, Any]], wall_s: float,
               crash: Optional[str] = None) -> dict[str, Any]:
    if data is None:
        row.update(verdict="crash", scope=None, detail=crash or "", confirmed=None, checks=[],
                   validator_time_s=None)
    else:
        ce = data.get("counterexample") or {}
        reasons = data.get("reasons") or []
        detail = "; ".join(f"{r.get('location') + ': ' if r.get('location') else ''}{r.get('detail')}"
                           for r in reasons if r.get("reason") != "note")
        row.update(verdict=data["verdict"], scope=data.get("scope"), bound=data.get("bound"),
                   detail=detail[:400], confirmed=ce.get("confirmed") if ce else None,
                   checks=[f"{c['name']}:{c['status']}" for c in data.get("checks", [])],
                   validator_time_s=data.get("time_s"))
    row["kind"] = kind_of(row["verdict"], row["scope"])
    row["wall_s"] = round(wall_s, 4)
    row["label_match"] = label_matches(case, row["verdict"], row["scope"])
    return row


def cli_sample(all_cases: list[Case]) -> list[Case]:
    """Every pair's ported*.cu plus its first mutant (alphabetically)."""
    out: list[Case] = []
    mutant_taken: set[str] = set()
    for c in all_cases:
        if c.name.startswith("ported"):
            out.append(c)
        elif c.pair not in mutant_taken:
            mutant_taken.add(c.pair)
            out.append(c)
    return out


# --------------------------------------------------------------------------------------------- modes

def run_in_process(selected: list[Case], progress: bool) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    t0 = time.perf_counter()
    from portproof.validator import cli  # the import a library user pays once
    import_s = time.perf_counter() - t0

    def one(case: Case) -> tuple[Optional[dict[str, Any]], float, Optional[str]]:
        argv = [str(case.original), str(case.port), *case.args]
        start = time.perf_counter()
        try:
            result, _ = cli.run(argv)
            data = result.to_json()
            crash = None
        except BaseException as e:  # noqa: BLE001 - a crash is a result to record, not to stop on
            if isinstance(e, KeyboardInterrupt):
                raise
            data, crash = None, "".join(traceback.format_exception_only(type(e), e)).strip()
        return data, time.perf_counter() - start, crash

    warm = {"import_s": round(import_s, 4)}
    if selected:
        first = selected[0]
        data, wall, crash = one(first)
        warm.update(first_call_case=first.id, first_call_s=round(wall, 4),
                    first_call_verdict=data["verdict"] if data else "crash",
                    note="the first call is repeated in the timed loop")
        # Forget the harness binaries the warm-up compiled (the precompiled header stays), so that the
        # first case is not timed with its binaries already built. Guarded: a private detail.
        cache = getattr(getattr(sys.modules.get("portproof.validator.execute"), "_CACHE", None), "_binaries", None)
        if isinstance(cache, dict):
            cache.clear()
            warm["binary_cache_cleared_after_warmup"] = True
    rows = []
    for i, case in enumerate(selected, 1):
        data, wall, crash = one(case)
        row = finish_row(base_row(case, "in-process"), case, data, wall, crash)
        rows.append(row)
        if progress:
            print(f"[in-process {i}/{len(selected)}] {case.id}: {row['kind']} {wall:.2f}s"
                  f"{'' if row['label_match'] else '  LABEL MISMATCH (expected ' + case.expect + ')'}",
                  file=sys.stderr, flush=True)
    return rows, warm


def validate_exe() -> list[str]:
    exe = Path(sys.executable).parent / "validate"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("validate")
    return [found] if found else [sys.executable, "-m", "portproof.validator.cli"]


def run_cli(selected: list[Case], progress: bool) -> list[dict[str, Any]]:
    cmd = validate_exe()
    rows = []
    for i, case in enumerate(selected, 1):
        argv = [*cmd, str(case.original), str(case.port), *case.args, "--json"]
        start = time.perf_counter()
        data, crash = None, None
        try:
            proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=CLI_TIMEOUT_S)
            wall = time.perf_counter() - start
            try:
                data = json.loads(proc.stdout)
            except json.JSONDecodeError:
                crash = f"exit {proc.returncode}: " + (proc.stderr.strip().splitlines() or [""])[-1]
        except subprocess.TimeoutExpired:
            wall = time.perf_counter() - start
            crash = f"killed after {CLI_TIMEOUT_S:g} s"
        row = finish_row(base_row(case, "cli"), case, data, wall, crash)
        rows.append(row)
        if progress:
            print(f"[cli {i}/{len(selected)}] {case.id}: {row['kind']} {wall:.2f}s"
                  f"{'' if row['label_match'] else '  LABEL MISMATCH (expected ' + case.expect + ')'}",
                  file=sys.stderr, flush=True)
    return rows


# --------------------------------------------------------------------------------------------- summary

def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    walls = [r["wall_s"] for r in rows]
    by_pair: dict[str, list[float]] = defaultdict(list)
    by_kind: dict[str, list[float]] = defaultdict(list)
    by_expect: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        by_pair[r["pair"]].append(r["wall_s"])
        by_kind[r["kind"]].append(r["wall_s"])
        by_expect["port (expected equivalent)" if r["expect"] == "equivalent"
                  else "mutant (expected not-equivalent)"].append(r["wall_s"])
    overall = stats(walls)
    pair_stats = {p: stats(v) for p, v in sorted(by_pair.items())}
    pair_medians = [s["median_s"] for s in pair_stats.values()]
    pair_p95s = [s["p95_s"] for s in pair_stats.values()]
    mismatches = [{"id": r["id"], "expect": r["expect"] + (f"/{r['expect_scope']}" if r["expect_scope"] else ""),
                   "got": r["kind"], "detail": r.get("detail", "")}
                  for r in rows if not r["label_match"]]
    unconfirmed = [r["id"] for r in rows if r["verdict"] == "not-equivalent" and r.get("confirmed") is False]
    return {
        "overall": overall,
        "by_kind": {k: stats(by_kind[k]) for k in VERDICT_KINDS if k in by_kind},
        "by_expected": {k: stats(v) for k, v in sorted(by_expect.items())},
        "by_pair": pair_stats,
        "pairs": {"n": len(pair_stats),
                  "median_of_pair_medians_s": round(percentile(pair_medians, 50), 4) if pair_medians else None,
                  "max_pair_p95_s": max(pair_p95s) if pair_p95s else None,
                  "pairs_with_p95_over_target": [p for p, s in pair_stats.items() if s["p95_s"] > TARGET_P95_S]},
        "labels": {"matched": sum(r["label_match"] for r in rows),
                   "mismatched": len(mismatches), "mismatches": mismatches,
                   "not_equivalent_unconfirmed": unconfirmed},
        "verdict_counts": {k: len(by_kind[k]) for k in VERDICT_KINDS if k in by_kind},
        "target": {"median_s": TARGET_MEDIAN_S, "p95_s": TARGET_P95_S,
                   "median_met": overall["median_s"] is not None and overall["median_s"] < TARGET_MEDIAN_S,
                   "p95_met": overall["p95_s"] is not None and overall["p95_s"] < TARGET_P95_S},
        "slowest": [{"id": r["id"], "wall_s": r["wall_s"], "kind": r["kind"],
                     "checks": r.get("checks", [])}
                    for r in sorted(rows, key=lambda r: -r["wall_s"])[:10]],
    }


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def out(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    snapshot = os.environ.get("PORTPROOF_BENCH_SNAPSHOT") == "1"
    dirty = [] if snapshot else [ln for ln in out(["git", "status", "--porcelain", "--", "portproof", "corpus"])
                                 .splitlines() if ln.strip()]
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return {"nproc": affinity, "cpu_count": os.cpu_count(), "cpu_model": cpu,
            "python": platform.python_version(), "platform": platform.platform(),
            "gcc": (out(["gcc", "--version"]).splitlines() or [""])[0],
            "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "git_commit": os.environ.get("PORTPROOF_BENCH_COMMIT") or out(["git", "rev-parse", "HEAD"]),
            "snapshot": snapshot, "portproof_loaded_from": str(Path(sys.modules["portproof"].__file__).parent),
            "git_dirty_portproof_files": dirty}


# --------------------------------------------------------------------------------------------- report

def _f(x: Optional[float]) -> str:
    return "—" if x is None else f"{x:.2f}"


def _stats_table(title: str, table: dict[str, dict[str, Any]]) -> list[str]:
    lines = [f"| {title} | n | median s | p95 s | max s | total s |", "|---|---:|---:|---:|---:|---:|"]
    for k, s in table.items():
        lines.append(f"| {k} | {s['n']} | {_f(s['median_s'])} | {_f(s['p95_s'])} | {_f(s['max_s'])} | "
                     f"{s['total_s']:.1f} |")
    return lines


def render_md(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    L = ["# portproof corpus benchmark — recorded results", "",
         f"- date: {m['date']}", f"- git commit: `{m['git_commit']}`"
         + (f" (portproof/ and corpus/ had {len(m['git_dirty_portproof_files'])} uncommitted changes in the working tree"
            " while this ran — other people were editing it)" if m["git_dirty_portproof_files"] else "")
         + (" — run on a snapshot of that commit (`git archive`, `--snapshot`)" if m.get("snapshot") else ""),
         f"- machine: {m['nproc']} cores usable ({m['cpu_count']} online), CPU `{m['cpu_model']}`, "
         f"Python {m['python']}, {m['gcc']}, {m['platform']}",
         f"- command: `{doc['command']}`", ""]
    modes = doc["modes"]
    L += ["## Summary", "",
          "| mode | cases | median s | p95 s | max s | total s | labels matched | mismatched | "
          "median < 1 s | p95 < 10 s |", "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for name, mode in modes.items():
        s, lab, t = mode["summary"]["overall"], mode["summary"]["labels"], mode["summary"]["target"]
        L.append(f"| {name} | {s['n']} | {_f(s['median_s'])} | {_f(s['p95_s'])} | {_f(s['max_s'])} | "
                 f"{s['total_s']:.1f} | {lab['matched']} | {lab['mismatched']} | "
                 f"{'met' if t['median_met'] else 'NOT met'} | {'met' if t['p95_met'] else 'NOT met'} |")
    L.append("")
    if "in-process" in modes:
        w = modes["in-process"]["warmup"]
        L += [f"In-process warm-up (not in the table): `import portproof.validator.cli` {w['import_s']:.2f} s, "
              f"first call ({w.get('first_call_case', '—')}) {_f(w.get('first_call_s'))} s "
              "(pays lazy imports and the one-time precompiled emulation header build).", ""]
    for name, mode in modes.items():
        sm = mode["summary"]
        L += [f"## {name}", ""]
        L += _stats_table("verdict kind (as returned)", sm["by_kind"]) + [""]
        L += _stats_table("case kind (by label)", sm["by_expected"]) + [""]
        pr = sm["pairs"]
        L += [f"Per pair (port + its mutants{', sampled' if name == 'cli' else ''}): {pr['n']} pairs, median of pair "
              f"medians {_f(pr['median_of_pair_medians_s'])} s, worst pair p95 {_f(pr['max_pair_p95_s'])} s; "
              f"pairs with p95 over {TARGET_P95_S:g} s: {', '.join(pr['pairs_with_p95_over_target']) or 'none'}.", ""]
        L += _stats_table("pair", sm["by_pair"]) + [""]
        L += ["Slowest 10:", "", "| case | wall s | verdict | checks |", "|---|---:|---|---|"]
        for r in sm["slowest"]:
            L.append(f"| {r['id']} | {r['wall_s']:.2f} | {r['kind']} | {' '.join(r['checks'])} |")
        L.append("")
        lab = sm["labels"]
        if lab["mismatches"]:
            L += ["Label mismatches:", "", "| case | expected | got | detail |", "|---|---|---|---|"]
            for x in lab["mismatches"]:
                L.append(f"| {x['id']} | {x['expect']} | {x['got']} | {x['detail'].replace('|', '/')[:200]} |")
            L.append("")
        else:
            L += ["Label mismatches: none.", ""]
        if lab["not_equivalent_unconfirmed"]:
            L += ["not-equivalent without a confirmed counterexample: "
                  + ", ".join(lab["not_equivalent_unconfirmed"]), ""]
    return "\n".join(L) + "\n"


# --------------------------------------------------------------------------------------------- main

def _rerun_in_snapshot(argv: list[str], output: Path) -> int:
    """Export HEAD into a temporary directory and run this script there, with PYTHONPATH pointing at
    the copy (it wins over the editable install's finder, for this process and the `validate` children)."""
    import tempfile
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    snap = Path(tempfile.mkdtemp(prefix="portproof-bench-"))
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(snap)], input=archive, check=True)
    (snap / "bench").mkdir(exist_ok=True)
    shutil.copy2(Path(__file__), snap / "bench" / "run_corpus.py")
    rest = [a for a in argv if a != "--snapshot"]
    env = dict(os.environ, PYTHONPATH=str(snap), PORTPROOF_BENCH_COMMIT=commit,
               PORTPROOF_BENCH_SNAPSHOT="1")
    try:
        return subprocess.run([sys.executable, str(snap / "bench" / "run_corpus.py"), *rest, "-o", str(output)],
                              env=env, cwd=snap).returncode
    finally:
        shutil.rmtree(snap, ignore_errors=True)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=("in-process", "cli", "both"), default="both")
    ap.add_argument("--filter", default="", metavar="SUBSTRING", help="only cases whose id contains it")
    ap.add_argument("--cli-cases", choices=("sample", "all"), default="sample",
                    help="cli mode: every pair's port plus one mutant per pair (default), or every case")
    ap.add_argument("--corpus", default=str(ROOT / "corpus"))
    ap.add_argument("-o", "--output", default=str(ROOT / "bench"), metavar="DIR")
    ap.add_argument("-q", "--quiet", action="store_true")
    ap.add_argument("--snapshot", action="store_true",
                    help="run against a copy of the committed tree (git archive HEAD), so that edits made "
                         "to the working tree while the benchmark runs do not mix versions")
    args = ap.parse_args(argv)
    if args.snapshot:
        return _rerun_in_snapshot(argv if argv is not None else sys.argv[1:], Path(args.output).resolve())

    os.chdir(ROOT)  # case paths are relative to the repository root, as a user would type them
    corpus = Path(os.path.relpath(Path(args.corpus).resolve(), ROOT))
    selected = [c for c in cases(corpus) if args.filter in c.id]
    if not selected:
        print(f"no case matches {args.filter!r}", file=sys.stderr)
        return 2
    doc: dict[str, Any] = {"schema": "portproof.bench/1", "machine": machine(),
                           "command": " ".join(["bench/run_corpus.py", *(argv if argv is not None else sys.argv[1:])]),
                           "modes": {}}
    if args.mode in ("in-process", "both"):
        t0 = time.perf_counter()
        rows, warm = run_in_process(selected, not args.quiet)
        doc["modes"]["in-process"] = {"warmup": warm, "elapsed_s": round(time.perf_counter() - t0, 2),
                                      "summary": summarize(rows), "rows": rows}
    if args.mode in ("cli", "both"):
        sample = selected if args.cli_cases == "all" else cli_sample(selected)
        t0 = time.perf_counter()
        rows = run_cli(sample, not args.quiet)
        doc["modes"]["cli"] = {"sample": args.cli_cases, "elapsed_s": round(time.perf_counter() - t0, 2),
                               "summary": summarize(rows), "rows": rows}
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(doc, indent=1, default=str) + "\n")
    (out / "results.md").write_text(render_md(doc))
    for name, mode in doc["modes"].items():
        s, lab = mode["summary"]["overall"], mode["summary"]["labels"]
        print(f"{name}: {s['n']} cases, median {_f(s['median_s'])} s, p95 {_f(s['p95_s'])} s, "
              f"max {_f(s['max_s'])} s; labels {lab['matched']} matched, {lab['mismatched']} mismatched")
    print(f"wrote {out / 'results.json'} and {out / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
