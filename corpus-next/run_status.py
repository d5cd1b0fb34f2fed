#!/usr/bin/env python3
"""Run `validate` on every case of corpus-next/ and record the outcome (writes results.json).

Usage: .venv/bin/python corpus-next/run_status.py [-j N] [pair ...]
"""
import json, os, shlex, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
VALIDATE = REPO / ".venv" / "bin" / "validate"


def header(path):
    keys = {}
    for line in path.read_text().splitlines()[:8]:
        if line.startswith("// ") and ":" in line:
            k, v = line[3:].split(":", 1)
            if k.isupper() or k in ("EXPECT", "SCOPE", "ARGS", "BUG-CLASS", "NOTE"):
                keys[k.strip()] = v.strip()
    return keys


def cases(pairs):
    for pair in sorted(p for p in ROOT.iterdir() if p.is_dir()):
        if pairs and pair.name not in pairs:
            continue
        orig = pair / "original.c"
        ports = [pair / "ported.cu", pair / "ported_omp.c"]
        ports += sorted((pair / "mutants").glob("*")) if (pair / "mutants").is_dir() else []
        for port in ports:
            if port.exists():
                yield orig, port


def run(orig, port):
    h = header(port)
    args = shlex.split(h.get("ARGS", ""))
    cmd = [str(VALIDATE), str(orig.relative_to(REPO)), str(port.relative_to(REPO)), *args, "--json"]
    t0 = time.time()
    try:
        p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
        wall = time.time() - t0
        try:
            out = json.loads(p.stdout)
        except json.JSONDecodeError:
            out = {"verdict": "error", "reasons": [{"reason": "no-json", "detail": (p.stdout + p.stderr)[-400:]}]}
        rc = p.returncode
    except subprocess.TimeoutExpired:
        wall = time.time() - t0
        out, rc = {"verdict": "timeout", "reasons": [{"reason": "timeout", "detail": "killed after 120 s"}]}, None
    return {
        "case": str(port.relative_to(ROOT)),
        "expect": h.get("EXPECT"), "scope_expected": h.get("SCOPE"), "class": h.get("BUG-CLASS"),
        "args": h.get("ARGS", ""), "cmd": " ".join(shlex.quote(c) for c in [".venv/bin/validate", *cmd[1:]]),
        "rc": rc, "wall_s": round(wall, 2),
        "verdict": out.get("verdict"), "scope": out.get("scope"), "bound": out.get("bound"),
        "reasons": out.get("reasons"), "counterexample": out.get("counterexample"),
        "checks": out.get("checks"), "time_s": out.get("time_s"),
    }


def main():
    argv = sys.argv[1:]
    jobs = 4
    if argv[:1] == ["-j"]:
        jobs, argv = int(argv[1]), argv[2:]
    todo = list(cases(set(argv)))
    with ThreadPoolExecutor(jobs) as ex:
        results = list(ex.map(lambda c: run(*c), todo))
    out = ROOT / "results.json"
    old = json.loads(out.read_text()) if out.exists() and argv else []
    keep = [r for r in old if r["case"] not in {x["case"] for x in results}]
    out.write_text(json.dumps(sorted(keep + results, key=lambda r: r["case"]), indent=1))
    for r in results:
        print(f'{r["case"]:55} {r["expect"]:15} {str(r["verdict"]):15} {r["wall_s"]:7}')


if __name__ == "__main__":
    main()
