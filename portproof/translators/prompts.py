"""Messages for the LLM: the first prompt and the feedback on a verdict, rendered from prompts/*.toml."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from portproof.diagnostics import UsageError
from portproof.ir.nodes import ArrayParam, Expr, Function, ScalarParam
from portproof.ir.printer import to_text
from portproof.specs import Target
from portproof.validator.contract import Contract
from portproof.validator.verdict import Counterexample, Error, NotEquivalent, Result, Unknown

PROMPTS_DIR = Path(__file__).parent / "prompts"
PORT_NAME = "port.cu"  # how the feedback names the candidate file
NO_CODE = "no code"    # the Error kind of an empty answer
MAX_SHOWN = 64         # array elements listed in a counterexample before "..."
_LOC = re.compile(r"^(.*):(\d+):(\d+)$")

Templates = dict[str, Any]


@dataclass(frozen=True)
class Task:
    """The function to port and everything the prompt says about it."""
    path: str
    source: str
    function: Function                     # the original's entry, as the C frontend lowered it
    signature: str                         # its declaration as written in the original
    extents: dict[str, tuple[Expr, ...]]   # inferred extents of its pointer parameters
    macros: dict[str, int]                 # integer macros of the original (size macros)
    target: Target
    contract: Contract

    @property
    def port_name(self) -> str:
        return self.contract.port_entry or self.function.name


def languages() -> list[str]:
    return sorted(p.stem for p in PROMPTS_DIR.glob("*.toml"))


def load_templates(language: str) -> Templates:
    path = PROMPTS_DIR / f"{language}.toml"
    if not path.exists():
        raise UsageError(f"no prompts for '{language}' (known: {', '.join(languages())})")
    return tomllib.loads(path.read_text())


def first_messages(task: Task, t: Templates) -> list[dict[str, str]]:
    """The conversation's opening: the system prompt and the request to port `task`."""
    target = task.target
    user = t["first"].format(
        name=task.function.name, path=Path(task.path).name, original=task.source.rstrip(),
        signature=task.signature, parameters="\n".join(_parameter(p, task, t["parameter"])
                                                       for p in task.function.params),
        interface=_interface(task, t), target_name=target.name, target_description=target.description,
        warp_size=target.warp_size, max_threads_per_block=target.max_threads_per_block,
        max_block_dim=_dims(target.max_block_dim), max_grid_dim=_dims(target.max_grid_dim),
        max_shared_memory_per_block=target.max_shared_memory_per_block, contract=_contract(task, t["contract"]))
    return [{"role": "system", "content": t["system"]}, {"role": "user", "content": user}]


def port_signature(fn: Function, name: str, qualifier: str = "") -> str:
    """The port's declaration: the original's parameters with array parameters as flat pointers."""
    ret = fn.return_type.c_name if fn.return_type else "void"
    params = ", ".join(f"{'const ' if p.role == 'in' else ''}{p.type.c_name} *{p.name}"
                       if isinstance(p, ArrayParam) else f"{p.type.c_name} {p.name}" for p in fn.params)
    return f"{qualifier}{ret} {name}({params})"


def _parameter(p: ScalarParam | ArrayParam, task: Task, t: Templates) -> str:
    if isinstance(p, ScalarParam):
        return t["size" if p.type.is_integer else "scalar"].format(decl=f"{p.type.c_name} {p.name}")
    access = t["read_only"] if p.role == "in" else ""
    if not p.extents:
        known = task.extents.get(p.name)
        extent = t["extent_known"].format(extent=" x ".join(map(to_text, known))) if known else t["extent_unknown"]
        return t["pointer"].format(name=p.name, type=p.type.c_name, extent=extent, access=access)
    if len(p.extents) == 1:
        shape = t["shape_1d"].format(extent=to_text(p.extents[0]))
    else:
        shape = t["shape_nd"].format(dims=_c_dims(p), type=p.type.c_name, name=p.name, **_flattening(p))
    return t["array"].format(name=p.name, type=p.type.c_name, shape=shape, access=access)


def _interface(task: Task, t: Templates) -> str:
    if task.contract.launch:
        return t["kernel_interface"].format(
            port_name=task.port_name, launch=task.contract.launch,
            kernel_signature=port_signature(task.function, task.port_name, "__global__ "))
    return t["host_interface"].format(host_signature=port_signature(task.function, task.port_name))


def _contract(task: Task, t: Templates) -> str:
    lines = [t["sizes"]]
    if task.macros:
        lines.append(t["macros"].format(macros=", ".join(f"{k} = {v}" for k, v in sorted(task.macros.items()))))
    lines.append(t["fp_real" if task.contract.fp == "real" else "fp_ieee"])
    if task.port_name != task.function.name:
        lines.append(t["entry"].format(port_name=task.port_name))
    return "\n".join(lines)


