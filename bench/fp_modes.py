#!/usr/bin/env python3
"""`--fp real` against `--fp ieee` on the same ports: verdict and wall time of each, in one process.

    .venv/bin/python bench/fp_modes.py                      # the reduction / shared-memory pairs, -> bench/fp_modes.md
    .venv/bin/python bench/fp_modes.py --pairs dot sum -o /tmp/fp.md

A benchmark with recorded results, not a timed test. Under ieee a port whose float reduction runs in another
order than the original's is expected to be refuted (two thread orders or team sizes with different bits, or
a rounding difference found by the bounded check): the verdicts differ between the modes by design.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portproof.corpus import cases  # noqa: E402

PAIRS = ("dot", "sum", "max", "argmax", "norm", "histogram", "gemm-tiled", "transpose-shared", "jacobi-2d-tiled",
         "scan", "softmax", "covariance")


def _verdict(result) -> str:
    v = result.verdict
    kind = getattr(v, "counterexample", None)
    if v.verdict == "equivalent":
        return f"equivalent/{v.scope}"
    if kind is not None:
        return f"not-equivalent ({kind.kind})"
    return v.verdict + (f" ({v.reason.value})" if getattr(v, "reason", None) else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", nargs="*", default=list(PAIRS))
    ap.add_argument("-o", "--output", default=str(ROOT / "bench" / "fp_modes.md"))
    args = ap.parse_args()
    from portproof.validator.cli import run
    run([str(ROOT / "corpus/saxpy/original.c"), str(ROOT / "corpus/saxpy/ported.cu"),
         "--launch", "<<<(n + 255) / 256, 256>>>"])  # warm-up: imports, emulation header
    rows = []
    for case in cases(ROOT / "corpus"):
        if case.pair not in args.pairs or case.expect != "equivalent":
            continue
        times, verdicts = {}, {}
        for mode in ("real", "ieee"):
            argv = [str(case.original), str(case.port), *case.args, "--fp", mode]
            start = time.monotonic()
            result, _ = run(argv)
            times[mode], verdicts[mode] = time.monotonic() - start, _verdict(result)
        rows.append((case.id, verdicts["real"], times["real"], verdicts["ieee"], times["ieee"]))
        print(f"{case.id:32} real {verdicts['real']:28} {times['real']:6.2f}s  ieee {verdicts['ieee']:34} "
              f"{times['ieee']:6.2f}s", flush=True)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    lines = [
        "# `--fp real` against `--fp ieee` — recorded results", "",
        f"- date: {_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')}",
        f"- git commit: `{commit}`", "- command: `bench/fp_modes.py` (in one process, after a warm-up call)", "",
        "| port | real: verdict | real s | ieee: verdict | ieee s | ieee / real |",
        "|---|---|---:|---|---:|---:|",
    ]
    for case_id, vr, tr, vi, ti in rows:
        lines.append(f"| {case_id} | {vr} | {tr:.2f} | {vi} | {ti:.2f} | {ti / tr:.1f} |")
    total_r, total_i = sum(r[2] for r in rows), sum(r[4] for r in rows)
    lines += ["", f"Total: real {total_r:.1f} s, ieee {total_i:.1f} s ({total_i / total_r:.1f}x).", ""]
    Path(args.output).write_text("\n".join(lines))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
