"""emit_tests: the emitted suite fails on a wrong port, passes on a correct one, and runs without portproof."""
from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from portproof.validator.cli import options_from, parser
from portproof.validator.decide import validate
from portproof.validator.emit import emit_tests
from portproof.validator.emit_prepare import bake, emulate, prepare
from portproof.validator.verdict import NotEquivalent

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _emit(original: Path, port: Path, out: Path, *extra: str):
    args = []
    for line in port.read_text().splitlines():
        if line.startswith("// ARGS:"):
            args = shlex.split(line[len("// ARGS:"):])
    options = options_from(parser().parse_args([str(original), str(port), *args, *extra]))
    result = validate(str(original), str(port), options)
    return emit_tests(str(original), str(port), options, result, out), result


def _run_suite(suite: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """pytest on the suite, in a fresh process where importing portproof fails."""
    shadow = tmp_path / "no_portproof"
    shadow.mkdir(exist_ok=True)
    (shadow / "portproof.py").write_text("raise ImportError('an emitted suite must run without portproof')\n")
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rfs", "-p", "no:cacheprovider"], cwd=suite,
                          env={**os.environ, "PYTHONPATH": str(shadow)}, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("pair, mutant", [("saxpy", "times_y.cu"), ("gemm", "floor_grid.cu")])
def test_suite_fails_on_the_mutant_and_passes_its_counterexample_with_the_correct_port(pair, mutant, tmp_path):
    suite, result = _emit(CORPUS / pair / "original.c", CORPUS / pair / "mutants" / mutant, tmp_path / "suite")
    assert isinstance(result.verdict, NotEquivalent)
    cases = json.loads((suite / "suite.json").read_text())["cases"]
    assert cases[0]["label"].startswith("counterexample")

    failing = _run_suite(suite, tmp_path)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "FAILED test_port.py::test_case[case_0-emulation]" in failing.stdout
    assert "test_case[case_0-original]" not in failing.stdout  # the expected outputs reproduce

    # the expected outputs are the original's, so a correct port passes the mutant's counterexample
    shutil.copyfile(CORPUS / pair / "ported.cu", suite / "src" / "port.cu")
    passing = _run_suite(suite, tmp_path)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "passed" in passing.stdout


@pytest.mark.parametrize("pair", ["saxpy", "gemm"])
def test_suite_of_a_correct_port_passes(pair, tmp_path):
    suite, result = _emit(CORPUS / pair / "original.c", CORPUS / pair / "ported.cu", tmp_path / "suite")
    assert result.verdict.verdict == "equivalent"
    labels = [c["label"] for c in json.loads((suite / "suite.json").read_text())["cases"]]
    assert [label.split(",")[0] for label in labels] == \
        ["boundary: every size 0", "boundary: every size 1", "boundary: every size 4"]
    done = _run_suite(suite, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    if shutil.which("nvidia-smi") is None:
        assert "SKIPPED" in done.stdout and ("nvcc is not on the PATH" in done.stdout or "no GPU" in done.stdout)


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc is not installed")
@pytest.mark.parametrize("pair", ["saxpy", "gemm"])
def test_cuda_harness_compiles_with_nvcc(pair, tmp_path):
    suite, _ = _emit(CORPUS / pair / "original.c", CORPUS / pair / "ported.cu", tmp_path / "suite", "--no-confirm")
    prepare(suite, tmp_path / "build", {})
    done = subprocess.run(["nvcc", "-c", "-I", str(tmp_path / "build"), "harness_cuda.cu", "-o",
                           str(tmp_path / "harness_cuda.o")], cwd=suite, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


SCALE_C = """\
#define N 64
void scale(double a, double x[N])
{
    for (int i = 0; i < N; i++)
        x[i] = a * x[i];
}
"""

SCALE_CU = """\
#define N 64
__global__ void k(double a, double *x)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < N%s) x[i] = a * x[i];
}
void scale(double a, double *x)
{
    double *d;
    cudaMalloc(&d, N * sizeof(double));
    cudaMemcpy(d, x, N * sizeof(double), cudaMemcpyHostToDevice);
    k<<<(N + 31) / 32, 32>>>(a, d);
    cudaMemcpy(x, d, N * sizeof(double), cudaMemcpyDeviceToHost);
    cudaFree(d);
}
"""


def test_size_macros_are_set_per_case(tmp_path):
    (tmp_path / "scale.c").write_text(SCALE_C)
    (tmp_path / "scale.cu").write_text(SCALE_CU % " - 1")
    suite, result = _emit(tmp_path / "scale.c", tmp_path / "scale.cu", tmp_path / "suite")
    assert isinstance(result.verdict, NotEquivalent)
    cases = json.loads((suite / "suite.json").read_text())["cases"]
    assert {c["macros"]["N"] for c in cases} >= {1, 4}
    assert _run_suite(suite, tmp_path).returncode == 1
    (suite / "src" / "port.cu").write_text(SCALE_CU % "")
    done = _run_suite(suite, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_local_headers_are_copied(tmp_path):
    port = CORPUS / "conv2d" / "mutants" / "c22_half.cu"
    suite, _ = _emit(CORPUS / "conv2d" / "original.c", port, tmp_path / "suite", "--no-confirm")
    assert (suite / "src" / "conv2d.h").read_text() == (CORPUS / "conv2d" / "conv2d.h").read_text()
    assert '#include "conv2d.h"' in (suite / "src" / "port.cu").read_text()


def test_emulate_rewrites_launches_and_keeps_lines():
    cuda = ('// k<<<1, 1>>>(x) in a comment\n'
            'void f(float *x, int n) {\n'
            '    k<<<dim3((n + 15) / 16, 1),\n         dim3(16, 1), 64>>>(x, n);\n'
            '    ns::g<<<1, 2>>>();\n'
            '}\n'
            '__global__ void h() { extern __shared__ float s[]; static __shared__ int t[4]; }\n')
    out = emulate(cuda)
    assert out.count("\n") == cuda.count("\n")
    assert out.startswith("// k<<<1, 1>>>(x) in a comment\n")
    assert ('portproof_launch("k", dim3(dim3((n + 15) / 16, 1)), dim3(dim3(16, 1)), (size_t)(64), '
            "[&](auto &&...portproof_a) { k(portproof_a...); }, x, n)") in out
    assert 'portproof_launch("ns::g", dim3(1), dim3(2), (size_t)(0), ' \
           "[&](auto &&...portproof_a) { ns::g(portproof_a...); })" in out
    assert "float *const s = (decltype(s))portproof_dynamic_shared;" in out
    assert "static int t[4];" in out


def test_bake_sets_macros_in_place():
    text = "#define N 4096\n#define M \\\n  17\nint x[N][M];\n"
    assert bake(text, {"N": 3, "M": 2}, "f.c") == "#define N 3\n#define M 2\n\nint x[N][M];\n"
    with pytest.raises(ValueError, match="K has no #define"):
        bake(text, {"K": 1}, "f.c")
