"""The reward of a validation, a number in [-1, 1] for ranking candidate ports (see README)."""
from __future__ import annotations

from portproof.validator.verdict import Equivalent, Error, NotEquivalent, Result, Unknown

REWARDS = {
    "equivalent/all-sizes": 1.0,   # proved for every size
    "equivalent/bounded": 0.7,     # proved up to a bound: strong evidence, not a proof
    "unknown": 0.0,                # nothing learned either way
    "not-equivalent/value": -0.5,  # runs, defined, wrong numbers
    "not-equivalent/fault": -0.7,  # race, out-of-bounds, uninitialised read, bad launch: no defined result
    "error/compile": -1.0,         # does not even compile
    "error/input": -1.0,
}


def reward_for(result: Result) -> float:
    v = result.verdict
    if isinstance(v, Equivalent):
        return REWARDS[f"equivalent/{v.scope}"]
    if isinstance(v, NotEquivalent):
        kind = "value" if v.counterexample.kind == "value" else "fault"
        return REWARDS[f"not-equivalent/{kind}"]
    if isinstance(v, Unknown):
        return REWARDS["unknown"]
    assert isinstance(v, Error)
    return REWARDS["error/compile"] if v.kind == "compile error" else REWARDS["error/input"]
