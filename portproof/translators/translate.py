"""`translate ORIGINAL --to cuda --model SPEC`: generate a port, validate it, feed the verdict back, retry."""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Optional, Sequence

from portproof.diagnostics import EXIT_BAD_INPUT, InputFileError, PortproofError, UsageError, UsageParser
from portproof.ir.nodes import Function
from portproof.ir.parse import parse_expr
from portproof.specs import load_target, targets
from portproof.translators.c_frontend import parse_c_unit
from portproof.translators.extract import extract_code
from portproof.translators.generate import SPECS, Generator, make_generator
from portproof.translators.preprocess import integer_macros
from portproof.translators.prompts import (NO_CODE, Task, Templates, feedback, first_messages, languages,
                                           load_templates, port_signature)
from portproof.validator.cli import options_from
from portproof.validator.decide import Options, validate
from portproof.validator.extents import infer_extents
from portproof.validator.reward import reward_for
from portproof.validator.execute import compile_check_port
from portproof.validator.verdict import Check, Error, NotEquivalent, Result, Unknown

SCHEMA = "portproof.translate/1"
EXIT_FOUND = 0
EXIT_NOT_FOUND = 1
INTERNAL = "internal error"

DESCRIPTION = """\
Port a C function with an LLM and keep only a validated port: generate a candidate, validate it
against the original, feed the counterexample (or compiler message, or reason) back, and retry.
Exit status: 0 a port proved equivalent was written to -o, 1 none within --attempts, 3 bad input
or usage.
"""

EPILOG = f"""\
models (--model, see docs/LLM.md): {', '.join(SPECS)}

examples:
  translate gemv.c --to cuda --model openai:http://localhost:8000/v1#qwen -o gemv.cu --attempts 4
  translate saxpy.c --to cuda --model replay:answers/ -o saxpy.cu --launch '<<<(n+255)/256, 256>>>'
"""


@dataclass(frozen=True)
class Attempt:
    """One line of the attempts log."""
    attempt: int
    verdict: str
    scope: Optional[str]
    kind: Optional[str]      # counterexample kind, unknown reason or error kind
    reward: float
    generate_s: float
    validate_s: float
    sha256: str
    candidate: str           # path of the saved copy
    feedback: Optional[str]  # the message sent back to the model (None when accepted)


@dataclass(frozen=True)
class Outcome:
    found: bool
    attempts: list[Attempt]
    port: Optional[str]      # the accepted candidate's code


def load_task(original: str, options: Options) -> Task:
    """Read the original's entry function, its size macros and extents, and the target."""
    c = options.contract
    macros = integer_macros(original, include_dirs=options.include_dirs, defines=options.defines)
    symbolic = frozenset(macros) - set(c.fixed_macros) - set(options.defines)
    unit = parse_c_unit(original, include_dirs=options.include_dirs, defines=options.defines,
                        symbolic_macros=symbolic)
    names = [f.name for f in unit.program.functions] + list(unit.failures)
    name = c.original_entry or (names[0] if len(names) == 1 else None)
    if name is None:
        raise UsageError(f"the original defines several functions ({', '.join(names)}); "
                         f"name the one to port with --entry NAME")
    if name in unit.failures:
        raise unit.failures[name]
    if name not in names:
        raise UsageError(f"the original has no function '{name}' (it has: {', '.join(names)})")
    fn = unit.program.function(name)
    extents = infer_extents(fn, symbolic)
    extents.update({k: tuple(parse_expr(e) for e in v.split(",")) for k, v in c.extents})
    return Task(original, unit.program.source, fn, _signature(unit.program.source, fn),
                extents, {k: v for k, v in macros.items() if k in symbolic}, load_target(options.target), c)


def _signature(source: str, fn: Function) -> str:
    """The function's declaration as the original writes it, on one line."""
    if fn.loc is None:
        return port_signature(fn, fn.name)
    text = "\n".join(source.splitlines()[fn.loc.line - 1:])
    head = text.split("{", 1)[0]
    return re.sub(r"\s+", " ", head).strip() if fn.name in head else port_signature(fn, fn.name)


def translate(task: Task, generator: Generator, templates: Templates, *, attempts: int, options: Options,
              workdir: Path, log: Optional[IO[str]] = None, progress: Optional[IO[str]] = None) -> Outcome:
    """Generate up to `attempts` candidates in one conversation; stop at the first proved equivalent."""
    messages = first_messages(task, templates)
    records: list[Attempt] = []
    for k in range(1, attempts + 1):
        start = time.monotonic()
        answer = generator.generate(messages, n=1)[0]
        generate_s = time.monotonic() - start
        code = extract_code(answer)
        sha = hashlib.sha256(code.encode()).hexdigest()
        path = workdir / f"attempt-{k}-{sha[:12]}.cu"
        path.write_text(code)
        result = _validate(task, str(path), code, options)
        _check_original_accepted(result, task)
        accepted = result.verdict.verdict == "equivalent"
        text = None if accepted else feedback(result, task, code, str(path), templates)
        record = Attempt(k, result.verdict.verdict, getattr(result.verdict, "scope", None),
                         _kind(result), result.reward, round(generate_s, 3), round(result.time_s, 3),
                         sha, str(path), text)
        records.append(record)
        if log is not None:
            log.write(json.dumps(asdict(record)) + "\n")
            log.flush()
        if progress is not None:
            progress.write(_progress_line(record, attempts))
        if accepted:
            return Outcome(True, records, code)
        messages += [{"role": "assistant", "content": answer}, {"role": "user", "content": text}]
    return Outcome(False, records, None)


