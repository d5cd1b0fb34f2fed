"""Tests for running originals and ports from source: harnesses, the CUDA emulation, faults, compile errors."""
import shutil

import numpy as np
import pytest

from portproof.diagnostics import CompileError, ContractError, MissingLaunchConfig, Unsupported, UsageError
from portproof.ir.nodes import ArrayParam, Function, ScalarParam, Var
from portproof.ir.types import F32, F64, I32, I64, U32
from portproof.translators.cuda_emulation import emulation_source
from portproof.validator.execute import ConcreteInputs, compile_check_port, run_original, run_port
from portproof.validator.harness import KernelLaunch

GEMM_C = """\
#include <stdio.h>
void gemm(int n, int m, int p, double alpha, const double A[n][p], const double B[p][m], double C[n][m]) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) {
            double acc = 0.0;
            for (int k = 0; k < p; k++)
                acc += A[i][k] * B[k][j];
            C[i][j] = alpha * acc + C[i][j];
        }
}
int main(void) { printf("the user's main is not run\\n"); return 1; }
"""

GEMM_CU = """\
#include <cuda_runtime.h>
#include <cstdio>
#define CHECK(call) do { cudaError_t e = (call); if (e != cudaSuccess) { \\
    fprintf(stderr, "%s\\n", cudaGetErrorString(e)); exit(1); } } while (0)

__global__ void gemm_kernel(int n, int m, int p, double alpha, const double *__restrict__ A,
                            const double *__restrict__ B, double *C) {
    int row = blockIdx.y * blockDim.y + threadIdx.y;
    int col = blockIdx.x * blockDim.x + threadIdx.x;
    if (row < n && col < m) {
        double acc = 0.0;
        for (int k = 0; k < p; k++) acc += A[row * p + k] * B[k * m + col];
        C[row * m + col] = alpha * acc + C[row * m + col];
    }
}

void gemm(int n, int m, int p, double alpha, const double *A, const double *B, double *C) {
    double *dA, *dB, *dC;
    CHECK(cudaMalloc(&dA, n * p * sizeof(double)));
    CHECK(cudaMalloc((void **)&dB, p * m * sizeof(double)));
    CHECK(cudaMalloc(&dC, n * m * sizeof(double)));
    CHECK(cudaMemcpy(dA, A, n * p * sizeof(double), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(dB, B, p * m * sizeof(double), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(dC, C, n * m * sizeof(double), cudaMemcpyHostToDevice));
    dim3 block(4, 4);
    dim3 grid((m + block.x - 1) / block.x,
              (n + block.y - 1) / block.y);
    gemm_kernel<<<grid,
                  block>>>(n, m, p, alpha, dA, dB, dC);
    CHECK(cudaGetLastError());
    CHECK(cudaDeviceSynchronize());
    CHECK(cudaMemcpy(C, dC, n * m * sizeof(double), cudaMemcpyDeviceToHost));
    cudaFree(dA); cudaFree(dB); cudaFree(dC);
}

int main(int argc, char **argv) { return 1; }
"""

REVERSE_CU = """\
#include <cuda_runtime.h>
__global__ void reverse(float *d, int n) {
    __shared__ float s[64];
    int t = threadIdx.x;
    s[t] = d[t];
    __syncthreads();
    d[t] = s[n - t - 1];
}
"""

N, M, P = Var("n"), Var("m"), Var("p")
SIZES = (ScalarParam("n", I32), ScalarParam("m", I32), ScalarParam("p", I32), ScalarParam("alpha", F64))
GEMM = Function("gemm", "host", (*SIZES, ArrayParam("A", F64, (N, P), "in"), ArrayParam("B", F64, (P, M), "in"),
                                 ArrayParam("C", F64, (N, M))), ())
PORT_PARAMS = (*SIZES, ArrayParam("A", F64, (), "in"), ArrayParam("B", F64, (), "in"), ArrayParam("C", F64, ()))
GEMM_HOST = Function("gemm", "host", PORT_PARAMS, ())
GEMM_KERNEL = Function("gemm_kernel", "kernel", PORT_PARAMS, ())
REVERSE = Function("reverse", "kernel", (ArrayParam("d", F32, ()), ScalarParam("n", I32)), ())


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def _gemm_inputs(rng, n, m, p):
    a, b, c = rng.standard_normal((n, p)), rng.standard_normal((p, m)), rng.standard_normal((n, m))
    return ConcreteInputs({"n": n, "m": m, "p": p, "alpha": 1.5}, {"A": a, "B": b, "C": c})


