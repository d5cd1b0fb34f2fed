"""Tests of the CUDA frontend: realistic .cu sources lowered to IR, compared by node equality."""
from __future__ import annotations

import math

import pytest

from portproof.diagnostics import InputFileError, ParseError
from portproof.ir.mapper import walk
from portproof.ir.nodes import (ArrayArg, ArrayParam, Assign, Atomic, Barrier, Binary, Call, Cast, Const,
                                Copy, Declare, Fill, For, If, Launch, Load, LocalArray, Return, ScalarParam,
                                Select, Store, Unary, Var, While)
from portproof.ir.types import BOOL, F32, F64, I32, I64, U32, U64
from portproof.translators.cuda_frontend import parse_cuda, parse_launch


def C(v, t=I32):
    return Const(v, t)


def B(op, a, b):
    return Binary(op, a, b)


V = Var
TID = B("+", B("*", V("blockIdx.x"), V("blockDim.x")), V("threadIdx.x"))


def lower(tmp_path, code: str, name: str = "port.cu", **kwargs):
    path = tmp_path / name
    path.write_text(code)
    return parse_cuda(str(path), **kwargs)


VADD = r"""
#include <cstdio>
#include <cuda_runtime.h>

#define BLOCK 256
#define CHECK(call)                                                        \
    do {                                                                   \
        cudaError_t err = (call);                                          \
        if (err != cudaSuccess) {                                          \
            fprintf(stderr, "CUDA error %s\n", cudaGetErrorString(err));   \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

__global__ void vadd(const float *a, const float *b, float *c, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    c[i] = a[i] + b[i];
}

void vadd_host(const float *a, const float *b, float *c, int n) {
    float *d_a, *d_b, *d_c = nullptr;
    size_t bytes = n * sizeof(float);
    CHECK(cudaMalloc((void **)&d_a, bytes));
    CHECK(cudaMalloc(&d_b, n * sizeof(float)));
    CHECK(cudaMalloc(&d_c, sizeof(float) * n));
    CHECK(cudaMemcpy(d_a, a, bytes, cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(d_b, b, bytes, cudaMemcpyHostToDevice));
    vadd<<<(n + BLOCK - 1) / BLOCK, BLOCK>>>(d_a, d_b, d_c, n);
    CHECK(cudaGetLastError());
    CHECK(cudaDeviceSynchronize());
    CHECK(cudaMemcpy(c, d_c, bytes, cudaMemcpyDeviceToHost));
    cudaFree(d_a);
    cudaFree(d_b);
    cudaFree(d_c);
}
"""


def test_vector_add_with_host_wrapper(tmp_path):
    unit = lower(tmp_path, VADD)
    assert unit.failures == {}
    kernel = unit.program.function("vadd")
    assert kernel.kind == "kernel"
    assert kernel.params == (ArrayParam("a", F32, (), "in"), ArrayParam("b", F32, (), "in"),
                             ArrayParam("c", F32, (), "inout"), ScalarParam("n", I32))
    assert kernel.body == (
        Declare("i", I32, TID),
        If(B(">=", V("i"), V("n")), (Return(),)),
        Store("c", (V("i"),), B("+", Load("a", (V("i"),)), Load("b", (V("i"),)))),
    )
    host = unit.program.function("vadd_host")
    assert host.kind == "host" and host.return_type is None
    grid = B("/", B("-", B("+", V("n"), C(256)), C(1)), C(256))
    assert host.body == (
        Declare("bytes", U64, B("*", V("n"), C(4, U64))),
        LocalArray("d_a", F32, (V("n"),), "device"),
        LocalArray("d_b", F32, (V("n"),), "device"),
        LocalArray("d_c", F32, (V("n"),), "device"),
        Copy("d_a", "a", V("n")),
        Copy("d_b", "b", V("n")),
        Launch("vadd", (grid, C(1), C(1)), (C(256), C(1), C(1)), C(0, U64),
               (ArrayArg("d_a"), ArrayArg("d_b"), ArrayArg("d_c"), V("n"))),
        Copy("c", "d_c", V("n")),
    )


