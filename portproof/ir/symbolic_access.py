"""Accesses at data-dependent (symbolic) subscripts: the elements one may touch, each with the
condition under which it is the one, read as a chain of selects and written element by element."""
from __future__ import annotations

import itertools
from typing import Any, Callable, Optional

from portproof.diagnostics import Unsupported
from portproof.ir.faults import OutOfBounds
from portproof.ir.types import I32, ScalarType


class Cells:
    """The flat elements (k, condition) an access may select; exactly one condition holds wherever
    the access is in bounds, and the domain was told where it must be."""
    __slots__ = ("name", "cells")

    def __init__(self, name: str, cells: list[tuple[int, Any]]):
        self.name = name
        self.cells = cells


def select_cells(domain: Any, name: str, shape: tuple[int, ...], subscripts: list[tuple[Any, ScalarType]],
                 const: Callable[[int, ScalarType], Any]) -> tuple[Cells, Any, OutOfBounds]:
    """The cells of `name[subscripts]`, the condition under which the access is in bounds, and the
    fault it is where that condition fails. A concrete subscript out of its extent faults now."""
    d = domain
    both = d.binary
    fault = OutOfBounds(name, tuple(v for v, _ in subscripts), shape)
    if 0 in shape:
        raise fault  # an empty array: every access is out of bounds
    per_dim: list[list[tuple[int, Optional[Any]]]] = []
    ok = None
    for (v, t), extent in zip(subscripts, shape):
        try:
            i = d.index(v)
        except Unsupported:
            per_dim.append([(k, both("==", v, const(k, t), t, I32)) for k in range(extent)])
            inside = both("&&", both(">=", v, const(0, t), t, I32), both("<", v, const(extent, t), t, I32),
                          I32, I32)
            ok = inside if ok is None else both("&&", ok, inside, I32, I32)
            continue
        if not 0 <= i < extent:
            raise fault
        per_dim.append([(i, None)])
    cells = []
    for combo in itertools.product(*per_dim):
        k, cond = 0, None
        for (i, c), extent in zip(combo, shape):
            k = k * extent + i
            if c is not None:
                cond = c if cond is None else both("&&", cond, c, I32, I32)
        cells.append((k, cond))
    return Cells(name, cells), ok, fault


def load(domain: Any, values: list, type: ScalarType, cells: Cells, undef: Any) -> Any:
    """The selected element: a chain of selects, the last cell where no other condition holds."""
    chosen = [values[k] for k, _ in cells.cells]
    if any(v is undef for v in chosen):
        # an unwritten element would make the whole chain undefined, hiding the defined ones
        raise Unsupported(f"data-dependent read of {cells.name}, not every element of which is written")
    result = chosen[-1]
    for (_, c), v in zip(reversed(cells.cells[:-1]), reversed(chosen[:-1])):
        result = domain.select(c, v, result, type)
    return result


def store(domain: Any, values: list, type: ScalarType, cells: Cells, new: Callable[[Any], Any],
          undef: Any) -> None:
    """Every cell becomes `new(old)` where its condition holds and stays `old` elsewhere."""
    for k, c in cells.cells:
        old = values[k]
        if old is undef:
            raise Unsupported(f"data-dependent write into {cells.name}, not every element of which is written")
        v = new(old)
        if v is undef:
            raise Unsupported(f"undefined value written at a data-dependent index of {cells.name}")
        values[k] = domain.select(c, v, old, type)
