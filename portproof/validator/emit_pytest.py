"""Tests of a port on portproof's cases: each harness's outputs against the original's (numpy + pytest only)."""
# Copied into an emitted suite as test_port.py; portproof itself never imports it.
from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SUITE = Path(__file__).resolve().parent
sys.path.insert(0, str(SUITE))
from prepare import prepare  # noqa: E402

CONFIG = json.loads((SUITE / "suite.json").read_text())
CASES = CONFIG["cases"]
RUN_TIMEOUT_S = 120


@functools.lru_cache(maxsize=None)
def _cuda_missing() -> str:
    """Why the CUDA harness cannot run here ('' when it can)."""
    if shutil.which("nvcc") is None:
        return "nvcc is not on the PATH"
    try:
        smi = subprocess.run(["nvidia-smi"], capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        return f"no GPU: nvidia-smi does not run ({e})"
    return "" if smi.returncode == 0 else "no GPU: nvidia-smi fails"


@pytest.fixture(scope="session")
def build(tmp_path_factory):
    """build(runner, macros) -> the harness executable, compiled once per runner and macro values."""
    made: dict = {}

    def get(runner: str, macros: dict) -> Path:
        key = (runner, tuple(sorted(macros.items())))
        if key not in made:
            where = tmp_path_factory.mktemp(f"build_{runner}")
            try:
                prepare(SUITE, where, macros)
            except ValueError as e:
                made[key] = f"cannot prepare the sources: {e}"
            else:
                command = [a.format(build=where) for a in CONFIG["commands"][runner]]
                done = subprocess.run(command, cwd=SUITE, capture_output=True, text=True)
                made[key] = where / f"harness_{runner}" if done.returncode == 0 else \
                    f"{' '.join(command)} failed:\n{done.stderr[-4000:]}"
        if isinstance(made[key], str):
            pytest.fail(made[key], pytrace=False)
        return made[key]

    return get


def _first_difference(name: str, dtype: str, shape: list, expected: np.ndarray, actual: np.ndarray) -> str:
    if actual.shape != expected.shape:
        return f"{name}: {actual.size} elements written, {expected.size} expected"
    if np.dtype(dtype).kind == "f":
        rtol, atol = CONFIG["tolerance"][dtype]
        bad = ~np.isclose(actual.astype(np.float64), expected.astype(np.float64), rtol=rtol, atol=atol,
                          equal_nan=True)
    else:
        bad = actual != expected
    if not bad.any():
        return ""
    k = int(np.flatnonzero(bad)[0])
    index = np.unravel_index(k, shape) if len(shape) > 1 else (k,)
    where = "".join(f"[{int(i)}]" for i in index)
    return f"{name}{where}: expected {expected[k].item()!r} (original), got {actual[k].item()!r} (port); " \
           f"{int(bad.sum())} of {bad.size} elements differ"


@pytest.mark.parametrize("runner", ["original", "emulation", "cuda"])
@pytest.mark.parametrize("case", CASES, ids=[c["dir"] for c in CASES])
def test_case(case, runner, build, tmp_path):
    if runner == "cuda" and _cuda_missing():
        pytest.skip(_cuda_missing())
    exe = build(runner, case["macros"])
    given = SUITE / case["dir"]
    for f in given.iterdir():
        if f.name.startswith("in_") or f.name in ("scalars.bin", "launch.bin"):
            shutil.copyfile(f, tmp_path / f.name)
    done = subprocess.run([str(exe)], cwd=tmp_path, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    if done.returncode != 0:
        pytest.fail(f"{case['label']}\nthe {runner} harness failed (exit {done.returncode}): {done.stderr[-4000:]}",
                    pytrace=False)
    shapes = json.loads((given / "inputs.json").read_text())["shapes"]
    compared = [(name, f"expected_{name}.bin", f"out_{name}.bin", dtype) for name, dtype in CONFIG["arrays"].items()]
    if CONFIG["return"]:
        compared.append(("return value", "expected_return.bin", "return.bin", CONFIG["return"]))
    problems = [_first_difference(name, dtype, shapes.get(name, []), np.fromfile(given / want, dtype=dtype),
                                  np.fromfile(tmp_path / got, dtype=dtype))
                for name, want, got, dtype in compared]
    problems = [p for p in problems if p]
    if problems:
        pytest.fail(f"{case['label']}\n" + "\n".join(problems), pytrace=False)