def test_locations_point_into_the_users_file(tmp_path):
    unit = lower(tmp_path, VADD)
    kernel, host = unit.program.function("vadd"), unit.program.function("vadd_host")
    path = str(tmp_path / "port.cu")
    assert kernel.loc.file == path and kernel.loc.line == 15
    assert str(kernel.body[1].loc) == f"{path}:17:5"
    assert host.body[1].loc.line == 24  # inside the CHECK macro: line kept, column unknown
    assert str(host.body[6].loc) == f"{path}:29:5"


GEMM = r"""
__global__ void gemm(const float *A, const float *B, float *C, int m, int n, int k) {
    int row = blockIdx.y * blockDim.y + threadIdx.y;
    int col = blockIdx.x * blockDim.x + threadIdx.x;
    if (row < m && col < n) {
        float acc = 0.0f;
        for (int p = 0; p < k; ++p)
            acc += A[row * k + p] * B[p * n + col];
        C[row * n + col] = acc;
    }
}

void gemm_host(const float *A, const float *B, float *C, int m, int n, int k) {
    float *dA, *dB, *dC;
    cudaMalloc(&dA, m * k * sizeof(float));
    cudaMalloc(&dB, k * n * sizeof(float));
    cudaMalloc(&dC, (size_t)m * n * sizeof(float));
    cudaMemcpy(dA, A, m * k * sizeof(float), cudaMemcpyHostToDevice);
    cudaMemcpy(dB, B, k * n * sizeof(float), cudaMemcpyHostToDevice);
    dim3 block(16, 16);
    dim3 grid((n + block.x - 1) / block.x, (m + block.y - 1) / block.y);
    gemm<<<grid, block>>>(dA, dB, dC, m, n, k);
    cudaMemcpy(C, dC, m * n * sizeof(float), cudaMemcpyDeviceToHost);
}
"""


def test_gemm_with_dim3_grid_and_block(tmp_path):
    unit = lower(tmp_path, GEMM)
    assert unit.failures == {}
    kernel = unit.program.function("gemm")
    row = B("+", B("*", V("blockIdx.y"), V("blockDim.y")), V("threadIdx.y"))
    acc = B("+", V("acc"), B("*", Load("A", (B("+", B("*", V("row"), V("k")), V("p")),)),
                            Load("B", (B("+", B("*", V("p"), V("n")), V("col")),))))
    assert kernel.body == (
        Declare("row", I32, row),
        Declare("col", I32, TID),
        If(B("&&", B("<", V("row"), V("m")), B("<", V("col"), V("n"))), (
            Declare("acc", F32, C(0.0, F32)),
            For("p", I32, C(0), B("<", V("p"), V("k")), C(1), (Assign("acc", acc),)),
            Store("C", (B("+", B("*", V("row"), V("n")), V("col")),), V("acc")),
        )),
    )
    host = unit.program.function("gemm_host").body
    assert host[0] == LocalArray("dA", F32, (B("*", V("m"), V("k")),), "device")
    assert host[2] == LocalArray("dC", F32, (B("*", Cast(U64, V("m")), V("n")),), "device")
    assert host[5:8] == (
        Declare("block.x", U32, C(16)), Declare("block.y", U32, C(16)), Declare("block.z", U32, C(1)))
    assert host[8] == Declare("grid.x", U32, B("/", B("-", B("+", V("n"), V("block.x")), C(1)), V("block.x")))
    assert host[10] == Declare("grid.z", U32, C(1))
    assert host[11] == Launch("gemm", (V("grid.x"), V("grid.y"), V("grid.z")),
                              (V("block.x"), V("block.y"), V("block.z")), C(0, U64),
                              (ArrayArg("dA"), ArrayArg("dB"), ArrayArg("dC"), V("m"), V("n"), V("k")))


def test_grid_stride_saxpy_kernel_only(tmp_path):
    unit = lower(tmp_path, r"""
__global__ void saxpy(int n, float a, const float * __restrict__ x, float * __restrict__ y) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        y[i] = a * x[i] + y[i];
    }
}
""")
    (kernel,) = unit.program.functions
    assert kernel.params == (ScalarParam("n", I32), ScalarParam("a", F32),
                             ArrayParam("x", F32, (), "in"), ArrayParam("y", F32, (), "inout"))
    assert kernel.body == (For("i", I32, TID, B("<", V("i"), V("n")), B("*", V("blockDim.x"), V("gridDim.x")),
                               (Store("y", (V("i"),), B("+", B("*", V("a"), Load("x", (V("i"),))),
                                                           Load("y", (V("i"),)))),)),)


