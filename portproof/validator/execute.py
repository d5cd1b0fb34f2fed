"""Run the original and the port from source on concrete inputs: compile a harness once, run it per input."""
from __future__ import annotations

import atexit
import hashlib
import re
import shutil
import signal
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Optional, Sequence, Union

import numpy as np

from portproof.diagnostics import (CompileError, InputFileError, MissingLaunchConfig, PortproofError,
                                   UsageError)
from portproof.ir.nodes import ArrayParam, Function, SourceLoc
from portproof.translators.cuda_emulation import (EMU_DIR, EXIT_BARRIER_DIVERGENCE, EXIT_HARNESS_IO,
                                                  EXIT_UNSUPPORTED, emulation_source)
from portproof.validator.harness import (DTYPES, HARNESS_FILE, KernelLaunch, PortEntry, c_harness, cuda_harness,
                                         define_lines, launch_config, line_directive,
                                         replace_macros)
from portproof.validator.sandbox import CompileResult, compile_c, compile_cxx, compile_nvcc, run_sandboxed

PathLike = Union[str, Path]
C_FLAGS = ("-std=gnu11", "-O1", "-ftrivial-auto-var-init=pattern")
CXX_FLAGS = ("-std=c++17", "-O1", "-ftrivial-auto-var-init=pattern")
# The race-checking build: ThreadSanitizer, line tables for its reports, the emulation's race hooks.
TSAN_FLAGS = ("-fsanitize=thread", "-g", "-DPORTPROOF_TSAN", "-fno-omit-frame-pointer")


# ThreadSanitizer reserves terabytes of address space for its shadow: its runs get no RLIMIT_AS (the
# CPU-time limit and the timeout still hold)
TSAN_MEMORY_MB = None
EXIT_RACE = 66  # __tsan_default_options in the emulation header: exitcode=66, halt_on_error=1
EMU_HEADER_NAME = "portproof_cuda_emu.h"


@dataclass(frozen=True)
class ConcreteInputs:
    """Values for the parameters of the function being run, keyed by its parameter names."""
    scalars: dict[str, Union[int, float]] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class RunResult:
    """Final contents of every array parameter and the return value; or, when the run failed, `fault`
    (a readable reason) and `fault_kind`: timeout | signal | exit | barrier | unsupported | harness."""
    arrays: dict[str, np.ndarray]
    return_value: Optional[Union[int, float, bool]]
    fault: Optional[str] = None
    fault_kind: Optional[str] = None
    stderr: str = ""
    network_isolated: bool = False


@dataclass(frozen=True)
class RaceAccess:
    """One of the two accesses of a race: read or write, its place in the user's source, and the
    emulated CUDA thread that made it (`block (x,y,z) thread (x,y,z)`; "host" for host code)."""
    kind: str
    file: Optional[str]
    line: Optional[int]
    thread: str


@dataclass(frozen=True)
class RaceReport:
    """What a run of the port under ThreadSanitizer found: `race` (the first data race, as two
    accesses, with the variable when ThreadSanitizer names it), or `fault` when the run itself failed."""
    race: Optional[tuple[RaceAccess, RaceAccess]] = None
    variable: Optional[str] = None
    fault: Optional[str] = None
    report: str = ""

    def describe(self) -> str:
        if self.race is None:
            return "no data race"
        a, b = self.race
        where = f" on {self.variable}" if self.variable else ""
        return (f"data race{where}: {a.kind} at {_place(a)} by {a.thread} and {b.kind} at {_place(b)} "
                f"by {b.thread}")


def _place(access: RaceAccess) -> str:
    return f"{access.file}:{access.line}" if access.file else "an unknown line"


@dataclass(frozen=True)
class CompileReport:
    ok: bool
    compiler: str
    message: str
    error: Optional[PortproofError] = None  # the compile error, with the user's file:line


