"""Bounded proof: run both IRs on symbolic inputs (z3 terms) for every size up to a bound and ask
z3 whether any output element can differ. Floats are reals under `--fp real`."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import z3

from portproof.diagnostics import Unsupported
from portproof.ir.concrete import ConcreteDomain
from portproof.ir.evaluate import UNDEF, ArrayStore
from portproof.ir.faults import ExecutionFault
from portproof.ir.interpret import run
from portproof.ir.nodes import ArrayParam, ScalarParam
from portproof.ir.types import ScalarType
from portproof.validator.binding import Pair
from portproof.validator.inputs import Inputs, Sizes, array_extent, size_names, size_tuples
from portproof.validator.search import MAX_STEPS, port_step_limit

_CMP = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _is_sym(x: Any) -> bool:
    return isinstance(x, z3.ExprRef)


class RealDomain:
    """Integers stay concrete Python ints unless they come from symbolic data; floats are z3 reals."""

    def __init__(self) -> None:
        self.concrete = ConcreteDomain()
        self.functions: dict[str, z3.FuncDeclRef] = {}

    def _num(self, x: Any) -> Any:
        if isinstance(x, z3.BoolRef):
            return z3.If(x, 1, 0)
        return x

    def constant(self, value, type: ScalarType) -> Any:
        if type.is_float:
            return z3.RealVal(_exact(value))
        return self.concrete.constant(value, type)

    def unary(self, op: str, x: Any, type: ScalarType) -> Any:
        if not _is_sym(x):
            return self.concrete.unary(op, x, type)
        if op == "-":
            return -self._num(x)
        if op == "!":
            return self._num(x) == 0
        raise Unsupported(f"symbolic {op}")

    def binary(self, op: str, x: Any, y: Any, operand_type: ScalarType, result_type: ScalarType) -> Any:
        if not _is_sym(x) and not _is_sym(y):
            return self.concrete.binary(op, x, y, operand_type, result_type)
        if op in ("&&", "||"):
            a, b = self._bool(x), self._bool(y)
            return z3.And(a, b) if op == "&&" else z3.Or(a, b)
        x, y = self._num(x), self._num(y)
        if op in _CMP:
            return _CMP[op](x, y)
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if op == "/" and operand_type.is_float:
            return x / y
        raise Unsupported(f"operator {op} on symbolic {operand_type}")

    def _bool(self, x: Any) -> Any:
        if isinstance(x, z3.BoolRef):
            return x
        return x != 0 if _is_sym(x) else z3.BoolVal(bool(x))

    def cast(self, x: Any, src: ScalarType, dst: ScalarType) -> Any:
        if dst.is_float:
            if _is_sym(x):
                x = self._num(x)
                return z3.ToReal(x) if z3.is_int(x) else x
            return z3.RealVal(_exact(x))
        if src.is_float:
            if not _is_sym(x):
                return int(x)
            return z3.If(x >= 0, z3.ToInt(x), -z3.ToInt(-x))
        if _is_sym(x):
            return self._num(x)
        return self.concrete.cast(x, src, dst)

    def call(self, name: str, args: tuple, arg_types: tuple, result_type: ScalarType) -> Any:
        from portproof.ir.builtins import base_name
        base = base_name(name)
        if not any(_is_sym(a) for a in args) and not result_type.is_float:
            return self.concrete.call(name, args, arg_types, result_type)
        args = tuple(self._num(a) if _is_sym(a) else (z3.RealVal(_exact(a)) if result_type.is_float else a)
                     for a in args)
        if base in ("fmin", "min") and len(args) == 2:
            return z3.If(args[0] <= args[1], args[0], args[1])
        if base in ("fmax", "max") and len(args) == 2:
            return z3.If(args[0] >= args[1], args[0], args[1])
        if base in ("fabs", "abs"):
            return z3.If(args[0] >= 0, args[0], -args[0])
        sort = z3.RealSort() if result_type.is_float else z3.IntSort()
        key = f"{base}/{len(args)}/{sort}"
        if key not in self.functions:
            self.functions[key] = z3.Function(f"math_{base}", *[a.sort() if _is_sym(a) else z3.IntSort()
                                                                  for a in args], sort)
        return self.functions[key](*args)

    def select(self, cond: Any, a: Any, b: Any, type: ScalarType) -> Any:
        if not _is_sym(cond):
            return a if cond else b
        c = self._bool(cond)
        a, b = self._num(a), self._num(b)
        if type.is_float:
            a = a if _is_sym(a) else z3.RealVal(_exact(a))
            b = b if _is_sym(b) else z3.RealVal(_exact(b))
        return z3.If(c, a, b)

    def truth(self, x: Any) -> Optional[bool]:
        if not _is_sym(x):
            return bool(x)
        s = z3.simplify(self._bool(x))
        if z3.is_true(s):
            return True
        if z3.is_false(s):
            return False
        return None

    def index(self, x: Any) -> int:
        if not _is_sym(x):
            return int(x)
        s = z3.simplify(self._num(x))
        if z3.is_int_value(s):
            return s.as_long()
        raise Unsupported("data-dependent index")

    def from_bytes(self, byte: int, type: ScalarType) -> Any:
        if type.is_float:
            return z3.Real(f"memset_{byte}_{type}")
        return self.concrete.from_bytes(byte, type)


def _exact(v) -> str:
    from fractions import Fraction
    f = Fraction(float(v)) if not isinstance(v, int) else Fraction(v)
    return f"{f.numerator}/{f.denominator}"


@dataclass
class BoundedReport:
    proved_bound: int                  # every size tuple with all sizes <= this was checked
    model: Optional[Inputs] = None     # inputs z3 found on which outputs differ
    fault: Optional[str] = None
    fault_sizes: Optional[Sizes] = None  # where the port faults whatever the data (race, out of bounds)
    stopped: str = ""                  # why the check stopped before the requested bound
    tuples: int = 0
    skipped: list[str] = field(default_factory=list)  # sizes outside the contract: the original faults


def bounded_check(pair: Pair, *, bound: int, deadline: float, timeout_ms: int = 5000) -> BoundedReport:
    names = size_names(pair.orig_fn, pair.macros)
    report = BoundedReport(proved_bound=0)
    current_max = 0
    for sizes in size_tuples(names, pair.macros, bound):
        level = max((v for _, v in sizes.values), default=0)
        if level > current_max:
            report.proved_bound = current_max = level - 1 if level > 0 else 0
        if time.monotonic() > deadline:
            report.stopped = f"time limit reached while checking sizes {sizes.as_dict()}"
            return report
        outcome = _check_sizes(pair, sizes, timeout_ms)
        report.tuples += 1
        if outcome is not None:
            kind, payload = outcome
            if kind == "skipped":
                report.skipped.append(payload)
                continue
            if kind == "model":
                report.model = payload
            elif kind == "fault":
                report.fault, report.fault_sizes = payload, sizes
            else:
                report.stopped = payload
            return report
    report.proved_bound = bound
    if report.skipped and len(report.skipped) == report.tuples:
        report.proved_bound, report.stopped = 0, "the original faults on every size tuple checked"
    return report


def _check_sizes(pair: Pair, sizes: Sizes, timeout_ms: int) -> Optional[tuple[str, Any]]:
    env = sizes.as_dict()
    domain = RealDomain()
    scalars: dict[str, Any] = dict(env)
    arrays: dict[str, list] = {}
    symbols: dict[str, Any] = {}
    for p in pair.orig_fn.params:
        if isinstance(p, ScalarParam) and not p.type.is_integer:
            scalars[p.name] = symbols[p.name] = z3.Real(p.name)
        elif isinstance(p, ArrayParam):
            extent = array_extent(pair.shapes[p.name], env)
            if extent < 0:
                return "skipped", f"sizes {env}: '{p.name}' would have a negative extent"
            make = z3.Int if p.type.is_integer else z3.Real
            arrays[p.name] = [make(f"{p.name}[{k}]") for k in range(extent)]
    try:
        o = run(pair.original, pair.orig_fn.name, scalars, _stores(pair.orig_fn, arrays), domain=domain,
                max_steps=MAX_STEPS)
    except ExecutionFault as e:
        return "skipped", f"sizes {env}: the original itself faults ({e.detail})"
    except Unsupported as e:
        return "stopped", f"sizes {env}: the original: {e}"
    try:
        q = run(pair.port, pair.port_fn.name, scalars, _stores(pair.port_fn, arrays), domain=domain,
                max_steps=port_step_limit(pair, o.steps, env))
    except ExecutionFault as e:
        return "fault", f"sizes {env}: {e}"
    except Unsupported as e:
        return "stopped", f"sizes {env}: {e}"
    differences = []
    pairs_of_values = [(p.name, a, b) for p in pair.orig_fn.params if isinstance(p, ArrayParam)
                       for a, b in zip(o.arrays[p.name].values, q.arrays[p.name].values)]
    if pair.orig_fn.return_type is not None:
        pairs_of_values.append(("the return value", o.return_value, q.return_value))
    for name, a, b in pairs_of_values:
        if a is UNDEF and b is UNDEF:
            continue
        if a is UNDEF or b is UNDEF or a is None or b is None:
            return "stopped", f"sizes {env}: '{name}' left undefined by one side"
        a, b = domain._num(a), domain._num(b)
        if _is_sym(a) or _is_sym(b):
            d = z3.simplify(a - b, som=True) if not isinstance(a, bool) else None
            if d is not None and z3.is_rational_value(d) and d.as_fraction() == 0:
                continue
            differences.append(a != b)
        elif a != b:
            differences.append(z3.BoolVal(True))
    if not differences:
        return None
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    solver.add(z3.Or(*differences))
    result = solver.check()
    if result == z3.unsat:
        return None
    if result == z3.unknown:
        return "stopped", f"sizes {env}: solver gave up ({solver.reason_unknown()})"
    model = solver.model()
    return "model", _inputs_from_model(pair, env, symbols, arrays, model)


def _stores(fn, arrays: dict[str, list]) -> dict[str, ArrayStore]:
    out = {}
    for p in fn.params:
        if isinstance(p, ArrayParam):
            values = arrays[p.name]
            out[p.name] = ArrayStore(p.type, (len(values),), list(values))
    return out


def _inputs_from_model(pair: Pair, env: dict, symbols: dict, arrays: dict, model: z3.ModelRef) -> Inputs:
    def value(t) -> float:
        v = model.eval(t, model_completion=True)
        return float(v.as_fraction()) if z3.is_rational_value(v) else float(v.as_long())
    scalars = {name: value(s) for name, s in symbols.items()}
    out = {}
    for p in pair.orig_fn.params:
        if isinstance(p, ArrayParam):
            from portproof.ir.concrete import DTYPES
            out[p.name] = np.array([value(t) for t in arrays[p.name]], dtype=DTYPES[p.type])
    return Inputs(env, scalars, out)