def test_device_helper_inlined_with_conversions(tmp_path):
    unit = lower(tmp_path, r"""
__device__ __forceinline__ float clampf(float v, float lo, float hi) { return fminf(fmaxf(v, lo), hi); }
__device__ double half(double v) { return v / 2; }
__global__ void relu(float *x, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = clampf(x[i], 0, 6.0f) + half(n);
}
""")
    kernel = unit.program.function("relu")
    xi = Load("x", (V("i"),))
    clamp = Call("fminf", (Call("fmaxf", (xi, Cast(F32, C(0)))), C(6.0, F32)))
    half = B("/", Cast(F64, V("n")), C(2))
    assert kernel.body[1] == If(B("<", V("i"), V("n")), (Store("x", (V("i"),), B("+", clamp, half)),))


def test_cpp_overloaded_math_on_floats_becomes_the_float_builtin(tmp_path):
    unit = lower(tmp_path, r"""
__global__ void k(float *x, double *y) {
    x[0] = sqrt(x[1]) + std::abs(x[2]) + max(x[3], 1.0f);
    y[0] = sqrt(y[1]);
}
""")
    x = lambda j: Load("x", (C(j),))  # noqa: E731
    assert unit.program.function("k").body == (
        Store("x", (C(0),), B("+", B("+", Call("sqrtf", (x(1),)), Call("abs", (x(2),))),
                              Call("max", (x(3), C(1.0, F32))))),
        Store("y", (C(0),), Call("sqrt", (Load("y", (C(1),)),))),
    )


def test_shared_memory_tile_with_barriers(tmp_path):
    unit = lower(tmp_path, r"""
#define TILE 16
__global__ void transpose(const float *in, float *out, int n) {
    __shared__ float tile[TILE][TILE + 1];
    extern __shared__ float scratch[];
    int x = blockIdx.x * TILE + threadIdx.x, y = blockIdx.y * TILE + threadIdx.y;
    if (x < n && y < n) tile[threadIdx.y][threadIdx.x] = in[y * n + x];
    __syncthreads();
    scratch[threadIdx.x] = 0.0f;
}
""")
    body = unit.program.function("transpose").body
    assert body[0] == LocalArray("tile", F32, (C(16), B("+", C(16), C(1))), "shared")
    assert body[1] == LocalArray("scratch", F32, (), "shared")
    assert body[2] == Declare("x", I32, B("+", B("*", V("blockIdx.x"), C(16)), V("threadIdx.x")))
    assert body[4].then == (Store("tile", (V("threadIdx.y"), V("threadIdx.x")),
                                  Load("in", (B("+", B("*", V("y"), V("n")), V("x")),))),)
    assert body[5] == Barrier("block")


def test_reduction_with_atomics_and_shift_loop(tmp_path):
    unit = lower(tmp_path, r"""
__global__ void sum(const float *x, float *total, unsigned int n) {
    __shared__ float buf[256];
    unsigned int t = threadIdx.x;
    buf[t] = t < n ? x[t] : 0.0f;
    __syncthreads();
    for (unsigned int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (t < s) buf[t] += buf[t + s];
        __syncthreads();
    }
    if (t == 0) atomicAdd(&total[0], buf[0]);
    float old = atomicMax(total + 1, buf[0]);
}
""")
    body = unit.program.function("sum").body
    assert body[2] == Store("buf", (V("t"),), Select(B("<", V("t"), V("n")), Load("x", (V("t"),)), C(0.0, F32)))
    bt = Load("buf", (V("t"),))
    assert body[4:6] == (
        Declare("s", U32, B("/", V("blockDim.x"), C(2))),
        While(B(">", V("s"), C(0)), (
            If(B("<", V("t"), V("s")), (Store("buf", (V("t"),), B("+", bt, Load("buf", (B("+", V("t"), V("s")),)))),)),
            Barrier("block"),
            Assign("s", B(">>", V("s"), C(1))),
        )),
    )
    assert body[6] == If(B("==", V("t"), C(0)), (Atomic("add", "total", (C(0),), Load("buf", (C(0),))),))
    assert body[7:] == (Declare("old", F32, None), Atomic("max", "total", (C(1),), Load("buf", (C(0),)), "old"))


