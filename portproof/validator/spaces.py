"""Memory spaces of a port's host function: kernels get device memory, host code does not touch it."""
from __future__ import annotations

from portproof.ir.mapper import walk
from portproof.ir.nodes import ArrayArg, ArrayParam, Function, Launch, Load, LocalArray, Stmt, Store


def space_violations(fn: Function) -> list[str]:
    """Host pointers passed to kernels, and device memory read or written by host code, in a host
    function written against the CUDA runtime."""
    device = {n.name for n in walk(fn.body) if isinstance(n, LocalArray) and n.space == "device"}
    host = {p.name for p in fn.params if isinstance(p, ArrayParam)}
    host |= {n.name for n in walk(fn.body) if isinstance(n, LocalArray) and n.space != "device"}
    problems = []
    for stmt in (n for n in walk(fn.body) if isinstance(n, Stmt)):
        where = f"{stmt.loc}: " if stmt.loc else ""
        if isinstance(stmt, Launch):
            problems += [f"{where}kernel {stmt.kernel} is given the host pointer '{a.name}': a GPU cannot "
                         f"dereference it (copy the data to device memory first)"
                         for a in stmt.args if isinstance(a, ArrayArg) and a.name in host]
            continue
        own = [c for _, c in stmt.children() if not isinstance(c, tuple) or not c or not isinstance(c[0], Stmt)]
        touched = {n.array for n in walk(tuple(own)) if isinstance(n, Load) and n.array in device}
        if isinstance(stmt, Store) and stmt.array in device:
            touched.add(stmt.array)
        problems += [f"{where}host code dereferences the device pointer '{a}' (copy it back with "
                     f"cudaMemcpy first)" for a in sorted(touched)]
    return problems
