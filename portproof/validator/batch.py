"""Batch gating: validate JSONL candidates on warm worker processes, resumably, locally or on Ray."""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence, TextIO, Union

from portproof.diagnostics import UsageError
from portproof.validator.progress import Progress
from portproof.workers import Pool

STATUSES = ("done", "timeout", "crashed", "bad-item")
RAY_MISSING = "--ray needs Ray, which is not installed: install portproof[cluster] (pip install 'portproof[cluster]')"


@dataclass(frozen=True)
class Item:
    """One candidate: the original, the port as a path or as CUDA text, and its own validate flags."""
    id: str
    original: str
    port: Optional[str] = None
    port_source: Optional[str] = None
    args: tuple[str, ...] = ()


@dataclass
class BatchSummary:
    """What a batch run did: items read, skipped (already in the output), and outcomes of this run."""
    total: int = 0
    skipped: int = 0
    duplicates: int = 0
    statuses: Counter = field(default_factory=Counter)
    verdicts: Counter = field(default_factory=Counter)
    wall_s: float = 0.0

    @property
    def ran(self) -> int:
        return sum(self.statuses.values())

    def text(self) -> str:
        """One human-readable line."""
        verdicts = ", ".join(f"{n} {v}" for v, n in sorted(self.verdicts.items()))
        outcomes = ", ".join(f"{self.statuses[s]} {s}" for s in STATUSES)
        rate = self.ran / self.wall_s if self.wall_s > 0 else 0.0
        dup = f", {self.duplicates} duplicate ids ignored" if self.duplicates else ""
        return (f"batch: {self.total} items, {self.skipped} skipped (already in the output){dup}; "
                f"{outcomes}" + (f" ({verdicts})" if verdicts else "") +
                f"; {self.wall_s:.1f} s, {rate:.2f} items/s")


def parse_line(lineno: int, text: str) -> tuple[str, Union[Item, str]]:
    """An input line as (id, Item), or (id, why it is a bad item); a line without an id gets 'line N'."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        return f"line {lineno}", f"not JSON: {e}"
    if not isinstance(obj, dict):
        return f"line {lineno}", "not a JSON object"
    item_id = obj.get("id")
    if not isinstance(item_id, str) or not item_id:
        return f"line {lineno}", "no string 'id'"
    original, port, source, args = obj.get("original"), obj.get("port"), obj.get("port_source"), obj.get("args", [])
    if not isinstance(original, str):
        return item_id, "no string 'original'"
    if (port is None) == (source is None) or not isinstance(port if source is None else source, str):
        return item_id, "give exactly one of 'port' (a path) and 'port_source' (CUDA text), as a string"
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        return item_id, "'args' must be a list of strings"
    return item_id, Item(item_id, original, port, source, tuple(args))


def read_candidates(path: Path) -> Iterator[tuple[str, Union[Item, str]]]:
    """Every non-blank line of a candidates file, parsed."""
    with open(path, encoding="utf-8") as f:
        for lineno, text in enumerate(f, 1):
            if text.strip():
                yield parse_line(lineno, text)


def finished_ids(output: Path, warn: TextIO) -> set[str]:
    """Ids that already have a record in `output`; a truncated last line (a kill mid-write) is cut off."""
    if not output.exists():
        return set()
    data = output.read_bytes()
    complete = data.rfind(b"\n") + 1
    if complete < len(data):
        with open(output, "r+b") as f:
            f.truncate(complete)
        warn.write(f"batch: {output}: dropped a truncated last line; that item is run again\n")
    ids = set()
    for lineno, line in enumerate(data[:complete].decode("utf-8", "replace").splitlines(), 1):
        try:
            ids.add(json.loads(line)["id"])
        except (json.JSONDecodeError, KeyError, TypeError):
            if line.strip():
                warn.write(f"batch: {output}:{lineno}: not a record, ignored\n")
    return ids


def record(item_id: str, status: str, result: Optional[dict[str, Any]] = None, error: str = "",
           time_s: float = 0.0) -> dict[str, Any]:
    """One output line."""
    return {"id": item_id, "status": status, "result": result, "error": error, "time_s": round(time_s, 3)}


def run_item(item: Item, pool: Pool, *, timeout_s: float, extra_args: Sequence[str] = ()) -> dict[str, Any]:
    """Validate one item on a worker of `pool` (killed with its process group on timeout, then replaced)."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="portproof-batch-") as private:
        port = item.port
        if item.port_source is not None:
            port = os.path.join(private, "port.cu")
            Path(port).write_text(item.port_source, encoding="utf-8")
        for what, path in (("original", item.original), ("port", port)):
            if not os.path.isfile(path):
                return record(item.id, "bad-item", error=f"{what}: no such file: {path}")
        outcome = pool.job({"argv": [item.original, port, *item.args, *extra_args]}, timeout_s)
        return record(item.id, outcome.status, outcome.result, outcome.error, time.monotonic() - start)