class _BinaryCache:
    """Compiled harnesses of this process, keyed by a hash of their text, compiler and flags."""

    def __init__(self) -> None:
        self._root: Optional[Path] = None
        self._binaries: dict[str, Union[Path, PortproofError]] = {}
        self._pch_dir: Optional[Path] = None
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    def root(self) -> Path:
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="portproof-bin-"))
                atexit.register(shutil.rmtree, self._root, True)
            return self._root

    def emu_include_dir(self) -> Path:
        """The emulation headers with the main one precompiled (saves ~0.3 s per compile), kept in the
        user's cache across processes; the headers themselves when precompiling fails."""
        with self._lock:
            if self._pch_dir is None:
                self._pch_dir = _persistent_pch() or EMU_DIR
            return self._pch_dir

    def binary(self, compiler: str, text: str, flags: Sequence[str]) -> Path:
        """The compiled harness; a CompileError (remembered too) when the compiler rejects it."""
        key = hashlib.sha256("\0".join([compiler, text, *flags]).encode()).hexdigest()[:32]
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            if key not in self._binaries:
                self._binaries[key] = self._compile(compiler, text, flags, key)
            found = self._binaries[key]
        if isinstance(found, PortproofError):
            raise found
        return found

    def _compile(self, compiler: str, text: str, flags: Sequence[str], key: str) -> Union[Path, PortproofError]:
        work = self.root() / key
        work.mkdir(exist_ok=True)
        source = work / ("harness.c" if compiler == "gcc" else "harness.cpp")
        source.write_text(text)
        compile_fn = compile_c if compiler == "gcc" else compile_cxx
        result = compile_fn([source.name], "harness", cwd=work, flags=flags)
        return work / "harness" if result.ok else _compile_error(result, compiler)


def _persistent_pch() -> Optional[Path]:
    """`<cache>/emu-<hash of the headers, g++ and flags>/` holding the precompiled header."""
    import os
    import subprocess
    base = Path(os.environ.get("PORTPROOF_CACHE") or
                Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "portproof")
    try:
        version = subprocess.run(["g++", "--version"], capture_output=True, text=True, timeout=30).stdout
        digest = hashlib.sha256("\0".join([version, *CXX_FLAGS, *(
            f.name + f.read_text() for f in sorted(Path(EMU_DIR).iterdir()) if f.is_file())]).encode())
        final = base / f"emu-{digest.hexdigest()[:24]}"
        if (final / (EMU_HEADER_NAME + ".gch")).exists():
            return final
        base.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="emu-build-", dir=base))
        shutil.copytree(EMU_DIR, work, dirs_exist_ok=True)
        header = work / EMU_HEADER_NAME
        built = compile_cxx([header], header.with_name(EMU_HEADER_NAME + ".gch"), cwd=work,
                            flags=(*CXX_FLAGS, "-x", "c++-header"), link=False)
        if not built.ok:
            shutil.rmtree(work, ignore_errors=True)
            return None
        try:
            work.rename(final)  # atomic; another process may have won the race, which is as good
        except OSError:
            shutil.rmtree(work, ignore_errors=True)
        return final if (final / (EMU_HEADER_NAME + ".gch")).exists() else None
    except (OSError, subprocess.SubprocessError):
        return None


_CACHE = _BinaryCache()
_DIAGNOSTIC = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?:(?P<col>\d+):)? (?:fatal )?error: (?P<msg>.*)$", re.M)


def _first_error(diagnostics: str) -> tuple[Optional[SourceLoc], str]:
    match = _DIAGNOSTIC.search(diagnostics)
    if match is None:
        return None, "\n".join(diagnostics.strip().splitlines()[:5])
    following = diagnostics[match.end():].strip("\n").splitlines()[:4]
    message = "\n".join([match["msg"], *(line for line in following if not _DIAGNOSTIC.match(line))])
    if match["file"] == HARNESS_FILE:
        return None, f"the generated harness does not compile (does the IR signature match the source?): {message}"
    return SourceLoc(match["file"], int(match["line"]), int(match["col"] or 0)), message


def _compile_error(result: CompileResult, compiler: str) -> PortproofError:
    if shutil.which(compiler) is None:
        return PortproofError(f"{compiler} not found: portproof runs programs by compiling them with {compiler}")
    loc, message = _first_error(result.diagnostics)
    what = "the original" if compiler == "gcc" else "the port (CPU emulation of CUDA)"
    snippet = ""
    if loc is not None and Path(loc.file).is_file():
        lines = Path(loc.file).read_text(errors="replace").splitlines()
        snippet = lines[loc.line - 1] if 0 < loc.line <= len(lines) else ""
    error = CompileError(f"{compiler} rejects {what}: {message}", loc, snippet)
    error.add_note(result.diagnostics.strip()[:4000])
    return error


def _read_source(path: PathLike) -> str:
    try:
        return Path(path).read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise InputFileError(f"cannot read {path}: {e}") from None


