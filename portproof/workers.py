"""Validations in worker processes: each job isolated, killed with its children when it outlives its time."""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional, Sequence

READY = "ready"
START_TIMEOUT_S = 120.0


class Worker:
    """One `python -m portproof.workers` process speaking JSON lines on its stdin and stdout."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "portproof.workers"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     start_new_session=True)
        self.lines: queue.Queue[Optional[str]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.jobs = 0
        if self._next(START_TIMEOUT_S) != READY:
            self.kill()
            raise RuntimeError("a portproof worker process did not start")

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _next(self, timeout: float) -> Optional[str]:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def ask(self, request: dict[str, Any], timeout: float) -> Optional[dict[str, Any]]:
        """The worker's answer to `request`, or None when it crashed or took longer than `timeout` seconds."""
        self.jobs += 1
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except OSError:
            return None
        line = self._next(timeout)
        return None if line is None else json.loads(line)

    def kill(self) -> None:
        """End the worker and every process it started (it leads its own session)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        try:
            self.proc.stdin.close()
        except OSError:
            pass


class Pool:
    """Up to `size` workers; a job that crashes or times out costs its worker, never the others' results."""

    def __init__(self, size: int, recycle_after: int = 500) -> None:
        self.size = size
        self.recycle_after = recycle_after  # bounds what a long-lived worker's caches can grow to
        self.idle: queue.SimpleQueue[Worker] = queue.SimpleQueue()

    def run(self, jobs: Sequence[tuple[dict[str, Any], float]]) -> list[Optional[dict[str, Any]]]:
        """The answers to (request, timeout in seconds) jobs in order (None for a crash or a timeout),
        `size` at a time."""
        with ThreadPoolExecutor(max_workers=max(1, min(self.size, len(jobs)))) as threads:
            return list(threads.map(lambda job: self._one(*job), jobs))

    def _one(self, request: dict[str, Any], timeout: float) -> Optional[dict[str, Any]]:
        try:
            worker = self.idle.get_nowait()
        except queue.Empty:
            try:
                worker = Worker()
            except (OSError, RuntimeError):
                return None
        answer = worker.ask(request, timeout)
        if answer is None or worker.jobs >= self.recycle_after:
            worker.kill()
        else:
            self.idle.put(worker)
        return answer

    def close(self) -> None:
        """End every idle worker."""
        while True:
            try:
                self.idle.get_nowait().kill()
            except queue.Empty:
                return


def serve() -> None:
    """The worker's loop: one request per line in, one answer per line out, exceptions as answers."""
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever the validator prints must not corrupt the protocol
    from portproof.api import SourceText, validate_sources
    print(READY, file=out, flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            result = validate_sources(request["original"], SourceText(request["candidate"]), **request["options"])
            answer = {"reward": result.reward, "verdict": result.verdict.verdict}
        except Exception as e:  # any failure is this job's, reported to the parent
            answer = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(answer), file=out, flush=True)


if __name__ == "__main__":
    serve()
