"""Bounded proof: run both IRs on symbolic inputs (z3 terms) for every size up to a bound and ask
z3 whether any output element can differ. Floats are reals under `--fp real`, IEEE binary32/64
(z3's floating-point theory, round to nearest even) under `--fp ieee`."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import z3

from portproof.diagnostics import Unsupported
from portproof.ir.concrete import DTYPES, ConcreteDomain, int_range
from portproof.ir.evaluate import UNDEF, ArrayStore
from portproof.ir.faults import ExecutionFault
from portproof.ir.interpret import run
from portproof.ir.nodes import ArrayParam, ScalarParam
from portproof.ir.types import I64, ScalarType
from portproof.validator.binding import Pair
from portproof.validator.inputs import Inputs, Sizes, array_extent, make_inputs, size_names, size_tuples
from portproof.validator.search import MAX_STEPS, compare_outputs, port_step_limit, run_pair

_CMP = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _is_sym(x: Any) -> bool:
    return isinstance(x, z3.ExprRef)


class RealDomain:
    """Integers stay concrete Python ints unless they come from symbolic data; floats are z3 reals."""

    def __init__(self) -> None:
        self.concrete = ConcreteDomain()
        self.functions: dict[str, z3.FuncDeclRef] = {}
        # accesses at data-dependent subscripts: where each faults, and the fault
        self.faults: list[tuple[z3.BoolRef, ExecutionFault]] = []

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

    def access(self, ok: Any, path: tuple[tuple[Any, bool], ...], fault: ExecutionFault) -> None:
        where = [self._bool(c) if taken else z3.Not(self._bool(c)) for c, taken in path]
        faults = z3.And(*where, z3.Not(self._bool(ok)))
        if not z3.is_false(z3.simplify(faults)):
            self.faults.append((faults, fault))

    def from_bytes(self, byte: int, type: ScalarType) -> Any:
        if type.is_float:
            return z3.Real(f"memset_{byte}_{type}")
        return self.concrete.from_bytes(byte, type)

    def symbol(self, name: str, type: ScalarType) -> Any:
        return z3.Real(name) if type.is_float else z3.Int(name)

    def constraints(self, symbols: dict, arrays: dict, types: dict) -> list:
        """Integer inputs hold values of their C type (they are written to the programs as such)."""
        out = []
        for name, terms in [*((k, [v]) for k, v in symbols.items()), *arrays.items()]:
            t = types[name]
            if t.is_integer:
                lo, hi = int_range(t)
                out += [z3.And(lo <= v, v <= hi) for v in terms]
        return out

    def differs(self, a: Any, b: Any, type: ScalarType) -> Any:
        """A z3 condition under which outputs `a` and `b` differ; None when they are equal."""
        a, b = self._num(a), self._num(b)
        if _is_sym(a) or _is_sym(b):
            d = z3.simplify(a - b, som=True) if not isinstance(a, bool) else None
            if d is not None and z3.is_rational_value(d) and d.as_fraction() == 0:
                return None
            return a != b
        return z3.BoolVal(True) if a != b else None

    def value(self, model: z3.ModelRef, t: Any, type: ScalarType) -> Any:
        v = model.eval(t, model_completion=True)
        return float(v.as_fraction()) if z3.is_rational_value(v) else float(v.as_long())


_FP_CMP = {"==": z3.fpEQ, "!=": z3.fpNEQ, "<": z3.fpLT, "<=": z3.fpLEQ, ">": z3.fpGT, ">=": z3.fpGEQ}
_FP_ARITH = {"+": z3.fpAdd, "-": z3.fpSub, "*": z3.fpMul, "/": z3.fpDiv}
_ROUND_TO_INTEGRAL = {"floor": z3.RTN, "ceil": z3.RTP, "trunc": z3.RTZ}
_UINT = {32: np.uint32, 64: np.uint64}


def _sort(type: ScalarType) -> z3.FPSortRef:
    return z3.Float32() if type.bits == 32 else z3.Float64()


def _bits(v: Any, type: ScalarType) -> int:
    return np.array(v, dtype=DTYPES[type]).view(_UINT[type.bits]).item()


class IeeeDomain(RealDomain):
    """C semantics of float and double on z3 FloatingPoint terms, rounding to nearest even, with no
    contraction into FMA. Integers are as in RealDomain; concrete floats stay numpy scalars.
    Math functions other than sqrt, fabs, fmin, fmax, floor, ceil and trunc are uninterpreted
    functions per precision, so a model that depends on them is checked by execution."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple, Any] = {}
        self.uninterpreted: set[str] = set()

    def fp(self, x: Any, type: ScalarType) -> Any:
        """`x` (any scalar, concrete or symbolic) converted to a z3 term of float type `type`."""
        if isinstance(x, z3.FPRef):
            return x if x.sort() == _sort(type) else z3.fpToFP(z3.RNE(), x, _sort(type))
        if _is_sym(x):
            return z3.fpRealToFP(z3.RNE(), z3.ToReal(self._num(x)), _sort(type))
        if not isinstance(x, (np.floating, float)):
            x = self.concrete.cast(int(x), I64, type)
        key = (type.bits, _bits(x, type))
        v = self.values.get(key)
        if v is None:
            v = self.values[key] = z3.simplify(z3.fpBVToFP(z3.BitVecVal(key[1], type.bits), _sort(type)))
        return v

    def constant(self, value, type: ScalarType) -> Any:
        return self.concrete.constant(value, type)

    def _bool(self, x: Any) -> Any:
        if isinstance(x, z3.FPRef):
            return z3.Not(z3.fpIsZero(x))
        return super()._bool(x)

    def unary(self, op: str, x: Any, type: ScalarType) -> Any:
        if not isinstance(x, z3.FPRef):
            return super().unary(op, x, type)
        if op == "-":
            return z3.fpNeg(x)
        if op == "!":
            return z3.fpIsZero(x)
        raise Unsupported(f"symbolic {op} on {type}")

    def binary(self, op: str, x: Any, y: Any, operand_type: ScalarType, result_type: ScalarType) -> Any:
        if not operand_type.is_float or op in ("&&", "||") or not (_is_sym(x) or _is_sym(y)):
            return super().binary(op, x, y, operand_type, result_type)
        x, y = self.fp(x, operand_type), self.fp(y, operand_type)
        if op in _FP_CMP:
            return _FP_CMP[op](x, y)
        if op in _FP_ARITH:
            return _FP_ARITH[op](z3.RNE(), x, y)
        raise Unsupported(f"operator {op} on symbolic {operand_type}")

    def cast(self, x: Any, src: ScalarType, dst: ScalarType) -> Any:
        if not _is_sym(x):
            return self.concrete.cast(x, src, dst)
        if dst.is_float:
            return self.fp(x, dst)
        if not src.is_float:
            return super().cast(x, src, dst)
        if dst.kind == "bool":
            return self._bool(x)
        # C truncates toward zero; out of range or NaN is undefined (any value of the type)
        to_bv = z3.fpToSBV if dst.signed else z3.fpToUBV
        return z3.BV2Int(to_bv(z3.RTZ(), x, z3.BitVecSort(dst.bits)), is_signed=dst.signed)

    def call(self, name: str, args: tuple, arg_types: tuple, result_type: ScalarType) -> Any:
        from portproof.ir.builtins import base_name
        base = base_name(name)
        if not result_type.is_float:
            return super().call(name, args, arg_types, result_type)
        symbolic = any(_is_sym(a) for a in args)
        if base in ("fmin", "min", "fmax", "max") and len(args) == 2:
            a, b = args
            if not symbolic:
                if np.isnan(a):
                    return b
                if np.isnan(b):
                    return a
                return b if (b < a if base in ("fmin", "min") else b > a) else a
            a, b = self.fp(a, result_type), self.fp(b, result_type)
            # C's fmin/fmax: a NaN operand gives the other; on ties (-0, +0) the first, as glibc
            better = z3.fpLT(b, a) if base in ("fmin", "min") else z3.fpGT(b, a)
            return z3.If(z3.fpIsNaN(a), b, z3.If(z3.fpIsNaN(b), a, z3.If(better, b, a)))
        exact = {"fabs", "abs", "sqrt"} | set(_ROUND_TO_INTEGRAL)
        if base in exact and not symbolic:
            return self.concrete.call(name, args, arg_types, result_type)
        fargs = [self.fp(a, t) for a, t in zip(args, arg_types)]
        if base in ("fabs", "abs"):
            return z3.fpAbs(fargs[0])
        if base == "sqrt":
            return z3.fpSqrt(z3.RNE(), fargs[0])
        if base in _ROUND_TO_INTEGRAL:
            return z3.fpRoundToIntegral(_ROUND_TO_INTEGRAL[base](), fargs[0])
        sort = _sort(result_type)
        key = f"{base}/{len(args)}/{sort}"
        if key not in self.functions:
            self.functions[key] = z3.Function(f"math_{base}_{result_type}", *[a.sort() for a in fargs], sort)
        self.uninterpreted.add(name)
        return self.functions[key](*fargs)

    def select(self, cond: Any, a: Any, b: Any, type: ScalarType) -> Any:
        if not type.is_float or not _is_sym(cond):
            return super().select(cond, a, b, type)
        return z3.If(self._bool(cond), self.fp(a, type), self.fp(b, type))

    def from_bytes(self, byte: int, type: ScalarType) -> Any:
        return self.concrete.from_bytes(byte, type)

    def symbol(self, name: str, type: ScalarType) -> Any:
        return z3.FP(name, _sort(type)) if type.is_float else z3.Int(name)

    def differs(self, a: Any, b: Any, type: ScalarType) -> Any:
        """Bit-exact: +0 and -0 differ, every NaN equals every NaN (SMT-LIB's `=` on floats)."""
        if not type.is_float:
            return super().differs(a, b, type)
        if not _is_sym(a) and not _is_sym(b):
            same = _bits(a, type) == _bits(b, type) or (np.isnan(a) and np.isnan(b))
            return None if same else z3.BoolVal(True)
        a, b = self.fp(a, type), self.fp(b, type)
        if z3.eq(a, b):
            return None
        return a != b

    def value(self, model: z3.ModelRef, t: Any, type: ScalarType) -> Any:
        if not type.is_float:
            return model.eval(t, model_completion=True).as_long()
        v = model.eval(t, model_completion=True)
        if isinstance(v, z3.FPNumRef) and v.isNaN():
            return float("nan")
        bits = model.eval(z3.fpToIEEEBV(t), model_completion=True).as_long()
        return np.array(bits, dtype=_UINT[type.bits]).view(DTYPES[type]).item()

    def finite(self, symbols: dict, arrays: dict) -> list:
        terms = list(symbols.values()) + [v for vs in arrays.values() for v in vs]
        return [z3.Not(z3.Or(z3.fpIsNaN(v), z3.fpIsInf(v))) for v in terms if isinstance(v, z3.FPRef)]


