"""CUDA frontend: two `for (int s = ...; ...; s >>= 1)` loops in one function (each lowered to a While,
whose variable outlives it in the IR) share one IR variable; other redeclarations stay refused."""
from __future__ import annotations

import pytest

from portproof.ir.mapper import walk
from portproof.ir.nodes import Assign, Declare
from portproof.translators.cuda_frontend import parse_cuda

KERNEL = """\
__global__ void k(int n, float *red)
{
    for (int s = 4; s > 0; s >>= 1)
        red[s] += red[0];
    for (SECOND s = 8; s > 0; s >>= 1)
        red[s] *= 2.0f;
    AFTER
}
"""


def _lower(tmp_path, second: str = "int", after: str = ""):
    (tmp_path / "k.cu").write_text(KERNEL.replace("SECOND", second).replace("AFTER", after))
    return parse_cuda(str(tmp_path / "k.cu"))


def test_second_loop_assigns_the_first_loops_variable(tmp_path):
    unit = _lower(tmp_path)
    stmts = list(walk(unit.program.function("k").body))
    assert [s.name for s in stmts if isinstance(s, Declare)] == ["s"]
    assert any(isinstance(s, Assign) and s.name == "s" and str(s.value) == "8" for s in stmts)


@pytest.mark.parametrize("second, after", [("unsigned", ""), ("int", "int s = 0; red[0] = s;")])
def test_other_redeclarations_are_refused(tmp_path, second, after):
    unit = _lower(tmp_path, second, after)
    assert "shadows or repeats" in str(unit.failures["k"])
