"""OpenMP ports end to end: proved through the same prover, races never proved and confirmed from source."""
from __future__ import annotations

from pathlib import Path

import pytest

from portproof.validator.cli import run
from portproof.validator.verdict import Equivalent, NotEquivalent

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def validate(pair: str, port: str):
    result, _ = run([str(CORPUS / pair / "original.c"), str(CORPUS / pair / port)])
    return result.verdict


def test_reduction_clause_port_is_proved_for_all_sizes():
    v = validate("dot", "ported_omp.c")
    assert v.verdict == "equivalent" and v.scope == "all-sizes", v


def test_collapsed_gemm_port_is_proved_for_all_sizes():
    v = validate("gemm-tiled", "ported_omp.c")
    assert v.verdict == "equivalent" and v.scope == "all-sizes", v


def test_missing_reduction_is_never_equivalent_and_a_refutation_is_executed():
    """The race is certain in the IR; whether four real threads lose an update on this machine is
    not, so the answer is not-equivalent (executed, the sum differs) or unknown (unconfirmed)."""
    v = validate("dot", "mutants/no_reduction_omp.c")
    assert v.verdict in ("not-equivalent", "unknown"), v
    assert "race" in str(v)
    if isinstance(v, NotEquivalent):
        assert_race_executed(v.counterexample)


def assert_race_executed(cex):
    """A race counterexample is executed: ThreadSanitizer saw it, or a run of the port differed or faulted."""
    assert cex.confirmed
    assert "ThreadSanitizer" in cex.confirmation or "faults" in cex.detail or cex.expected != cex.actual, cex


RACES = ["covariance/mutants/nowait_mean_omp.c", "covariance/mutants/private_forgotten_omp.c",
         "gemm-tiled/mutants/private_j_forgotten_omp.c", "gemm-tiled/mutants/collapse_ik_omp.c",
         "histogram/mutants/shared_v_omp.c"]


@pytest.mark.parametrize("mutant", RACES)
def test_races_are_executed_from_source_within_seconds(mutant):
    """Races the IR finds are shown by runs of the port (under ThreadSanitizer, or 8 threads, -O1 and -O0 builds,
    sizes grown from the finding's), within the confirmation's time budget."""
    pair = mutant.split("/")[0]
    args = ["--contract", str(CORPUS / pair / "contract.toml")] if (CORPUS / pair / "contract.toml").exists() else []
    result, _ = run([str(CORPUS / pair / "original.c"), str(CORPUS / mutant), *args])
    v = result.verdict
    assert isinstance(v, NotEquivalent), v
    assert v.counterexample.kind == "race"
    assert_race_executed(v.counterexample)
    assert result.time_s < 40


def test_nowait_on_independent_loops_stays_equivalent(tmp_path):
    original = tmp_path / "two.c"
    original.write_text("void two(int n, double a[n], double b[n])\n{\n    for (int i = 0; i < n; i++)\n"
                        "        a[i] = 2.0 * a[i];\n    for (int i = 0; i < n; i++)\n        b[i] = b[i] + 1.0;\n}\n")
    port = tmp_path / "two_omp.c"
    port.write_text("void two(int n, double a[n], double b[n])\n{\n#pragma omp parallel\n    {\n"
                    "#pragma omp for nowait\n        for (int i = 0; i < n; i++)\n            a[i] = 2.0 * a[i];\n"
                    "#pragma omp for nowait\n        for (int i = 0; i < n; i++)\n            b[i] = b[i] + 1.0;\n"
                    "    }\n}\n")
    result, _ = run([str(original), str(port)])
    assert isinstance(result.verdict, Equivalent), result.verdict
