"""Human-readable report of a result: verdict, scope, counterexample, reasons, checks, time."""
from __future__ import annotations

from portproof.validator.verdict import Equivalent, Error, NotEquivalent, Result, Unknown


def render_text(result: Result) -> str:
    v = result.verdict
    lines: list[str] = []
    if isinstance(v, Equivalent):
        scope = "for all sizes" if v.scope == "all-sizes" else f"for every size up to {v.bound}"
        lines.append(f"equivalent ({v.scope}): proved {scope}")
    elif isinstance(v, NotEquivalent):
        c = v.counterexample
        lines.append(f"not-equivalent: {c.kind}")
        sizes = ", ".join(f"{k}={x}" for k, x in {**c.sizes, **c.scalars}.items())
        lines.append(f"  input:    {sizes}" + (f"  launch {c.launch}" if c.launch else ""))
        for name, data in c.arrays.items():
            shown = ", ".join(_fmt(x) for x in data[:12]) + (", ..." if len(data) > 12 else "")
            lines.append(f"            {name} = [{shown}]")
        if c.array is not None:
            where = "".join(f"[{i}]" for i in c.index) if c.index is not None else ""
            lines.append(f"  output:   {c.array}{where}")
            lines.append(f"  expected: {_fmt(c.expected)}   (original)")
            lines.append(f"  actual:   {_fmt(c.actual)}   (port)")
        for run in c.orders or ():
            lines.append(f"  port ({run['order']}): {_fmt(run['value'])}")
        if c.statement:
            lines.append(f"  written by: {c.statement}")
        if c.detail:
            lines.append(f"  detail:   {c.detail}")
        lines.append(f"  executed: {c.confirmation}")
    elif isinstance(v, Unknown):
        where = f"{v.location}: " if v.location else ""
        lines.append(f"unknown ({v.reason.value}): {where}{v.detail}")
    elif isinstance(v, Error):
        where = f"{v.location}: " if v.location else ""
        lines.append(f"error: {where}{v.kind}: {v.message}")
    for note in getattr(v, "notes", ()):
        lines.append(f"  note: {note}")
    for d in result.defaults:
        lines.append(f"  default: {d}")
    if result.checks:
        lines.append("  checks: " + ", ".join(f"{c.name} {c.status}" for c in result.checks))
    lines.append(f"  time: {result.time_s:.2f} s")
    return "\n".join(lines)


def _fmt(x) -> str:
    if isinstance(x, float) and x.is_integer():
        return ("-" if x == 0 and str(x).startswith("-") else "") + str(int(x)) + ".0"  # -0.0 under --fp ieee
    return str(x)
