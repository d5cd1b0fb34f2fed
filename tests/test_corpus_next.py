"""The staging corpus of parallel kernels (issue 3): whatever portproof cannot decide yet may be
`unknown`, but no verdict may contradict a label, and every refutation is executed from source."""
from __future__ import annotations

from pathlib import Path

import pytest

from portproof.corpus import cases
from portproof.validator.cli import run
from portproof.validator.verdict import NotEquivalent

NEXT = Path(__file__).resolve().parent.parent / "corpus-next"
CASES = list(cases(NEXT))


def test_staging_corpus_is_there():
    assert len({c.pair for c in CASES}) >= 12 and sum(c.expect == "not-equivalent" for c in CASES) >= 50


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_no_verdict_contradicts_its_label(case):
    result, _ = run([str(case.original), str(case.port), *case.args])
    v = result.verdict
    assert v.verdict != "error", f"{case.id}: {v}"
    if case.expect == "equivalent":
        assert v.verdict in ("equivalent", "unknown"), f"{case.id}: {v}"
    else:
        assert v.verdict in ("not-equivalent", "unknown"), f"{case.id}: {v}"
        if isinstance(v, NotEquivalent):
            assert v.counterexample.confirmed, v.counterexample
