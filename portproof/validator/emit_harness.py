"""Harnesses of an emitted suite: mains running the original (gcc), the emulated port (g++), the port on a GPU."""
from __future__ import annotations

from typing import Mapping, Optional

from portproof.ir.nodes import ArrayParam, Function, Param
from portproof.ir.types import BOOL, ScalarType
from portproof.validator.binding import Pair
from portproof.validator.harness import define_lines

# run from the suite's directory; {build} is a directory made by prepare.py
COMMANDS = {
    "original": ["gcc", "-std=gnu11", "-O1", "-I", "{build}", "harness_original.c", "-o",
                 "{build}/harness_original", "-lm"],
    "emulation": ["g++", "-std=c++17", "-O1", "-I", "emu", "-I", "{build}", "harness_emulation.cpp", "-o",
                  "{build}/harness_emulation", "-lm"],
    "cuda": ["nvcc", "-O1", "-I", "{build}", "harness_cuda.cu", "-o", "{build}/harness_cuda"],
}

_CXX_PRELUDE = """\
struct portproof_ptr {  // converts to whatever pointer type a parameter declares
    void *p;
    template <class T> operator T *() const { return static_cast<T *>(p); }
};

// The file holds elements of F, the original's type; the port gets them as T, its own.
template <class T, class F> static T *portproof_load(const char *path, size_t *count) {
    size_t bytes;
    F *raw = (F *)portproof_read_array(path, &bytes);
    *count = bytes / sizeof(F);
    T *data = (T *)portproof_guarded_alloc(*count * sizeof(T));
    if (!data) portproof_fail("cannot allocate memory for", path);
    for (size_t i = 0; i < *count; i++) data[i] = (T)raw[i];
    return data;
}

template <class F, class T> static void portproof_store(const char *path, const T *data, size_t count) {
    F *raw = (F *)malloc(count * sizeof(F) + 1);
    if (!raw) portproof_fail("cannot allocate memory for", path);
    for (size_t i = 0; i < count; i++) raw[i] = (F)data[i];
    portproof_write(path, raw, count * sizeof(F));
}
"""

_CUDA_CHECK = """\
#define PORTPROOF_CHECK(call) do { cudaError_t e_ = (call); if (e_ != cudaSuccess) { \\
    fprintf(stderr, "portproof harness: %s failed: %s\\n", #call, cudaGetErrorString(e_)); exit(1); } } while (0)
"""

_READ_LAUNCH = ('size_t portproof_cfg_n; unsigned *portproof_cfg = portproof_load<unsigned, unsigned>'
                '("launch.bin", &portproof_cfg_n);')
_GRID = "dim3(portproof_cfg[0], portproof_cfg[1], portproof_cfg[2])"
_BLOCK = "dim3(portproof_cfg[3], portproof_cfg[4], portproof_cfg[5])"
_NONEMPTY = ["// an empty grid or block runs nothing, as in portproof (CUDA rejects such a launch)",
             "if (portproof_cfg[0] && portproof_cfg[1] && portproof_cfg[2] && portproof_cfg[3] && "
             "portproof_cfg[4] && portproof_cfg[5]) {"]


def _ctype(t: ScalarType, cxx: bool) -> str:
    return "bool" if cxx and t == BOOL else t.c_name


def _main(body: list[str]) -> str:
    return "int main(void) {\n" + "".join(f"    {s}\n" for s in [*body, "return 0;"]) + "}\n"


def _scalar_reads(fn: Function, cxx: bool) -> list[str]:
    """The original's scalar parameters, in order, from scalars.bin."""
    return [f"{_ctype(p.type, cxx)} portproof_s{i}; portproof_read_scalar(&portproof_s{i}, sizeof portproof_s{i});"
            for i, p in enumerate(fn.params) if not isinstance(p, ArrayParam)]


def original_harness(pair: Pair, defines: Mapping[str, Optional[str]]) -> str:
    """C: the original's source, then a main that calls it and writes every array back."""
    fn = pair.orig_raw
    body, args, writes = _scalar_reads(fn, cxx=False), [], []
    for i, p in enumerate(fn.params):
        if isinstance(p, ArrayParam):
            t = _ctype(p.type, cxx=False)
            body.append(f'size_t portproof_n{i}; {t} *portproof_a{i} = ({t} *)portproof_read_array('
                        f'"in_{p.name}.bin", &portproof_n{i});')
            args.append(f"(void *)portproof_a{i}" if len(pair.shapes[p.name]) > 1 else f"portproof_a{i}")
            writes.append(f'portproof_write("out_{p.name}.bin", portproof_a{i}, portproof_n{i});')
        else:
            args.append(f"portproof_s{i}")
    call = f"{fn.name}({', '.join(args)})"
    if fn.return_type is not None:
        call = f"{_ctype(fn.return_type, cxx=False)} portproof_ret = {call}"
        writes.append('portproof_write("return.bin", &portproof_ret, sizeof portproof_ret);')
    return (define_lines(defines) + '#include "original.c"\n#undef main\n#include "emu/portproof_harness.h"\n\n'
            + _main(body + [f"{call};"] + writes))


def _port_param_type(pair: Pair, p: Param) -> ScalarType:
    """The element type of the port's parameter for the original's array `p` (its own when absent)."""
    name = pair.port_names.get(p.name, p.name)
    own = next((q for q in pair.port_raw.params if q.name == name), p)
    return own.type


