"""Symbolic summaries of a normalized function: per top-level phase, every array write as a term
over loop variables, with the scalar folds (accumulators) of sequential loops already closed."""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Optional

import sympy as sp
from sympy.core.function import AppliedUndef

from portproof.ir.mapper import Mapper, walk
from portproof.ir.nodes import (
    ArrayParam, Assign, Atomic, Barrier, Binary, Call, Cast, Const, Copy, Declare, Fill, For, Function, If,
    Load, LocalArray, ParallelFor, Return, ScalarParam, Select, SourceLoc, Store, Unary, Var, While,
)
from portproof.ir.types import I32, U32, ScalarType, arithmetic_result, promote
from portproof.validator.symbolic import (
    as_value, c_div, c_mod, combine, const, extremum, extremum_step, int_symbol, ite, pull_out, read_fn,
    real_symbol, sigma, truth,
)
from portproof.ir.builtins import base_name
from portproof.ir.typeof import expr_type


class NotProvable(Exception):
    """The all-sizes prover cannot handle this program; carries the construct and its location."""

    def __init__(self, reason: str, loc: Optional[SourceLoc] = None):
        super().__init__(f"{loc}: {reason}" if loc else reason)
        self.reason = reason
        self.loc = loc


@dataclass(frozen=True, eq=False)
class Loop:
    """One enclosing iteration dimension: var takes lo, lo+step, ... below hi (compared by identity)."""
    var: sp.Symbol
    lo: sp.Expr
    hi: sp.Expr
    step: sp.Expr
    parallel: bool
    loc: Optional[SourceLoc] = None
    descending: bool = False  # runs from hi-1 down to lo (the order matters for last-value folds)

    def range_facts(self) -> tuple:
        facts = (sp.Ge(self.var, self.lo), sp.Lt(self.var, self.hi))
        if self.step != 1:
            facts += (sp.Eq(sp.Mod(self.var - self.lo, self.step), 0),)
        return facts

    def subs(self, mapping: dict) -> "Loop":
        return Loop(self.var, self.lo.xreplace(mapping), self.hi.xreplace(mapping),
                    self.step.xreplace(mapping), self.parallel, self.loc, self.descending)

    def last(self) -> sp.Expr:
        """The value of the variable in the last iteration (when there is one)."""
        return self.lo if self.descending else self.lo + self.step * (trip_count(self) - 1)


@dataclass(frozen=True)
class Write:
    array: str
    index: sp.Expr
    value: sp.Expr
    cond: sp.Basic
    loops: tuple[Loop, ...]
    loc: Optional[SourceLoc]
    version: int = 0  # how many stores to `array` this thread made before this one, in this phase
    atomic: bool = False  # an atomic add/sub/max/min: threads may update the element in any order


@dataclass(frozen=True)
class Access:
    """A read or write, kept for the bounds check."""
    array: str
    index: sp.Expr
    cond: sp.Basic
    loops: tuple[Loop, ...]
    loc: Optional[SourceLoc]


@dataclass
class Phase:
    writes: list[Write] = field(default_factory=list)
    accesses: list[Access] = field(default_factory=list)
    written: frozenset = frozenset()


@dataclass
class Summary:
    phases: list[Phase]
    arrays: dict[str, ScalarType]           # element type of every array
    extents: dict[str, sp.Expr]             # flat extent of every array
    initial: dict[str, str]                 # "in" for parameters, "undef" for allocated arrays
    declared_at: dict[str, int]             # phase of an allocation
    return_value: Optional[sp.Expr]
    tainted: frozenset                      # symbols standing for values the prover could not close


_counter = itertools.count()


def _fresh(name: str, integer: bool) -> sp.Symbol:
    n = f"{name}#{next(_counter)}"
    return int_symbol(n) if integer else real_symbol(n)


def param_symbol(p: ScalarParam) -> sp.Symbol:
    return int_symbol(p.name, nonnegative=True) if p.type.is_integer else real_symbol(p.name)


