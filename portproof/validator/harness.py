"""Generate the C (original) and C++ (emulated port) harnesses that run one function on inputs from files."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Optional, Union

import numpy as np

from portproof.diagnostics import ContractError
from portproof.ir.nodes import ArrayParam, Function, Param
from portproof.ir.types import BOOL, F32, F64, I32, I64, U32, U64, ScalarType
from portproof.translators.cuda_emulation import HARNESS_HEADER

HARNESS_FILE = "<portproof harness>"

DTYPES: dict[ScalarType, np.dtype] = {
    BOOL: np.dtype(np.bool_), I32: np.dtype(np.int32), U32: np.dtype(np.uint32),
    I64: np.dtype(np.int64), U64: np.dtype(np.uint64), F32: np.dtype(np.float32), F64: np.dtype(np.float64),
}


@dataclass(frozen=True)
class KernelLaunch:
    """A port entered through a kernel with a concrete launch configuration."""
    kernel: Function
    grid: tuple[int, int, int]
    block: tuple[int, int, int]
    shared_bytes: int = 0


PortEntry = Union[Function, KernelLaunch]

_CXX_PRELUDE = """\
struct portproof_ptr {  // converts to whatever pointer-to-array type a parameter declares
    void *p;
    template <class T> operator T *() const { return static_cast<T *>(p); }
};
"""


def replace_macros(text: str, macro_values: Mapping[str, int], *, filename: str) -> str:
    """Give each object-like macro in `macro_values` its concrete value where the file #defines it,
    replacing the directive in place so that every line keeps its number."""
    lines = text.split("\n")
    for name, value in macro_values.items():
        directive = re.compile(rf"^\s*#\s*define\s+{re.escape(name)}(?=\s|$)")
        found = False
        i = 0
        while i < len(lines):
            if directive.match(lines[i]):
                found = True
                start = i
                while lines[i].rstrip().endswith("\\") and i + 1 < len(lines):
                    i += 1
                    lines[i] = ""
                lines[start] = f"#define {name} {int(value)}" if value >= 0 else f"#define {name} ({int(value)})"
            i += 1
        if not found:
            raise ContractError(f"size macro {name} has no #define in {filename}; cannot give it a value")
    return "\n".join(lines)


def define_lines(defines: Mapping[str, Optional[str]]) -> str:
    """The user's -D macros and the renaming of the program's own `main`, as directives (a -D flag
    would invalidate the emulation's precompiled header)."""
    lines = [f"#define {k}" if v is None else f"#define {k} {v}" for k, v in defines.items()]
    return "\n".join([*lines, "#define main portproof_user_main", ""])


def line_directive(filename: str) -> str:
    escaped = filename.replace("\\", "\\\\").replace('"', '\\"')
    return f'#line 1 "{escaped}"\n'


def _c_type(t: ScalarType, cxx: bool) -> str:
    return "bool" if cxx and t == BOOL else t.c_name


def _arguments(params: tuple[Param, ...], cxx: bool) -> tuple[list[str], list[str], list[str]]:
    """Statements that read every parameter, the call's arguments, and statements writing arrays back."""
    reads, args, writes = [], [], []
    for i, p in enumerate(params):
        t = _c_type(p.type, cxx)
        if isinstance(p, ArrayParam):
            data, size = f"portproof_a{i}", f"portproof_n{i}"
            reads.append(f"size_t {size}; {t} *{data} = ({t} *)portproof_read_array(\"in_{p.name}.bin\", &{size});")
            if len(p.extents) <= 1:
                args.append(data)
            else:
                args.append(f"portproof_ptr{{{data}}}" if cxx else f"(void *){data}")
            writes.append(f"portproof_write(\"out_{p.name}.bin\", {data}, {size});")
        else:
            reads.append(f"{t} portproof_s{i}; portproof_read_scalar(&portproof_s{i}, sizeof portproof_s{i});")
            args.append(f"portproof_s{i}")
    return reads, args, writes


def _main(call: str, function: Function, reads: list[str], writes: list[str], cxx: bool,
          launch_config: bool = False) -> str:
    body = []
    if launch_config:
        body.append("unsigned portproof_cfg[7]; portproof_read_scalar(portproof_cfg, sizeof portproof_cfg);")
    body += reads
    if function.return_type is not None:
        body.append(f"{_c_type(function.return_type, cxx)} portproof_ret = {call};")
        writes = [*writes, 'portproof_write("ret.bin", &portproof_ret, sizeof portproof_ret);']
    else:
        body.append(f"{call};")
    body += writes
    body.append("return 0;")
    return "int main(void) {\n" + "".join(f"    {s}\n" for s in body) + "}\n"


def c_harness(source_text: str, function: Function, *, filename: str,
              defines: Mapping[str, Optional[str]] = {}) -> str:
    """The original's text (its own `main` renamed) followed by a main that calls
    `function` on inputs from in_<name>.bin / scalars.bin and writes out_<name>.bin / ret.bin."""
    reads, args, writes = _arguments(function.params, cxx=False)
    call = f"{function.name}({', '.join(args)})"
    return (define_lines(defines) + line_directive(filename) + source_text + "\n" + line_directive(HARNESS_FILE)
            + f"#undef main\n#include \"{HARNESS_HEADER}\"\n"
            + "#pragma GCC diagnostic error \"-Wincompatible-pointer-types\"\n"
            + "#pragma GCC diagnostic error \"-Wimplicit-function-declaration\"\n"
            + _main(call, function, reads, writes, cxx=False))


def cuda_harness(emulated_text: str, entry: PortEntry, *, filename: str,
                 defines: Mapping[str, Optional[str]] = {}) -> str:
    """The port's emulation source followed by a main that calls its host entry, or launches its
    kernel with the configuration read from scalars.bin, through the emulation's launcher."""
    function = entry.kernel if isinstance(entry, KernelLaunch) else entry
    reads, args, writes = _arguments(function.params, cxx=True)
    if isinstance(entry, KernelLaunch):
        call = (f'portproof_launch("{function.name}", dim3(portproof_cfg[0], portproof_cfg[1], portproof_cfg[2]), '
                f"dim3(portproof_cfg[3], portproof_cfg[4], portproof_cfg[5]), (size_t)portproof_cfg[6], "
                f"[&](auto &&...portproof_k) {{ {function.name}(portproof_k...); }}"
                + "".join(f", {a}" for a in args) + ")")
    else:
        call = f"{function.name}({', '.join(args)})"
        # a host function gets host memory: kernels that dereference it fault, as on a GPU
        reads += [f"portproof_register_host_array(portproof_a{i}, portproof_n{i});"
                  for i, p in enumerate(function.params) if isinstance(p, ArrayParam)]
    main = _main(call, function, reads, writes, cxx=True, launch_config=isinstance(entry, KernelLaunch))
    return (define_lines(defines) + line_directive(filename) + emulated_text + "\n"
            + line_directive(HARNESS_FILE) + "#undef main\n" + _CXX_PRELUDE + main)


def launch_config(entry: PortEntry) -> Optional[np.ndarray]:
    if not isinstance(entry, KernelLaunch):
        return None
    return np.array([*entry.grid, *entry.block, entry.shared_bytes], dtype=np.uint32)
