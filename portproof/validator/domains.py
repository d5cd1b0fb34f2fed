"""The value domains of the bounded check: z3 reals for floats (`--fp real`), z3 IEEE binary32/64
(`--fp ieee`); integers are Python ints until data makes them z3 integers."""
from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np
import z3

from portproof.diagnostics import Unsupported
from portproof.ir.concrete import DTYPES, ConcreteDomain, int_range
from portproof.ir.faults import ExecutionFault
from portproof.ir.types import I64, ScalarType

_CMP = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _is_sym(x: Any) -> bool:
    return isinstance(x, z3.ExprRef)


class RealDomain:
    """Integers stay concrete Python ints unless they come from symbolic data; floats are z3 reals."""

    def __init__(self) -> None:
        self.concrete = ConcreteDomain()
        self.functions: dict[str, z3.FuncDeclRef] = {}
        # accesses at data-dependent subscripts: where each faults, and the fault (the original's
        # are moved to `original_faults` before the port runs)
        self.faults: list[tuple[z3.BoolRef, ExecutionFault]] = []
        self.original_faults: list[tuple[z3.BoolRef, ExecutionFault]] = []
        # reals have no infinity: an infinite constant is a stand-in symbol below (above) every
        # float input, sound only as long as no arithmetic depends on its value (see `inf_operands`)
        self.infinities: dict[bool, z3.ArithRef] = {}
        self.inf_operands: dict[int, z3.ExprRef] = {}  # arithmetic operands that mention one, by id
        self._mentions: dict[int, tuple[z3.ExprRef, bool]] = {}
        # min/max terms by id: (is max, operands, the term itself so that its id is not reused)
        self._extrema: dict[int, tuple[bool, tuple, z3.ExprRef]] = {}

    def _real(self, v: Any) -> z3.ArithRef:
        """A concrete number as a z3 real."""
        if isinstance(v, (float, np.floating)):
            if math.isnan(v):
                raise Unsupported("a NaN constant (reals have no NaN; use --fp ieee)")
            if math.isinf(v):
                key = bool(v > 0)
                if key not in self.infinities:
                    # not a C identifier, so no input symbol has the name
                    self.infinities[key] = z3.Real("+INFINITY" if key else "-INFINITY")
                return self.infinities[key]
        return z3.RealVal(_exact(v))

    def _arith(self, *terms: Any) -> None:
        """Note the operands of an operation that is not a comparison, min, max or select."""
        if self.infinities:
            for t in terms:
                if _is_sym(t) and self._mentions_infinity(t):
                    self.inf_operands[t.get_id()] = t

    def _extremum(self, is_max: bool, a: Any, b: Any) -> Any:
        """max(a, b) or min(a, b). On reals (and integers) both are associative and commutative: the
        operands of nested ones are flattened and ordered, so that a tree reduction and a loop give
        the same term, which needs no solver to compare."""
        op = ">=" if is_max else "<="
        operands: dict[int, Any] = {}
        for t in (a, b):
            kind, inner, _ = self._extrema.get(t.get_id(), (None, (t,), None)) if _is_sym(t) else (None, (t,), None)
            for u in inner if kind == is_max else (t,):
                operands.setdefault(u.get_id() if _is_sym(u) else ("value", u), u)
        ordered = [operands[k] for k in sorted(operands, key=str)]
        result = ordered[0]
        for u in ordered[1:]:
            first = self._order(op, result, u)
            result = (result if first else u) if isinstance(first, bool) else z3.If(first, result, u)
        if _is_sym(result) and len(ordered) > 1:
            self._extrema.setdefault(result.get_id(), (is_max, tuple(ordered), result))
        return result

    def _order(self, op: str, x: Any, y: Any) -> Any:
        """`x op y`; decided as IEEE does where an infinity meets an infinity or a finite value."""
        if self.infinities:
            ranks = [self._rank(v) for v in (x, y)]
            if None not in ranks and ranks != [0, 0]:
                return _CMP[op](*ranks)
        return _CMP[op](x, y)

    def _rank(self, v: Any) -> Optional[int]:
        """-1 or 1 for an infinity stand-in, 0 for a term without one, None for a mixed term."""
        for sign, s in self.infinities.items():
            if _is_sym(v) and z3.eq(v, s):
                return 1 if sign else -1
        return None if _is_sym(v) and self._mentions_infinity(v) else 0

    def _mentions_infinity(self, t: z3.ExprRef) -> bool:
        memo, stack = self._mentions, [t]
        while stack:
            u = stack[-1]
            if u.get_id() in memo:
                stack.pop()
                continue
            todo = [c for c in u.children() if c.get_id() not in memo]
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            found = any(memo[c.get_id()][1] for c in u.children()) or \
                any(z3.eq(u, s) for s in self.infinities.values())
            memo[u.get_id()] = (u, found)  # the term is kept so that its id is not reused
        return memo[t.get_id()][1]

    def _num(self, x: Any) -> Any:
        if isinstance(x, z3.BoolRef):
            return z3.If(x, 1, 0)
        return x

    def constant(self, value, type: ScalarType) -> Any:
        if type.is_float:
            return self._real(value)
        return self.concrete.constant(value, type)

    def unary(self, op: str, x: Any, type: ScalarType) -> Any:
        if not _is_sym(x):
            return self.concrete.unary(op, x, type)
        if op == "-":
            self._arith(x)
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
            return self._order(op, x, y)
        self._arith(x, y)
        if op in ("+", "-", "*") and result_type.is_integer and not result_type.signed and \
                result_type.kind != "bool":  # unsigned arithmetic is modulo 2^bits in C
            return {"+": x + y, "-": x - y, "*": x * y}[op] % 2 ** result_type.bits
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
            return self._real(x)
        if src.is_float:
            if not _is_sym(x):
                return int(x)
            self._arith(x)
            return z3.If(x >= 0, z3.ToInt(x), -z3.ToInt(-x))
        if _is_sym(x):
            x = self._num(x)
            if dst.kind == "bool" or not (dst.is_integer and src.is_integer):
                return x
            if not dst.signed and (src.signed or src.bits > dst.bits):  # modulo 2^bits
                return x % 2 ** dst.bits
            if dst.signed and (src.bits > dst.bits or (not src.signed and src.bits == dst.bits)):
                half = 2 ** (dst.bits - 1)  # gcc wraps into the signed range
                return (x + half) % 2 ** dst.bits - half
            return x
        return self.concrete.cast(x, src, dst)

    def wrapping(self, op: str, x: Any, y: Any, type: ScalarType) -> Any:
        """Exact, as the original's signed arithmetic is here (its overflow is undefined). Where the exact
        result fits the type it is the wrapped one, so an equality proved with it holds; where it does not, a
        difference is only a candidate, which the run from source confirms or not."""
        return self.binary(op, x, y, type, type)

    def call(self, name: str, args: tuple, arg_types: tuple, result_type: ScalarType) -> Any:
        from portproof.ir.builtins import base_name
        base = base_name(name)
        if not any(_is_sym(a) for a in args) and not result_type.is_float:
            return self.concrete.call(name, args, arg_types, result_type)
        args = tuple(self._num(a) if _is_sym(a) else (self._real(a) if result_type.is_float else a)
                     for a in args)
        if base in ("fmin", "min", "fmax", "max") and len(args) == 2:
            return self._extremum(base in ("fmax", "max"), *args)
        self._arith(*args)
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
            a = a if _is_sym(a) else self._real(a)
            b = b if _is_sym(b) else self._real(b)
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
        """Integer inputs hold values of their C type (they are written to the programs as such);
        float inputs lie between the infinity stand-ins."""
        out = []
        for name, terms in [*((k, [v]) for k, v in symbols.items()), *arrays.items()]:
            t = types[name]
            if t.is_integer:
                lo, hi = int_range(t)
                out += [z3.And(lo <= v, v <= hi) for v in terms]
            elif t.is_float:
                out += [v < self.infinities[True] for v in terms if True in self.infinities]
                out += [self.infinities[False] < v for v in terms if False in self.infinities]
        if len(self.infinities) == 2:
            out.append(self.infinities[False] < self.infinities[True])
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
