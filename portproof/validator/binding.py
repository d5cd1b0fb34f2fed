"""Pair the original with its port: entries, parameter names, extents, size macros, normalized IR."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

from portproof.diagnostics import ContractError, MissingLaunchConfig, PortproofError, Unsupported, UsageError
from portproof.ir.mapper import walk
from portproof.ir.nodes import ArrayParam, Expr, Function, Launch, Program, ScalarParam, Var
from portproof.translators.cuda_frontend import CudaUnit, parse_launch
from portproof.validator.contract import Contract
from portproof.validator.normalize import (
    declared_names, flatten_arrays, fresh_names, inline_launches, kernel_entry, rename,
)

ENTRY = "__portproof_entry"


def is_openmp_port(port: str) -> bool:
    """A C port (OpenMP pragmas, run with gcc -fopenmp) rather than CUDA: by its suffix."""
    return str(port).endswith(".c")


@dataclass
class Pair:
    original: Program              # flattened, entry first
    orig_fn: Function
    port: Program                  # flattened; the host entry calls kernels through Launch
    port_fn: Function              # host entry with the original's parameter names
    proof_fn: Function             # port_fn with its launches inlined as parallel loops
    shapes: dict[str, tuple[Expr, ...]]
    macros: frozenset[str]
    orig_raw: Optional[Function] = None      # as parsed, for running from source
    port_raw: Optional[Function] = None      # the port's host entry or kernel, as parsed
    launch: Optional[tuple] = None           # kernel-only ports: (grid, block, shared) over original names
    port_names: dict[str, str] = field(default_factory=dict)   # original name -> port's own name
    defaults: list[str] = field(default_factory=list)
    macro_values: dict[str, int] = field(default_factory=dict)  # the generalised macros' own values


def bind(original: Program, port: CudaUnit, contract: Contract, macros: frozenset[str],
         extents: dict[str, tuple[Expr, ...]]) -> Pair:
    defaults: list[str] = []
    orig_fn = _original_entry(original, contract)
    shapes = _shapes(orig_fn, extents)
    host = _port_host(port, orig_fn, contract)
    if host is not None:
        mapping = _map_params(orig_fn, host, contract, defaults)
        port_fn = _rename_params(host, mapping)
        port_fn = replace(port_fn, name=ENTRY)
        kernel, launch, raw = None, None, host
    else:
        kernel = _port_kernel(port, orig_fn, contract)
        if contract.launch is None:
            raise MissingLaunchConfig(
                f"the port has no host function '{orig_fn.name}' that launches its kernel, so "
                f"portproof needs the launch of '{kernel.name}': give --launch '<<<GRID, BLOCK>>>' with "
                f"expressions over the parameters of '{orig_fn.name}' (e.g. --launch '<<<(n+255)/256, 256>>>'), "
                f"or a contract file with launch = \"...\"; or --entry {orig_fn.name}=HOST_FUNCTION "
                f"if the port's host function has another name", kernel.loc)
        mapping = _map_params(orig_fn, kernel, contract, defaults)
        raw = kernel
        kernel = _rename_params(kernel, mapping)
        launch = _launch(contract.launch, orig_fn, macros)
        params = tuple(_host_param(p, kernel) for p in orig_fn.params)
        port_fn = kernel_entry(kernel, ENTRY, params, *launch)
    functions = tuple(f for f in port.program.functions if f.kind == "kernel" and f.name != raw.name)
    if kernel is not None:
        functions += (kernel,)
    port_fn = _typed_params(port_fn, orig_fn)
    for call in (n for n in walk(port_fn.body) if isinstance(n, Launch)):
        if call.kernel in port.failures:
            raise port.failures[call.kernel]
        if not any(f.name == call.kernel and f.kind == "kernel" for f in functions):
            raise Unsupported(f"launch of '{call.kernel}', which is not a __global__ kernel of the port",
                              call.loc)
    orig_flat = flatten_arrays(orig_fn, shapes)
    port_flat = flatten_arrays(port_fn, shapes)
    port_program = Program(functions + (port_flat,), port.program.source)
    proof_fn = inline_launches(port_program, port_flat)
    return Pair(Program((orig_flat,), original.source), orig_flat, port_program, port_flat, proof_fn,
                shapes, macros, orig_fn, raw, launch, {v: k for k, v in mapping.items()}, defaults)


def _launch(text: str, orig_fn: Function, macros: frozenset[str]) -> tuple:
    """The user's launch configuration, over the original's integer parameters and size macros."""
    try:
        grid, block, shared = parse_launch(text)
    except PortproofError as e:
        raise UsageError(f"--launch {text!r} is not a launch configuration like '<<<(n+255)/256, 256>>>' "
                         f"or '<<<dim3(gx, gy), dim3(bx, by)>>>': {e.message}")
    known = {p.name for p in orig_fn.params if isinstance(p, ScalarParam)} | set(macros)
    unknown = sorted({v.name for e in (*grid, *block, shared) for v in walk(e) if isinstance(v, Var)} - known)
    if unknown:
        raise UsageError(f"--launch {text!r} uses {', '.join(unknown)}, which is not a scalar parameter of "
                         f"'{orig_fn.name}' ({', '.join(sorted(known)) or 'none'})")
    return grid, block, shared


def _original_entry(original: Program, contract: Contract) -> Function:
    if contract.original_entry:
        try:
            return original.function(contract.original_entry)
        except KeyError:
            raise UsageError(f"the original has no function '{contract.original_entry}' "
                             f"(it has: {', '.join(f.name for f in original.functions)})")
    if len(original.functions) == 1:
        return original.functions[0]
    if not original.functions:
        raise Unsupported("the original defines no function")
    raise UsageError(f"the original defines several functions ({', '.join(f.name for f in original.functions)});"
                     f" name the entry with --entry ORIGINAL=PORT")


def _port_host(port: CudaUnit, orig_fn: Function, contract: Contract) -> Optional[Function]:
    name = contract.port_entry or orig_fn.name
    if name in port.failures:
        raise port.failures[name]
    try:
        f = port.program.function(name)
    except KeyError:
        if contract.port_entry and contract.launch is None:
            raise UsageError(f"the port has no function '{name}' "
                             f"(it has: {', '.join(f.name for f in port.program.functions)})")
        return None
    return f if f.kind == "host" and contract.launch is None else None


def _port_kernel(port: CudaUnit, orig_fn: Function, contract: Contract) -> Function:
    kernels = [f for f in port.program.functions if f.kind == "kernel"]
    if contract.port_entry:
        if contract.port_entry in port.failures:
            raise port.failures[contract.port_entry]
        match = [k for k in kernels if k.name == contract.port_entry]
        if not match:
            raise UsageError(f"the port has no kernel '{contract.port_entry}'")
        return match[0]
    if len(kernels) == 1:
        return kernels[0]
    failed = [f for f in port.failures.values()]
    if not kernels and failed:
        raise failed[0]
    if not kernels:
        raise Unsupported(f"the port has neither a host function '{orig_fn.name}' nor a __global__ kernel")
    raise UsageError(f"the port has several kernels ({', '.join(k.name for k in kernels)}) and no host "
                     f"function '{orig_fn.name}'; name one with --entry {orig_fn.name}=KERNEL and give --launch")


def _map_params(orig: Function, port: Function, contract: Contract, defaults: list[str]) -> dict[str, str]:
    """port parameter name -> original parameter name."""
    explicit = {p: o for o, p in contract.arrays}
    orig_names = [p.name for p in orig.params]
    port_names = [p.name for p in port.params]
    if all(n in orig_names or n in explicit for n in port_names):
        mapping = {n: explicit.get(n, n) for n in port_names}
    elif len(orig.params) == len(port.params) and \
            all(isinstance(a, ArrayParam) == isinstance(b, ArrayParam) for a, b in zip(orig.params, port.params)):
        mapping = {b.name: a.name for a, b in zip(orig.params, port.params)}
        defaults.append("parameters matched by position: " +
                        ", ".join(f"{a}->{b}" for b, a in mapping.items() if a != b))
    else:
        missing = [n for n in port_names if n not in orig_names and n not in explicit]
        raise ContractError(f"cannot match the parameters of '{port.name}' ({', '.join(port_names)}) with those "
                            f"of '{orig.name}' ({', '.join(orig_names)}): no original parameter named "
                            f"{', '.join(missing)}; map them in a contract file ([arrays] ORIGINAL = \"PORT\")")
    for p in port.params:
        o = orig.param(mapping[p.name])
        if isinstance(o, ArrayParam) != isinstance(p, ArrayParam):
            raise ContractError(f"'{p.name}' of the port is {'an array' if isinstance(p, ArrayParam) else 'a scalar'}"
                                f" but '{o.name}' of the original is not")
    return mapping


def _rename_params(fn: Function, mapping: dict[str, str]) -> Function:
    mapping = {k: v for k, v in mapping.items() if k != v}
    if not mapping:
        return fn
    clashes = (declared_names(fn.body) & set(mapping.values())) - set(mapping)
    taken = declared_names(fn) | set(mapping.values())
    fn = rename(fn, fresh_names(sorted(clashes), taken, "p")) if clashes else fn
    renamed = rename(fn, mapping)
    params = tuple(replace(p, name=mapping.get(p.name, p.name)) for p in fn.params)
    return replace(renamed, params=params)


def _host_param(p, kernel: Function):
    try:
        k = kernel.param(p.name)
    except KeyError:
        return p if isinstance(p, ScalarParam) else ArrayParam(p.name, p.type, ())
    return replace(k, extents=()) if isinstance(k, ArrayParam) else k


def _typed_params(port_fn: Function, orig_fn: Function) -> Function:
    """The port's entry takes the original's parameters, in the original's order."""
    by_name = {p.name: p for p in port_fn.params}
    params = []
    for o in orig_fn.params:
        p = by_name.get(o.name)
        if p is None:
            p = o if isinstance(o, ScalarParam) else ArrayParam(o.name, o.type, ())
        params.append(replace(p, extents=()) if isinstance(p, ArrayParam) else p)
    return replace(port_fn, params=tuple(params))


def _shapes(orig_fn: Function, extents: dict[str, tuple[Expr, ...]]) -> dict[str, tuple[Expr, ...]]:
    shapes = {}
    for p in orig_fn.params:
        if not isinstance(p, ArrayParam):
            continue
        dims = extents.get(p.name) or p.extents
        if not dims or any(d is None for d in dims):
            raise Unsupported(f"the extent of '{p.name}' is not known: declare it as a C99 array "
                              f"parameter ({p.type} {p.name}[n]) or give it in a contract ([extents] "
                              f"{p.name} = \"n\")", orig_fn.loc)
        shapes[p.name] = tuple(dims)
    return shapes


