"""Run untrusted programs (compilers, compiled harnesses) with limits, no network, and no leftovers."""
from __future__ import annotations

import functools
import math
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence, Union

OUTPUT_LIMIT = 1 << 20  # bytes of stdout / stderr kept
FILE_SIZE_MB = 256

# Strongest first: a network namespace plus a PID namespace, so that when the sandbox's first process
# dies the kernel kills everything it started, even processes that left its process group.
_ISOLATION_PREFIXES = (
    ("unshare", "--net", "--pid", "--fork", "--kill-child", "--map-root-user"),
    ("unshare", "--net", "--pid", "--fork", "--kill-child"),
    ("unshare", "--net", "--map-root-user"),
    ("unshare", "--net"),
)

PathLike = Union[str, Path]


@dataclass(frozen=True)
class SandboxResult:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    signal: Optional[int]  # the signal that killed the program, if one did
    network_isolated: bool
    wall_s: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def describe(self, timeout_s: Optional[float] = None) -> str:
        """A short reason for a failed run: timeout, signal, or exit status with stderr's tail."""
        if self.timed_out:
            return f"timed out after {timeout_s:g} s" if timeout_s else "timed out"
        tail = _tail(self.stderr)
        if self.signal is not None:
            name = _signal_name(self.signal)
            why = {signal.SIGXCPU: " (CPU time limit)", signal.SIGXFSZ: " (file size limit)"}.get(self.signal, "")
            return f"killed by {name}{why}" + (f": {tail}" if tail else "")
        return f"exit status {self.returncode}" + (f": {tail}" if tail else "")


@dataclass(frozen=True)
class CompileResult:
    ok: bool
    output: Optional[Path]
    diagnostics: str
    command: tuple[str, ...]


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _tail(text: str, lines: int = 6) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


@functools.lru_cache(maxsize=1)
def isolation_prefix() -> tuple[str, ...]:
    """The strongest `unshare` invocation that works on this machine, or () when none does (probed once)."""
    if shutil.which("unshare") is None:
        return ()
    for prefix in _ISOLATION_PREFIXES:
        try:
            probe = subprocess.run([*prefix, "true"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, timeout=10, env=_clean_env("/"))
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return prefix
    return ()


def network_isolation_available() -> bool:
    return bool(isolation_prefix())


def _clean_env(cwd: str, extra_path: Sequence[str] = ()) -> dict[str, str]:
    path = [*extra_path, "/usr/local/bin", "/usr/bin", "/bin"]
    return {"PATH": os.pathsep.join(dict.fromkeys(path)), "LANG": "C", "LC_ALL": "C",
            "HOME": cwd, "TMPDIR": cwd}


def _process_count(uid: int) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                count += entry.stat().st_uid == uid
            except OSError:
                pass
    return count


def _limiter(timeout_s: float, memory_mb: Optional[int], max_procs: int):
    def set_limits() -> None:
        cpu = math.ceil(timeout_s) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        if memory_mb is not None:  # None: ThreadSanitizer needs terabytes of address space for its shadow
            memory = memory_mb << 20
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        size = FILE_SIZE_MB << 20
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        _, hard = resource.getrlimit(resource.RLIMIT_NPROC)
        procs = max_procs if hard == resource.RLIM_INFINITY else min(max_procs, hard)
        resource.setrlimit(resource.RLIMIT_NPROC, (procs, procs))
    return set_limits


def _read_capped(handle) -> str:
    handle.seek(0)
    return handle.read(OUTPUT_LIMIT).decode("utf-8", errors="replace")


def run_sandboxed(argv: Sequence[str], *, cwd: PathLike, timeout_s: float = 10, memory_mb: Optional[int] = 1024,
                  stdin: Optional[bytes] = None, extra_path: Sequence[str] = ()) -> SandboxResult:
    """Run `argv` in `cwd` in its own session, with resource limits, a minimal environment and, where
    this machine allows it, no network; on timeout the whole process group is killed and reaped."""
    cwd = str(cwd)
    prefix = isolation_prefix()
    # RLIMIT_NPROC counts every process of the user, so leave room above what is running already.
    max_procs = _process_count(os.getuid()) + 256
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [*prefix, *argv], cwd=cwd, env=_clean_env(cwd, extra_path), stdout=out, stderr=err,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_limiter(timeout_s, memory_mb, max_procs), close_fds=True)
        # a blocking wait with a kill timer: Popen.wait(timeout=) polls with sleeps of up to 50 ms
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            _signal_group(proc)

        timer = threading.Timer(timeout_s, expire)
        timer.start()
        try:
            if stdin is not None:
                proc.communicate(stdin)
            else:
                proc.wait()
        finally:
            timer.cancel()
            _kill_group(proc)
        timed_out = expired.is_set()
        wall = time.monotonic() - start
        code = proc.returncode
        return SandboxResult(
            returncode=code, stdout=_read_capped(out), stderr=_read_capped(err), timed_out=timed_out,
            signal=-code if code < 0 and not timed_out else None, network_isolated=bool(prefix), wall_s=wall)


def _signal_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL everything left in the sandbox's process group (children included), then reap."""
    _signal_group(proc)
    proc.wait()


def _compile(compiler: str, sources: Sequence[PathLike], output: PathLike, *, cwd: PathLike,
             flags: Sequence[str], timeout_s: float, memory_mb: int, link: bool) -> CompileResult:
    exe = shutil.which(compiler)
    if exe is None:
        return CompileResult(False, None, f"{compiler} not found", (compiler,))
    libraries = [f for f in flags if f.startswith("-l")]  # the linker wants them after the sources
    flags = [f for f in flags if not f.startswith("-l")]
    argv = (exe, *flags, *([] if link else ["-c"]), *map(str, sources), "-o", str(output), *libraries)
    result = run_sandboxed(argv, cwd=cwd, timeout_s=timeout_s, memory_mb=memory_mb,
                           extra_path=[os.path.dirname(exe)])
    if result.ok:
        return CompileResult(True, Path(cwd, output), result.stderr, argv)
    why = "" if result.returncode == 1 else f"{compiler} {result.describe(timeout_s)}\n"
    return CompileResult(False, None, why + result.stderr, argv)


def compile_c(sources: Sequence[PathLike], output: PathLike, *, cwd: PathLike, flags: Sequence[str] = (),
              timeout_s: float = 60, memory_mb: int = 2048, link: bool = True) -> CompileResult:
    """gcc in the sandbox; on failure `diagnostics` holds the compiler's messages."""
    return _compile("gcc", sources, output, cwd=cwd, flags=flags, timeout_s=timeout_s,
                    memory_mb=memory_mb, link=link)


def compile_cxx(sources: Sequence[PathLike], output: PathLike, *, cwd: PathLike, flags: Sequence[str] = (),
                timeout_s: float = 60, memory_mb: int = 2048, link: bool = True) -> CompileResult:
    """g++ in the sandbox; on failure `diagnostics` holds the compiler's messages."""
    return _compile("g++", sources, output, cwd=cwd, flags=flags, timeout_s=timeout_s,
                    memory_mb=memory_mb, link=link)


def compile_nvcc(sources: Sequence[PathLike], output: PathLike, *, cwd: PathLike, flags: Sequence[str] = (),
                 timeout_s: float = 180, memory_mb: int = 8192) -> CompileResult:
    """`nvcc -c` in the sandbox; `diagnostics` says "nvcc not found" when it is not installed."""
    return _compile("nvcc", sources, output, cwd=cwd, flags=flags, timeout_s=timeout_s,
                    memory_mb=memory_mb, link=False)
