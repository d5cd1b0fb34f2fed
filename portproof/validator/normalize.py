"""Pure ir -> ir normalizations: kernel entry wrapping, launch inlining, row-major flattening, early returns."""
from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Iterable

from portproof.diagnostics import Unsupported
from portproof.ir.mapper import IdentityMapper, substitute, walk
from portproof.ir.nodes import (
    ArrayArg, ArrayParam, Atomic, Axis, Binary, Const, Declare, Expr, For, Function, If,
    Launch, Load, LocalArray, ParallelFor, Program, Return, ScalarParam, Stmt, Store, Unary, Var, While,
)

DIMS = ("x", "y", "z")


def declared_names(node) -> set[str]:
    """Every scalar or array name a function or statement list declares or binds."""
    names: set[str] = set()
    for n in walk(node):
        if isinstance(n, (Declare, LocalArray)):
            names.add(n.name)
        elif isinstance(n, For):
            names.add(n.var)
        elif isinstance(n, (ScalarParam, ArrayParam)):
            names.add(n.name)
        elif isinstance(n, Atomic) and n.result:
            names.add(n.result)
    return names


def referenced_names(node) -> set[str]:
    names = {n.name for n in walk(node) if isinstance(n, Var)}
    names |= {n.array for n in walk(node) if isinstance(n, (Load, Store, Atomic))}
    return names


class _Rename(IdentityMapper):
    """Renames scalars and arrays (declarations, uses and array names of accesses)."""

    def __init__(self, mapping: dict[str, str]):
        self.m = mapping

    def map_var(self, n: Var) -> Var:
        return Var(self.m[n.name]) if n.name in self.m else n

    def map_node(self, n, *args):
        n = super().map_node(n)
        changes = {}
        for attr in ("name", "array", "var", "dst", "src", "result"):
            if hasattr(n, attr) and not isinstance(n, (Var, Const, Function)):
                old = getattr(n, attr)
                if isinstance(old, str) and old in self.m:
                    changes[attr] = self.m[old]
        return replace(n, **changes) if changes else n


def rename(node, mapping: dict[str, str]):
    if not mapping:
        return node
    r = _Rename(mapping)
    return r(node) if not isinstance(node, tuple) else tuple(r(s) for s in node)


def fresh_names(names: Iterable[str], taken: set[str], tag: str) -> dict[str, str]:
    """A renaming of `names` to names not in `taken` (which it extends)."""
    out = {}
    for name in names:
        for k in itertools.count(1):
            new = f"{name}_{tag}{k}"
            if new not in taken:
                taken.add(new)
                out[name] = new
                break
    return out


def kernel_entry(kernel: Function, name: str, params: tuple, grid: tuple, block: tuple,
                 shared: Expr) -> Function:
    """A host function `name(params)` that launches `kernel` on its own parameters."""
    args = tuple(ArrayArg(p.name) if isinstance(p, ArrayParam) else Var(p.name) for p in kernel.params)
    launch = Launch(kernel.name, grid, block, shared, args, loc=kernel.loc)
    return Function(name, "host", params, (launch,), None, loc=kernel.loc)


def inline_launches(program: Program, fn: Function) -> Function:
    """Replace every `Launch` in `fn` by a `ParallelFor` over (blockIdx, threadIdx), z outermost."""
    taken = declared_names(fn) | referenced_names(fn) | {n for f in program.functions for n in declared_names(f)}

    def inline(stmt: Stmt) -> Stmt:
        kernel = program.function(stmt.kernel)
        if kernel.kind != "kernel":
            raise Unsupported(f"launch of non-kernel function '{stmt.kernel}'", stmt.loc)
        if len(kernel.params) != len(stmt.args):
            raise Unsupported(f"launch of '{kernel.name}' with {len(stmt.args)} arguments for "
                              f"{len(kernel.params)} parameters", stmt.loc)
        local = declared_names(kernel.body) | {p.name for p in kernel.params if isinstance(p, ScalarParam)}
        renames = fresh_names(sorted(local), taken, "k")
        arrays = {}
        binds: list[Stmt] = []
        for p, a in zip(kernel.params, stmt.args):
            if isinstance(p, ArrayParam):
                if not isinstance(a, ArrayArg):
                    raise Unsupported(f"array parameter '{p.name}' of '{kernel.name}' bound to an expression",
                                      stmt.loc)
                arrays[p.name] = a.name
            else:
                if isinstance(a, ArrayArg):
                    raise Unsupported(f"scalar parameter '{p.name}' bound to array '{a.name}'", stmt.loc)
                binds.append(Declare(renames[p.name], p.type, a, loc=stmt.loc))
        body = rename(kernel.body, {**renames, **arrays})
        dims = {f"blockDim.{d}": e for d, e in zip(DIMS, stmt.block)}
        dims.update({f"gridDim.{d}": e for d, e in zip(DIMS, stmt.grid)})
        body = substitute(tuple(binds) + tuple(body), dims)
        axes = tuple(Axis(f"blockIdx.{d}", g) for d, g in reversed(tuple(zip(DIMS, stmt.grid)))) + \
            tuple(Axis(f"threadIdx.{d}", b) for d, b in reversed(tuple(zip(DIMS, stmt.block))))
        return ParallelFor("cuda", axes, remove_early_returns(body), loc=stmt.loc)

    return replace(fn, body=map_statements(fn.body, lambda s: inline(s) if isinstance(s, Launch) else None))


