"""Hypothesis strategies for random well-formed IR: expressions, statements, functions, programs."""
from __future__ import annotations

import math

from hypothesis import strategies as st

from portproof.ir import nodes as n
from portproof.ir.types import ALL_TYPES, BOOL, F32, F64

BINARY_OPS = ("+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^",
              "==", "!=", "<", "<=", ">", ">=", "&&", "||")
UNARY_OPS = ("-", "!", "~")
ATOMIC_OPS = ("add", "sub", "max", "min", "exch", "and", "or", "xor")
SHUFFLE_KINDS = ("down", "up", "xor", "idx")
SPACES = ("local", "shared", "device")
ROLES = ("in", "out", "inout")
# Names that are keywords somewhere in the syntax, CUDA builtins, dotted dim3 components, and
# names that are not C identifiers.
SPECIAL_NAMES = ("in", "out", "inout", "host", "kernel", "copy", "local", "array", "inf", "nan",
                 "true", "int", "ulong", "block", "shuffle", "warp", "threadIdx.x", "blockIdx.y", "blockDim.z",
                 "gridDim.x", "warpSize", "b.x", "std::max", "a->b", "x y")


def names() -> st.SearchStrategy[str]:
    plain = st.builds(lambda head, tail, field: head + tail + field,
                      st.sampled_from("aijnxAB_"), st.text("abinxyz_019AN", max_size=4),
                      st.sampled_from(("", "", "", ".x", ".yz")))
    return st.one_of(st.sampled_from(SPECIAL_NAMES), plain)


def types() -> st.SearchStrategy:
    return st.sampled_from(ALL_TYPES)


def consts() -> st.SearchStrategy[n.Const]:
    """Constants of every type over their whole range; NaN is always `math.nan` (NaN != NaN)."""
    ints = [st.integers(-2 ** (t.bits - 1) if t.signed else 0,
                        2 ** (t.bits - 1 if t.signed else t.bits) - 1).map(lambda v, t=t: n.Const(v, t))
            for t in ALL_TYPES if t.kind == "int"]
    floats = [st.floats().map(lambda v, t=t: n.Const(math.nan if math.isnan(v) else v, t))
              for t in (F32, F64)]
    return st.one_of(st.booleans().map(lambda b: n.Const(b, BOOL)), *ints, *floats)


def _tuples(elements: st.SearchStrategy, min_size: int = 0, max_size: int = 3) -> st.SearchStrategy:
    return st.lists(elements, min_size=min_size, max_size=max_size).map(tuple)


def exprs(max_leaves: int = 12) -> st.SearchStrategy[n.Expr]:
    def extend(sub: st.SearchStrategy[n.Expr]) -> st.SearchStrategy[n.Expr]:
        binary = st.builds(n.Binary, st.sampled_from(BINARY_OPS), sub, sub)
        return st.one_of(
            # binaries weighted up, so that operators of one precedence level often nest
            binary, binary, binary,
            st.builds(n.Load, names(), _tuples(sub)),
            st.builds(n.Unary, st.sampled_from(UNARY_OPS), sub),
            st.builds(n.Select, sub, sub, sub),
            st.builds(n.Cast, types(), sub),
            st.builds(n.Call, names(), _tuples(sub)))
    return st.recursive(st.one_of(consts(), names().map(n.Var)), extend, max_leaves=max_leaves)


def stmts(max_leaves: int = 6) -> st.SearchStrategy[n.Stmt]:
    e = exprs(max_leaves=3)
    index = _tuples(e, max_size=2)
    dim3 = st.tuples(e, e, e)
    simple = st.one_of(
        st.builds(n.Declare, names(), types(), st.none() | e),
        st.builds(n.Assign, names(), e),
        st.builds(n.Store, names(), index, e),
        st.builds(n.Barrier, st.sampled_from(("block", "warp")) | names()),
        st.builds(n.Atomic, st.sampled_from(ATOMIC_OPS), names(), index, e, st.none() | names()),
        st.builds(n.Shuffle, st.sampled_from(SHUFFLE_KINDS) | names(), names(), e, e, e, e),
        st.builds(n.LocalArray, names(), types(), index, st.sampled_from(SPACES)),
        st.builds(n.Copy, names(), names(), e),
        st.builds(n.Fill, names(), e, e),
        st.builds(n.Launch, names(), dim3, dim3, e, _tuples(e | st.builds(n.ArrayArg, names()))),
        st.builds(n.Return, st.none() | e))

    def extend(sub: st.SearchStrategy[n.Stmt]) -> st.SearchStrategy[n.Stmt]:
        body = _tuples(sub)
        return st.one_of(
            st.builds(n.If, e, body, body | sub.map(lambda s: (s,))),
            st.builds(n.For, names(), types(), e, e, e, body),
            st.builds(n.While, e, body),
            st.builds(n.ParallelFor, st.sampled_from(("cuda", "omp")),
                      _tuples(st.builds(n.Axis, names(), e)), body))
    return st.recursive(simple, extend, max_leaves=max_leaves)


def params() -> st.SearchStrategy:
    extents = _tuples(exprs(max_leaves=3), max_size=2)
    return st.one_of(st.builds(n.ScalarParam, names(), types()),
                     st.builds(n.ArrayParam, names(), types(), extents, st.sampled_from(ROLES)))


def functions() -> st.SearchStrategy[n.Function]:
    return st.builds(n.Function, names(), st.sampled_from(("host", "kernel")), _tuples(params()),
                     _tuples(stmts(max_leaves=3)), st.none() | types())


def programs() -> st.SearchStrategy[n.Program]:
    return st.builds(n.Program, _tuples(functions(), max_size=2))
