"""Races confirmed from source: the port's CUDA emulation built with ThreadSanitizer."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from portproof.ir.nodes import ArrayParam, Function, ScalarParam
from portproof.ir.types import F32, I32
from portproof.validator.execute import ConcreteInputs, parse_tsan_report, run_port_races
from portproof.validator.harness import KernelLaunch

ROOT = Path(__file__).resolve().parent.parent

HIST = """\
__global__ void hist(const int *data, int *bins, int n) {
    __shared__ int local[4];
    if (threadIdx.x < 4) local[threadIdx.x] = 0;
    __syncthreads();
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) INCREMENT;
    __syncthreads();
    if (threadIdx.x < 4) atomicAdd(&bins[threadIdx.x], local[threadIdx.x]);
}
"""
HIST_FN = Function("hist", "kernel", (ArrayParam("data", I32, (), "in"), ArrayParam("bins", I32, (), "inout"),
                                      ScalarParam("n", I32)), ())

REVERSE = """\
__global__ void reverse(float *x) {
    __shared__ float tile[64];
    tile[threadIdx.x] = x[blockIdx.x * 64 + threadIdx.x];
    BARRIER
    x[blockIdx.x * 64 + threadIdx.x] = tile[63 - threadIdx.x];
}
"""
REVERSE_FN = Function("reverse", "kernel", (ArrayParam("x", F32, (), "inout"),), ())

SAME_ELEMENT = """\
__global__ void put(float *out) {
    out[threadIdx.x] = (float)blockIdx.x;
}
"""
PUT_FN = Function("put", "kernel", (ArrayParam("out", F32, (), "inout"),), ())


def _races(tmp_path, name, text, fn, inputs, grid, block):
    path = tmp_path / name
    path.write_text(text)
    return run_port_races(path, KernelLaunch(fn, grid, block), inputs), str(path)


def _hist_inputs():
    return ConcreteInputs({"n": 8}, {"data": np.array([3, 3, 1, 1, 0, 2, 3, 3], np.int32),
                                     "bins": np.zeros(4, np.int32)})


def test_plain_increment_of_a_shared_element_is_a_race(tmp_path):
    report, path = _races(tmp_path, "hist.cu", HIST.replace("INCREMENT", "local[data[i]]++"), HIST_FN,
                          _hist_inputs(), (2, 1, 1), (4, 1, 1))
    assert report.race is not None, report.report
    first, second = report.race
    assert (first.file, first.line) == (path, 6) and (second.file, second.line) == (path, 6)
    assert first.thread.startswith("block (0,0,0) thread") and second.thread.startswith("block (0,0,0) thread")
    assert report.variable == "local"
    assert "hist.cu:6" in report.describe()


def test_atomic_increment_is_no_race(tmp_path):
    report, _ = _races(tmp_path, "hist.cu", HIST.replace("INCREMENT", "atomicAdd(&local[data[i]], 1)"), HIST_FN,
                       _hist_inputs(), (2, 1, 1), (4, 1, 1))
    assert report.race is None and report.fault is None, report.report


def test_missing_barrier_between_shared_write_and_read_is_a_race(tmp_path):
    x = ConcreteInputs({}, {"x": np.arange(128, dtype=np.float32)})
    report, path = _races(tmp_path, "rev.cu", REVERSE.replace("BARRIER", ""), REVERSE_FN, x, (2, 1, 1), (64, 1, 1))
    assert report.race is not None, report.report
    assert {report.race[0].line, report.race[1].line} == {3, 5}
    assert report.variable == "tile"


def test_barrier_between_shared_write_and_read_is_no_race(tmp_path):
    # two blocks reuse the same shared array: each block has its own, so that is no race either
    x = ConcreteInputs({}, {"x": np.arange(128, dtype=np.float32)})
    report, _ = _races(tmp_path, "rev.cu", REVERSE.replace("BARRIER", "__syncthreads();"), REVERSE_FN, x,
                       (2, 1, 1), (64, 1, 1))
    assert report.race is None and report.fault is None, report.report


def test_two_blocks_writing_one_global_element_race(tmp_path):
    out = ConcreteInputs({}, {"out": np.zeros(4, np.float32)})
    report, path = _races(tmp_path, "put.cu", SAME_ELEMENT, PUT_FN, out, (2, 1, 1), (4, 1, 1))
    assert report.race is not None, report.report
    first, second = report.race
    assert first.line == second.line == 2
    assert {first.thread.split(" thread")[0], second.thread.split(" thread")[0]} == {"block (0,0,0)", "block (1,0,0)"}
    # one block alone: every thread writes its own element
    report, _ = _races(tmp_path, "put.cu", SAME_ELEMENT, PUT_FN, out, (1, 1, 1), (4, 1, 1))
    assert report.race is None and report.fault is None, report.report


TREE = """\
__global__ void tree(float *out) {
    __shared__ float c[64];
    c[threadIdx.x] = 1;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) c[threadIdx.x] += c[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[0] += c[0];
}
"""


def test_blocks_of_many_threads_after_barriers_still_race(tmp_path):
    # more fibers than ThreadSanitizer's id quarantine: a reused id must not order the blocks
    out = ConcreteInputs({}, {"out": np.zeros(1, np.float32)})
    report, _ = _races(tmp_path, "tree.cu", TREE, Function("tree", "kernel", PUT_FN.params, ()), out, (2, 1, 1), (64, 1, 1))
    assert report.race is not None, report.report
    assert report.race[0].line == report.race[1].line == 9


def test_parse_report_without_a_race():
    assert parse_tsan_report("no report here\n", "x.cu") is None


def test_histogram_shared_increment_is_a_confirmed_refutation():
    pair = ROOT / "corpus" / "histogram"
    run = subprocess.run([str(Path(sys.executable).with_name("validate")), str(pair / "original.c"),
                          str(pair / "mutants" / "shared_increment.cu"), "--contract", str(pair / "contract.toml")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stdout.startswith("not-equivalent: race")
    assert "executed under ThreadSanitizer: data race" in run.stdout
    assert "shared_increment.cu:27" in run.stdout


FUSED_ARGMAX = """\
__global__ void argmax(int n, const int *x, int *max_val, int *idx) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) atomicMax(max_val, x[i]);
    if (i < n && x[i] == READ) atomicMin(idx, i);
}
"""
ARGMAX_FN = Function("argmax", "kernel", (ScalarParam("n", I32), ArrayParam("x", I32, (), "in"),
                                          ArrayParam("max_val", I32, (), "inout"),
                                          ArrayParam("idx", I32, (), "inout")), ())


def _argmax_inputs(x):
    return ConcreteInputs({"n": len(x)}, {"x": np.array(x, np.int32), "max_val": np.array([-2 ** 31], np.int32),
                                          "idx": np.array([len(x)], np.int32)})


@pytest.mark.parametrize("x", [[1, 0], [1, 2]])
def test_plain_read_against_another_threads_atomic_is_a_race(tmp_path, x):
    # thread 0 reads max_val after its own atomicMax, unordered with thread 1's atomicMax (an atomic
    # write and a plain read of one address), whichever value thread 1 writes
    report, path = _races(tmp_path, "argmax.cu", FUSED_ARGMAX.replace("READ", "*max_val"), ARGMAX_FN,
                          _argmax_inputs(x), (1, 1, 1), (4, 1, 1))
    assert report.race is not None, report.report
    assert {(a.kind, a.line) for a in report.race} == {("write", 3), ("read", 4)}


def test_atomic_max_and_min_of_all_threads_are_no_race(tmp_path):
    report, _ = _races(tmp_path, "argmax.cu", FUSED_ARGMAX.replace("READ", "x[0]"), ARGMAX_FN,
                       _argmax_inputs([3, 1, 3, 2]), (1, 1, 1), (4, 1, 1))
    assert report.race is None and report.fault is None, report.report


def test_fused_argmax_without_barrier_is_a_confirmed_refutation():
    pair = ROOT / "corpus" / "argmax"
    run = subprocess.run([str(Path(sys.executable).with_name("validate")), str(pair / "original.c"),
                          str(pair / "mutants" / "fused_no_barrier.cu"), "--contract", str(pair / "contract.toml")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "executed under ThreadSanitizer: data race" in run.stdout


OWN_ATOMIC_THEN_READ = """\
__global__ void k(T *a, T *out) {
    BODY
}
"""


@pytest.mark.parametrize("op, t", [("atomicAdd", "float"), ("atomicExch", "int"), ("atomicSub", "int")])
@pytest.mark.parametrize("body, race", [
    ("OP(&a[0], (T)threadIdx.x); out[threadIdx.x] = a[0];", True),  # the next thread's atomic races the read
    ("out[threadIdx.x] = a[0]; OP(&a[0], (T)threadIdx.x);", True),
    ("out[threadIdx.x] = OP(&a[0], (T)threadIdx.x);", False),
])
def test_atomic_against_a_plain_access_of_another_thread(tmp_path, op, t, body, race):
    text = OWN_ATOMIC_THEN_READ.replace("BODY", body.replace("OP", op)).replace("T *", f"{t} *") \
        .replace("(T)", f"({t})")
    elem, dtype = (F32, np.float32) if t == "float" else (I32, np.int32)
    fn = Function("k", "kernel", (ArrayParam("a", elem, (), "inout"), ArrayParam("out", elem, (), "inout")), ())
    inputs = ConcreteInputs({}, {"a": np.zeros(1, dtype), "out": np.zeros(4, dtype)})
    report, _ = _races(tmp_path, "k.cu", text, fn, inputs, (1, 1, 1), (4, 1, 1))
    assert report.fault is None and (report.race is not None) == race, report.report
