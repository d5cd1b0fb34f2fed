"""`validate --batch FILE --workers N -o OUT [-- validate flags]`: the command line of batch gating."""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Optional, Sequence

from portproof.diagnostics import EXIT_BAD_INPUT, PortproofError, UsageParser
from portproof.validator.batch import run_batch

DESCRIPTION = """\
Validate many candidates on N warm worker processes (a worker still running an item after
--item-timeout is killed with its children and replaced), and append one JSON line per item
to OUT as it finishes: {"id", "status": done|timeout|crashed|bad-item, "result", "error", "time_s"}.

FILE holds one JSON object a line: {"id": "...", "original": "a.c", "port": "a.cu"}, or
"port_source": "<CUDA text>" instead of "port", and optionally "args": ["--launch", "<<<...>>>"].
Relative paths are relative to the current directory. Rerunning with the same OUT resumes: items
whose id already has a line are skipped. Flags after `--` are passed to every validation.
Exit status: 0 when every item has a line in OUT, 3 on bad usage, 130 when interrupted.
"""

EPILOG = """\
examples:
  validate --batch candidates.jsonl --workers 8 -o verdicts.jsonl
  validate --batch candidates.jsonl --workers 2 -o verdicts.jsonl --item-timeout 60 -- --bound 3
  validate --batch candidates.jsonl --workers 64 -o verdicts.jsonl --ray auto
"""


def parser() -> argparse.ArgumentParser:
    p = UsageParser(prog="validate --batch", description=DESCRIPTION, epilog=EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch", required=True, type=Path, metavar="FILE", help="the candidates, one JSON object a line")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="OUT", help="the JSONL file of records")
    p.add_argument("--workers", type=int, default=2, metavar="N", help="items validated at once (default 2)")
    p.add_argument("--item-timeout", type=float, default=60.0, metavar="SECONDS",
                   help="a worker still running an item after this is killed with its children (default 60)")
    p.add_argument("--ray", metavar="ADDRESS",
                   help="run the items as Ray tasks on this cluster ('local' starts one here, 'auto' finds one)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    return p


def _check_extra(extra: list[str]) -> None:
    """Parse the shared validate flags once now, so that a typo fails the batch and not every item."""
    from portproof.validator.cli import parser as validate_parser
    validate_parser().parse_args(["ORIGINAL.c", "PORT.cu", *extra])


def _terminate(signum, frame) -> None:
    raise SystemExit(128 + signum)


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser().parse_args(argv[:split])
    extra = argv[split + 1:]
    if not args.batch.is_file():
        sys.stderr.write(f"validate --batch: error: no such file: {args.batch}\n")
        return EXIT_BAD_INPUT
    _check_extra(extra)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        summary = run_batch(args.batch, args.output, workers=args.workers, item_timeout_s=args.item_timeout,
                            progress=not args.no_progress, ray_address=args.ray, extra_args=extra)
    except PortproofError as e:
        sys.stderr.write(f"validate --batch: {e}\n")
        return e.exit_status
    except KeyboardInterrupt:
        sys.stderr.write("validate --batch: interrupted; rerun the same command to resume\n")
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    sys.stderr.write(summary.text() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
