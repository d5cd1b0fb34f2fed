"""OpenMP directives and clauses: reading a `#pragma omp` line, checking its clauses, reduction operators."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Optional

from pycparser import c_ast

from portproof.ir.mapper import walk
from portproof.ir.nodes import Assign, Atomic, Binary, Call, Const, Declare, Expr, For, If, Select, Stmt, Var, While
from portproof.ir.types import ScalarType
from portproof.translators.c_types import unsupported

LOOP_DIRECTIVES = {
    ("parallel", "for"), ("for",), ("simd",), ("parallel", "loop"), ("loop",),
    ("target", "parallel", "for"), ("target", "parallel", "loop"),
    ("target", "teams", "distribute", "parallel", "for"), ("teams", "distribute", "parallel", "for"),
    ("target", "teams", "distribute"), ("teams", "distribute"), ("target", "teams", "loop"), ("teams", "loop")}
_KNOWN = LOOP_DIRECTIVES | {(*w, "simd") for w in LOOP_DIRECTIVES if w[-1] == "for"} | {
    ("target", "data"), ("target", "update"), ("target", "enter", "data"), ("target", "exit", "data"),
    ("atomic", "update"), ("declare", "target"), ("end", "declare", "target")}
_DIRECTIVE_WORDS = {"parallel", "for", "simd", "loop", "target", "teams", "distribute", "data", "update", "enter",
                    "exit", "atomic", "critical", "barrier", "single", "master", "masked", "sections", "section",
                    "task", "taskloop", "taskwait", "taskgroup", "ordered", "flush", "declare", "end",
                    "threadprivate", "cancel", "scan"}
# clauses that change nothing under the host memory model and a race-checking semantics of the loop
_IGNORED = {"shared", "schedule", "nowait", "num_threads", "map", "proc_bind", "num_teams", "thread_limit",
            "dist_schedule", "device", "simdlen", "defaultmap", "is_device_ptr", "order"}
LOOP_CLAUSES = _IGNORED | {"private", "firstprivate", "reduction", "collapse", "default"}
REGION_CLAUSES = {"private", "firstprivate", "shared", "default", "num_threads", "proc_bind"}
TARGET_CLAUSES = {"map", "device", "defaultmap", "is_device_ptr"}
_REDUCTIONS = {"+": "add", "-": "add", "*": "mul", "&": "and", "|": "or", "^": "xor", "max": "max", "min": "min"}
_REDUCTION_OPS = {"add": "+", "mul": "*", "and": "&", "or": "|", "xor": "^"}
_MAX_CALLS = {"fmax", "fmaxf", "max"}
_MIN_CALLS = {"fmin", "fminf", "min"}
_TOKEN = re.compile(r"\s*,?\s*([A-Za-z_]\w*)")


@dataclass(frozen=True)
class Directive:
    """`#pragma omp <words> <clauses>`: clause arguments as written (None when the clause has none)."""
    words: tuple[str, ...]
    clauses: tuple[tuple[str, Optional[str]], ...]
    coord: object = field(compare=False)

    def names(self, clause: str) -> list[str]:
        return [n.strip() for name, arg in self.clauses if name == clause for n in (arg or "").split(",")]


def is_omp_pragma(node: c_ast.Node) -> bool:
    return isinstance(node, c_ast.Pragma) and node.string.split()[:1] == ["omp"]


def parse_directive(node: c_ast.Pragma) -> Directive:
    """Split `omp parallel for collapse(2) private(t)` into directive words and clauses."""
    text, pos = node.string.strip()[3:], 0
    words: list[str] = []
    clauses: list[tuple[str, Optional[str]]] = []
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise unsupported(f"OpenMP pragma '{node.string}' (cannot read it)", node.coord)
        name, pos = m.group(1), m.end()
        arg = None
        rest = text[pos:].lstrip()
        if rest.startswith("("):
            pos = len(text) - len(rest)
            depth, end = 0, pos
            for end, ch in enumerate(text[pos:], pos):
                depth += {"(": 1, ")": -1}.get(ch, 0)
                if depth == 0:
                    break
            if depth:
                raise unsupported(f"OpenMP pragma '{node.string}' (unbalanced parentheses)", node.coord)
            arg, pos = text[pos + 1:end].strip(), end + 1
        if not clauses and name in _DIRECTIVE_WORDS and (arg is None or name == "critical") and \
                (not words or any(known[:len(words) + 1] == (*words, name) for known in _KNOWN)):
            words.append(name)
        else:
            clauses.append((name, arg))
    return Directive(tuple(words), tuple(clauses), node.coord)


def loop_words(words: tuple[str, ...]) -> tuple[str, ...]:
    """The words of a loop directive without a trailing `simd` (`parallel for simd` is `parallel for`)."""
    return words[:-1] if len(words) > 1 and words[-1] == "simd" else words


def check_clauses(d: Directive, allowed: set[str]) -> None:
    for name, arg in d.clauses:
        if name not in allowed:
            raise unsupported(f"OpenMP clause '{name}' on '{' '.join(d.words)}'", d.coord)
        if name == "default" and arg not in ("shared", "none"):
            raise unsupported(f"OpenMP clause 'default({arg})'", d.coord)


def c_walk(node: Optional[c_ast.Node]):
    if node is None:
        return
    yield node
    for _, child in node.children():
        yield from c_walk(child)


def reduction_vars(d: Directive) -> list[tuple[str, str]]:
    out = []
    for name, arg in d.clauses:
        if name != "reduction":
            continue
        op, sep, names = (arg or "").partition(":")
        op = op.strip()
        if not sep or "," in op:
            raise unsupported(f"reduction({arg}) (reduction modifiers or a missing operator)", d.coord)
        if op not in _REDUCTIONS:
            raise unsupported(f"reduction({op}) not supported (+, -, *, &, |, ^, min, max are)", d.coord)
        out += [(_REDUCTIONS[op], var.strip()) for var in names.split(",")]
    return out


def reduction_identity(op: str, t: ScalarType, d: Directive) -> Const:
    if t.kind == "bool":
        raise unsupported(f"reduction on a {t} variable", d.coord)
    if op in ("add", "or", "xor"):
        if t.is_float and op != "add":
            raise unsupported(f"reduction({_REDUCTION_OPS[op]}) on a {t} variable", d.coord)
        return Const(0.0 if t.is_float else 0, t)
    if op == "mul":
        return Const(1.0 if t.is_float else 1, t)
    if op == "and":
        if t.is_float:
            raise unsupported(f"reduction(&) on a {t} variable", d.coord)
        return Const(-1 if t.signed else (1 << t.bits) - 1, t)
    if t.is_float:
        return Const(-math.inf if op == "max" else math.inf, t)
    lo, hi = (-(1 << (t.bits - 1)), (1 << (t.bits - 1)) - 1) if t.signed else (0, (1 << t.bits) - 1)
    return Const(lo if op == "max" else hi, t)


def uses(e: object, name: str) -> bool:
    return any(isinstance(x, Var) and x.name == name for x in walk(e))


def _first_bigger(c: Expr, a: Expr, b: Expr) -> bool:
    """`c` says a > b (or a >= b)."""
    return isinstance(c, Binary) and ((c.op in (">", ">=") and (c.left, c.right) == (a, b)) or
                                      (c.op in ("<", "<=") and (c.left, c.right) == (b, a)))


def _is_update(value: Expr, r: str, op: str) -> bool:
    """`value` is `r op e` with e free of r (chains of op, and of - for add; fmax/max calls and selects for
    max/min)."""
    me = Var(r)
    if op in _REDUCTION_OPS:
        if value == me:
            return True
        if isinstance(value, Binary) and value.op == _REDUCTION_OPS[op]:
            return (_is_update(value.left, r, op) and not uses(value.right, r)) or \
                (_is_update(value.right, r, op) and not uses(value.left, r))
        return op == "add" and isinstance(value, Binary) and value.op == "-" and _is_update(value.left, r, op) \
            and not uses(value.right, r)
    calls = _MAX_CALLS if op == "max" else _MIN_CALLS
    if isinstance(value, Call) and value.function in calls and len(value.args) == 2 and me in value.args:
        other = value.args[1] if value.args[0] == me else value.args[0]
        return not uses(other, r)
    if isinstance(value, Select) and me in (value.if_true, value.if_false):
        a, b = value.if_true, value.if_false
        other = b if a == me else a
        bigger = _first_bigger(value.cond, a, b) if op == "max" else _first_bigger(value.cond, b, a)
        return bigger and not uses(other, r)
    return False


def check_reduction(body: tuple[Stmt, ...], r: str, op: str, d: Directive, c_name: str) -> None:
    """Every use of the private copy `r` is an update `r = r op e`; then combining one copy per iteration equals
    combining one per thread (the order of a floating-point combination is unspecified, as in OpenMP)."""
    def bad(s: Stmt) -> None:
        raise unsupported(f"reduction variable '{c_name}' used in the loop other than in `{c_name} = {c_name} op e` "
                          "updates "
                          f"(line {s.loc.line if s.loc else '?'})", d.coord)

    for s in body:
        if isinstance(s, Assign) and s.name == r:
            if not _is_update(s.value, r, op):
                bad(s)
        elif isinstance(s, If):
            if uses(s.cond, r):
                ok = op != "add" and not s.orelse and len(s.then) == 1 and isinstance(s.then[0], Assign) \
                    and s.then[0].name == r and not uses(s.then[0].value, r)
                e = s.then[0].value if ok else None
                if not ok or not (_first_bigger(s.cond, e, Var(r)) if op == "max"
                                  else _first_bigger(s.cond, Var(r), e)):
                    bad(s)
            else:
                check_reduction(s.then, r, op, d, c_name)
                check_reduction(s.orelse, r, op, d, c_name)
        elif isinstance(s, (For, While)):
            parts = (s.start, s.cond, s.step) if isinstance(s, For) else (s.cond,)
            if any(uses(p, r) for p in parts):
                bad(s)
            check_reduction(s.body, r, op, d, c_name)
        elif uses(s, r) or (isinstance(s, Atomic) and s.result == r) or (isinstance(s, Declare) and s.name == r):
            bad(s)