def test_loop_shapes(tmp_path):
    unit = lower(tmp_path, r"""
__global__ void k(int *a, int n) {
    int i, j = 0, r;
    for (r = n - 1; r >= 0; r--) a[r] = r;
    for (int q = 0; q < n; q = q + 2) a[q]++;
    while (j < n) { j += 3; }
    for (i = 0; i < n; i++) {}
    a[0] = i;
}
""")
    body = unit.program.function("k").body
    assert body[3] == For("r", I32, B("-", V("n"), C(1)), B(">=", V("r"), C(0)), C(-1),
                          (Store("a", (V("r"),), V("r")),))
    assert body[4] == For("q", I32, C(0), B("<", V("q"), V("n")), C(2),
                          (Store("a", (V("q"),), B("+", Load("a", (V("q"),)), C(1))),))
    assert body[5] == While(B("<", V("j"), V("n")), (Assign("j", B("+", V("j"), C(3))),))
    # `i` is read after the last loop, so that loop keeps C's semantics as an explicit While
    assert body[6:8] == (Assign("i", C(0)), While(B("<", V("i"), V("n")), (Assign("i", B("+", V("i"), C(1))),)))


def test_literals_casts_auto_and_types(tmp_path):
    unit = lower(tmp_path, r"""
const int WIDTH = 1 << 4;
__global__ void k(double *d, long long *l, size_t m, unsigned u) {
    auto a = 2.5f;
    auto b = m * 2u;
    int64_t c = 0x10 + 7L + 3UL;
    d[0] = static_cast<double>(a) + (double)u + 1e-3 + .5f + WIDTH;
    l[0] = -c + !b + ~u + (true ? 1 : 0);
}
""")
    body = unit.program.function("k").body
    assert body[0] == Declare("a", F32, C(2.5, F32))
    assert body[1] == Declare("b", U64, B("*", V("m"), C(2, U32)))
    assert body[2] == Declare("c", I64, B("+", B("+", C(16), C(7, I64)), C(3, U64)))
    assert body[3].value == B("+", B("+", B("+", B("+", Cast(F64, V("a")), Cast(F64, V("u"))), C(0.001, F64)),
                                         C(0.5, F32)), B("<<", C(1), C(4)))
    assert body[4].value == B("+", B("+", B("+", Unary("-", V("c")), Unary("!", V("b"))), Unary("~", V("u"))),
                              Select(C(True, BOOL), C(1), C(0)))


def test_symbolic_macro_stays_a_variable(tmp_path):
    unit = lower(tmp_path, r"""
#define N 1024
__global__ void k(float *x) {
    int i = threadIdx.x;
    if (i < N) x[i] = 0.0f;
}
void host(float *x) { float *d; cudaMalloc(&d, N * sizeof(float)); cudaMemset(d, 0, N * sizeof(float));
                      k<<<N / 256, 256, 0, 0>>>(d); cudaMemcpy(x, d, sizeof(float) * N, cudaMemcpyDefault); }
""", symbolic_macros=frozenset({"N"}))
    assert unit.program.function("k").body[1].cond == B("<", V("i"), V("N"))
    host = unit.program.function("host").body
    assert host[0] == LocalArray("d", F32, (V("N"),), "device")
    assert host[1] == Fill("d", C(0), V("N"))
    assert host[2].grid == (B("/", V("N"), C(256)), C(1), C(1))


def test_defines_from_the_command_line(tmp_path):
    unit = lower(tmp_path, "__global__ void k(float *x) { x[threadIdx.x] = SCALE; }", defines={"SCALE": "2.0f"})
    assert unit.program.function("k").body == (Store("x", (V("threadIdx.x"),), C(2.0, F32)),)


