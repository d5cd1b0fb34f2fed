"""OpenMP ports end to end: proved through the same prover, races never proved and confirmed from source."""
from __future__ import annotations

from pathlib import Path

from portproof.validator.cli import run
from portproof.validator.verdict import NotEquivalent

NEXT = Path(__file__).resolve().parent.parent / "corpus-next"


def validate(pair: str, port: str):
    result, _ = run([str(NEXT / pair / "original.c"), str(NEXT / pair / port)])
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
        assert v.counterexample.confirmed and v.counterexample.expected != v.counterexample.actual