def _exact(v) -> str:
    from fractions import Fraction
    f = Fraction(float(v)) if not isinstance(v, int) else Fraction(v)
    return f"{f.numerator}/{f.denominator}"


@dataclass
class BoundedReport:
    proved_bound: int                  # every size tuple with all sizes <= this was checked
    model: Optional[Inputs] = None     # inputs z3 found on which outputs differ
    fault: Optional[str] = None
    fault_sizes: Optional[Sizes] = None  # where the port faults (whatever the data, or on `model`)
    stopped: str = ""                  # why the check stopped before the requested bound
    tuples: int = 0
    skipped: list[str] = field(default_factory=list)  # sizes outside the contract: the original faults
    uninterpreted: set[str] = field(default_factory=set)  # math functions left uninterpreted (ieee)
    found_by: str = "z3"               # or "random floats" (ieee): what produced `model`


def bounded_check(pair: Pair, *, bound: int, deadline: float, timeout_ms: int = 5000,
                  fp: str = "real") -> BoundedReport:
    names = size_names(pair.orig_fn, pair.macros)
    report = BoundedReport(proved_bound=0)
    current_max = 0
    blocked: Optional[int] = None  # ieee: the level where z3 first gave up; larger sizes may still refute
    rng = np.random.default_rng(0)
    for sizes in size_tuples(names, pair.macros, bound):
        level = max((v for _, v in sizes.values), default=0)
        if level > current_max and blocked is None:
            report.proved_bound = current_max = level - 1 if level > 0 else 0
        if time.monotonic() > deadline:
            report.stopped = (f"{report.stopped}; then " if report.stopped else "") + \
                f"time limit reached while checking sizes {sizes.as_dict()}"
            return report
        domain = IeeeDomain() if fp == "ieee" else RealDomain()
        outcome = _float_testing(pair, sizes, rng) if fp == "ieee" else None
        if outcome is not None:
            report.found_by = "random floats"
        else:
            outcome = _check_sizes(pair, sizes, timeout_ms, domain)
        report.uninterpreted |= getattr(domain, "uninterpreted", set())
        report.tuples += 1
        if outcome is not None:
            kind, payload = outcome
            if kind == "skipped":
                report.skipped.append(payload)
                continue
            if kind == "gave up" and fp == "ieee":
                # bit-exact proofs of differently shaped float terms are hard for z3, counterexamples
                # are not: keep looking for one at larger sizes
                if blocked is None:
                    blocked, report.stopped = level, payload
                continue
            if kind == "model":
                report.model = payload
            elif kind == "fault":
                report.fault, report.fault_sizes = payload, sizes
            elif kind == "fault model":
                (report.fault, report.model), report.fault_sizes = payload, sizes
            else:
                report.stopped = payload
            return report
    report.proved_bound = bound if blocked is None else max(blocked - 1, 0)
    if report.skipped and len(report.skipped) == report.tuples:
        report.proved_bound, report.stopped = 0, "the original faults on every size tuple checked"
    return report