class Summarizer(Mapper):
    """Walks statements, evaluating scalars to terms and recording writes and accesses."""

    def __init__(self, fn: Function, extents: dict[str, sp.Expr], macros: dict[str, sp.Symbol]):
        self.fn = fn
        self.env: dict[str, sp.Expr] = dict(macros)
        self.types: dict[str, ScalarType] = {}
        self.arrays: dict[str, ScalarType] = {}
        self.extents = dict(extents)
        self.initial: dict[str, str] = {}
        self.declared_at: dict[str, int] = {}
        self.tainted: set[sp.Symbol] = set()
        self.cond: sp.Basic = sp.true
        self.loops: list[Loop] = []
        self.buffer: dict[tuple[str, sp.Expr], sp.Expr] = {}
        self.versions: dict[str, int] = {}  # stores per array so far in the phase (own reads carry it)
        self.phase_index = 0
        self.phase = Phase()
        self.return_value: Optional[sp.Expr] = None
        for p in fn.params:
            if isinstance(p, ScalarParam):
                self.env[p.name] = param_symbol(p)
                self.types[p.name] = p.type
            else:
                self.arrays[p.name] = p.type
                self.initial[p.name] = "in"

    # ---- driver ---------------------------------------------------------------------------
    def summarize(self) -> Summary:
        phases = []
        for k, stmt in enumerate(self.fn.body):
            self.phase_index = k
            self.phase = Phase(written=frozenset(_written_arrays(stmt)))
            self.buffer = {}
            self.versions = {}
            self(stmt)
            phases.append(self.phase)
        return Summary(phases, self.arrays, self.extents, self.initial, self.declared_at,
                       self.return_value, frozenset(self.tainted))

    # ---- expressions ----------------------------------------------------------------------
    def ty(self, e) -> ScalarType:
        return expr_type(e, self.var_type, self.arrays.__getitem__)

    def var_type(self, name: str) -> ScalarType:
        """Declared scalars; CUDA builtins are unsigned; symbolic size macros are int."""
        if name in self.types:
            return self.types[name]
        return U32 if "." in name else I32

    def ev(self, e) -> sp.Expr:
        return _Eval(self)(e)

    def cond_of(self, e) -> sp.Basic:
        return _Eval(self).cond(e)

    def read(self, array: str, index: sp.Expr, loc) -> sp.Expr:
        if array not in self.arrays:
            raise NotProvable(f"read of unknown array '{array}'", loc)
        index = sp.expand(index)
        self.phase.accesses.append(Access(array, index, self.cond, tuple(self.loops), loc))
        integer = self.arrays[array].is_integer
        if array in self.phase.written:
            if (array, index) in self.buffer:
                return self.buffer[(array, index)]
            return self.own(array, index)
        return read_fn(f"at{self.phase_index}", array, integer)(index)

    def own(self, array: str, index: sp.Expr) -> sp.Expr:
        """This thread's read of an element the phase writes: valid only as the value just before
        this thread's next store to the array (the version says which store that is)."""
        version = self.versions.get(array, 0)
        return read_fn(f"own{version}", array, self.arrays[array].is_integer)(index)

    def store(self, w: Write) -> None:
        self.phase.writes.append(w)
        self.versions[w.array] = w.version + 1

    def bump(self, arrays) -> None:
        """After a join (if/else, loop) earlier own reads of these arrays are no longer current."""
        for a in arrays:
            self.versions[a] = self.versions.get(a, 0) + 1

    def convert(self, value: sp.Expr, src: ScalarType, dst: ScalarType) -> sp.Expr:
        if dst.kind == "bool":
            return as_value(sp.Ne(value, 0))
        if dst.is_integer and src.is_float:
            return sp.Function("trunc")(value)
        if dst.is_integer and src.is_integer and src.signed and not dst.signed and not self.nonnegative(value):
            # a negative value wraps modulo 2^bits (`(unsigned)v < n` is false for v < 0); a term known to be
            # nonnegative (sizes, thread indices, loop indices from a nonnegative start) keeps its value
            return ite(sp.Ge(value, 0), value, value + 2 ** dst.bits)
        return value

    def may_wrap(self, value: sp.Expr) -> bool:
        """An unsigned sum or product that mentions data (array reads, carried or unknown scalars): it may
        pass 2^bits and wrap; sizes and indices are taken not to overflow, as everywhere in the prover."""
        return bool(value.atoms(AppliedUndef)) or not self.nonnegative_symbols(value)

    def nonnegative_symbols(self, value: sp.Expr) -> bool:
        shifted = {loop.var: loop.lo + int_symbol(f"{loop.var}>=lo", nonnegative=True)
                   for loop in self.loops if loop.var in value.free_symbols and loop.lo.is_nonnegative}
        return all(x.is_nonnegative for x in sp.sympify(value).xreplace(shifted).free_symbols)

    def nonnegative(self, value: sp.Expr) -> bool:
        """`value` >= 0 for every value of the loop variables in their ranges (a sufficient test)."""
        shifted = {loop.var: loop.lo + int_symbol(f"{loop.var}>=lo", nonnegative=True)
                   for loop in self.loops if loop.var in value.free_symbols and loop.lo.is_nonnegative}
        return bool(sp.expand(value.xreplace(shifted)).is_nonnegative)

    # ---- statements -----------------------------------------------------------------------
    def map_declare(self, s: Declare) -> None:
        self.types[s.name] = s.type
        if s.init is None:
            self.env[s.name] = _fresh(f"uninit:{s.name}", s.type.is_integer)
        else:
            self.env[s.name] = self.convert(self.ev(s.init), self.ty(s.init), s.type)

    def map_assign(self, s: Assign) -> None:
        if s.name not in self.types:
            raise NotProvable(f"assignment to undeclared '{s.name}'", s.loc)
        self.env[s.name] = self.convert(self.ev(s.value), self.ty(s.value), self.types[s.name])

    def map_store(self, s: Store) -> None:
        if len(s.index) != 1:
            raise NotProvable("multi-dimensional store after flattening", s.loc)
        index = sp.expand(self.ev(s.index[0]))
        value = self.convert(self.ev(s.value), self.ty(s.value), self.arrays[s.array])
        self.store(Write(s.array, index, value, self.cond, tuple(self.loops), s.loc,
                         self.versions.get(s.array, 0)))
        self.phase.accesses.append(Access(s.array, index, self.cond, tuple(self.loops), s.loc))
        # another index of the same array may be the same element: forget what was stored there
        self.buffer = {key: v for key, v in self.buffer.items() if key[0] != s.array}
        self.buffer[(s.array, index)] = value

    def map_if(self, s: If) -> None:
        c = self.cond_of(s.cond)
        outer_cond, env, buffer = self.cond, dict(self.env), dict(self.buffer)
        self.cond = sp.And(outer_cond, c)
        self.block(s.then)
        then_env = self.env
        self.env, self.cond, self.buffer = dict(env), sp.And(outer_cond, sp.Not(c)), dict(buffer)
        self.block(s.orelse)
        else_env = self.env
        self.env = {k: ite(c, then_env[k], else_env[k]) if k in then_env and k in else_env else env.get(k)
                    for k in env}
        self.cond = outer_cond
        self.buffer = {}
        self.bump(_written_arrays(s))

    def block(self, stmts) -> None:
        saved_types = dict(self.types)
        for st in stmts:
            self(st)
        scoped = set(self.types) - set(saved_types)
        self.env = {k: v for k, v in self.env.items() if k not in scoped}
        self.types = saved_types

    def map_for(self, s: For) -> None:
        assigned = _assigned_scalars(s.body) | {n.name for n in walk(s.body) if isinstance(n, Declare)}
        changing = assigned & ({s.var} | _scalars_in(s.cond) | _scalars_in(s.step))
        if changing:
            raise NotProvable(f"the loop over '{s.var}' changes {', '.join(sorted(changing))} in its body "
                              f"(its bound or step is not fixed)", s.loc)
        lo, hi, step, descending = self.loop_range(s)
        k = _fresh(s.var, True)
        loop = Loop(k, lo, hi, step, False, s.loc, descending)
        carried = sorted(_assigned_scalars(s.body) & set(self.env))
        accs = {name: _fresh(f"acc:{name}", self.types[name].is_integer) for name in carried}
        # elements this thread wrote just before the loop are promoted to accumulators too
        stored = _written_arrays(s.body)
        promoted = {key: _fresh(f"acc:{key[0]}", self.arrays[key[0]].is_integer)
                    for key in self.buffer if key[0] in stored}
        before, types_before, buffer_before = dict(self.env), dict(self.types), dict(self.buffer)
        self.env.update(accs)
        self.env[s.var] = k
        self.types[s.var] = s.type
        self.loops.append(loop)
        self.buffer = {key: promoted.get(key, value) for key, value in buffer_before.items()}
        first = len(self.phase.writes)
        self.bump(stored)
        self.block(s.body)
        self.loops.pop()
        self.bump(stored)
        after, buffer_after = self.env, self.buffer
        self.env = {n: v for n, v in before.items()}
        acc_set = set(accs.values()) | set(promoted.values())
        inside = self.phase.writes[first:]
        del self.phase.writes[first:]
        closed = {}
        for key, acc in promoted.items():
            if key in buffer_after:
                # the element's value in memory when the loop ends: what this thread stored last
                current = self.own(key[0], key[1])
                closed[key] = (self.close_fold(key[0], acc, buffer_after[key], current, loop, acc_set),
                               current, buffer_before[key])
        for w in inside:
            if (w.array, w.index) in closed:
                continue  # replaced by the element's value after the loop, written below
            if _mentions(w.value, acc_set) or _mentions(w.index, acc_set) or _mentions(w.cond, acc_set):
                raise NotProvable(f"a write inside the loop over '{s.var}' depends on a value carried "
                                  f"from earlier iterations", w.loc)
            self.phase.writes.append(w)
        for name, acc in accs.items():
            self.env[name] = self.close_fold(name, acc, after[name], before[name], loop, acc_set)
        self.types = types_before
        self.buffer = {key: value for key, value in buffer_before.items() if key[0] not in stored}
        for (array, index), (value, current, stored) in closed.items():
            if value.free_symbols & self.tainted:
                raise NotProvable(f"'{array}[{index}]' is updated in the loop over '{s.var}' in a way the "
                                  f"prover cannot close", s.loc)
            self.store(Write(array, index, value, self.cond, tuple(self.loops), s.loc,
                             self.versions.get(array, 0)))
            self.buffer[(array, index)] = value.xreplace({current: stored})

    def close_fold(self, name, acc, new, old, loop: Loop, accs: set) -> sp.Expr:
        """The value of a scalar after a loop whose body maps it from `acc` to `new`."""
        closed = close_extremum(new, acc, old, loop, accs)
        if closed is not None:
            return closed
        new = pull_out(new, acc)
        if new == acc:
            return old
        delta = sp.expand(new - acc)
        if not _mentions(delta, accs):
            return old + loop_sum(loop, delta)
        if not _mentions(new, accs):
            return ite(sp.Gt(trip_count(loop), 0), new.xreplace({loop.var: loop.last()}), old)
        t = _fresh(f"carried:{name}", acc.is_integer)
        self.tainted.add(t)
        return t

    def loop_range(self, s: For) -> tuple[sp.Expr, sp.Expr, sp.Expr, bool]:
        """(lo, hi, step, descending) of a counted loop; anything else is refused."""
        start, step = self.ev(s.start), self.ev(s.step)
        c = s.cond
        if not isinstance(c, Binary) or c.op not in ("<", "<=", ">", ">="):
            raise NotProvable("loop condition is not an ordering comparison of the loop variable", s.loc)
        if c.left == Var(s.var):
            op, bound = c.op, self.ev(c.right)
        elif c.right == Var(s.var):
            op, bound = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}[c.op], self.ev(c.left)
        else:
            raise NotProvable("loop condition does not compare the loop variable", s.loc)
        if op in ("<", "<=") and (step.is_positive or (not step.is_number and step.is_nonnegative)):
            return start, bound + 1 if op == "<=" else bound, step, False
        if op in (">", ">=") and step == -1:
            if not s.type.signed:
                raise NotProvable(f"unsigned loop variable '{s.var}' counting down (wraps around below 0)", s.loc)
            lo = bound + 1 if op == ">" else bound
            return lo, start + 1, sp.Integer(1), True
        raise NotProvable("loop shape not supported (step direction or bound)", s.loc)

    def map_while(self, s: While) -> None:
        raise NotProvable("while loop", s.loc)

    def map_parallel_for(self, s: ParallelFor) -> None:
        shared = _assigned_scalars(s.body) & set(self.env)
        if shared:
            raise NotProvable(f"the parallel loop writes the shared scalar(s) {', '.join(sorted(shared))} "
                              f"(a race unless private)", s.loc)
        saved = dict(self.env)
        if s.kind == "cuda":
            new_loops = self.cuda_axes(s)
        elif s.kind == "omp":
            new_loops = []
            for a in s.axes:
                v = int_symbol(f"{a.var}#{next(_counter)}", nonnegative=True)
                new_loops.append(Loop(v, sp.Integer(0), sp.expand(self.ev(a.extent)), sp.Integer(1), True, s.loc))
                self.env[a.var] = v
                self.types[a.var] = I32
        else:
            raise NotProvable(f"parallel loop of kind '{s.kind}'", s.loc)
        self.loops.extend(new_loops)
        self.block(s.body)
        del self.loops[-len(new_loops):]
        self.env = saved
        self.buffer = {}

    def cuda_axes(self, s: ParallelFor) -> list[Loop]:
        """One loop per dimension over the global thread index g: blockIdx = g / blockDim and
        threadIdx = g % blockDim, so `blockIdx.x * blockDim.x + threadIdx.x` is simply g."""
        extents = {a.var: self.ev(a.extent) for a in s.axes}
        new_loops = []
        for d in ("z", "y", "x"):
            grid, block = extents[f"blockIdx.{d}"], extents[f"threadIdx.{d}"]
            g = int_symbol(f"g{d}#{next(_counter)}", nonnegative=True)
            new_loops.append(Loop(g, sp.Integer(0), sp.expand(grid * block), sp.Integer(1), True, s.loc))
            bx = sp.floor(g / block) if block != 1 else g
            self.env[f"blockIdx.{d}"] = bx
            self.env[f"threadIdx.{d}"] = sp.expand(g - block * bx) if block != 1 else sp.Integer(0)
        return new_loops

    def map_local_array(self, s: LocalArray) -> None:
        if self.loops:
            raise NotProvable(f"{s.space} array '{s.name}' inside a parallel region", s.loc)
        if len(s.extents) != 1:
            raise NotProvable("multi-dimensional allocation", s.loc)
        self.arrays[s.name] = s.type
        self.extents[s.name] = sp.expand(self.ev(s.extents[0]))
        self.initial[s.name] = "undef"
        self.declared_at[s.name] = self.phase_index

    def map_copy(self, s: Copy) -> None:
        k = _fresh("copy", True)
        count = self.ev(s.count)
        loop = Loop(k, sp.Integer(0), count, sp.Integer(1), False, s.loc)
        self.loops.append(loop)
        value = self.read(s.src, k, s.loc)
        self.store(Write(s.dst, k, value, self.cond, tuple(self.loops), s.loc, self.versions.get(s.dst, 0)))
        self.phase.accesses.append(Access(s.dst, k, self.cond, tuple(self.loops), s.loc))
        self.loops.pop()

    def map_fill(self, s: Fill) -> None:
        byte = self.ev(s.byte)
        if byte != 0:
            raise NotProvable("cudaMemset with a non-zero byte", s.loc)
        k = _fresh("fill", True)
        loop = Loop(k, sp.Integer(0), self.ev(s.count), sp.Integer(1), False, s.loc)
        self.loops.append(loop)
        self.store(Write(s.array, k, sp.Integer(0), self.cond, tuple(self.loops), s.loc,
                         self.versions.get(s.array, 0)))
        self.phase.accesses.append(Access(s.array, k, self.cond, tuple(self.loops), s.loc))
        self.loops.pop()

    def map_return(self, s: Return) -> None:
        if self.loops or self.cond is not sp.true or s is not self.fn.body[-1]:
            raise NotProvable("return before the end of the function", s.loc)
        if s.value is not None:
            self.return_value = self.ev(s.value)

    def map_barrier(self, s: Barrier) -> None:
        raise NotProvable("__syncthreads() (barrier)", s.loc)

    def map_shuffle(self, s) -> None:
        raise NotProvable("warp shuffle", s.loc)

    def map_atomic(self, s: Atomic) -> None:
        """atomicAdd/Sub/Max/Min whose old value is unused: an update that commutes with the others."""
        if s.op not in ("add", "sub", "max", "min") or s.result is not None:
            raise NotProvable(f"atomic {s.op}" + (" whose old value is used" if s.result else ""), s.loc)
        if len(s.index) != 1:
            raise NotProvable("multi-dimensional atomic after flattening", s.loc)
        element = self.arrays[s.array]
        if s.op in ("max", "min") and element.is_integer and not element.signed:
            # the prover's integers are mathematical: an unsigned order over wrapped values is not modelled
            raise NotProvable(f"atomic {s.op} on unsigned elements", s.loc)
        index = sp.expand(self.ev(s.index[0]))
        value = self.convert(self.ev(s.value), self.ty(s.value), element)
        current = self.own(s.array, index)
        updated = {"add": current + value, "sub": current - value,
                   "max": sp.Max(current, value), "min": sp.Min(current, value)}[s.op]
        self.phase.accesses.append(Access(s.array, index, self.cond, tuple(self.loops), s.loc))
        self.store(Write(s.array, index, updated, self.cond,
                         tuple(self.loops), s.loc, self.versions.get(s.array, 0), atomic=True))
        self.buffer = {key: v for key, v in self.buffer.items() if key[0] != s.array}

    def map_node(self, s) -> None:
        raise NotProvable(f"statement {type(s).__name__}", getattr(s, "loc", None))


