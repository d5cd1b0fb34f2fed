"""Tests for portproof.validator.sandbox: limits, timeouts, no leftovers, honest network isolation."""
import os
import time
import uuid

import pytest

from portproof.validator.sandbox import (compile_c, compile_cxx, isolation_prefix, network_isolation_available,
                                         run_sandboxed)


def _processes_with(marker: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def test_runs_and_captures(tmp_path):
    r = run_sandboxed(["sh", "-c", "echo out; echo err >&2; pwd; exit 3"], cwd=tmp_path)
    assert r.returncode == 3 and not r.timed_out and r.signal is None
    assert r.stdout.splitlines() == ["out", str(tmp_path)]
    assert r.stderr.strip() == "err"
    assert "exit status 3" in r.describe()


def test_clean_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTPROOF_SECRET", "leak")
    r = run_sandboxed(["env"], cwd=tmp_path)
    assert "PORTPROOF_SECRET" not in r.stdout
    assert f"HOME={tmp_path}" in r.stdout


def test_stdin(tmp_path):
    assert run_sandboxed(["cat"], cwd=tmp_path, stdin=b"hello").stdout == "hello"


def test_infinite_loop_is_killed_with_its_children(tmp_path):
    marker = f"{uuid.uuid4().int % 10**6}.{os.getpid()}"
    script = f"sleep {marker} & (sleep {marker} &) ; while :; do :; done"
    start = time.monotonic()
    r = run_sandboxed(["sh", "-c", script], cwd=tmp_path, timeout_s=1)
    assert r.timed_out and not r.ok
    assert time.monotonic() - start < 5
    assert "timed out" in r.describe(1)
    deadline = time.monotonic() + 2
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_with(marker) == []


def test_cpu_limit_applies_to_busy_program(tmp_path):
    r = run_sandboxed(["sh", "-c", "while :; do :; done"], cwd=tmp_path, timeout_s=1)
    assert not r.ok


def test_memory_hog_is_stopped(tmp_path):
    src = tmp_path / "hog.c"
    src.write_text('#include <stdlib.h>\n#include <string.h>\n'
                   'int main(void) { for (int i = 0; i < 64; i++) { char *p = malloc(1 << 28);'
                   ' if (!p) return 42; memset(p, 1, 1 << 28); } return 0; }\n')
    assert compile_c([src.name], "hog", cwd=tmp_path).ok
    start = time.monotonic()
    r = run_sandboxed(["./hog"], cwd=tmp_path, memory_mb=256, timeout_s=20)
    assert not r.ok and not r.timed_out
    assert time.monotonic() - start < 10


def test_crash_reports_signal(tmp_path):
    src = tmp_path / "crash.c"
    src.write_text("int main(void) { volatile int *p = 0; return *p; }\n")
    assert compile_c([src.name], "crash", cwd=tmp_path).ok
    r = run_sandboxed(["./crash"], cwd=tmp_path)
    assert r.signal == 11 and "SIGSEGV" in r.describe()


def test_network_isolation_is_reported_honestly(tmp_path):
    r = run_sandboxed(["cat", "/proc/net/dev"], cwd=tmp_path)
    assert r.network_isolated == network_isolation_available() == bool(isolation_prefix())
    interfaces = [line.split(":")[0].strip() for line in r.stdout.splitlines()[2:]]
    if r.network_isolated:
        assert interfaces == ["lo"]
    else:
        pytest.skip("no network namespace on this machine; the sandbox says so")


def test_compile_failure_returns_diagnostics(tmp_path):
    (tmp_path / "bad.cpp").write_text("int main() { return undefined_name; }\n")
    r = compile_cxx(["bad.cpp"], "bad", cwd=tmp_path)
    assert not r.ok and r.output is None
    assert "bad.cpp:1" in r.diagnostics and "undefined_name" in r.diagnostics


def test_compile_success(tmp_path):
    (tmp_path / "ok.c").write_text("int main(void) { return 7; }\n")
    r = compile_c(["ok.c"], "ok", cwd=tmp_path)
    assert r.ok and r.output == tmp_path / "ok"
    assert run_sandboxed([str(r.output)], cwd=tmp_path).returncode == 7
