"""Batch gating: verdicts of corpus items, a hanging and a crashing worker, bad items, resume, progress, Ray."""
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from portproof.corpus import headers
from portproof.validator import batch_cli
from portproof.validator.batch import BatchSummary, Item, finished_ids, parse_line, run_batch
from portproof.diagnostics import UsageError
from portproof.validator.progress import Progress
from portproof.workers import Outcome, Pool

ROOT = Path(__file__).resolve().parents[1]
WORKER = [sys.executable, str(ROOT / "tests" / "batch_worker.py")]
LAUNCH = ["--launch", "<<<(n + 255) / 256, 256>>>"]
HANG = textwrap.dedent("""\
    // HANG_IN_TEST_WORKER
    void copy(int n, const float *a, float *b) { while (1) {} }
    """)
ABORT = "// ABORT_IN_TEST_WORKER\n__global__ void copy(int n, const float *a, float *b) {}\n"


def corpus_item(pair: str, port: str, **extra) -> dict:
    path = f"corpus/{pair}/{port}.cu"
    args = LAUNCH if "--launch" in (ROOT / path).read_text().splitlines()[2] else []
    name = f"{pair}/{Path(port).name}"
    return {"id": name, "original": f"corpus/{pair}/original.c", "port": path, "args": args, **extra}


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def records(path: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "an id is recorded twice"
    return {r["id"]: r for r in rows}


def expected(item: dict) -> str:
    return headers(ROOT / item["port"])["EXPECT"]


def gone(pid: int, within_s: float = 5.0) -> bool:
    """The process has ended (a zombie waiting for its reaper counts as ended)."""
    end = time.monotonic() + within_s
    while time.monotonic() < end:
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] == "Z":
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(autouse=True)
def in_root(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PORTPROOF_TEST_PIDFILE", str(tmp_path / "hang.pid"))


def test_batch_isolates_a_hang_and_a_crash_and_keeps_the_other_verdicts(tmp_path, capsys):
    items = [corpus_item("saxpy", "ported"), corpus_item("saxpy", "mutants/times_y"),
             corpus_item("copy", "ported"), corpus_item("copy", "mutants/writes_zeros"),
             corpus_item("gemm", "ported")]
    broadcast = corpus_item("copy", "mutants/broadcast_first")
    source_item = {"id": "copy/broadcast_first (source)", "original": broadcast["original"],
                   "port_source": (ROOT / broadcast["port"]).read_text(), "args": LAUNCH}
    odd = [{"id": "hang", "original": "corpus/copy/original.c", "port_source": HANG},
           {"id": "crash", "original": "corpus/copy/original.c", "port_source": ABORT, "args": LAUNCH},
           {"id": "missing", "original": "corpus/copy/original.c", "port": "corpus/copy/nope.cu"},
           {"id": "both", "original": "corpus/copy/original.c", "port": "a.cu", "port_source": "x"},
           {"id": "bad flag", "original": "corpus/copy/original.c", "port": "corpus/copy/ported.cu",
            "args": ["--bound", "two"]},
           "not json"]
    out = tmp_path / "out.jsonl"
    summary = run_batch(write_jsonl(tmp_path / "in.jsonl", [*items, source_item, *odd]), out, workers=2,
                        item_timeout_s=12, progress=True, worker=WORKER)
    got = records(out)
    assert set(got) == {i["id"] for i in items} | {source_item["id"], "hang", "crash", "missing", "both", "bad flag",
                                                     "line 12"}
    for item in items:
        assert got[item["id"]]["status"] == "done", got[item["id"]]
        assert got[item["id"]]["result"]["verdict"] == expected(item), item["id"]
    assert got[source_item["id"]]["result"]["verdict"] == "not-equivalent"
    assert got["hang"]["status"] == "timeout" and got["hang"]["result"] is None
    assert got["hang"]["time_s"] >= 12
    assert gone(int((tmp_path / "hang.pid").read_text())), "the hanging worker's child survived"
    assert got["crash"]["status"] == "crashed" and "SIGABRT" in got["crash"]["error"]
    assert {got[k]["status"] for k in ("missing", "both", "bad flag", "line 12")} == {"bad-item"}
    assert "no such file" in got["missing"]["error"]
    assert got["bad flag"]["error"].endswith("argument --bound: invalid int value: 'two'")
    assert summary.statuses == {"done": 6, "timeout": 1, "crashed": 1, "bad-item": 4}
    assert summary.total == 12 and summary.skipped == 0
    assert "12/12 100%" in capsys.readouterr().err


def test_rerun_resumes_after_a_truncated_line_with_every_id_once(tmp_path, capsys):
    items = [corpus_item("copy", "ported"), corpus_item("copy", "mutants/skip_last"),
             corpus_item("saxpy", "mutants/scales_x_in_place")]
    done = json.dumps({"id": "copy/ported", "status": "done", "result": {"verdict": "equivalent"},
                       "error": "", "time_s": 1.0})
    out = tmp_path / "out.jsonl"
    out.write_text(done + "\n" + '{"id": "copy/skip_last", "status": "do')
    argv = ["--batch", str(write_jsonl(tmp_path / "in.jsonl", items)), "-o", str(out), "--workers", "2",
            "--no-progress", "--", "--bound", "3"]
    assert batch_cli.main(argv) == 0
    err = capsys.readouterr().err
    assert "truncated last line" in err and "1 items already done, skipped" in err
    got = records(out)
    assert list(got)[0] == "copy/ported" and out.read_text().startswith(done + "\n")
    assert {k: r["result"]["verdict"] for k, r in got.items()} == {
        "copy/ported": "equivalent", "copy/skip_last": "not-equivalent", "saxpy/scales_x_in_place": "not-equivalent"}
    assert batch_cli.main(argv) == 0
    assert "3 skipped" in capsys.readouterr().err
    assert len(out.read_text().splitlines()) == 3


def test_a_killed_batch_kills_its_workers_and_resumes(tmp_path):
    items = [corpus_item("copy", "ported"),
             {"id": "hang", "original": "corpus/copy/original.c", "port_source": HANG},
             corpus_item("copy", "mutants/writes_zeros")]
    candidates, out = write_jsonl(tmp_path / "in.jsonl", items), tmp_path / "out.jsonl"
    driver = (f"import signal, sys\nfrom portproof.validator.batch import run_batch\n"
              f"signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))\n"
              f"run_batch({str(candidates)!r}, {str(out)!r}, workers=1, item_timeout_s=60, progress=False,"
              f" worker={WORKER!r})\n")
    proc = subprocess.Popen([sys.executable, "-c", driver], cwd=ROOT)
    pidfile = tmp_path / "hang.pid"
    end = time.monotonic() + 30
    while not pidfile.exists() and time.monotonic() < end:
        time.sleep(0.05)
    time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 143
    assert gone(int(pidfile.read_text())), "the hanging worker's child survived the batch"
    assert list(records(out)) == ["copy/ported"]
    summary = run_batch(candidates, out, workers=2, item_timeout_s=4, progress=False, worker=WORKER)
    assert summary.skipped == 1 and summary.statuses == {"done": 1, "timeout": 1}
    assert {k: r["status"] for k, r in records(out).items()} == {
        "copy/ported": "done", "hang": "timeout", "copy/writes_zeros": "done"}


def test_parse_line_names_what_is_wrong():
    assert parse_line(1, '{"id": "a", "original": "o.c", "port": "p.cu", "args": ["--bound", "2"]}') == \
        ("a", Item("a", "o.c", "p.cu", None, ("--bound", "2")))
    assert parse_line(2, "[1]") == ("line 2", "not a JSON object")
    assert parse_line(3, '{"original": "o.c"}') == ("line 3", "no string 'id'")
    assert parse_line(4, '{"id": "b", "port": "p.cu"}') == ("b", "no string 'original'")
    assert "exactly one" in parse_line(5, '{"id": "c", "original": "o.c"}')[1]
    assert "list of strings" in parse_line(6, '{"id": "d", "original": "o.c", "port": "p", "args": "-x"}')[1]


def test_duplicate_ids_run_once(tmp_path):
    bad = {"id": "x", "original": "o.c"}
    summary = run_batch(write_jsonl(tmp_path / "in.jsonl", [bad, bad]), tmp_path / "out.jsonl", workers=1,
                        item_timeout_s=1, progress=False)
    assert summary.duplicates == 1 and list(records(tmp_path / "out.jsonl")) == ["x"]
    assert "1 bad-item" in summary.text()


def test_finished_ids_ignores_a_garbled_middle_line(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text('{"id": "a"}\ngarbage\n{"id": "b"}\n')
    warn = io.StringIO()
    assert finished_ids(out, warn) == {"a", "b"} and ":2: not a record" in warn.getvalue()
    assert finished_ids(tmp_path / "none.jsonl", warn) == set()


class _Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_prints_one_line_per_five_percent_when_not_a_terminal():
    stream, clock = io.StringIO(), _Clock()
    bar = Progress(40, stream, clock=clock)
    for _ in range(40):
        clock.t += 0.5
        bar.advance()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 21 and lines[-1] == "validate 40/40 100%  2.00/s  ETA 0:00"
    assert lines[:2] == ["validate 1/40   2%  2.00/s  ETA 0:20", "validate 2/40   5%  2.00/s  ETA 0:19"]


def test_progress_redraws_one_line_on_a_terminal():
    stream, clock = _Tty(), _Clock()
    bar = Progress(4, stream, clock=clock)
    clock.t = 10
    bar.advance()
    bar.close()
    assert stream.getvalue() == "\r[######..................] validate 1/4  25%  0.10/s  ETA 0:30\x1b[K\n"


def test_summary_text():
    s = BatchSummary(total=3, skipped=1, wall_s=2.0)
    s.statuses.update({"done": 1, "timeout": 1})
    s.verdicts.update({"equivalent": 1})
    assert s.text() == ("batch: 3 items, 1 skipped (already in the output); 1 done, 1 timeout, 0 crashed, "
                        "0 bad-item (1 equivalent); 2.0 s, 1.00 items/s")


@pytest.mark.parametrize("argv", [["--batch", "in.jsonl"], ["--batch", "corpus/README.md", "-o", "x", "--", "--bad"],
                                  ["--batch", "in.jsonl", "-o", "x", "--workers", "two"]])
def test_batch_cli_usage_errors_exit_3(argv):
    with pytest.raises(SystemExit) as e:
        batch_cli.main(argv)
    assert e.value.code == 3


def test_batch_cli_missing_file_and_bad_workers(tmp_path, capsys):
    assert batch_cli.main(["--batch", str(tmp_path / "no.jsonl"), "-o", str(tmp_path / "o")]) == 3
    write_jsonl(tmp_path / "in.jsonl", [])
    assert batch_cli.main(["--batch", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "o"), "--workers", "0"]) == 3
    assert "--workers must be >= 1" in capsys.readouterr().err


def test_ray_missing_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    candidates = write_jsonl(tmp_path / "in.jsonl", [corpus_item("copy", "ported")])
    with pytest.raises(UsageError, match=r"portproof\[cluster\]"):
        run_batch(candidates, tmp_path / "out.jsonl", workers=1, item_timeout_s=5, progress=False,
                  ray_address="local")


def test_ray_tasks_isolate_like_local_workers(tmp_path):
    pytest.importorskip("ray")
    items = [corpus_item("copy", "ported"), corpus_item("copy", "mutants/skip_last"),
             {"id": "hang", "original": "corpus/copy/original.c", "port_source": HANG},
             {"id": "crash", "original": "corpus/copy/original.c", "port_source": ABORT}]
    out = tmp_path / "out.jsonl"
    summary = run_batch(write_jsonl(tmp_path / "in.jsonl", items), out, workers=2, item_timeout_s=8,
                        progress=False, ray_address="local", worker=WORKER)
    got = records(out)
    assert {k: r["status"] for k, r in got.items()} == {
        "copy/ported": "done", "copy/skip_last": "done", "hang": "timeout",
        "crash": "crashed"}
    assert got["copy/ported"]["result"]["verdict"] == "equivalent"
    assert got["copy/skip_last"]["result"]["verdict"] == "not-equivalent"
    assert gone(int((tmp_path / "hang.pid").read_text()))
    assert summary.statuses["done"] == 2


def test_pool_reuses_a_warm_worker_and_replaces_one_that_timed_out(tmp_path):
    hang = tmp_path / "hang.cu"
    hang.write_text(HANG)
    ok = {"argv": ["corpus/copy/original.c", "corpus/copy/ported.cu", *LAUNCH, "--bound", "2"]}
    pool = Pool(1, WORKER)
    try:
        assert pool.job(ok, 30).result["verdict"] == "equivalent"
        [warm] = pool.idle
        assert pool.job(ok, 30).status == "done" and pool.idle == [warm]
        assert pool.job({"argv": ["corpus/copy/original.c", str(hang)]}, 2) == Outcome("timeout",
                                                                                        error="killed after 2 s")
        assert warm.proc.returncode is not None and pool.idle == []
        assert gone(int((tmp_path / "hang.pid").read_text()))
        assert pool.job(ok, 30).status == "done" and pool.idle[0] is not warm
    finally:
        pool.close()