class _Eval(Mapper):
    """Expression -> term, with C semantics for integer division and conditions."""

    def __init__(self, owner: Summarizer):
        self.o = owner

    def map_const(self, e: Const) -> sp.Expr:
        if isinstance(e.value, float) and not math.isfinite(e.value):
            raise NotProvable(f"the constant {e.value} (reals have no infinity or NaN)")
        return const(e.value, e.type.is_float)

    def map_var(self, e: Var) -> sp.Expr:
        if e.name not in self.o.env:
            raise NotProvable(f"unknown variable '{e.name}'")
        return self.o.env[e.name]

    def map_load(self, e: Load) -> sp.Expr:
        if len(e.index) != 1:
            raise NotProvable("multi-dimensional load after flattening")
        return self.o.read(e.array, self(e.index[0]), None)

    def cond(self, e) -> sp.Basic:
        """A C expression used as a condition, as a boolean term."""
        if isinstance(e, Unary) and e.op == "!":
            return sp.Not(self.cond(e.operand))
        if isinstance(e, Binary) and e.op in ("&&", "||"):
            return (sp.And if e.op == "&&" else sp.Or)(self.cond(e.left), self.cond(e.right))
        if isinstance(e, Binary) and e.op in ("==", "!=", "<", "<=", ">", ">="):
            a, b = self(e.left), self(e.right)
            ta, tb = self.o.ty(e.left), self.o.ty(e.right)
            if ta.is_integer and tb.is_integer:  # the usual arithmetic conversions: int vs unsigned is unsigned
                common = arithmetic_result(ta, tb)
                a, b = self.o.convert(a, promote(ta), common), self.o.convert(b, promote(tb), common)
            return sp.Rel(a, b, e.op)
        return truth(self(e))

    def map_unary(self, e: Unary) -> sp.Expr:
        if e.op == "-":
            return -self(e.operand)
        if e.op == "!":
            return as_value(self.cond(e))
        raise NotProvable(f"unary operator '{e.op}'")

    def map_binary(self, e: Binary) -> sp.Expr:
        op = e.op
        if op in ("&&", "||", "==", "!=", "<", "<=", ">", ">="):
            return as_value(self.cond(e))
        a, b = self(e.left), self(e.right)
        is_int = self.o.ty(e).is_integer
        if op in ("+", "*") and is_int and not self.o.ty(e).signed and self.o.may_wrap(a + b if op == "+" else a * b):
            raise NotProvable(f"unsigned '{op}' on data (wraps modulo 2^{self.o.ty(e).bits})")
        if op == "+":
            return a + b
        if op == "-":
            t = self.o.ty(e)
            if is_int and not t.signed:  # unsigned subtraction wraps around below zero
                return ite(sp.Ge(a, b), a - b, a - b + 2 ** t.bits)
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return c_div(a, b) if is_int else a / b
        if op == "%" and is_int:
            return c_mod(a, b)
        if op in ("<<", ">>") and is_int and b.is_Integer and 0 <= int(b) < 63:
            return a * 2 ** int(b) if op == "<<" else sp.floor(a / 2 ** int(b))  # gcc/nvcc: arithmetic
        raise NotProvable(f"operator '{op}'")

    def map_select(self, e: Select) -> sp.Expr:
        return ite(self.cond(e.cond), self(e.if_true), self(e.if_false))

    def map_cast(self, e: Cast) -> sp.Expr:
        return self.o.convert(self(e.operand), self.o.ty(e.operand), e.type)

    def map_call(self, e: Call) -> sp.Expr:
        args = [self(a) for a in e.args]
        name = base_name(e.function)
        if name in ("min", "fmin"):
            return sp.Min(*args)
        if name in ("max", "fmax"):
            return sp.Max(*args)
        return sp.Function(f"math:{name}")(*args)

    def map_node(self, e) -> sp.Expr:
        raise NotProvable(f"expression {type(e).__name__}")


