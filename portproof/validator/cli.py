"""`validate ORIGINAL PORT`: the command line of the validator."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Optional, Sequence

from portproof.diagnostics import EXIT_BAD_INPUT, PortproofError, UsageError, UsageParser
from portproof.specs import targets
from portproof.validator.contract import DEFAULT_BOUND, DEFAULT_TIMEOUT_S, Contract, load_contract, merge
from portproof.validator.decide import Options, validate
from portproof.validator.report import render_text
from portproof.validator.verdict import Check, Error, Result

DESCRIPTION = """\
Validate a port of a C kernel (CUDA today) against the original.

Answers `equivalent` (proved for all sizes, or for every size up to a bound), `not-equivalent`
(with a counterexample that was executed on both sides from source), or `unknown` (with the
exact reason). Exit status: 0 equivalent, 1 not-equivalent, 2 unknown, 3 bad input or usage.
"""

EPILOG = """\
examples:
  validate corpus/gemm/original.c corpus/gemm/ported.cu
  validate saxpy.c saxpy_kernel.cu --launch '<<<(n+255)/256, 256>>>'
  validate gemm.c gemm.cu --entry kernel_gemm=gemm_gpu --json
  validate heat.c heat.cu -I include -D N=64 --bound 5
  validate --batch candidates.jsonl --workers 2 -o verdicts.jsonl [--item-timeout S] [--ray ADDRESS]
           [-- validate flags for every item]        (python -m portproof.validator.batch_cli --help)

a kernel-only port (no host function) needs its launch: --launch '<<<GRID, BLOCK>>>' with
expressions over the original's parameter names, or a contract file (--contract) with
  [entry]  original = "gemm"   port = "gemm_kernel"
  [arrays] C = "out"           # original array = the port's parameter
  [extents] x = "n"            # extents of the original's pointer parameters
  launch = "<<<dim3((n+15)/16, (m+15)/16), dim3(16, 16)>>>"
  fixed_macros = ["N"]         # keep N at its value instead of proving for every N
  fp = "real"   bound = 4   timeout = 30
"""


def parser() -> argparse.ArgumentParser:
    p = UsageParser(prog="validate", description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("original", help="the original C file")
    p.add_argument("port", help="the port (.cu)")
    p.add_argument("--entry", metavar="ORIG=PORT",
                   help="the original's function and the port's host function (or kernel) when names differ")
    p.add_argument("--launch", metavar="'<<<GRID, BLOCK[, SHMEM]>>>'",
                   help="launch of a kernel-only port, over the original's parameter names")
    p.add_argument("--contract", metavar="FILE", help="a TOML contract (entries, arrays, launch, extents, ...)")
    p.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                   help="add an include directory (both files)")
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VALUE]",
                   help="define a macro (both files); a size macro given here is not generalised")
    p.add_argument("--bound", type=int, metavar="N",
                   help=f"bounded checking covers every size up to N (default {DEFAULT_BOUND})")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help=f"time budget for the whole validation (default {DEFAULT_TIMEOUT_S:g})")
    p.add_argument("--fp", choices=("real", "ieee"),
                   help="floating point as real arithmetic (default) or bit-exact IEEE")
    p.add_argument("--target", default="sm_90", choices=targets(), help="hardware target for launch limits")
    p.add_argument("--nvcc", action="store_true", help="also compile the port with nvcc, when installed")
    p.add_argument("--no-confirm", action="store_true",
                   help="do not execute counterexamples (they are then reported as unknown)")
    p.add_argument("--emit-tests", metavar="DIR",
                   help="write a runnable test suite into DIR: counterexample and boundary cases, the "
                        "original's outputs, C, CPU-emulation and CUDA harnesses, and a pytest file")
    p.add_argument("--json", action="store_true", help="print one JSON object (schema portproof.verdict/1)")
    return p


def options_from(args: argparse.Namespace) -> Options:
    base = load_contract(args.contract) if args.contract else Contract()
    orig_entry = port_entry = None
    if args.entry is not None:
        if not args.entry.strip("= "):
            raise UsageError(f"--entry {args.entry!r}: give ORIGINAL=PORT, ORIGINAL= or =PORT")
        if "=" not in args.entry:
            orig_entry = args.entry
        else:
            orig_entry, port_entry = (s.strip() or None for s in args.entry.split("=", 1))
    contract = merge(base, original_entry=orig_entry, port_entry=port_entry, launch=args.launch,
                     bound=args.bound, timeout_s=args.timeout, fp=args.fp)
    defines = {}
    for d in args.defines:
        name, _, value = d.partition("=")
        defines[name] = value if "=" in d else None
    return Options(contract, tuple(args.include_dirs), defines, args.target, args.nvcc, not args.no_confirm)


def run(argv: Optional[Sequence[str]] = None) -> tuple[Result, bool]:
    args = parser().parse_args(argv)
    try:
        options = options_from(args)
    except PortproofError as e:
        return Result(Error(e.kind, e.message, str(e.loc) if e.loc else None)), args.json
    result = validate(args.original, args.port, options)
    if args.emit_tests and result.verdict.verdict != "error":
        from portproof.validator.emit import emit_tests
        try:
            suite = emit_tests(args.original, args.port, options, result, args.emit_tests)
            result.checks.append(Check("emit-tests", "passed", f"test suite written to {suite}"))
        except PortproofError as e:
            result.checks.append(Check("emit-tests", "failed", str(e)))
    return result, args.json


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    head = argv[:argv.index("--")] if "--" in argv else argv
    if any(a == "--batch" or a.startswith("--batch=") for a in head):
        from portproof.validator.batch_cli import main as batch_main
        return batch_main(argv)
    try:
        result, as_json = run(argv)
    except KeyboardInterrupt:
        return EXIT_BAD_INPUT
    try:
        if as_json:
            print(json.dumps(result.to_json(), indent=2, default=str))
        else:
            print(render_text(result))
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (validate ... | head): the verdict is the exit status
        sys.stdout = None
    return result.exit_status


if __name__ == "__main__":
    sys.exit(main())