MAIN = r"""
#include <iostream>
#include <vector>
#include <cuda_runtime.h>

#define gpuErrchk(ans) { gpuAssert((ans), __FILE__, __LINE__); }
inline void gpuAssert(cudaError_t code, const char *file, int line, bool abort = true) {
    if (code != cudaSuccess) { std::cerr << cudaGetErrorString(code) << file << line; if (abort) exit(code); }
}

__global__ void scale(float *x, float s, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] *= s;
}

void scale_host(float *x, float s, int n) {
    float *d = NULL;
    gpuErrchk(cudaMalloc(&d, n * sizeof(float)));
    gpuErrchk(cudaMemcpy(d, x, n * sizeof(float), cudaMemcpyHostToDevice));
    dim3 threads(128);
    scale<<<(n + threads.x - 1) / threads.x, threads>>>(d, s, n);
    cudaError_t err = cudaMemcpy(x, d, n * sizeof(float), cudaMemcpyDeviceToHost);
    if (err != cudaSuccess) { printf("failed\n"); return; }
    gpuErrchk(cudaFree(d));
}

int main() {
    std::vector<float> v(1000, 1.0f);
    scale_host(v.data(), 2.0f, (int)v.size());
    for (auto &e : v) std::cout << e << "\n";
    return 0;
}
"""


def test_cpp_main_fails_alone(tmp_path):
    unit = lower(tmp_path, MAIN)
    assert set(unit.failures) == {"main", "gpuAssert"}
    failure = unit.failures["main"]
    assert failure.loc.line == 28 and "std::vector" in failure.construct
    assert {f.name for f in unit.program.functions} == {"scale", "scale_host"}
    host = unit.program.function("scale_host").body
    assert host[0] == LocalArray("d", F32, (V("n"),), "device")
    assert host[1] == Copy("d", "x", V("n"))
    assert host[5] == Launch("scale", (B("/", B("-", B("+", V("n"), V("threads.x")), C(1)), V("threads.x")),
                                       C(1), C(1)), (V("threads.x"), V("threads.y"), V("threads.z")),
                             C(0, U64), (ArrayArg("d"), V("s"), V("n")))
    assert host[6:] == (Copy("x", "d", V("n")),)


@pytest.mark.parametrize("body, construct", [
    ("x[0] = __fmul_rn(x[1], 2.0f);", "CUDA intrinsic __fmul_rn"),
    ("int &r = n; r = 1;", "C++ reference"),
    ("x[0] = helper(x[1]);", "__device__ function that is not statements ending in its only `return expr;`"),
    ("x[0] = undefined_thing;", "unknown identifier `undefined_thing`"),
    ("x[0] = __ballot_sync(0xffffffff, x[1] > 0);", "CUDA intrinsic __ballot_sync"),
    ("x[0] = x[1] > 0 ? __shfl_down_sync(0xffffffff, x[1], 1) : 0;", "__shfl_down_sync under"),
    ("auto f = [](int q) { return q; };", "C++ lambda"),
    ("x[0] = g_table[0];", "access through `g_table`"),
])
def test_unsupported_constructs_have_locations(tmp_path, body, construct):
    unit = lower(tmp_path, f"""
__constant__ float g_table[4];
__device__ float helper(float v) {{ if (v > 0) return v; return -v; }}
__global__ void k(float *x, int n) {{
    {body}
}}
""")
    failure = unit.failures["k"]
    assert construct in failure.construct
    assert failure.loc.line == 5 and failure.loc.file == str(tmp_path / "port.cu")
    assert body.split()[0] in failure.snippet


def test_host_allocations_and_byte_counts(tmp_path):
    unit = lower(tmp_path, r"""
__global__ void k(double *x) { x[threadIdx.x] = 1.0; }
void host(int n) {
    double *h = (double *)malloc(n * sizeof(double));
    double *g = new double[n];
    size_t bytes = n * sizeof(double);
    double *d;
    if (n > 4) bytes = 32;
    cudaMalloc(&d, bytes);
    cudaMemcpy(d, h, 8 * sizeof(float), cudaMemcpyHostToDevice);
    k<<<1, n>>>(d);
    cudaMemcpy(g, d, sizeof(double), cudaMemcpyDeviceToHost);
    free(h);
    delete[] g;
}
""")
    body = unit.program.function("host").body
    assert body[:2] == (LocalArray("h", F64, (V("n"),), "local"), LocalArray("g", F64, (V("n"),), "local"))
    assert body[4] == LocalArray("d", F64, (B("/", V("bytes"), C(8, U64)),), "device")
    assert body[5] == Copy("d", "h", B("/", B("*", C(8), C(4, U64)), C(8, U64)))
    assert body[7] == Copy("g", "d", C(1))
    assert len(body) == 8