def run_alone(item: Item, *, timeout_s: float, extra_args: Sequence[str] = (),
              worker: Optional[Sequence[str]] = None) -> dict[str, Any]:
    """`run_item` on a worker of its own, ended afterwards (one Ray task)."""
    pool = Pool(1, worker)
    try:
        return run_item(item, pool, timeout_s=timeout_s, extra_args=extra_args)
    finally:
        pool.close()


def run_batch(candidates_jsonl: Path, output_jsonl: Path, *, workers: int, item_timeout_s: float,
              progress: bool, ray_address: Optional[str] = None, extra_args: Sequence[str] = (),
              worker: Optional[Sequence[str]] = None) -> BatchSummary:
    """Validate every candidate not yet in `output_jsonl`, appending one flushed record per finished item.

    `worker` replaces the worker command (default: `python -m portproof.workers`); tests use it.
    """
    if workers < 1 or item_timeout_s <= 0:
        raise UsageError("--workers must be >= 1 and --item-timeout > 0")
    start = time.monotonic()
    output_jsonl = Path(output_jsonl)
    output_jsonl.parent.mkdir(parents=True, exist_ok=True)
    summary = BatchSummary()
    seen = finished_ids(output_jsonl, sys.stderr)
    todo: list[Item] = []
    bad: list[dict[str, Any]] = []
    ids: set[str] = set()
    for item_id, item in read_candidates(Path(candidates_jsonl)):
        summary.total += 1
        if item_id in ids:
            summary.duplicates += 1
            continue
        ids.add(item_id)
        if item_id in seen:
            summary.skipped += 1
        elif isinstance(item, Item):
            todo.append(item)
        else:
            bad.append(record(item_id, "bad-item", error=item))
    if summary.skipped:
        sys.stderr.write(f"batch: resuming {output_jsonl}: {summary.skipped} items already done, skipped\n")
    if summary.duplicates:
        sys.stderr.write(f"batch: {summary.duplicates} lines repeat an earlier id and are ignored\n")
    bar = Progress(len(todo) + len(bad)) if progress else None
    with open(output_jsonl, "a", encoding="utf-8") as out:
        def finish(rec: dict[str, Any]) -> None:
            out.write(json.dumps(rec, default=str) + "\n")
            out.flush()
            summary.statuses[rec["status"]] += 1
            if rec["result"] is not None:
                summary.verdicts[rec["result"].get("verdict")] += 1
            if bar:
                bar.advance()

        for rec in bad:
            finish(rec)
        options = dict(workers=workers, timeout_s=item_timeout_s, extra_args=tuple(extra_args), worker=worker)
        try:
            if ray_address is None:
                _run_local(todo, finish, **options)
            else:
                _run_ray(todo, finish, ray_address=ray_address, **options)
        finally:
            if bar:
                bar.close()
    summary.wall_s = time.monotonic() - start
    return summary


def _run_local(items: list[Item], finish: Callable[[dict[str, Any]], None], *, workers: int, timeout_s: float,
               extra_args: tuple[str, ...], worker: Optional[Sequence[str]]) -> None:
    """Run items on a pool of `workers` warm worker processes, one thread waiting on each."""
    pool = Pool(workers, worker)
    threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="portproof-batch")
    pending: set[Future] = {threads.submit(run_item, item, pool, timeout_s=timeout_s, extra_args=extra_args)
                            for item in items}
    try:
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                finish(future.result())
    finally:  # also when interrupted or killed by a signal: end every worker group before leaving
        pool.close()
        threads.shutdown(wait=True, cancel_futures=True)


def _run_ray(items: list[Item], finish: Callable[[dict[str, Any]], None], *, ray_address: str, workers: int,
             timeout_s: float, extra_args: tuple[str, ...], worker: Optional[Sequence[str]]) -> None:
    """Run items as Ray tasks (at most `workers` in flight), each on a worker process of its own."""
    try:
        import ray
    except ImportError:
        raise UsageError(RAY_MISSING) from None
    owned = not ray.is_initialized()
    if owned:
        local = ray_address in ("", "local")
        ray.init(address="local" if local else ray_address, include_dashboard=False if local else None,
                 log_to_driver=False)
    task = ray.remote(num_cpus=1, max_retries=0)(run_alone)
    queue = list(reversed(items))
    in_flight: dict[Any, Item] = {}
    try:
        while queue or in_flight:
            while queue and len(in_flight) < workers:
                item = queue.pop()
                ref = task.remote(item, timeout_s=timeout_s, extra_args=extra_args, worker=worker)
                in_flight[ref] = item
            (ref,), _ = ray.wait(list(in_flight), num_returns=1)
            item = in_flight.pop(ref)
            try:
                finish(ray.get(ref))
            except ray.exceptions.RayError as e:
                finish(record(item.id, "crashed", error=f"Ray task failed: {e}"))
    except BaseException:
        for ref in in_flight:
            ray.cancel(ref, force=True)
        raise
    finally:
        if owned:
            ray.shutdown()
