"""Run a C/OpenMP port from source: the original's C harness compiled with `gcc -fopenmp`, run with a set number
of threads (4 unless the caller asks for another team size); and the same under ThreadSanitizer, for races."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Mapping, Optional, Sequence

from portproof.diagnostics import CompileError
from portproof.ir.nodes import Function
from portproof.translators.cuda_emulation import EMU_DIR
from portproof.validator.execute import (_CACHE, C_FLAGS, TSAN_FLAGS, TSAN_MEMORY_MB, CompileReport, ConcreteInputs,
                                         PathLike, RaceReport, RunResult, _include_flags, _read_source, _run,
                                         compile_check_c, parse_tsan_report)
from portproof.validator.harness import c_harness, replace_macros

OMP_THREADS = 4
OMP_FLAGS = ("-fopenmp",)
# Set in the binary itself: the sandbox passes no OMP_NUM_THREADS. A constructor runs before the harness's main
# and after libgomp's own initialisation (shared libraries are initialised first).
_THREADS = """
#ifdef _OPENMP
#include <omp.h>
__attribute__((constructor)) static void portproof_omp_threads(void)
{{
    omp_set_dynamic(0);
    omp_set_num_threads({threads});
}}
#endif
"""


def _port_error(error: CompileError) -> CompileError:
    """The shared compile-error text names 'the original'; say 'the OpenMP port' instead."""
    fixed = CompileError(error.message.replace("gcc rejects the original", "gcc -fopenmp rejects the OpenMP port"),
                         error.loc, error.snippet)
    for note in getattr(error, "__notes__", ()):
        fixed.add_note(note)
    return fixed


def run_omp_port(source_path: PathLike, function: Function, inputs: ConcreteInputs, *,
                 include_dirs: Sequence[PathLike] = (), defines: Mapping[str, Optional[str]] = {},
                 macro_values: Mapping[str, int] = {}, timeout_s: float = 10, memory_mb: int = 1024,
                 threads: int = OMP_THREADS, unoptimized: bool = False) -> RunResult:
    """Compile the OpenMP port with `gcc -fopenmp` (size macros set to `macro_values`) and run `function` on
    `inputs` with `threads` threads (a `num_threads` clause in the port still wins). `unoptimized` builds with
    -O0, where every shared variable lives in memory: a race on a shared loop counter or temporary shows there,
    while -O1 may keep each thread's copy in a register."""
    base = [f for f in C_FLAGS if not f.startswith("-O")] + ["-O0"] if unoptimized else list(C_FLAGS)
    binary = _omp_binary(source_path, function, include_dirs, defines, macro_values, threads, base)
    return _run(binary, function, inputs, None, timeout_s, memory_mb)


def _omp_binary(source_path: PathLike, function: Function, include_dirs: Sequence[PathLike],
                defines: Mapping[str, Optional[str]], macro_values: Mapping[str, int], threads: int,
                flags: Sequence[str], prelude: str = "", libs: Sequence[str] = ()) -> Path:
    """The port's harness for `function` (after `prelude`), its team set to `threads`, built with gcc -fopenmp."""
    name = str(source_path)
    text = replace_macros(_read_source(source_path), macro_values, filename=name)
    harness = prelude + c_harness(text, function, filename=name, defines=defines) + \
        _THREADS.format(threads=int(threads))
    try:
        return _CACHE.binary("gcc", harness, [*flags, *OMP_FLAGS, *_include_flags(source_path, include_dirs), "-lm",
                                              *libs])
    except CompileError as e:
        raise _port_error(e) from None


def compile_check_omp_port(source_path: PathLike, *, include_dirs: Sequence[PathLike] = (),
                           defines: Mapping[str, Optional[str]] = {}) -> CompileReport:
    """`gcc -fopenmp -c` on the port (not -fsyntax-only: gcc checks data-sharing clauses, such as a variable
    missing from a `default(none)` loop's, only when it lowers OpenMP, after the syntax pass)."""
    return compile_check_c(source_path, include_dirs=include_dirs, defines=defines, flags=OMP_FLAGS,
                           compiler="gcc -fopenmp", explain=_port_error)