def _include_flags(source_path: PathLike, include_dirs: Sequence[PathLike]) -> list[str]:
    return ["-iquote", str(Path(source_path).resolve().parent), *(f"-I{Path(d).resolve()}" for d in include_dirs)]


def _write_inputs(work: Path, function: Function, inputs: ConcreteInputs,
                  launch: Optional[np.ndarray]) -> dict[str, np.ndarray]:
    names = {p.name for p in function.params}
    unknown = sorted((set(inputs.scalars) | set(inputs.arrays)) - names)
    if unknown:
        raise UsageError(f"inputs for {function.name} name no parameter of it: {', '.join(unknown)}")
    scalars = [] if launch is None else [launch.tobytes()]
    arrays = {}
    for p in function.params:
        dtype = DTYPES[p.type]
        if isinstance(p, ArrayParam):
            if p.name not in inputs.arrays:
                raise UsageError(f"no array given for parameter {p.name} of {function.name}")
            try:
                data = np.ascontiguousarray(inputs.arrays[p.name]).astype(dtype, casting="same_kind", copy=False)
            except TypeError as e:
                raise UsageError(f"array {p.name} of {function.name}: {e}") from None
            (work / f"in_{p.name}.bin").write_bytes(data.tobytes())
            arrays[p.name] = data
        else:
            if p.name not in inputs.scalars:
                raise UsageError(f"no value given for scalar parameter {p.name} of {function.name}")
            value = inputs.scalars[p.name]
            if p.type.is_integer and isinstance(value, float) and not value.is_integer():
                raise UsageError(f"scalar {p.name} of {function.name} is an integer; got {value}")
            try:
                scalars.append(np.array(value, dtype=dtype).tobytes())
            except (OverflowError, ValueError, TypeError) as e:
                raise UsageError(f"scalar {p.name} of {function.name}: {e}") from None
    (work / "scalars.bin").write_bytes(b"".join(scalars))
    return arrays


def _fault_kind(returncode: int) -> str:
    return {EXIT_BARRIER_DIVERGENCE: "barrier", EXIT_UNSUPPORTED: "unsupported",
            EXIT_HARNESS_IO: "harness"}.get(returncode, "exit")


def _run(binary: Path, function: Function, inputs: ConcreteInputs, launch: Optional[np.ndarray],
         timeout_s: float, memory_mb: int, schedule: Optional[str] = None) -> RunResult:
    work = Path(tempfile.mkdtemp(prefix="run-", dir=_CACHE.root()))
    try:
        given = _write_inputs(work, function, inputs, launch)
        if schedule is not None:  # read by the emulation's launcher (the sandbox passes no environment)
            (work / "portproof_schedule").write_text(schedule)
        result = run_sandboxed([str(binary)], cwd=work, timeout_s=timeout_s, memory_mb=memory_mb)
        if not result.ok:
            if result.timed_out:
                kind = "timeout"
            elif result.signal is not None:
                kind = "signal"
            else:
                kind = _fault_kind(result.returncode)
            fault = result.describe(timeout_s)
            if result.signal == signal.SIGSEGV:
                fault += " (invalid memory access, e.g. an index out of bounds)"
            return RunResult({}, None, fault, kind, result.stderr, result.network_isolated)
        outputs = {name: np.frombuffer((work / f"out_{name}.bin").read_bytes(), dtype=data.dtype)
                   .reshape(data.shape).copy() for name, data in given.items()}
        value = None
        if function.return_type is not None:
            value = np.frombuffer((work / "ret.bin").read_bytes(), dtype=DTYPES[function.return_type])[0].item()
        return RunResult(outputs, value, None, None, result.stderr, result.network_isolated)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_original(source_path: PathLike, function: Function, inputs: ConcreteInputs, *,
                 include_dirs: Sequence[PathLike] = (), defines: Mapping[str, Optional[str]] = {},
                 macro_values: Mapping[str, int] = {}, timeout_s: float = 10, memory_mb: int = 1024) -> RunResult:
    """Compile the original C with gcc (size macros set to `macro_values`) and run `function` on `inputs`."""
    name = str(source_path)
    text = replace_macros(_read_source(source_path), macro_values, filename=name)
    flags = [*C_FLAGS, *_include_flags(source_path, include_dirs), "-lm"]
    binary = _CACHE.binary("gcc", c_harness(text, function, filename=name, defines=defines), flags)
    return _run(binary, function, inputs, None, timeout_s, memory_mb)


