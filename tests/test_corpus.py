"""Every corpus case comes out as labelled; every refutation carries a counterexample executed on both sides."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from portproof.corpus import cases
from portproof.validator.cli import run
from portproof.validator.verdict import NotEquivalent

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
CASES = list(cases(CORPUS))


def test_corpus_is_large_enough():
    pairs = {c.pair for c in CASES}
    mutants = [c for c in CASES if c.expect == "not-equivalent"]
    assert len(pairs) >= 25
    assert all(sum(1 for m in mutants if m.pair == p) >= 3 for p in pairs)
    classes = {m.bug_class for m in mutants}
    assert {"writes-zeros", "fills-constant", "modifies-input", "hardcoded-sizes",
            "block-multiple-only"} <= classes
    # parallel semantics: the bug classes of reductions, shared memory, barriers and OpenMP
    assert {"missing-atomic", "missing-syncthreads", "barrier-in-divergent-code", "wrong-tree-stride",
            "wrong-reduction-identity", "shared-tile-index", "missing-reduction", "private-forgotten",
            "wrong-collapse", "missing-barrier"} <= classes
    openmp_ports = [c for c in CASES if c.expect == "equivalent" and c.port.suffix == ".c"]
    assert len(openmp_ports) >= 15 and sum(c.port.suffix == ".c" for c in mutants) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_matches_label(case):
    result, _ = run([str(case.original), str(case.port), *case.args])
    v = result.verdict
    assert v.verdict == case.expect, f"{case.id}: {v}"
    if case.expect == "equivalent":
        assert v.scope == case.scope, f"{case.id}: {v}"
    else:
        assert isinstance(v, NotEquivalent)
        cex = v.counterexample
        assert cex.confirmed, cex
        if cex.kind == "value":
            assert cex.expected != cex.actual
            if "ieee" not in case.args:  # under --fp ieee a difference in the last bit is one
                assert not np.isclose(float(cex.expected), float(cex.actual), rtol=1e-5)


# originals with pointer parameters are also valid CUDA host code (C99 VLAs are not C++)
IDENTITY = [c for c in CASES if c.name == "ported" and c.pair in ("saxpy", "copy", "vadd", "matadd", "relu")]


@pytest.mark.parametrize("case", IDENTITY, ids=[c.pair for c in IDENTITY])
def test_original_is_equivalent_to_itself(case, tmp_path):
    """The runner's identity check: the original, read as the port, is proved equivalent."""
    port = tmp_path / "same.cu"
    port.write_text(case.original.read_text())
    for header in case.original.parent.glob("*.h"):
        (tmp_path / header.name).write_text(header.read_text())
    result, _ = run([str(case.original), str(port)])
    assert result.verdict.verdict == "equivalent", result.verdict