def _validate(task: Task, path: str, code: str, options: Options) -> Result:
    if not code.strip():
        result = Result(Error(NO_CODE, "the answer contained no code"))
    else:
        try:
            return validate(task.path, path, options)
        except Exception as e:  # a defect of the validator must not end the run: logged, the compiler asked
            result = Result(Error(INTERNAL, f"{type(e).__name__}: {e}"))
            report = compile_check_port(path, include_dirs=options.include_dirs, defines=options.defines)
            result.checks.append(Check("compile port", "passed" if report.ok else "failed", report.message))
    result.reward = reward_for(result)
    return result


def _check_original_accepted(result: Result, task: Task) -> None:
    """An error located in the original is bad input, whatever the candidate: stop, do not retry."""
    v = result.verdict
    if isinstance(v, Error) and (v.location or "").startswith(f"{task.path}:"):
        raise InputFileError(f"{v.kind}: {v.message}")


def _kind(result: Result) -> Optional[str]:
    v = result.verdict
    if isinstance(v, NotEquivalent):
        return v.counterexample.kind
    if isinstance(v, Unknown):
        return v.reason.value
    if isinstance(v, Error):
        return v.kind
    return None


def _progress_line(r: Attempt, attempts: int) -> str:
    what = r.verdict + (f" ({r.scope or r.kind})" if r.scope or r.kind else "")
    return (f"attempt {r.attempt}/{attempts}: {what}, reward {r.reward:+.2f}, "
            f"generated in {r.generate_s:.1f} s, validated in {r.validate_s:.1f} s\n")


def parser() -> argparse.ArgumentParser:
    p = UsageParser(prog="translate", description=DESCRIPTION, epilog=EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("original", help="the original C file")
    p.add_argument("--to", required=True, choices=languages(), help="the target language")
    p.add_argument("--model", required=True, metavar="SPEC", help="the generator (see below)")
    p.add_argument("--attempts", type=int, default=3, metavar="K", help="candidates to try at most (default 3)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write the validated port")
    p.add_argument("--log", metavar="FILE", help="append one JSON line per attempt; candidates are kept "
                   "next to it in FILE's name + '.candidates/'")
    p.add_argument("--entry", metavar="ORIG[=PORT]", help="the original's function to port, and the port's "
                   "function name when it should differ")
    p.add_argument("--launch", metavar="'<<<GRID, BLOCK>>>'", help="ask for a kernel-only port launched so, "
                   "over the original's parameter names (default: a host function)")
    p.add_argument("--contract", metavar="FILE", help="a TOML contract, as for validate")
    p.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                   help="add an include directory (original and candidates)")
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VALUE]",
                   help="define a macro (original and candidates)")
    p.add_argument("--bound", type=int, metavar="N", help="bound of the bounded check (validate --bound)")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="time budget of each validation")
    p.add_argument("--fp", choices=("real", "ieee"), help="floating point as real arithmetic or bit-exact")
    p.add_argument("--target", default="sm_90", choices=targets(), help="hardware target (prompt and checks)")
    p.add_argument("--json", action="store_true", help=f"print a summary object (schema {SCHEMA})")
    p.set_defaults(nvcc=False, no_confirm=False)
    return p


def run(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Run the command; raises PortproofError on bad input or usage."""
    start = time.monotonic()
    if args.attempts < 1:
        raise UsageError(f"--attempts must be at least 1, not {args.attempts}")
    if not Path(args.output).resolve().parent.is_dir():
        raise UsageError(f"-o {args.output}: no such directory")
    options = options_from(args)
    task = load_task(args.original, options)
    templates = load_templates(args.to)
    generator = make_generator(args.model)
    with tempfile.TemporaryDirectory(prefix="portproof-translate-") as tmp:
        workdir = Path(args.log + ".candidates") if args.log else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        with open(args.log, "a") if args.log else contextlib.nullcontext() as log:
            outcome = translate(task, generator, templates, attempts=args.attempts, options=options,
                                workdir=workdir, log=log, progress=None if args.json else err)
    if outcome.found:
        Path(args.output).write_text(outcome.port)
    last = outcome.attempts[-1]
    if args.json:
        summary = {"schema": SCHEMA, "found": outcome.found, "output": args.output if outcome.found else None,
                   "attempts": len(outcome.attempts), "verdict": last.verdict, "scope": last.scope,
                   "reward": last.reward, "log": args.log, "time_s": round(time.monotonic() - start, 3),
                   "history": [asdict(a) for a in outcome.attempts]}
        out.write(json.dumps(summary, indent=2) + "\n")
    elif outcome.found:
        out.write(f"validated port written to {args.output} (equivalent, {last.scope}) "
                  f"at attempt {last.attempt}\n")
    else:
        out.write(f"no validated port within {args.attempts} attempts (last: {last.verdict})\n")
    return EXIT_FOUND if outcome.found else EXIT_NOT_FOUND


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parser().parse_args(argv)
    try:
        return run(args, sys.stdout, sys.stderr)
    except PortproofError as e:
        print(f"translate: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