def _port_flags(source_path: PathLike, include_dirs: Sequence[PathLike]) -> list[str]:
    emu = _CACHE.emu_include_dir()
    return [*CXX_FLAGS, f"-I{emu}", "-include", EMU_HEADER_NAME, *_include_flags(source_path, include_dirs)]


def _port_harness(source_path: PathLike, port: PortEntry, defines: Mapping[str, Optional[str]],
                  macro_values: Mapping[str, int]) -> str:
    """The emulation of the port's own text with the generated main that calls its entry."""
    if isinstance(port, Function) and port.kind == "kernel":
        raise MissingLaunchConfig(f"kernel {port.name} needs a launch configuration (grid, block) to be run",
                                  port.loc)
    name = str(source_path)
    text = replace_macros(_read_source(source_path), macro_values, filename=name)
    return cuda_harness(emulation_source(text, filename=name), port, filename=name, defines=defines)


def run_port(source_path: PathLike, port: PortEntry, inputs: ConcreteInputs, *,
             include_dirs: Sequence[PathLike] = (), defines: Mapping[str, Optional[str]] = {},
             macro_values: Mapping[str, int] = {}, timeout_s: float = 10, memory_mb: int = 1024,
             schedule: Optional[str] = None) -> RunResult:
    """Run the CUDA port's host entry, or its kernel with the given launch, in the CPU emulation;
    `schedule` (a Schedule's `spec`: `index`, `reverse`, `seed N`) orders its blocks and threads."""
    harness = _port_harness(source_path, port, defines, macro_values)
    binary = _CACHE.binary("g++", harness, _port_flags(source_path, include_dirs))
    function = port.kernel if isinstance(port, KernelLaunch) else port
    return _run(binary, function, inputs, launch_config(port), timeout_s, memory_mb, schedule)


_RACE_START = re.compile(r"^WARNING: ThreadSanitizer: data race", re.M)
_ACCESS = re.compile(r"^  (?:Previous )?(?:[Aa]tomic )?(?P<kind>[Rr]ead|[Ww]rite) of size \d+ at \S+ by "
                     r"(?P<who>main thread|thread (?P<tid>T\d+))")
_FRAME = re.compile(r"^\s+#\d+ .*? (?P<file>\S+):(?P<line>\d+)(?::\d+)? \(")
_THREAD_NAME = re.compile(r"^  Thread (?P<tid>T\d+) '(?P<name>[^']*)'", re.M)
_LOCATION = re.compile(r"^  Location is global '(?:[^']*::)?(?P<name>[A-Za-z_]\w*)'", re.M)


def parse_tsan_report(stderr: str, source_file: str) -> Optional[tuple[tuple[RaceAccess, RaceAccess], Optional[str]]]:
    """The first data race in ThreadSanitizer's output: each access with the innermost frame in
    `source_file` (the #line directives map the emulated port's lines to it), and the variable."""
    start = _RACE_START.search(stderr)
    if start is None:
        return None
    end = stderr.find("==================", start.end())
    text = stderr[start.end():end if end >= 0 else len(stderr)]
    names = {m["tid"]: m["name"] for m in _THREAD_NAME.finditer(text)}
    accesses: list[RaceAccess] = []
    current: Optional[dict] = None
    wanted = Path(source_file).resolve()
    for line in text.splitlines():
        access = _ACCESS.match(line)
        if access:
            if current is not None:
                accesses.append(RaceAccess(**current))
            who = "host" if access["who"] == "main thread" else names.get(access["tid"], access["tid"])
            current = dict(kind=access["kind"].lower(), file=None, line=None, thread=who)
            continue
        frame = _FRAME.match(line)
        if frame and current is not None and current["file"] is None:
            f = frame["file"]
            if f == source_file or Path(f).resolve() == wanted:
                current.update(file=source_file, line=int(frame["line"]))
        elif not line.startswith("    ") and current is not None:
            accesses.append(RaceAccess(**current))
            current = None
    if current is not None:
        accesses.append(RaceAccess(**current))
    if len(accesses) < 2:
        return None
    location = _LOCATION.search(text)
    variable = location["name"] if location else None
    return (accesses[0], accesses[1]), variable


