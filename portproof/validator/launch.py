"""Concrete launch configurations and the launch-limit check against a hardware target."""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Mapping, Optional

from portproof.diagnostics import Unsupported
from portproof.ir.nodes import (
    Assign, Binary, Call, Cast, Const, Declare, Expr, For, Function, If, Launch, Select, Unary, Var, While,
)
from portproof.ir.types import I32
from portproof.specs import Target
from portproof.validator.normalize import map_statements


def evaluate_int(e: Expr, env: Mapping[str, int]) -> int:
    """An integer expression over sizes, with C's truncating division."""
    if isinstance(e, Const):
        return int(e.value)
    if isinstance(e, Var):
        if e.name not in env:
            raise Unsupported(f"'{e.name}' is not a size known before the launch")
        return int(env[e.name])
    if isinstance(e, Cast):
        return evaluate_int(e.operand, env)
    if isinstance(e, Unary) and e.op == "-":
        return -evaluate_int(e.operand, env)
    if isinstance(e, Select):
        return evaluate_int(e.if_true if evaluate_int(e.cond, env) else e.if_false, env)
    if isinstance(e, Call) and e.function in ("min", "max") and len(e.args) == 2:
        a, b = (evaluate_int(x, env) for x in e.args)
        return min(a, b) if e.function == "min" else max(a, b)
    if isinstance(e, Binary):
        a, b = evaluate_int(e.left, env), evaluate_int(e.right, env)
        if e.op in ("/", "%") and b == 0:
            raise ZeroDivisionError("division by zero in a size expression")
        ops = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
               "/": lambda: abs(a) // abs(b) * (1 if (a >= 0) == (b > 0) else -1),
               "%": lambda: a - b * (abs(a) // abs(b) * (1 if (a >= 0) == (b > 0) else -1)),
               "<": lambda: int(a < b), "<=": lambda: int(a <= b), ">": lambda: int(a > b),
               ">=": lambda: int(a >= b), "==": lambda: int(a == b), "!=": lambda: int(a != b),
               "<<": lambda: a << b, ">>": lambda: a >> b}
        if e.op in ops:
            return ops[e.op]()
    raise Unsupported(f"size expression {e}")


def launches(fn: Function, env: Mapping[str, int]) -> list[tuple[Launch, dict[str, int]]]:
    """Every launch in `fn` with the integer values known where it happens: the sizes in `env` and the
    host locals assigned plain expressions of them, followed in order (loops and branches entered)."""
    found: list[tuple[Launch, dict[str, int]]] = []

    def scan(stmts, local: dict) -> None:
        for s in stmts:
            if isinstance(s, (Declare, Assign)):
                value = s.init if isinstance(s, Declare) else s.value
                try:
                    local[s.name] = evaluate_int(value, local)
                except (Unsupported, ZeroDivisionError, TypeError, ValueError, AttributeError, OverflowError):
                    local.pop(s.name, None)
            elif isinstance(s, (For, While, If)):
                for body in (getattr(s, "body", ()), getattr(s, "then", ()), getattr(s, "orelse", ())):
                    scan(body, dict(local))
            elif isinstance(s, Launch):
                found.append((s, dict(local)))

    scan(fn.body, dict(env))
    return found


def _dims(launch: Launch, env: Mapping[str, int]) -> Optional[tuple[list[int], list[int]]]:
    try:
        return [evaluate_int(g, env) for g in launch.grid], [evaluate_int(b, env) for b in launch.block]
    except (Unsupported, ZeroDivisionError):
        return None


def threads_launched(fn: Function, env: Mapping[str, int]) -> int:
    """The largest number of threads one launch of `fn` starts at these sizes (0 if unknown)."""
    counts = [0]
    for launch, local in launches(fn, env):
        dims = _dims(launch, local)
        if dims is not None:
            counts.append(math.prod(max(d, 0) for d in (*dims[0], *dims[1])))
    return max(counts)


def widest_block(fn: Function, env: Mapping[str, int]) -> int:
    """The largest block dimension of any launch of `fn` at these sizes (0 if unknown)."""
    widths = [0]
    for launch, local in launches(fn, env):
        dims = _dims(launch, local)
        if dims is not None:
            widths.extend(dims[1])
    return max(widths)


def clamp_grids(fn: Function, blocks: int) -> Function:
    """Every launch with at most `blocks` blocks per grid dimension (blocks keep their size).
    Only for finding candidate counterexamples fast: a candidate is confirmed with the real launch."""
    def clamp(s):
        if isinstance(s, Launch):
            grid = tuple(Call("min", (g, Const(blocks, I32))) for g in s.grid)
            return replace(s, grid=grid)
        return None
    return replace(fn, body=map_statements(fn.body, clamp))


def launch_limit_violations(fn: Function, target: Target, env: Mapping[str, int]) -> list[str]:
    """Launches in `fn` whose block or grid break the target's limits at the sizes in `env`."""
    problems: list[str] = []
    for launch, local in launches(fn, env):
        dims = _dims(launch, local)
        if dims is not None:
            problems.extend(_launch_problems(launch, *dims, target))
    return problems


def _launch_problems(node: Launch, grid: list[int], block: list[int], target: Target) -> list[str]:
    out = []
    where = f"{node.loc}: " if node.loc else ""
    threads = block[0] * block[1] * block[2]
    if threads > target.max_threads_per_block:
        out.append(f"{where}launch of {node.kernel} with {threads} threads per block; "
                   f"{target.name} allows {target.max_threads_per_block}")
    for d, (b, lim) in enumerate(zip(block, target.max_block_dim)):
        if b > lim:
            out.append(f"{where}blockDim.{'xyz'[d]} = {b} exceeds {lim} on {target.name}")
    for d, (g, lim) in enumerate(zip(grid, target.max_grid_dim)):
        if g > lim:
            out.append(f"{where}gridDim.{'xyz'[d]} = {g} exceeds {lim} on {target.name}")
    return out


def concrete_launch(grid: tuple, block: tuple, shared: Optional[Expr], env: Mapping[str, int]):
    return (tuple(evaluate_int(g, env) for g in grid), tuple(evaluate_int(b, env) for b in block),
            evaluate_int(shared, env) if shared is not None else 0)