def _float_testing(pair: Pair, sizes: Sizes, rng: np.random.Generator,
                   runs: int = 3) -> Optional[tuple[str, Any]]:
    """ieee: runs of both IRs on random floats of mixed magnitudes, whose sums and products round
    (the search's small integers are exact); a bit-level difference is a model, as z3's would be."""
    for _ in range(runs):
        inputs = make_inputs(pair.orig_fn, pair.shapes, sizes, rng)
        if inputs is None:
            return None
        for p in pair.orig_fn.params:
            if p.type.is_float and p.name in inputs.scalars:
                inputs.scalars[p.name] = float(DTYPES[p.type](_random_floats(rng, 1)[0]))
            elif p.type.is_float and p.name in inputs.arrays:
                inputs.arrays[p.name] = _random_floats(rng, inputs.arrays[p.name].size).astype(DTYPES[p.type])
        orig, port, orig_fault = run_pair(pair, inputs)
        if orig_fault is not None or "fault" in port:
            return None  # data-dependent faults are left to z3
        if compare_outputs(pair, orig, port, fp="ieee") is not None:
            return "model", inputs
    return None


def _random_floats(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal(n) * np.exp2(rng.integers(-8, 9, size=n))


def _check_sizes(pair: Pair, sizes: Sizes, timeout_ms: int,
                 domain: RealDomain) -> Optional[tuple[str, Any]]:
    env = sizes.as_dict()
    scalars: dict[str, Any] = dict(env)
    arrays: dict[str, list] = {}
    symbols: dict[str, Any] = {}
    types: dict[str, ScalarType] = {}
    for p in pair.orig_fn.params:
        if isinstance(p, ScalarParam) and not p.type.is_integer:
            scalars[p.name] = symbols[p.name] = domain.symbol(p.name, p.type)
            types[p.name] = p.type
        elif isinstance(p, ArrayParam):
            extent = array_extent(pair.shapes[p.name], env)
            if extent < 0:
                return "skipped", f"sizes {env}: '{p.name}' would have a negative extent"
            arrays[p.name] = [domain.symbol(f"{p.name}[{k}]", p.type) for k in range(extent)]
            types[p.name] = p.type
    try:
        o = run(pair.original, pair.orig_fn.name, scalars, _stores(pair.orig_fn, arrays), domain=domain,
                max_steps=MAX_STEPS)
    except ExecutionFault as e:
        return "skipped", f"sizes {env}: the original itself faults ({e.detail})"
    except Unsupported as e:
        return "stopped", f"sizes {env}: the original: {e}"
    except z3.Z3Exception as e:
        return "stopped", f"sizes {env}: the original could not be encoded ({e})"
    # inputs on which the original reads or writes out of bounds are outside the contract
    contract = domain.constraints(symbols, arrays, types) + [z3.Not(c) for c, _ in domain.faults]
    if domain.faults and _solve(contract, timeout_ms)[0] == z3.unsat:
        return "skipped", f"sizes {env}: the original faults whatever the data ({domain.faults[0][1]})"
    domain.faults = []
    # under ieee the port sees the original's element types, as in the concrete runs
    port_types = types if isinstance(domain, IeeeDomain) else {}
    try:
        q = run(pair.port, pair.port_fn.name, scalars, _stores(pair.port_fn, arrays, port_types),
                domain=domain, max_steps=port_step_limit(pair, o.steps, env))
    except ExecutionFault as e:
        return "fault", f"sizes {env}: {e}"
    except Unsupported as e:
        return "stopped", f"sizes {env}: {e}"
    except z3.Z3Exception as e:
        return "stopped", f"sizes {env}: the port could not be encoded ({e})"
    if domain.faults:
        result, solver = _solve(contract + [z3.Or(*[c for c, _ in domain.faults])], timeout_ms)
        if result == z3.unknown:
            return "stopped", f"sizes {env}: solver gave up on the bounds of the port ({solver.reason_unknown()})"
        if result == z3.sat:
            model = solver.model()
            fault = next(f for c, f in domain.faults if z3.is_true(model.eval(c, model_completion=True)))
            inputs = _inputs_from_model(pair, env, symbols, arrays, types, model, domain)
            return "fault model", (f"sizes {env}: {fault} (on the inputs z3 found)", inputs)
    differences = []
    pairs_of_values = [(p.name, p.type, a, b) for p in pair.orig_fn.params if isinstance(p, ArrayParam)
                       for a, b in zip(o.arrays[p.name].values, q.arrays[p.name].values)]
    if pair.orig_fn.return_type is not None:
        pairs_of_values.append(("the return value", pair.orig_fn.return_type, o.return_value, q.return_value))
    for name, type, a, b in pairs_of_values:
        if a is UNDEF and b is UNDEF:
            continue
        if a is UNDEF or b is UNDEF or a is None or b is None:
            return "stopped", f"sizes {env}: '{name}' left undefined by one side"
        d = domain.differs(a, b, type)
        if d is not None:
            differences.append(d)
    if not differences:
        return None
    result, solver = _solve(contract + [z3.Or(*differences)], timeout_ms)
    if result == z3.unsat:
        return None
    if result == z3.unknown:
        return "gave up", f"sizes {env}: solver gave up ({solver.reason_unknown()})"
    model = solver.model()
    finite = domain.finite(symbols, arrays) if isinstance(domain, IeeeDomain) else []
    if finite and not all(z3.is_true(model.eval(f, model_completion=True)) for f in finite):
        # prefer a counterexample with finite inputs when there is one
        solver.add(*finite)
        if solver.check() == z3.sat:
            model = solver.model()
    return "model", _inputs_from_model(pair, env, symbols, arrays, types, model, domain)


def _solve(assertions: list, timeout_ms: int) -> tuple[z3.CheckSatResult, z3.Solver]:
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    solver.add(*assertions)
    return solver.check(), solver


def _stores(fn, arrays: dict[str, list], types: Optional[dict] = None) -> dict[str, ArrayStore]:
    out = {}
    for p in fn.params:
        if isinstance(p, ArrayParam):
            values = arrays[p.name]
            out[p.name] = ArrayStore((types or {}).get(p.name, p.type), (len(values),), list(values))
    return out


def _inputs_from_model(pair: Pair, env: dict, symbols: dict, arrays: dict, types: dict,
                       model: z3.ModelRef, domain: RealDomain) -> Inputs:
    """The model's inputs; under ieee floats keep their exact bits."""
    scalars = {name: domain.value(model, s, types[name]) for name, s in symbols.items()}
    out = {}
    for p in pair.orig_fn.params:
        if isinstance(p, ArrayParam):
            out[p.name] = np.array([domain.value(model, t, p.type) for t in arrays[p.name]],
                                   dtype=DTYPES[p.type])
    return Inputs(env, scalars, out)