def trip_count(loop: Loop) -> sp.Expr:
    if loop.step == 1:
        return sp.Max(loop.hi - loop.lo, 0)
    return sp.Max(c_div(loop.hi - loop.lo + loop.step - 1, loop.step), 0)


def close_extremum(new: sp.Expr, acc: sp.Symbol, old: sp.Expr, loop: Loop, accs: set,
                   facts=None) -> Optional[sp.Expr]:
    """A loop whose body maps `acc` to max(acc, e) (or min), possibly under a guard: `old` combined
    with the extremum of e over the iterations the guard lets through; None when it is not that shape.
    Max and min are associative, commutative and idempotent, so any order of the updates (threads,
    atomics) gives this value. `facts`, when given, drop bounds the guard cannot tighten."""
    step = extremum_step(new, acc)
    if step is None:
        return None
    kind, e, guard = step
    if _mentions(e, accs) or _mentions(guard, accs):
        return None
    if loop.step != 1 and loop.var in guard.free_symbols:
        return None
    lo, hi, outer = loop.lo, loop.hi, []
    for c in sp.And.make_args(guard):
        bound = _bound_on(c, loop.var)
        if bound is None:
            if loop.var in c.free_symbols:
                return None
            outer.append(c)
        elif bound[0] == "hi":
            hi = bound[1] if facts is not None and facts.valid(sp.Le(bound[1], hi)) else sp.Min(hi, bound[1])
        else:
            lo = bound[1] if facts is not None and facts.valid(sp.Ge(bound[1], lo)) else sp.Max(lo, bound[1])
    if loop.step == 1:
        k, nonempty, body = loop.var, sp.Lt(lo, hi), e
    else:
        k = _fresh("m", True)
        count = trip_count(Loop(loop.var, lo, hi, loop.step, loop.parallel))
        nonempty, body, lo, hi = sp.Gt(count, 0), e.xreplace({loop.var: lo + loop.step * k}), sp.Integer(0), count
    return ite(sp.And(*outer, nonempty), combine(kind, old, extremum(kind, k, lo, hi, body)), old)


