#!/usr/bin/env python3
"""Where the time of one in-process validation goes (the numbers behind bench/PROFILE.md).

    .venv/bin/python bench/profile_cases.py                         # the three default cases
    .venv/bin/python bench/profile_cases.py gemm/ported conv2d/ported --repeat 3

For each case, after one warm-up validation of an unrelated case (imports, precompiled header):
  1. wall time per pipeline stage, by wrapping the functions portproof.validator.decide calls
     (monkeypatched in this process only; portproof/ is not modified), plus every gcc/g++ call
     and every run of a compiled harness;
  2. a cProfile of the main thread, its self time grouped by library (sympy, z3, lark, ...).
The port's compile check runs in a worker thread in parallel with the rest; its wall time is
listed but overlaps the main thread. Also prints `python -X importtime` totals for the CLI import.
"""
from __future__ import annotations

import argparse
import cProfile
import functools
import os
import pstats
import re
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

from portproof.corpus import cases  # noqa: E402

DEFAULT_CASES = ("gemm/ported", "gemm/beta_applied_twice", "conv2d/ported")
WARMUP_CASE = "vadd/ported"

_events: list[tuple[str, float, str]] = []   # (stage, seconds, thread)
_lock = threading.Lock()


def _timed(name: str, fn):
    @functools.wraps(fn)
    def wrapper(*a, **k):
        t0 = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            with _lock:
                _events.append((name, time.perf_counter() - t0, threading.current_thread().name))
    return wrapper


def instrument() -> None:
    import portproof.translators.preprocess as pre
    import portproof.validator.decide as dec
    import portproof.validator.execute as exe
    import portproof.validator.sandbox as sb
    for name, label in [("integer_macros", "size macros (gcc -dM, both files)"),
                        ("parse_c_unit", "C frontend (gcc -E + pycparser + lowering)"),
                        ("parse_cuda", "CUDA frontend (gcc -E + tree-sitter + lowering)"),
                        ("infer_extents", "extent inference"), ("bind", "bind (entries, launch inlining)"),
                        ("search", "random search (IR interpreter)"),
                        ("setting_for", "proof setting (sympy)"),
                        ("prove_all_sizes", "all-sizes proof (sympy/z3)"),
                        ("bounded_check", "bounded check (z3)"), ("confirm", "confirm (compile + run both)"),
                        ("compile_check_port", "compile check of the port [worker thread]"),
                        ("_launch_limits", "launch limits")]:
        setattr(dec, name, _timed(label, getattr(dec, name)))
    pre._run_gcc = _timed("  gcc preprocessor call", pre._run_gcc)
    sb._compile = _timed("  gcc/g++ compile call", sb._compile)
    exe._run = _timed("  run a compiled harness", exe._run)


def clear_binary_cache() -> None:
    exe = sys.modules.get("portproof.validator.execute")
    cache = getattr(getattr(exe, "_CACHE", None), "_binaries", None)
    if isinstance(cache, dict):
        cache.clear()


_GROUPS = [
    ("sympy", re.compile(r"/sympy/|mpmath")), ("z3", re.compile(r"/z3/|z3core|Z3_")),
    ("lark", re.compile(r"/lark/")), ("pycparser", re.compile(r"/pycparser/")),
    ("tree-sitter", re.compile(r"tree_sitter")), ("numpy", re.compile(r"/numpy/")),
    ("portproof IR interpreter", re.compile(r"portproof/ir/(interpret|concrete)")),
    ("portproof translators", re.compile(r"portproof/translators/")),
    ("portproof validator", re.compile(r"portproof/validator/")),
    ("portproof ir (other)", re.compile(r"portproof/ir/")),
    ("waiting on child processes", re.compile(r"subprocess|selectors|waitpid|'poll'|select\.")),
    ("waiting on a thread/lock", re.compile(r"threading|acquire|concurrent")),
]


def group_of(filename: str, func: str) -> str:
    text = f"{filename} {func}"
    for name, rx in _GROUPS:
        if rx.search(text):
            return name
    return "other (stdlib, builtins)"