def run_port_races(source_path: PathLike, port: PortEntry, inputs: ConcreteInputs, *,
                   include_dirs: Sequence[PathLike] = (), defines: Mapping[str, Optional[str]] = {},
                   macro_values: Mapping[str, int] = {}, timeout_s: float = 30) -> RaceReport:
    """Run the port in the emulation built with ThreadSanitizer (each CUDA thread a fiber, unordered
    with the other threads of its block between barriers and with the other blocks of its launch,
    atomics real atomics) and report the first data race it sees on these inputs."""
    harness = _port_harness(source_path, port, defines, macro_values)
    flags = [*CXX_FLAGS, *TSAN_FLAGS, f"-I{EMU_DIR}", "-include", EMU_HEADER_NAME,
             *_include_flags(source_path, include_dirs)]
    binary = _CACHE.binary("g++", harness, flags)
    function = port.kernel if isinstance(port, KernelLaunch) else port
    result = _run(binary, function, inputs, launch_config(port), timeout_s, TSAN_MEMORY_MB)
    found = parse_tsan_report(result.stderr, str(source_path))
    if found is not None:
        return RaceReport(found[0], found[1], report=result.stderr)
    if result.fault is not None:
        return RaceReport(fault=result.fault, report=result.stderr)
    return RaceReport(report=result.stderr)


def compile_check_port(source_path: PathLike, *, include_dirs: Sequence[PathLike] = (),
                       defines: Mapping[str, Optional[str]] = {}, use_nvcc: bool = False) -> CompileReport:
    """Compile the port's CPU emulation and, when asked and installed, the port itself with `nvcc -c`."""
    name = str(source_path)
    emulated = emulation_source(_read_source(source_path), filename=name)
    work = Path(tempfile.mkdtemp(prefix="check-", dir=_CACHE.root()))
    try:
        (work / "port.cpp").write_text(define_lines(defines) + line_directive(name) + emulated)
        result = compile_cxx(["port.cpp"], "port.o", cwd=work, link=False,
                             flags=_port_flags(source_path, include_dirs))
        if not result.ok:
            error = _compile_error(result, "g++")
            return CompileReport(False, "g++ (CPU emulation of CUDA)", str(error), error)
        if not use_nvcc:
            return CompileReport(True, "g++ (CPU emulation of CUDA)", "")
        flags = [*(f"-I{Path(d).resolve()}" for d in include_dirs),
                 *(f"-D{k}" if v is None else f"-D{k}={v}" for k, v in defines.items()), "-x", "cu"]
        if shutil.which("nvcc") is None:
            return CompileReport(True, "g++ (CPU emulation of CUDA)",
                                 "nvcc not found; checked with the CPU emulation only")
        nvcc = compile_nvcc([Path(source_path).resolve()], work / "port_nvcc.o", cwd=work, flags=flags)
        if not nvcc.ok:
            loc, message = _first_error(nvcc.diagnostics)
            error = CompileError(f"nvcc rejects the port: {message}", loc)
            return CompileReport(False, "nvcc", str(error), error)
        return CompileReport(True, "g++ (CPU emulation of CUDA) and nvcc", "")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def compile_check_c(source_path: PathLike, *, include_dirs: Sequence[PathLike] = (),
                    defines: Mapping[str, Optional[str]] = {}, flags: Sequence[str] = (), compiler: str = "gcc",
                    explain: Callable[[PortproofError], PortproofError] = lambda e: e) -> CompileReport:
    """gcc on a C file as the user wrote it (`flags` say how far: `-fsyntax-only`, `-fopenmp`);
    `explain` rewords the compile error for the kind of file it is."""
    name = str(source_path)
    text = _read_source(source_path)
    work = Path(tempfile.mkdtemp(prefix="check-", dir=_CACHE.root()))
    try:
        (work / "file.c").write_text(define_lines(defines) + line_directive(name) + text)
        result = compile_c(["file.c"], "file.o", cwd=work, link=False,
                           flags=[*C_FLAGS, *flags, *_include_flags(source_path, include_dirs)])
        if not result.ok:
            error = explain(_compile_error(result, "gcc"))
            return CompileReport(False, compiler, str(error), error)
        return CompileReport(True, compiler, "")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def compile_check_original(source_path: PathLike, *, include_dirs: Sequence[PathLike] = (),
                           defines: Mapping[str, Optional[str]] = {}) -> CompileReport:
    """`gcc -fsyntax-only` on the original: a file the real compiler rejects is bad input."""
    return compile_check_c(source_path, include_dirs=include_dirs, defines=defines, flags=("-fsyntax-only",))
