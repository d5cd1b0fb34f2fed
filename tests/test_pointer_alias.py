"""CUDA frontend: `const T *p = a + offset;` where nothing it is made of is ever written is `a` at that
offset (`p[i]` is `a[offset + i]`); any other pointer alias stays unsupported."""
from __future__ import annotations

import pytest

from portproof.ir.nodes import Binary, Load
from portproof.ir.mapper import walk
from portproof.translators.cuda_frontend import parse_cuda

KERNEL = """\
__global__ void rows(int rows, int cols, const float *x, float *y)
{
    int r = blockIdx.x;
    const float *xr = x + r * cols;
    float *yr = y + r * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x)
        yr[c] = 2.0f * xr[c] + *(xr + c);
    BODY
}
"""


def test_fixed_offset_alias_is_an_access_of_its_array(tmp_path):
    (tmp_path / "k.cu").write_text(KERNEL.replace("BODY", ""))
    unit = parse_cuda(str(tmp_path / "k.cu"))
    loads = [x for x in walk(unit.program.function("rows").body) if isinstance(x, Load)]
    assert {x.array for x in loads} == {"x"}
    assert all(isinstance(x.index[0], Binary) and x.index[0].op == "+" for x in loads)


@pytest.mark.parametrize("body", ["r = 0;", "xr = x;", "cols++;"])
def test_alias_whose_parts_are_written_is_unsupported(tmp_path, body):
    (tmp_path / "k.cu").write_text(KERNEL.replace("BODY", body))
    unit = parse_cuda(str(tmp_path / "k.cu"))
    assert "pointer alias" in str(unit.failures["rows"])