def profile_once(case, cli) -> dict:
    argv = [str(case.original), str(case.port), *case.args]
    clear_binary_cache()
    _events.clear()
    t0 = time.perf_counter()
    result, _ = cli.run(argv)
    wall = time.perf_counter() - t0
    stages = defaultdict(float)
    counts = defaultdict(int)
    for name, secs, _thread in _events:
        stages[name] += secs
        counts[name] += 1
    clear_binary_cache()
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    cli.run(argv)
    prof.disable()
    prof_wall = time.perf_counter() - t0
    st = pstats.Stats(prof)
    groups = defaultdict(float)
    for (filename, _line, func), (_cc, _nc, tt, _ct, _callers) in st.stats.items():
        groups[group_of(filename, func)] += tt
    top = sorted(st.stats.items(), key=lambda kv: -kv[1][3])
    top_cum = [(f"{Path(fn).name}:{func}", ct) for (fn, _l, func), (_cc, _nc, _tt, ct, _c) in top
               if "portproof" in fn][:15]
    top_self = [(f"{Path(fn).name}:{func}", tt) for (fn, _l, func), (_cc, _nc, tt, _ct, _c)
                in sorted(st.stats.items(), key=lambda kv: -kv[1][2])[:8]]
    return {"top_self": top_self, "verdict": result.to_json()["verdict"], "scope": result.to_json()["scope"], "wall_s": wall,
            "stages": dict(stages), "counts": dict(counts), "profile_wall_s": prof_wall,
            "groups": dict(groups), "top_cum": top_cum,
            "checks": [f"{c.name}:{c.status}" for c in result.checks]}


def import_time() -> list[tuple[str, float]]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import portproof.validator.cli"],
                          capture_output=True, text=True, cwd=ROOT)
    by_top: dict[str, float] = defaultdict(float)
    total = 0.0
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)", line)
        if not m:
            continue
        self_us, _cum, _indent, name = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        top = name.split(".")[0]
        if top == "portproof":
            top = ".".join(name.split(".")[:3])
        by_top[top] += self_us / 1e6
        total += self_us / 1e6
    return [("TOTAL", total)] + sorted(by_top.items(), key=lambda kv: -kv[1])[:14]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="*", default=list(DEFAULT_CASES))
    ap.add_argument("--repeat", type=int, default=1, help="stage timings: take the run with the median wall")
    args = ap.parse_args()
    by_id = {c.id: c for c in cases(Path("corpus"))}

    print("== import time (python -X importtime, self time summed by package, fresh process)")
    for name, secs in import_time():
        print(f"  {name:40s} {secs:6.3f} s")

    t0 = time.perf_counter()
    from portproof.validator import cli
    print(f"\n== import portproof.validator.cli in this process: {time.perf_counter() - t0:.3f} s")
    instrument()
    t0 = time.perf_counter()
    cli.run([str(by_id[WARMUP_CASE].original), str(by_id[WARMUP_CASE].port), *by_id[WARMUP_CASE].args])
    print(f"== warm-up validation ({WARMUP_CASE}): {time.perf_counter() - t0:.3f} s")
    warm = defaultdict(float)
    for name, secs, _ in _events:
        warm[name] += secs
    for name, secs in sorted(warm.items(), key=lambda kv: -kv[1]):
        print(f"  {name:55s} {secs:6.3f} s")

    for cid in args.cases:
        case = by_id[cid]
        runs = sorted((profile_once(case, cli) for _ in range(args.repeat)), key=lambda r: r["wall_s"])
        r = runs[len(runs) // 2]
        print(f"\n== {cid} {' '.join(case.args)}: {r['verdict']}{'/' + r['scope'] if r['scope'] else ''}, "
              f"wall {r['wall_s']:.3f} s (runs: {', '.join(format(x['wall_s'], '.2f') for x in runs)})")
        print("   checks:", " ".join(r["checks"]))
        print("   stages (wall, inclusive; indented = single gcc/g++/harness calls, in whichever thread ran them; [worker thread] overlaps the main thread):")
        for name, secs in sorted(r["stages"].items(), key=lambda kv: -kv[1]):
            print(f"     {name:55s} {secs:6.3f} s  x{r['counts'][name]}")
        print(f"   cProfile of the main thread (wall under profiler {r['profile_wall_s']:.3f} s), self time by group:")
        for name, secs in sorted(r["groups"].items(), key=lambda kv: -kv[1]):
            if secs >= 0.005:
                print(f"     {name:40s} {secs:6.3f} s")
        print("   top functions by self time:")
        for name, secs in r["top_self"]:
            print(f"     {name:60s} {secs:6.3f} s")
        print("   top portproof functions by cumulative time:")
        for name, secs in r["top_cum"]:
            print(f"     {name:60s} {secs:6.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
