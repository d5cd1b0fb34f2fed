"""Validations on warm worker processes, each job isolated; one outliving its time is killed with its children."""
from __future__ import annotations

import contextlib
import io
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Optional, Sequence

READY = "ready"
START_TIMEOUT_S = 120.0
EXIT_WAIT_S = 2.0
TAIL_CHARS = 2000
WORKER_COMMAND = (sys.executable, "-m", "portproof.workers")
REUSABLE = ("done", "bad-item")


@dataclass(frozen=True)
class Outcome:
    """What became of one job: done (with the validator's JSON result, schema portproof.verdict/1), timeout,
    crashed (the worker died, or the validator raised), or bad-item (a usage error in the job's flags or options)."""
    status: str
    result: Optional[dict[str, Any]] = None
    error: str = ""


class Worker:
    """One worker process speaking JSON lines on its stdin and stdout, leading its own session."""

    def __init__(self, command: Sequence[str]) -> None:
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err,
                                     text=True, start_new_session=True)
        self.lines: queue.Queue[Optional[str]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.jobs = 0

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def started(self) -> bool:
        """Wait until the worker has imported the validator; False when it died or took too long."""
        try:
            return self.lines.get(timeout=START_TIMEOUT_S) == READY
        except queue.Empty:
            return False

    def ask(self, request: dict[str, Any], timeout: float) -> Outcome:
        """The outcome of `request`; on a timeout or a crash the worker is dead afterwards."""
        self.jobs += 1
        os.lseek(self.err.fileno(), 0, os.SEEK_SET)  # the worker shares this offset: its stderr now holds this job's
        os.ftruncate(self.err.fileno(), 0)
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except (OSError, ValueError):
            pass  # it died: its stdout ends, below
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            return Outcome("timeout", error=f"killed after {timeout:g} s")
        if line is not None:
            try:
                answer = json.loads(line)
                return Outcome(answer["status"], answer.get("result"), answer.get("error", ""))
            except (ValueError, KeyError, TypeError):
                self.kill()
                return Outcome("crashed", error=f"unreadable answer from the worker: {line[:200]!r}")
        return Outcome("crashed", error=self.death())

    def death(self) -> str:
        """How the worker ended (its stdout has closed), with the tail of its stderr."""
        try:
            self.proc.wait(timeout=EXIT_WAIT_S)
        except subprocess.TimeoutExpired:
            pass
        self.kill()
        code = self.proc.returncode
        if code < 0:
            try:
                how = f"worker killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"worker killed by signal {-code}"
        else:
            how = f"worker exited with status {code} and no verdict"
        return f"{how}\n{self.stderr_tail()}".strip()

    def stderr_tail(self) -> str:
        try:
            size = os.fstat(self.err.fileno()).st_size
            return os.pread(self.err.fileno(), TAIL_CHARS, max(0, size - TAIL_CHARS)).decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def kill(self) -> None:
        """End the worker and every process it started; safe from any thread, and more than once."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()

    def close(self) -> None:
        self.kill()
        for f in (self.proc.stdin, self.err):
            with contextlib.suppress(OSError, ValueError):
                f.close()


class Pool:
    """Up to `size` warm workers running `command`; a job that crashes or times out costs its worker (a fresh one
    starts for the next job), never the other jobs' results."""

    def __init__(self, size: int, command: Optional[Sequence[str]] = None, recycle_after: int = 500) -> None:
        self.size = size
        self.command = tuple(command or WORKER_COMMAND)
        self.recycle_after = recycle_after  # bounds what a long-lived worker's caches can grow to
        self.lock = threading.Lock()
        self.idle: list[Worker] = []
        self.busy: set[Worker] = set()
        self.closed = False

    def run(self, jobs: Sequence[tuple[dict[str, Any], float]]) -> list[Outcome]:
        """The outcomes of (request, timeout in seconds) jobs in order, `size` at a time."""
        with ThreadPoolExecutor(max_workers=max(1, min(self.size, len(jobs)))) as threads:
            return list(threads.map(lambda job: self.job(*job), jobs))

    def job(self, request: dict[str, Any], timeout: float) -> Outcome:
        """Run one job on an idle worker, or a fresh one; callable from up to `size` threads at once."""
        worker = self._take()
        if isinstance(worker, str):
            return Outcome("crashed", error=worker)
        outcome = worker.ask(request, timeout)
        with self.lock:
            self.busy.discard(worker)
            keep = outcome.status in REUSABLE and not self.closed and worker.jobs < self.recycle_after
            if keep:
                self.idle.append(worker)
        if not keep:
            worker.close()
        return outcome

    def _take(self) -> Worker | str:
        """An idle worker, else a started fresh one, else why there is none."""
        with self.lock:
            if self.closed:
                return "the worker pool is closed"
            if self.idle:
                worker = self.idle.pop()
                self.busy.add(worker)
                return worker
            try:
                worker = Worker(self.command)
            except OSError as e:
                return f"cannot start a worker: {e}"
            self.busy.add(worker)
        if worker.started():
            return worker
        worker.close()
        with self.lock:
            self.busy.discard(worker)
        return f"a portproof worker process did not start\n{worker.stderr_tail()}".strip()

    def close(self) -> None:
        """End every worker, busy ones included (their jobs come out crashed); the pool runs no more jobs."""
        with self.lock:
            self.closed = True
            idle, busy, self.idle = self.idle, list(self.busy), []
        for worker in busy:
            worker.kill()
        for worker in idle:
            worker.close()


def answer(request: dict[str, Any]) -> dict[str, Any]:
    """The answer to one request: `{"argv": [validate flags]}` or `{"original", "candidate", "options"}` (sources
    or paths, `portproof.validate_sources` keywords)."""
    try:
        return _validate_argv(request["argv"]) if "argv" in request else _validate_sources(request)
    except Exception:  # any failure is this job's, reported to the parent
        return {"status": "crashed", "error": f"the validator raised:\n{traceback.format_exc()[-TAIL_CHARS:]}"}


def _validate_argv(argv: list[str]) -> dict[str, Any]:
    from portproof.validator.cli import parser, run
    usage = io.StringIO()
    try:
        with contextlib.redirect_stderr(usage), contextlib.redirect_stdout(usage):
            parser().parse_args(argv)
    except SystemExit as e:  # a usage error's last line says which flag
        why = (usage.getvalue().strip().splitlines() or [""])[-1] if e.code else "--help asks for no validation"
        return {"status": "bad-item", "error": why}
    result, _ = run(argv)
    return {"status": "done", "result": result.to_json()}


def _validate_sources(request: dict[str, Any]) -> dict[str, Any]:
    from portproof.api import SourceText, make_options, validate_sources
    from portproof.diagnostics import PortproofError
    try:
        make_options(**request["options"])
    except (TypeError, PortproofError) as e:
        return {"status": "bad-item", "error": f"{type(e).__name__}: {e}"}
    result = validate_sources(request["original"], SourceText(request["candidate"]), **request["options"])
    return {"status": "done", "result": result.to_json()}


def serve() -> None:
    """The worker's loop: one request per line in, one answer per line out."""
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever the validator prints must not corrupt the protocol
    import portproof.api  # noqa: F401  (the imports a warm worker saves every job)
    print(READY, file=out, flush=True)
    for line in sys.stdin:
        print(json.dumps(answer(json.loads(line)), default=str), file=out, flush=True)


if __name__ == "__main__":
    serve()