def _flat(inputs):
    return ConcreteInputs(inputs.scalars, {k: v.ravel() for k, v in inputs.arrays.items()})


@pytest.mark.parametrize("n,m,p", [(5, 7, 3), (1, 1, 1), (9, 4, 6)])
def test_gemm_original_and_ports_agree(tmp_path, n, m, p):
    c_file, cu_file = _write(tmp_path, "gemm.c", GEMM_C), _write(tmp_path, "gemm.cu", GEMM_CU)
    inputs = _gemm_inputs(np.random.default_rng(n * 100 + m), n, m, p)
    original = run_original(c_file, GEMM, inputs)
    assert original.fault is None
    expected = inputs.arrays["C"] + 1.5 * inputs.arrays["A"] @ inputs.arrays["B"]
    np.testing.assert_allclose(original.arrays["C"], expected, rtol=1e-12)
    np.testing.assert_array_equal(original.arrays["A"], inputs.arrays["A"])

    host = run_port(cu_file, GEMM_HOST, _flat(inputs))
    assert host.fault is None, host.fault
    np.testing.assert_allclose(host.arrays["C"].reshape(n, m), original.arrays["C"], rtol=1e-12)

    grid = ((m + 7) // 8, (n + 7) // 8, 1)
    kernel = run_port(cu_file, KernelLaunch(GEMM_KERNEL, grid, (8, 8, 1)), _flat(inputs))
    assert kernel.fault is None, kernel.fault
    np.testing.assert_allclose(kernel.arrays["C"].reshape(n, m), original.arrays["C"], rtol=1e-12)


def test_kernel_launch_too_small_leaves_elements_unwritten(tmp_path):
    cu_file = _write(tmp_path, "gemm.cu", GEMM_CU)
    inputs = _flat(_gemm_inputs(np.random.default_rng(1), 6, 6, 2))
    r = run_port(cu_file, KernelLaunch(GEMM_KERNEL, (1, 1, 1), (4, 4, 1)), inputs)
    c = r.arrays["C"].reshape(6, 6)
    np.testing.assert_array_equal(c[4:, :], inputs.arrays["C"].reshape(6, 6)[4:, :])


def test_invalid_launch_configuration_skips_the_kernel(tmp_path):
    cu_file = _write(tmp_path, "gemm.cu", GEMM_CU)
    inputs = _flat(_gemm_inputs(np.random.default_rng(2), 3, 3, 3))
    r = run_port(cu_file, KernelLaunch(GEMM_KERNEL, (1, 1, 1), (64, 32, 1)), inputs)
    assert r.fault is None
    np.testing.assert_array_equal(r.arrays["C"], inputs.arrays["C"])
    assert "invalid configuration" in r.stderr


def test_block_reversal_needs_the_barrier(tmp_path):
    data = np.arange(64, dtype=np.float32)
    inputs = ConcreteInputs({"n": 64}, {"d": data})
    launch = KernelLaunch(REVERSE, (1, 1, 1), (64, 1, 1))
    good = run_port(_write(tmp_path, "rev.cu", REVERSE_CU), launch, inputs)
    assert good.fault is None
    np.testing.assert_array_equal(good.arrays["d"], data[::-1])
    racy = run_port(_write(tmp_path, "racy.cu", REVERSE_CU.replace("__syncthreads();", "")), launch, inputs)
    assert racy.fault is not None or not np.array_equal(racy.arrays["d"], data[::-1])


def test_shared_memory_is_per_block_and_dynamic_shared_works(tmp_path):
    src = """\
#include <cuda_runtime.h>
__global__ void blocksum(const int *in, int *out) {
    extern __shared__ int partial[];
    __shared__ int total;
    int t = threadIdx.x;
    partial[t] = in[blockIdx.x * blockDim.x + t];
    if (t == 0) total = 0;
    __syncthreads();
    atomicAdd(&total, partial[t]);
    __syncthreads();
    if (t == 0) out[blockIdx.x] = total;
}
"""
    fn = Function("blocksum", "kernel", (ArrayParam("in", I32, (), "in"), ArrayParam("out", I32, ())), ())
    data = np.arange(3 * 32, dtype=np.int32)
    r = run_port(_write(tmp_path, "sum.cu", src), KernelLaunch(fn, (3, 1, 1), (32, 1, 1), 32 * 4),
                 ConcreteInputs({}, {"in": data, "out": np.zeros(3, np.int32)}))
    assert r.fault is None, r.fault
    np.testing.assert_array_equal(r.arrays["out"], data.reshape(3, 32).sum(axis=1))


def test_barrier_divergence_is_a_fault(tmp_path):
    src = REVERSE_CU.replace("int t = threadIdx.x;", "int t = threadIdx.x;\n    if (t >= n) return;")
    r = run_port(_write(tmp_path, "div.cu", src), KernelLaunch(REVERSE, (1, 1, 1), (64, 1, 1)),
                 ConcreteInputs({"n": 60}, {"d": np.zeros(64, np.float32)}))
    assert r.fault_kind == "barrier"
    assert "barrier divergence" in r.fault and "has exited" in r.fault


def test_size_macro_is_replaced(tmp_path):
    src = "#include <stdio.h>\n#define N 4096\nvoid fill(int *a) {\n    for (int i = 0; i < N; i++) a[i] = i + 1;\n}\n"
    fn = Function("fill", "host", (ArrayParam("a", I32, (Var("N"),)),), ())
    r = run_original(_write(tmp_path, "fill.c", src), fn, ConcreteInputs({}, {"a": np.zeros(8, np.int32)}),
                     macro_values={"N": 5})
    assert r.fault is None
    assert r.arrays["a"].tolist() == [1, 2, 3, 4, 5, 0, 0, 0]
    with pytest.raises(ContractError):
        run_original(tmp_path / "fill.c", fn, ConcreteInputs({}, {"a": np.zeros(8, np.int32)}), macro_values={"M": 5})


def test_out_of_bounds_write_faults(tmp_path):
    src = "#define N 4096\nvoid fill(int *a) {\n    for (int i = 0; i < N; i++) a[i] = i + 1;\n}\n"
    fn = Function("fill", "host", (ArrayParam("a", I32, (Var("N"),)),), ())
    r = run_original(_write(tmp_path, "fill.c", src), fn, ConcreteInputs({}, {"a": np.zeros(8, np.int32)}))
    assert r.fault_kind == "signal" and "SIGSEGV" in r.fault


def test_return_value_and_scalar_types(tmp_path):
    src = "float scale(float x, long k, unsigned u) { return x * (float)k + (float)u; }\n"
    fn = Function("scale", "host", (ScalarParam("x", F32), ScalarParam("k", I64), ScalarParam("u", U32)), (),
                  return_type=F32)
    r = run_original(_write(tmp_path, "scale.c", src), fn, ConcreteInputs({"x": 0.1, "k": 3, "u": 7}, {}))
    assert r.fault is None
    assert r.return_value == pytest.approx(float(np.float32(0.1) * np.float32(3) + np.float32(7)))


def test_crash_and_timeout_are_faults_not_exceptions(tmp_path):
    src = "void f(int *a, int mode) {\n  if (mode == 1) { volatile int *p = 0; *p = 1; }\n  if (mode == 2) for (;;) a[0]++;\n}\n"
    fn = Function("f", "host", (ArrayParam("a", I32, ()), ScalarParam("mode", I32)), ())
    path = _write(tmp_path, "f.c", src)
    crash = run_original(path, fn, ConcreteInputs({"mode": 1}, {"a": np.zeros(1, np.int32)}))
    assert crash.fault_kind == "signal" and "SIGSEGV" in crash.fault and crash.arrays == {}
    hang = run_original(path, fn, ConcreteInputs({"mode": 2}, {"a": np.zeros(1, np.int32)}), timeout_s=1)
    assert hang.fault_kind == "timeout"
    fine = run_original(path, fn, ConcreteInputs({"mode": 0}, {"a": np.full(1, 4, np.int32)}))
    assert fine.fault is None and fine.arrays["a"].tolist() == [4]


def test_uninitialised_device_memory_reads_as_nan(tmp_path):
    src = """\
#include <cuda_runtime.h>
__global__ void twice(const float *x, float *y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = 2.0f * x[i];
}
void run(const float *x, float *y, int n) {
    float *dx, *dy;
    cudaMalloc(&dx, n * sizeof(float));
    cudaMalloc(&dy, n * sizeof(float));
    /* forgot: cudaMemcpy(dx, x, n * sizeof(float), cudaMemcpyHostToDevice); */
    twice<<<(n + 31) / 32, 32>>>(dx, dy, n);
    cudaMemcpy(y, dy, n * sizeof(float), cudaMemcpyDeviceToHost);
    cudaFree(dx); cudaFree(dy);
}
"""
    fn = Function("run", "host", (ArrayParam("x", F32, (), "in"), ArrayParam("y", F32, ()), ScalarParam("n", I32)), ())
    r = run_port(_write(tmp_path, "nan.cu", src), fn,
                 ConcreteInputs({"n": 5}, {"x": np.ones(5, np.float32), "y": np.zeros(5, np.float32)}))
    assert r.fault is None
    assert np.isnan(r.arrays["y"]).all()


def test_port_compile_error_names_file_and_line(tmp_path):
    bad = GEMM_CU.replace("double acc = 0.0;", "double acc = 0.0\n        int oops = ;")
    path = _write(tmp_path, "bad.cu", bad)
    with pytest.raises(CompileError) as info:
        run_port(path, GEMM_HOST, _flat(_gemm_inputs(np.random.default_rng(0), 2, 2, 2)))
    line = bad.splitlines().index("        int oops = ;") + 1
    assert info.value.loc is not None and info.value.loc.file == str(path)
    assert info.value.loc.line in (line - 1, line)
    assert f"{path}:" in str(info.value)
    report = compile_check_port(path)
    assert not report.ok and "bad.cu" in report.message


def test_type_error_in_original(tmp_path):
    path = _write(tmp_path, "t.c", "void f(int *a) {\n  a[0] = undeclared;\n}\n")
    fn = Function("f", "host", (ArrayParam("a", I32, ()),), ())
    with pytest.raises(CompileError) as info:
        run_original(path, fn, ConcreteInputs({}, {"a": np.zeros(1, np.int32)}))
    assert (info.value.loc.file, info.value.loc.line) == (str(path), 2)


def test_signature_mismatch_is_a_harness_error(tmp_path):
    path = _write(tmp_path, "t.c", "void f(int *a) { a[0] = 1; }\n")
    fn = Function("g", "host", (ArrayParam("a", I32, ()),), ())
    with pytest.raises(CompileError, match="generated harness"):
        run_original(path, fn, ConcreteInputs({}, {"a": np.zeros(1, np.int32)}))


def test_input_errors(tmp_path):
    path = _write(tmp_path, "rev.cu", REVERSE_CU)
    with pytest.raises(MissingLaunchConfig):
        run_port(path, REVERSE, ConcreteInputs({"n": 1}, {"d": np.zeros(1, np.float32)}))
    launch = KernelLaunch(REVERSE, (1, 1, 1), (1, 1, 1))
    with pytest.raises(UsageError, match="no array"):
        run_port(path, launch, ConcreteInputs({"n": 1}, {}))
    with pytest.raises(UsageError, match="name no parameter"):
        run_port(path, launch, ConcreteInputs({"n": 1, "q": 2}, {"d": np.zeros(1, np.float32)}))


def test_emulation_source_keeps_lines_and_rewrites_launches():
    text = "void h(float *d) {\n  k<<<1,\n    2>>>(d,\n      3);\n  int after = 0;\n}\n"
    out = emulation_source(text)
    assert out.count("\n") == text.count("\n")
    assert "<<<" not in out and 'portproof_launch("k", dim3(1), dim3(2), (size_t)(0)' in out
    assert out.splitlines()[4] == "  int after = 0;"
    with pytest.raises(Unsupported):
        emulation_source("#define LAUNCH(k) k<<<1, 1>>>()\n", filename="m.cu")


def test_compile_check_reports_missing_nvcc(tmp_path, monkeypatch):
    path = _write(tmp_path, "gemm.cu", GEMM_CU)
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "nvcc" else real_which(name, *a, **k))
    report = compile_check_port(path, use_nvcc=True)
    assert report.ok and "nvcc not found" in report.message


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc not installed")
def test_compile_check_with_nvcc(tmp_path):
    report = compile_check_port(_write(tmp_path, "gemm.cu", GEMM_CU), use_nvcc=True)
    assert report.ok and "nvcc" in report.compiler


