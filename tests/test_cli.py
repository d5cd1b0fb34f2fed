"""The `validate` command line on corpus pairs: text and JSON output, exit statuses, confirmed counterexamples."""
import json
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
KEYS = {"schema", "verdict", "scope", "bound", "counterexample", "reasons", "checks", "defaults", "reward", "time_s"}


def header_args(port: Path) -> list[str]:
    for line in port.read_text().splitlines()[:20]:
        m = re.match(r"\s*//\s*ARGS:\s*(.*?)\s*$", line)
        if m:
            return shlex.split(m.group(1))
    return []


def pair_args(pair: str, port: str = "ported.cu") -> list[str]:
    path = Path("corpus") / pair / port
    return [str(Path("corpus") / pair / "original.c"), str(path), *header_args(ROOT / path)]


RUNS = {
    "saxpy_text": pair_args("saxpy"),
    "saxpy_json": [*pair_args("saxpy"), "--json"],
    "gemm_json": [*pair_args("gemm"), "--json"],
    "times_y_text": pair_args("saxpy", "mutants/times_y.cu"),
    "times_y_no_confirm": [*pair_args("saxpy", "mutants/times_y.cu"), "--json", "--no-confirm"],
    "gemm_beta_twice_json": [*pair_args("gemm", "mutants/beta_applied_twice.cu"), "--json"],
}


def validate(args):
    proc = subprocess.run([sys.executable, "-m", "portproof.validator.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def runs():
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(validate, args) for name, args in RUNS.items()}
        return {name: f.result() for name, f in futures.items()}


def as_json(run):
    status, out, err = run
    assert "Traceback" not in out + err, out + err
    data = json.loads(out)
    assert isinstance(data, dict)
    return status, data


def test_corpus_headers_give_the_launch():
    assert "--launch" in RUNS["saxpy_text"] and "--launch" in RUNS["times_y_text"]


def test_text_equivalent(runs):
    status, out, err = runs["saxpy_text"]
    assert status == 0, out + err
    assert out.splitlines()[0].startswith("equivalent (all-sizes)")
    assert "Traceback" not in out + err and re.search(r"time: \d+\.\d+ s", out)


def test_text_not_equivalent(runs):
    status, out, err = runs["times_y_text"]
    assert status == 1, out + err
    lines = out.splitlines()
    assert lines[0].startswith("not-equivalent")
    assert any(s.strip().startswith("expected:") for s in lines)
    assert any(s.strip().startswith("actual:") for s in lines)
    assert re.search(r"written by: corpus/saxpy/mutants/times_y\.cu:\d+", out)


@pytest.mark.parametrize("name, status, verdict", [
    ("saxpy_json", 0, "equivalent"), ("gemm_json", 0, "equivalent"),
    ("gemm_beta_twice_json", 1, "not-equivalent"),
    ("times_y_no_confirm", 2, "unknown"),
])
def test_json_object(runs, name, status, verdict):
    got, data = as_json(runs[name])
    assert got == status
    assert set(data) == KEYS
    assert data["schema"] == "portproof.verdict/1"
    assert data["verdict"] == verdict
    assert -1 <= data["reward"] <= 1 and data["time_s"] >= 0
    assert isinstance(data["reasons"], list) and isinstance(data["defaults"], list)
    for check in data["checks"]:
        assert set(check) == {"name", "status", "detail"}
        assert check["status"] in {"passed", "failed", "skipped", "unknown"}


@pytest.mark.parametrize("name", ["saxpy_json", "gemm_json"])
def test_json_equivalent(runs, name):
    _, data = as_json(runs[name])
    assert data["scope"] == "all-sizes" and data["bound"] is None and data["counterexample"] is None
    assert data["reward"] > 0
    assert {"name": "compile port", "status": "passed"}.items() <= \
        {c["name"]: c for c in data["checks"]}["compile port"].items()


def test_json_counterexample(runs):
    _, data = as_json(runs["gemm_beta_twice_json"])
    cx = data["counterexample"]
    assert cx["confirmed"] is True and cx["confirmation"]
    assert cx["sizes"] and all(isinstance(v, int) and v >= 0 for v in cx["sizes"].values())
    assert isinstance(cx["arrays"], dict) and cx["arrays"]
    assert cx["array"] == "C" and isinstance(cx["index"], list) and len(cx["index"]) == 2
    assert cx["expected"] != cx["actual"]
    assert data["scope"] is None and data["reward"] < 0
    assert set(cx["scalars"]) == {"alpha", "beta"}
    s = cx["sizes"]  # every original array is given in full (flat), its length fitting the sizes
    assert len(cx["arrays"]["C"]) == s["ni"] * s["nj"]
    assert len(cx["arrays"]["A"]) == s["ni"] * s["nk"]
    assert len(cx["arrays"]["B"]) == s["nk"] * s["nj"]
    assert re.search(r"beta_applied_twice\.cu:\d+", cx["statement"])


def test_no_confirm_turns_a_refutation_into_unknown(runs):
    _, data = as_json(runs["times_y_no_confirm"])
    assert data["counterexample"] is None
    [reason] = data["reasons"]
    assert reason["reason"] == "unconfirmed"
    assert "--no-confirm" in reason["detail"]
    assert "confirm" not in {c["name"] for c in data["checks"]}


def test_main_returns_the_exit_status(capsys):
    """`main(argv)` in-process returns the status `validate` exits with."""
    from portproof.validator.cli import main

    assert main([str(ROOT / "corpus/saxpy/original.c"), str(ROOT / "corpus/saxpy/nope.cu"), "--bound", "0"]) == 3
    assert capsys.readouterr().out.startswith("error:")