def _port_call(pair: Pair, pointer: str) -> tuple[list[str], list[str], list[str]]:
    """Loads of the arrays in the port's element types, the port's arguments (`pointer` names the
    buffer passed for array i), and the stores of every array in the original's types."""
    fn = pair.orig_raw
    index = {p.name: i for i, p in enumerate(fn.params)}
    loads, stores = [], []
    for i, p in enumerate(fn.params):
        if isinstance(p, ArrayParam):
            t, f = _ctype(_port_param_type(pair, p), cxx=True), _ctype(p.type, cxx=True)
            loads.append(f'size_t portproof_n{i}; {t} *portproof_a{i} = portproof_load<{t}, {f}>('
                         f'"in_{p.name}.bin", &portproof_n{i});')
            stores.append(f'portproof_store<{f}>("out_{p.name}.bin", portproof_a{i}, portproof_n{i});')
    back = {q: o for o, q in pair.port_names.items()}
    args = []
    for q in pair.port_raw.params:
        i = index[back.get(q.name, q.name)]
        args.append(f"portproof_ptr{{{pointer.format(i=i)}}}" if isinstance(q, ArrayParam) else f"portproof_s{i}")
    return loads, args, stores


def _host_call(pair: Pair, args: list[str]) -> tuple[str, list[str]]:
    call = f"{pair.port_raw.name}({', '.join(args)})"
    ret = pair.orig_raw.return_type
    if pair.port_raw.return_type is None or ret is None:
        return f"{call};", []
    return (f"{_ctype(ret, cxx=True)} portproof_ret = {call};",
            [f'portproof_store<{_ctype(ret, cxx=True)}>("return.bin", &portproof_ret, 1);'])


def emulation_harness(pair: Pair, defines: Mapping[str, Optional[str]]) -> str:
    """C++ against the emulation headers: the emulated port, then a main that calls its host
    function or launches its kernel with the configuration in launch.bin."""
    loads, args, stores = _port_call(pair, "portproof_a{i}")
    body = ([_READ_LAUNCH] if pair.launch is not None else []) + _scalar_reads(pair.orig_raw, cxx=True) + loads
    if pair.launch is not None:
        k = pair.port_raw.name
        body += [*_NONEMPTY,
                 f'    portproof_launch("{k}", {_GRID}, {_BLOCK}, (size_t)portproof_cfg[6], '
                 f"[&](auto &&...portproof_k) {{ {k}(portproof_k...); }}" + "".join(f", {a}" for a in args) + ");",
                 "    cudaError_t portproof_e = cudaGetLastError();",
                 '    if (portproof_e != cudaSuccess) { fprintf(stderr, "portproof harness: launch failed: %s\\n", '
                 "cudaGetErrorString(portproof_e)); return 1; }", "}"]
    else:
        call, rets = _host_call(pair, args)
        body.append(call)
        stores += rets
    return ('#include "emu/portproof_cuda_emu.h"\n' + define_lines(defines) + '#include "port_emulated.cpp"\n'
            "#undef main\n\n" + _CXX_PRELUDE + "\n" + _main(body + stores))


def cuda_harness(pair: Pair, defines: Mapping[str, Optional[str]]) -> str:
    """CUDA for nvcc and a real GPU: the port's own source, then a main that calls its host function
    on host arrays, or copies the arrays to the device, launches its kernel and copies them back."""
    ptr = "portproof_d{i}" if pair.launch is not None else "portproof_a{i}"
    loads, args, stores = _port_call(pair, ptr)
    body = ([_READ_LAUNCH] if pair.launch is not None else []) + _scalar_reads(pair.orig_raw, cxx=True) + loads
    if pair.launch is not None:
        arrays = [i for i, p in enumerate(pair.orig_raw.params) if isinstance(p, ArrayParam)]
        for i in arrays:
            size = f"portproof_n{i} * sizeof *portproof_a{i}"
            body += [f"void *portproof_d{i}; PORTPROOF_CHECK(cudaMalloc(&portproof_d{i}, {size}));",
                     f"PORTPROOF_CHECK(cudaMemcpy(portproof_d{i}, portproof_a{i}, {size}, cudaMemcpyHostToDevice));"]
        body += [*_NONEMPTY,
                 f"    {pair.port_raw.name}<<<{_GRID}, {_BLOCK}, portproof_cfg[6]>>>({', '.join(args)});",
                 "    PORTPROOF_CHECK(cudaGetLastError());", "}",
                 "PORTPROOF_CHECK(cudaDeviceSynchronize());"]
        for i in arrays:
            size = f"portproof_n{i} * sizeof *portproof_a{i}"
            body += [f"PORTPROOF_CHECK(cudaMemcpy(portproof_a{i}, portproof_d{i}, {size}, cudaMemcpyDeviceToHost));",
                     f"PORTPROOF_CHECK(cudaFree(portproof_d{i}));"]
    else:
        call, rets = _host_call(pair, args)
        # the port's own launch errors are not checked (an empty grid at size 0 is one): its outputs decide
        body += [call, "PORTPROOF_CHECK(cudaDeviceSynchronize());"]
        stores += rets
    return ('#include "emu/portproof_harness.h"\n#include <cuda_runtime.h>\n' + define_lines(defines)
            + '#include "port.cu"\n#undef main\n\n' + _CUDA_CHECK + _CXX_PRELUDE + "\n" + _main(body + stores))