def test_warp_vote_is_reported_unsupported(tmp_path):
    src = REVERSE_CU.replace("d[t] = s[n - t - 1];", "d[t] = __ballot_sync(0xffffffff, s[t] > 0);")
    r = run_port(_write(tmp_path, "vote.cu", src), KernelLaunch(REVERSE, (1, 1, 1), (32, 1, 1)),
                 ConcreteInputs({"n": 32}, {"d": np.zeros(32, np.float32)}))
    assert r.fault_kind == "unsupported" and "__ballot_sync" in r.fault


WARP_SUM_CU = """\
#include <cuda_runtime.h>
#define FULL_MASK 0xffffffffu
__device__ float warp_sum(float v) {
    for (int offset = warpSize / 2; offset > 0; offset >>= 1)
        v += __shfl_down_sync(FULL_MASK, v, offset);
    return v;
}
__global__ void wsum(const float *x, float *out, float *all) {
    __shared__ float sums[32];
    int lane = threadIdx.x % 32, wid = threadIdx.x / 32;
    float v = warp_sum(x[blockIdx.x * blockDim.x + threadIdx.x]);
    if (lane == 0) sums[wid] = v;
    __syncthreads();
    if (wid == 0) {
        v = threadIdx.x < blockDim.x / 32 ? sums[lane] : 0.0f;
        v = warp_sum(v);
        if (lane == 0) out[blockIdx.x] = v;
    }
    float b = x[blockIdx.x * blockDim.x + threadIdx.x];
    for (int m = 1; m < 32; m <<= 1)
        b += __shfl_xor_sync(FULL_MASK, b, m);
    all[blockIdx.x * blockDim.x + threadIdx.x] = b + __shfl_sync(FULL_MASK, (float)lane, 3, 8);
}
"""
WSUM = Function("wsum", "kernel", (ArrayParam("x", F32, (), "in"), ArrayParam("out", F32, ()),
                                   ArrayParam("all", F32, ())), ())