def test_reference_parameter_is_unsupported(tmp_path):
    unit = lower(tmp_path, "void h(int &n) { n = 1; }\n__global__ void k(float *x) { x[0] = 1; }")
    assert "parameter" in unit.failures["h"].construct
    assert [f.name for f in unit.program.functions] == ["k"]


@pytest.mark.parametrize("config, grid, block, shared", [
    ("<<<(n+255)/256, 256>>>", (B("/", B("+", V("n"), C(255)), C(256)), C(1), C(1)), (C(256), C(1), C(1)),
     C(0, U64)),
    ("<<<dim3((m+15)/16, (n+15)/16), dim3(16, 16)>>>",
     (B("/", B("+", V("m"), C(15)), C(16)), B("/", B("+", V("n"), C(15)), C(16)), C(1)),
     (C(16), C(16), C(1)), C(0, U64)),
    ("<<<blocks, threads, threads * sizeof(float)>>>", (V("blocks"), C(1), C(1)), (V("threads"), C(1), C(1)),
     B("*", V("threads"), C(4, U64))),
    ("n / 128, 128", (B("/", V("n"), C(128)), C(1), C(1)), (C(128), C(1), C(1)), C(0, U64)),
])
def test_parse_launch(config, grid, block, shared):
    assert parse_launch(config) == (grid, block, shared)


def test_parse_launch_rejects_garbage():
    with pytest.raises(ParseError):
        parse_launch("<<<256,, >>>")


def test_syntax_error_reports_its_line(tmp_path):
    with pytest.raises(ParseError) as info:
        lower(tmp_path, "#define N 4\n\n__global__ void k(float *x) {\n    int i = threadIdx.x x;\n}\n")
    err = info.value
    assert err.loc.file == str(tmp_path / "port.cu") and err.loc.line == 4
    assert "threadIdx.x x" in err.snippet


def test_garbage_file_is_an_input_error(tmp_path):
    path = tmp_path / "garbage.cu"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputFileError):
        parse_cuda(str(path))


def test_empty_file_is_an_input_error(tmp_path):
    with pytest.raises(InputFileError):
        lower(tmp_path, "\n\n")


def test_random_text_is_a_parse_error(tmp_path):
    with pytest.raises(ParseError):
        lower(tmp_path, "this is not { CUDA at all ]]\n")


SCALAR_RESULT = r"""
#include <cuda_runtime.h>
__global__ void k(int n, const double *x, double *out) { if (threadIdx.x < n) atomicAdd(out, x[threadIdx.x]); }
double total(int n, const double *x) {
    double *d_x, *d_out;
    double result = 0.0, zero = 0;
    double scale;
    cudaMalloc(&d_x, n * sizeof(double));
    cudaMalloc(&d_out, sizeof(double));
    cudaMemcpy(d_x, x, n * sizeof(double), cudaMemcpyHostToDevice);
    cudaMemcpy(d_out, &zero, sizeof(double), cudaMemcpyHostToDevice);
    cudaMemset(d_out, 0, sizeof(double));
    k<<<1, 64>>>(n, d_x, d_out);
    cudaMemcpy(&result, d_out, sizeof(double), cudaMemcpyDeviceToHost);
    scale = 2.0;
    result *= scale;
    return result;
}
"""


def test_host_scalar_through_cudamemcpy_is_a_one_element_array(tmp_path):
    body = lower(tmp_path, SCALAR_RESULT).program.function("total").body
    zero0 = (C(0),)
    assert body[:4] == (LocalArray("result", F64, (C(1),), "local"), Store("result", zero0, C(0.0, F64)),
                        LocalArray("zero", F64, (C(1),), "local"), Store("zero", zero0, C(0)))
    assert body[4] == Declare("scale", F64, None)
    assert Copy("d_out", "zero", C(1)) in body
    assert Fill("d_out", C(0), C(1)) in body
    assert Copy("result", "d_out", C(1)) in body
    assert body[-3:] == (Assign("scale", C(2.0, F64)),
                         Store("result", zero0, B("*", Load("result", zero0), V("scale"))),
                         Return(Load("result", zero0)))


def test_other_address_of_uses_stay_unsupported(tmp_path):
    unit = lower(tmp_path, r"""
__global__ void k(float *x) { x[0] = 1; }
void h(float *y) { float t = 1.0f; float *p = &t; y[0] = *p; }
""")
    assert "pointer alias" in unit.failures["h"].construct


