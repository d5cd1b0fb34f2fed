"""`break` and `continue` as flags: the statements after one run only while no flag of their loop is set."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from portproof.ir.mapper import substitute, walk
from portproof.ir.nodes import (Assign, Atomic, Binary, Const, Declare, Expr, For, If, Load, Shuffle, SourceLoc,
                                Stmt, Unary, Var, While)
from portproof.ir.types import I32

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass
class LoopExits:
    """The flags of one loop being lowered, named by the frontend at its first `break` / `continue`."""
    break_flag: Optional[str] = None
    continue_flag: Optional[str] = None


def set_flag(name: str, loc: Optional[SourceLoc]) -> Assign:
    return Assign(name, Const(1, I32), loc=loc)


def while_loop(exits: LoopExits, cond: Expr, body: tuple[Stmt, ...], update: tuple[Stmt, ...],
               loc: Optional[SourceLoc]) -> list[Stmt]:
    """`while (cond) { body update }` where `break` also ends the loop and skips the update."""
    body = _exit_body(exits, body, update, loc)
    if exits.break_flag is None:
        return [While(cond, body, loc=loc)]
    flag = exits.break_flag
    return [_declare(flag, loc), While(Binary("&&", _unset((flag,)), cond), body, loc=loc)]


def do_while_loop(first_exits: LoopExits, first: tuple[Stmt, ...], exits: LoopExits, cond: Expr,
                  body: tuple[Stmt, ...], loc: Optional[SourceLoc]) -> list[Stmt]:
    """`do S while (c)` as `S; while (c) S`: the copies share the break flag (a `break` in the first skips the
    loop) and each has a continue flag of its own (a `continue` goes on to the condition)."""
    *declare, loop = while_loop(exits, cond, body, (), loc)
    return [*declare, *_exit_body(first_exits, first, (), loc), loop]


def counted_loop(exits: LoopExits, loop: For) -> list[Stmt]:
    """A For with its exits. When it ends by itself, it keeps its condition and the iterations after a `break`
    do nothing: a bound the flag does not enter stays one that the prover and symbolic unrolling can count
    (the prover still refuses the flag carried from one iteration to the next)."""
    body = _exit_body(exits, loop.body, (), loop.loc)
    flag = exits.break_flag
    if flag is None:
        return [replace(loop, body=body)]
    if _ends_by_itself(loop):
        return [_declare(flag, loop.loc), replace(loop, body=(If(_unset((flag,)), body, loc=loop.loc),))]
    return [_declare(flag, loop.loc), replace(loop, cond=Binary("&&", _unset((flag,)), loop.cond), body=body)]


def escaping_counted_loop(exits: LoopExits, loop: For, counter: str) -> Optional[list[Stmt]]:
    """A counted loop with a `break` whose variable lives on after it (and is set to its start before it):
    a fresh `counter` runs the loop as counted_loop does, and each iteration sets the variable to the counter
    and, unless it breaks, one step past it. None when the loop does not end by itself."""
    flag = exits.break_flag
    if flag is None or not _ends_by_itself(loop):
        return None
    k = Var(counter)
    past = If(_unset((flag,)), (Assign(loop.var, Binary("+", k, loop.step), loc=loop.loc),), loc=loop.loc)
    body = (Assign(loop.var, k, loc=loop.loc), *_exit_body(exits, loop.body, (), loop.loc), past)
    return [_declare(flag, loop.loc),
            For(counter, loop.type, Var(loop.var), substitute(loop.cond, {loop.var: k}), loop.step,
                (If(_unset((flag,)), body, loc=loop.loc),), loc=loop.loc)]


def point_body(exits: LoopExits, body: tuple[Stmt, ...], loc: Optional[SourceLoc]) -> tuple[Stmt, ...]:
    """The body of one point of a parallel loop (an OpenMP work-shared iteration): a `continue` skips the
    rest of the point; a `break` may not leave such a loop (gcc rejects it)."""
    return _exit_body(exits, body, (), loc)


def _exit_body(exits: LoopExits, body: tuple[Stmt, ...], update: tuple[Stmt, ...],
               loc: Optional[SourceLoc]) -> tuple[Stmt, ...]:
    flags = tuple(f for f in (exits.break_flag, exits.continue_flag) if f is not None)
    body = _guard_rest(body, flags)
    if exits.continue_flag is not None:  # declared in the body: each iteration starts with it clear
        body = (_declare(exits.continue_flag, loc), *body)
    if update and exits.break_flag is not None:  # `continue` still runs the update
        update = (If(_unset((exits.break_flag,)), update, loc=loc),)
    return body + update


def _guard_rest(body: tuple[Stmt, ...], flags: tuple[str, ...]) -> tuple[Stmt, ...]:
    """After a statement that may set a flag, the rest runs under `if (!flag ...)`; after one that surely sets it,
    the rest is unreachable. Nested loops are left alone: their exits have flags of their own."""
    out: list[Stmt] = []
    for k, s in enumerate(body):
        if isinstance(s, If):
            s = replace(s, then=_guard_rest(s.then, flags), orelse=_guard_rest(s.orelse, flags))
        out.append(s)
        if isinstance(s, Assign) and s.name in flags:
            break
        if any(isinstance(n, Assign) and n.name in flags for n in walk(s)):
            rest = _guard_rest(body[k + 1:], flags)
            if rest:
                out.append(If(_unset(flags), rest, loc=rest[0].loc))
            break
    return tuple(out)


def _ends_by_itself(loop: For) -> bool:
    """The loop variable steps by a constant towards a bound the body does not change."""
    c = loop.cond
    if not isinstance(c, Binary) or c.op not in _FLIP:
        return False
    if c.left == Var(loop.var):
        op, bound = c.op, c.right
    elif c.right == Var(loop.var):
        op, bound = _FLIP[c.op], c.left
    else:
        return False
    changed = {n.name for n in walk(loop.body) if isinstance(n, (Assign, Declare))} | \
        {n.result for n in walk(loop.body) if isinstance(n, (Atomic, Shuffle)) and n.result} | \
        {n.var for n in walk(loop.body) if isinstance(n, For)}
    if any(isinstance(n, Load) or (isinstance(n, Var) and n.name in changed | {loop.var}) for n in walk(bound)):
        return False
    step = loop.step
    if isinstance(step, Unary) and step.op == "-" and isinstance(step.operand, Const):
        value = -step.operand.value
    elif isinstance(step, Const):
        value = step.value
    else:
        return False
    return value > 0 if op in ("<", "<=") else value < 0


def _declare(flag: str, loc: Optional[SourceLoc]) -> Declare:
    return Declare(flag, I32, Const(0, I32), loc=loc)


def _unset(flags: tuple[str, ...]) -> Expr:
    acc: Expr = Unary("!", Var(flags[0]))
    for f in flags[1:]:
        acc = Binary("&&", acc, Unary("!", Var(f)))
    return acc
