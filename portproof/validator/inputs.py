"""Concrete inputs: size tuples in increasing order, small integer-valued data (exact in floating point)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from portproof.ir.concrete import DTYPES
from portproof.ir.nodes import ArrayParam, Expr, Function, ScalarParam
from portproof.validator.launch import evaluate_int


@dataclass(frozen=True)
class Sizes:
    """Values of the integer scalars (sizes) and generalised size macros."""
    values: tuple[tuple[str, int], ...]

    def as_dict(self) -> dict[str, int]:
        return dict(self.values)


@dataclass
class Inputs:
    sizes: dict[str, int]
    scalars: dict[str, float]                # the non-integer scalars
    arrays: dict[str, np.ndarray]            # flat, original parameter names

    def all_scalars(self) -> dict[str, float | int]:
        return {**self.sizes, **self.scalars}


def size_names(fn: Function, macros: frozenset[str]) -> list[str]:
    return [p.name for p in fn.params if isinstance(p, ScalarParam) and p.type.is_integer] + sorted(macros)


def size_tuples(names: list[str], macros: frozenset[str], bound: int) -> Iterator[Sizes]:
    """Every tuple with each size in [0, bound] (macros in [1, bound]), by largest size, then sum."""
    ranges = [range(1 if n in macros else 0, bound + 1) for n in names]
    tuples = sorted(itertools.product(*ranges), key=lambda t: (max(t, default=0), sum(t), t))
    for t in tuples:
        yield Sizes(tuple(zip(names, t)))


def largest_sizes(fn: Function, macros: frozenset[str], bound: int) -> Sizes:
    """The last tuple `size_tuples` gives: every size at the bound."""
    return Sizes(tuple((name, bound) for name in size_names(fn, macros)))


def make_inputs(fn: Function, shapes: dict[str, tuple[Expr, ...]], sizes: Sizes, rng: np.random.Generator,
                max_elements: int = 1 << 16) -> Inputs | None:
    """Random small integers in every array and float scalar; None if an extent is negative or huge."""
    env = sizes.as_dict()
    scalars, arrays = {}, {}
    for p in fn.params:
        if isinstance(p, ScalarParam) and not p.type.is_integer:
            scalars[p.name] = float(rng.integers(-3, 4))
        elif isinstance(p, ArrayParam):
            extent = 1
            for d in shapes[p.name]:
                extent *= evaluate_int(d, env)
            if extent < 0 or extent > max_elements:
                return None
            data = rng.integers(-4, 5, size=extent)
            arrays[p.name] = data.astype(DTYPES[p.type])
    return Inputs(env, scalars, arrays)


def array_extent(shape: tuple[Expr, ...], sizes: dict[str, int]) -> int:
    extent = 1
    for d in shape:
        extent *= evaluate_int(d, sizes)
    return extent


def float_inputs(fn: Function, shapes: dict[str, tuple[Expr, ...]], sizes: Sizes,
                 rng: np.random.Generator) -> Inputs | None:
    """Random inputs at `sizes` whose floats have mixed magnitudes, so that their sums and products round
    (the small integers of `make_inputs` are exact in floating point)."""
    inputs = make_inputs(fn, shapes, sizes, rng)
    if inputs is None:
        return None
    for p in fn.params:
        if p.type.is_float and p.name in inputs.scalars:
            inputs.scalars[p.name] = float(DTYPES[p.type](_random_floats(rng, 1)[0]))
        elif p.type.is_float and p.name in inputs.arrays:
            inputs.arrays[p.name] = _random_floats(rng, inputs.arrays[p.name].size).astype(DTYPES[p.type])
    return inputs


def _random_floats(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal(n) * np.exp2(rng.integers(-8, 9, size=n))