def test_infinity_and_friends_are_constants(tmp_path):
    unit = lower(tmp_path, r"""
#include <cmath>
#include <cfloat>
__global__ void k(float *x) { x[0] = -INFINITY; x[1] = INFINITY; x[2] = fmaxf(x[3], -FLT_MAX); }
""")
    body = unit.program.function("k").body
    assert body[0] == Store("x", (C(0),), C(-math.inf, F32))
    assert body[1] == Store("x", (C(1),), C(math.inf, F32))


def test_warp_shuffles_become_shuffle_statements_on_temporaries(tmp_path):
    from portproof.ir.nodes import Shuffle
    unit = lower(tmp_path, r"""
#define FULL_MASK 0xffffffffu
__global__ void k(const float *x, float *out) {
    float v = x[threadIdx.x];
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_down_sync(FULL_MASK, v, o);
    float w = __shfl_xor_sync(FULL_MASK, v, 1, 16) * 2.0f;
    __syncwarp();
    out[threadIdx.x] = v + w;
}
""")
    body = unit.program.function("k").body
    mask = C(0xFFFFFFFF, U32)
    loop = body[2]
    assert isinstance(loop, While)
    assert loop.body[:3] == (Declare("shfl_1", F32, None), Shuffle("down", "shfl_1", V("v"), V("o"), C(32), mask),
                             Assign("v", B("+", V("v"), V("shfl_1"))))
    assert body[3:7] == (Declare("shfl_2", F32, None), Shuffle("xor", "shfl_2", V("v"), C(1), C(16), mask),
                         Declare("w", F32, B("*", V("shfl_2"), C(2.0, F32))), Barrier("warp"))


# ---- __device__ functions of statements, inlined before the statement that calls them ----------

def test_device_index_helper_with_locals_is_inlined_before_its_statement(tmp_path):
    unit = lower(tmp_path, r"""
__host__ __device__ int idx2(int r, int c, int ld) { int base = r * ld; int off = base + c; return off; }
__global__ void k(float *a, int ld) {
    int i = threadIdx.x;
    a[idx2(i, 1, ld)] = 0.0f;
}
""")
    assert unit.failures == {}
    assert unit.program.function("k").body[1:] == (
        Declare("idx2_r_1", I32, V("i")), Declare("idx2_c_2", I32, C(1)), Declare("idx2_ld_3", I32, V("ld")),
        Declare("idx2_base_4", I32, B("*", V("idx2_r_1"), V("idx2_ld_3"))),
        Declare("idx2_off_5", I32, B("+", V("idx2_base_4"), V("idx2_c_2"))),
        Declare("idx2_result_6", I32, V("idx2_off_5")),
        Store("a", (V("idx2_result_6"),), C(0.0, F32)),
    )


WARP_SUM = r"""
__device__ __forceinline__ float warp_sum(float v) {
    for (int offset = warpSize / 2; offset > 0; offset >>= 1)
        v += __shfl_down_sync(0xffffffffu, v, offset);
    return v;
}
"""


def test_device_helper_with_a_loop_is_inlined_at_each_call_with_fresh_names(tmp_path):
    unit = lower(tmp_path, WARP_SUM + r"""
__global__ void k(float *x) {
    float v = x[threadIdx.x];
    v = warp_sum(v);
    x[threadIdx.x] = warp_sum(v) * 2.0f;
}
""")
    assert unit.failures == {}
    body = unit.program.function("k").body
    assert body[1] == Declare("warp_sum_v_1", F32, V("v"))
    assert body[2] == Declare("warp_sum_offset_2", I32, B("/", V("warpSize"), C(2)))
    loop = body[3]
    assert isinstance(loop, While) and loop.cond == B(">", V("warp_sum_offset_2"), C(0))
    shuffle = loop.body[1]
    assert (shuffle.kind, shuffle.result, shuffle.value, shuffle.lane_arg) == \
        ("down", "warp_sum_shfl_1_3", V("warp_sum_v_1"), V("warp_sum_offset_2"))
    assert loop.body[2] == Assign("warp_sum_v_1", B("+", V("warp_sum_v_1"), V("warp_sum_shfl_1_3")))
    assert body[4:6] == (Declare("warp_sum_result_4", F32, V("warp_sum_v_1")), Assign("v", V("warp_sum_result_4")))
    second = body[6:]
    assert second[0] == Declare("warp_sum_v_5", F32, V("v"))
    assert second[-1] == Store("x", (V("threadIdx.x"),), B("*", V("warp_sum_result_8"), C(2.0, F32)))
    names = [s.name for s in second if isinstance(s, Declare)]
    assert names == ["warp_sum_v_5", "warp_sum_offset_6", "warp_sum_result_8"]