# The libgomp entry points whose ordering the ThreadSanitizer shim (emu/portproof_omp_tsan.h) tells
# ThreadSanitizer, and those that order nothing (loop chunks, queries). A port that calls any other
# (tasks, locks, ordered, sections) is not judged by ThreadSanitizer: its synchronisation would be unseen.
_MODELLED_OPENMP = re.compile(
    r"GOMP_(parallel|barrier|barrier_cancel|loop_end|loop_end_cancel|loop_end_nowait|critical_(name_)?(start|end)"
    r"|atomic_(start|end)|loop_(ull_)?((maybe_)?nonmonotonic_)?(static|dynamic|guided|runtime)_(start|next)"
    r"|loop_(ull_)?start"
    r"|single_start|target_ext|teams4|teams_reg)"
    r"|omp_get_\w+|omp_set_(num_threads|dynamic|nested|schedule|max_active_levels)")
OMP_TSAN_SHIM = EMU_DIR / "portproof_omp_tsan.h"


def run_omp_port_races(source_path: PathLike, function: Function, inputs: ConcreteInputs, *,
                       include_dirs: Sequence[PathLike] = (), defines: Mapping[str, Optional[str]] = {},
                       macro_values: Mapping[str, int] = {}, timeout_s: float = 30,
                       threads: int = OMP_THREADS) -> RaceReport:
    """Run the OpenMP port under ThreadSanitizer with `threads` threads and report the first data race. The
    shim makes libgomp's thread start, barriers, critical sections and join visible to ThreadSanitizer, so a
    report is a race of the program, whatever the timing; a port using OpenMP synchronisation the shim does
    not model gets `fault` instead of a verdict."""
    name = str(source_path)
    binary = _omp_binary(source_path, function, include_dirs, defines, macro_values, threads,
                         [*C_FLAGS, *TSAN_FLAGS], prelude=f'#include "{OMP_TSAN_SHIM}"\n', libs=["-ldl"])
    unmodelled = sorted({c for c in _openmp_calls(binary) if not _MODELLED_OPENMP.fullmatch(c)})
    if unmodelled:
        return RaceReport(fault=f"OpenMP calls ThreadSanitizer cannot follow: {', '.join(unmodelled)}")
    result = _run(binary, function, inputs, None, timeout_s, TSAN_MEMORY_MB)
    found = parse_tsan_report(result.stderr, name)
    if found is not None and _innermost_in(result.stderr, name):
        return RaceReport(found[0], found[1], report=result.stderr)
    if found is not None:
        return RaceReport(fault="ThreadSanitizer reported a race outside the port's own code", report=result.stderr)
    if result.fault is not None:
        return RaceReport(fault=result.fault, report=result.stderr)
    return RaceReport(report=result.stderr)


_ACCESS_FRAME = re.compile(r"^  (?:Previous )?(?:[Aa]tomic )?(?:[Rr]ead|[Ww]rite) of size .*\n\s+#0 .*? (\S+):\d+", re.M)


def _innermost_in(report: str, source: str) -> bool:
    """Both accesses of the first race happen in the port's own code (frame #0 in its file), not in a
    libgomp wrapper or the harness."""
    first = report.split("SUMMARY:", 1)[0]
    files = _ACCESS_FRAME.findall(first)
    return len(files) >= 2 and all(Path(f).resolve() == Path(source).resolve() for f in files[:2])


def _openmp_calls(binary: Path) -> list[str]:
    """The libgomp symbols the binary imports (its undefined dynamic symbols named GOMP_* / omp_*)."""
    out = subprocess.run(["nm", "-D", "--undefined-only", str(binary)], capture_output=True, text=True, timeout=30)
    names = (line.split()[-1].split("@")[0] for line in out.stdout.splitlines() if line.strip())
    return [n for n in names if n.startswith(("GOMP_", "omp_"))]