def feedback(result: Result, task: Task, candidate: str, path: str, t: Templates) -> str:
    """What to tell the model about a candidate that was not proved equivalent, in plain words."""
    f = t["feedback"]
    v = result.verdict
    if isinstance(v, NotEquivalent):
        return _counterexample(v.counterexample, task, candidate, path, f)
    if isinstance(v, Unknown):
        where = f"{_rename(v.location, path)}: " if v.location else ""
        return f["unknown"].format(reason=v.reason.value, where=where, detail=_rename(v.detail, path))
    if isinstance(v, Error) and v.kind == NO_CODE:
        return f["no_code"]
    if isinstance(v, Error):
        failed = [c.detail for c in result.checks if c.name == "compile port" and c.status == "failed"]
        if failed:
            return f["compile_error"].format(message=_rename(failed[0], path))
        where = f"{v.location}: " if v.location and v.location not in v.message else ""
        return f["error"].format(kind=v.kind, message=_rename(where + v.message, path))
    raise ValueError(f"no feedback for an '{v.verdict}' verdict")


def _counterexample(c: Counterexample, task: Task, candidate: str, path: str, f: Templates) -> str:
    fields = dict(inputs=_inputs(c, task, f), statements=_statements(c.statement, candidate, path, f),
                  confirmation=c.confirmation)
    if c.kind == "value":
        element = f"{c.array}[{']['.join(map(str, c.index or []))}]"
        text = f["value"].format(element=element, expected=_value(c.expected), actual=_value(c.actual), **fields)
    else:
        text = f["fault"].format(fault=_fault(c.detail, path), **fields)
    return re.sub(r"\n{2,}", "\n", text)


def _inputs(c: Counterexample, task: Task, f: Templates) -> str:
    values = {**c.sizes, **c.scalars}
    args = ", ".join(f"{p.name}={_value(values[p.name])}" if p.name in values else p.name
                     for p in task.function.params)
    lines = [f["inputs_header"].format(call=f"{task.function.name}({args})")]
    extra = {k: v for k, v in values.items() if k not in {p.name for p in task.function.params}}
    if extra:
        lines[0] += " with " + ", ".join(f"{k} = {_value(v)}" for k, v in extra.items())
    if c.launch:
        lines.append(f["launch"].format(launch=c.launch))
    params = {p.name: p for p in task.function.params}
    for name, data in c.arrays.items():
        shown = ", ".join(_value(x) for x in data[:MAX_SHOWN])
        p = params.get(name)
        if len(data) > MAX_SHOWN:
            lines.append(f["array_shortened"].format(name=name, values=shown, shown=MAX_SHOWN, count=len(data)))
        elif isinstance(p, ArrayParam) and len(p.extents) > 1:
            lines.append(f["array_flat"].format(name=name, values=shown, dims=_c_dims(p)))
        else:
            lines.append(f["array"].format(name=name, values=shown))
    return "\n".join(lines)


def _statements(statement: Optional[str], candidate: str, path: str, f: Templates) -> str:
    """Each `file:line:col` of the port that wrote the element, quoted from the candidate."""
    if not statement:
        return ""
    source = candidate.splitlines()
    lines = []
    for where in statement.split(", "):
        m = _LOC.match(where)
        if m and m.group(1) == path and 1 <= int(m.group(2)) <= len(source):
            line = int(m.group(2))
            lines.append(f["statement"].format(line=line, code=source[line - 1].strip()))
        else:
            lines.append(f["statement_elsewhere"].format(where=_rename(where, path)))
    return "\n".join(lines)


def _fault(detail: str, path: str) -> str:
    """The fault from a counterexample's detail, without the confirmation appended after ' | '."""
    return _rename(detail.split(" | ")[0], path)


def _rename(text: Optional[str], path: str) -> str:
    return (text or "").replace(path, PORT_NAME)


def _value(x: Any) -> str:
    if isinstance(x, float) and x.is_integer():
        return f"{x:.1f}"
    return str(x)


def _c_dims(p: ArrayParam) -> str:
    return f"{p.name}" + "".join(f"[{to_text(e)}]" for e in p.extents)


def _flattening(p: ArrayParam) -> dict[str, str]:
    """An element of a C99 array parameter and its row-major offset: A[i][j] and A[i * n + j]."""
    names = "ijklmn"[:len(p.extents)]
    flat = names[0]
    for name, extent in zip(names[1:], p.extents[1:]):
        flat = f"{flat if len(flat) == 1 else f'({flat})'} * {to_text(extent)} + {name}"
    return {"element": p.name + "".join(f"[{x}]" for x in names), "flat": f"{p.name}[{flat}]"}


def _dims(d: tuple[int, ...]) -> str:
    return " x ".join(map(str, d))