def map_statements(body: tuple, f) -> tuple:
    """Apply `f` to every statement (recursively); `f` returns a replacement or None."""
    out = []
    for s in body:
        new = f(s)
        if new is not None:
            out.append(new)
            continue
        if isinstance(s, If):
            s = replace(s, then=map_statements(s.then, f), orelse=map_statements(s.orelse, f))
        elif isinstance(s, (For, While, ParallelFor)):
            s = replace(s, body=map_statements(s.body, f))
        out.append(s)
    return tuple(out)


def remove_early_returns(body: tuple) -> tuple:
    """`if (c) return; rest` -> `if (!c) { rest }` at the top level of a thread body.

    A `Return` anywhere else is left in place (the interpreter handles it; the prover refuses it).
    """
    out: list[Stmt] = []
    for k, s in enumerate(body):
        if isinstance(s, If) and _is_return(s.then) and not s.orelse:
            rest = remove_early_returns(body[k + 1:])
            out.append(If(Unary("!", s.cond), rest, (), loc=s.loc))
            return tuple(out)
        if isinstance(s, If) and _is_return(s.orelse) and not _has_return(s.then):
            rest = remove_early_returns(body[k + 1:])
            out.append(If(s.cond, s.then + rest, (), loc=s.loc))
            return tuple(out)
        if isinstance(s, Return) and s.value is None:
            return tuple(out)
        out.append(s)
    return tuple(out)


def _is_return(stmts: tuple) -> bool:
    return len(stmts) == 1 and isinstance(stmts[0], Return) and stmts[0].value is None


def _has_return(stmts) -> bool:
    return any(isinstance(n, Return) for n in walk(stmts))


def flatten_arrays(fn: Function, extents: dict[str, tuple[Expr, ...]]) -> Function:
    """Row-major flattening: `A[i][j]` with extents (n, m) becomes `A[i*m + j]`; extents become (n*m,)."""
    shapes = dict(extents)
    for n in walk(fn.body):
        if isinstance(n, LocalArray):
            shapes[n.name] = n.extents

    def flat_index(array: str, index: tuple) -> tuple:
        if len(index) <= 1:
            return index
        dims = shapes.get(array)
        if dims is None or len(dims) != len(index):
            raise Unsupported(f"array '{array}' indexed with {len(index)} subscripts but declared with "
                              f"{len(dims) if dims else 'unknown'} extents")
        acc = index[0]
        for d, i in zip(dims[1:], index[1:]):
            acc = Binary("+", Binary("*", acc, d), i)
        return (acc,)

    class Flatten(IdentityMapper):
        def map_load(self, n: Load) -> Load:
            n = self.map_node(n)
            return replace(n, index=flat_index(n.array, n.index))

        def map_store(self, n: Store) -> Store:
            n = self.map_node(n)
            return replace(n, index=flat_index(n.array, n.index))

        def map_atomic(self, n: Atomic) -> Atomic:
            n = self.map_node(n)
            return replace(n, index=flat_index(n.array, n.index))

        def map_local_array(self, n: LocalArray) -> LocalArray:
            return replace(n, extents=(product(n.extents),)) if len(n.extents) > 1 else n

        def map_array_param(self, n: ArrayParam) -> ArrayParam:
            dims = shapes.get(n.name, n.extents)
            return replace(n, extents=(product(dims),) if dims else ())

    return Flatten()(fn)


def product(exprs: tuple) -> Expr:
    acc = exprs[0]
    for e in exprs[1:]:
        acc = Binary("*", acc, e)
    return acc
