"""Run a C/OpenMP port from source: the original's C harness compiled with `gcc -fopenmp`, run with a set number
of threads (4 unless the caller asks for another team size)."""
from __future__ import annotations

from typing import Mapping, Optional, Sequence

from portproof.diagnostics import CompileError
from portproof.ir.nodes import Function
from portproof.validator.execute import (_CACHE, C_FLAGS, CompileReport, ConcreteInputs, PathLike, RunResult,
                                         _include_flags, _read_source, _run, compile_check_c)
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
    name = str(source_path)
    text = replace_macros(_read_source(source_path), macro_values, filename=name)
    harness = c_harness(text, function, filename=name, defines=defines) + _THREADS.format(threads=int(threads))
    base = [f for f in C_FLAGS if not f.startswith("-O")] + ["-O0"] if unoptimized else list(C_FLAGS)
    flags = [*base, *OMP_FLAGS, *_include_flags(source_path, include_dirs), "-lm"]
    try:
        binary = _CACHE.binary("gcc", harness, flags)
    except CompileError as e:
        raise _port_error(e) from None
    return _run(binary, function, inputs, None, timeout_s, memory_mb)


def compile_check_omp_port(source_path: PathLike, *, include_dirs: Sequence[PathLike] = (),
                           defines: Mapping[str, Optional[str]] = {}) -> CompileReport:
    """`gcc -fopenmp -c` on the port (not -fsyntax-only: gcc checks data-sharing clauses, such as a variable
    missing from a `default(none)` loop's, only when it lowers OpenMP, after the syntax pass)."""
    return compile_check_c(source_path, include_dirs=include_dirs, defines=defines, flags=OMP_FLAGS,
                           compiler="gcc -fopenmp", explain=_port_error)