def test_warp_shuffles_run_from_source(tmp_path):
    data = np.arange(2 * 128, dtype=np.float32) % 13
    inputs = ConcreteInputs({}, {"x": data, "out": np.zeros(2, np.float32), "all": np.zeros(256, np.float32)})
    r = run_port(_write(tmp_path, "wsum.cu", WARP_SUM_CU), KernelLaunch(WSUM, (2, 1, 1), (128, 1, 1), 0), inputs)
    assert r.fault is None, r.fault
    np.testing.assert_array_equal(r.arrays["out"], data.reshape(2, 128).sum(axis=1))
    warps = data.reshape(8, 32).sum(axis=1)
    lane_part = np.array([(t % 32) - (t % 32) % 8 + 3 for t in range(256)], np.float32)
    np.testing.assert_array_equal(r.arrays["all"], np.repeat(warps, 32) + lane_part)


def test_divergent_warp_shuffle_is_a_fault(tmp_path):
    src = WARP_SUM_CU.replace("float v = warp_sum(", "float v = threadIdx.x % 32 < 16 ? 0.0f : warp_sum(")
    inputs = ConcreteInputs({}, {"x": np.ones(128, np.float32), "out": np.zeros(1, np.float32),
                                 "all": np.zeros(128, np.float32)})
    r = run_port(_write(tmp_path, "div.cu", src), KernelLaunch(WSUM, (1, 1, 1), (128, 1, 1), 0), inputs)
    assert r.fault is not None and r.fault_kind == "barrier", r.fault