def test_device_helper_called_in_a_for_loop_body_and_an_if_condition(tmp_path):
    unit = lower(tmp_path, r"""
__device__ float sq(float t) { float r = t * t; return r; }
__global__ void k(int n, const float *x, float *y) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
        y[i] = sq(x[i]) + 1.0f;
    if (sq(x[0]) > 1.0f) y[0] = 0.0f;
}
""")
    assert unit.failures == {}
    loop, *rest = unit.program.function("k").body
    assert isinstance(loop, For) and loop.var == "i"
    assert loop.body == (
        Declare("sq_t_1", F32, Load("x", (V("i"),))),
        Declare("sq_r_2", F32, B("*", V("sq_t_1"), V("sq_t_1"))),
        Declare("sq_result_3", F32, V("sq_r_2")),
        Store("y", (V("i"),), B("+", V("sq_result_3"), C(1.0, F32))),
    )
    assert rest[-1] == If(B(">", V("sq_result_6"), C(1.0, F32)), (Store("y", (C(0),), C(0.0, F32)),))
    assert rest[0] == Declare("sq_t_4", F32, Load("x", (C(0),)))


def test_device_helper_arguments_are_evaluated_once_left_to_right(tmp_path):
    unit = lower(tmp_path, r"""
__device__ float mix(float a, float b) { float s = a * a; return s + a * b; }
__global__ void k(float *x, int n) {
    x[0] = mix(x[n - 1] + 1.0f, mix(x[1], 2.0f));
}
""")
    assert unit.failures == {}
    body = unit.program.function("k").body
    first_arg = B("+", Load("x", (B("-", V("n"), C(1)),)), C(1.0, F32))
    assert body[0] == Declare("mix_a_1", F32, first_arg)
    assert sum(1 for e in walk(body) if e == first_arg) == 1
    # the inner call is hoisted (with its own fresh names) before the outer call's second parameter is bound
    assert body[1] == Declare("mix_a_2", F32, Load("x", (C(1),)))
    assert body[2] == Declare("mix_b_3", F32, C(2.0, F32))
    assert body[5] == Declare("mix_b_6", F32, V("mix_result_5"))
    assert body[-1] == Store("x", (C(0),), V("mix_result_8"))


@pytest.mark.parametrize("statement, construct", [
    ("x[0] = n > 0 ? sq(x[1]) : 0.0f;", "sq (not a single `return expr;`) under `?:`, `&&` or `||`"),
    ("x[0] = n > 0 && sq(x[1]) > 1.0f;", "under `?:`, `&&` or `||`"),
    ("while (sq(x[0]) < 4.0f) x[0] += 1.0f;", "where its statement cannot be split"),
    ("for (int i = 0; i < sq(x[0]); i++) x[i] = 0.0f;", "where its statement cannot be split"),
    ("x[0] = bump(x[1]);", "__device__ function returning `void`"),
    ("float t = 0.0f; x[0] = deref(&t);", "pointer to a scalar `&t`"),
    ("x[0] = twice(x[1]);", "not statements ending in its only `return expr;`"),
])
def test_device_helpers_refused_where_not_inlinable(tmp_path, statement, construct):
    unit = lower(tmp_path, f"""
__device__ float sq(float t) {{ float r = t * t; return r; }}
__device__ void bump(float t) {{ t += 1.0f; }}
__device__ float deref(float *p) {{ float v = *p; return v; }}
__device__ float twice(float t) {{ if (t > 0) return t; return 2 * t; }}
__global__ void k(float *x, int n) {{
    {statement}
}}
""")
    failure = unit.failures["k"]
    assert construct in failure.construct
    assert failure.loc.line == 7 and failure.loc.file == str(tmp_path / "port.cu")