def _bound_on(c: sp.Basic, k: sp.Symbol) -> Optional[tuple[str, sp.Expr]]:
    """A guard conjunct `k < b` / `k <= b` / `k >= b` / `k > b` (either side) as ("hi", b') or
    ("lo", b') for the half-open range [lo, hi); None for anything else."""
    if not isinstance(c, sp.Rel) or k not in c.free_symbols:
        return None
    for side, other, flip in ((c.lhs, c.rhs, False), (c.rhs, c.lhs, True)):
        if side == k and k not in other.free_symbols:
            op = type(c)
            if flip:
                op = {sp.StrictLessThan: sp.StrictGreaterThan, sp.LessThan: sp.GreaterThan,
                      sp.StrictGreaterThan: sp.StrictLessThan, sp.GreaterThan: sp.LessThan}.get(op)
            return {sp.StrictLessThan: ("hi", other), sp.LessThan: ("hi", other + 1),
                    sp.GreaterThan: ("lo", other), sp.StrictGreaterThan: ("lo", other + 1)}.get(op)
    return None


def loop_sum(loop: Loop, body: sp.Expr) -> sp.Expr:
    """Sum of `body` over the loop's iterations."""
    if loop.step == 1:
        return sigma(loop.var, loop.lo, loop.hi, body)
    m = _fresh("m", True)
    return sigma(m, sp.Integer(0), trip_count(loop), body.xreplace({loop.var: loop.lo + loop.step * m}))


def _mentions(e: sp.Basic, symbols: set) -> bool:
    return bool(e.free_symbols & symbols)


def _assigned_scalars(stmts) -> set[str]:
    declared = {n.name for n in walk(stmts) if isinstance(n, Declare)}
    return {n.name for n in walk(stmts) if isinstance(n, Assign)} - declared


def _scalars_in(e) -> set[str]:
    return {n.name for n in walk(e) if isinstance(n, Var)}


def _written_arrays(stmt) -> set[str]:
    out = set()
    for n in walk(stmt):
        if isinstance(n, (Store, Atomic)):
            out.add(n.array)
        elif isinstance(n, Copy):
            out.add(n.dst)
        elif isinstance(n, Fill):
            out.add(n.array)
    return out


def summarize(fn: Function, extents: dict[str, sp.Expr], macros: dict[str, sp.Symbol]) -> Summary:
    return Summarizer(fn, extents, macros).summarize()


__all__ = ["ArrayParam", "Loop", "Write", "Access", "Phase", "Summary", "NotProvable", "summarize",
           "param_symbol", "trip_count", "loop_sum"]
