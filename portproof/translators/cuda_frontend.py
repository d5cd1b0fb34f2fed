"""CUDA frontend: a .cu file (kernels and C++ host code) to the loop-nest IR, through tree-sitter-cuda."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Mapping, Optional, Sequence

import tree_sitter
import tree_sitter_cuda
from tree_sitter import Node as TSNode

from portproof.diagnostics import ParseError, Unsupported
from portproof.ir.nodes import Expr, Function, Program, SourceLoc
from portproof.translators.cuda_context import SourceMap, scalar_type, text
from portproof.translators.cuda_lower_expr import (Dim, ExprLowerer, Unit, declarator_name, has_token,
                                                   lower_params, param_scopes)
from portproof.translators.cuda_lower_stmt import StmtLowerer
from portproof.translators.preprocess import MacroValue, preprocess, read_source

_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_cuda.language()))
_CONTAINERS = ("linkage_specification", "namespace_definition", "declaration_list")


@dataclass
class CudaUnit:
    """Every kernel and host function that lowered, and why the others did not."""
    program: Program
    failures: dict[str, Unsupported] = field(default_factory=dict)


def parse_cuda(path: str, *, include_dirs: Sequence[str] = (), defines: Mapping[str, MacroValue] = {},
               symbolic_macros: frozenset[str] = frozenset()) -> CudaUnit:
    """Preprocess (g++ -E, system headers dropped), parse and lower the CUDA file at `path`."""
    original = read_source(path)
    pre = preprocess(path, include_dirs=include_dirs, defines=defines, symbolic_macros=symbolic_macros,
                     language="c++")
    code = pre.text_without_markers
    source = SourceMap(lambda line: pre.line_map.get(line, (path, line)), code.split("\n"))
    unit = lower_unit(_parse(code, source), Unit(source, frozenset(symbolic_macros)))
    return CudaUnit(Program(unit.program.functions, original), unit.failures)


def parse_launch(config: str) -> tuple[Dim, Dim, Expr]:
    """`<<<grid, block[, shared]>>>` (or the part between the brackets) as (grid, block, shared bytes)."""
    config = config.strip()
    if not config.startswith("<<<"):
        config = f"<<<{config}>>>"
    code = f"void __launch() {{ __k{config}(); }}"
    source = SourceMap(lambda line: ("<launch>", line), [code])
    root = _parse(code, source)
    syntax = next((n for n in _descendants(root) if n.type == "kernel_call_syntax"), None)
    if syntax is None:
        raise ParseError(f"not a launch configuration: {config}", SourceLoc("<launch>", 1), config)
    return ExprLowerer(Unit(source, free_identifiers=True), param_scopes(()), "host").launch_config(syntax)


def _parse(code: str, source: SourceMap) -> TSNode:
    root = _PARSER.parse(code.encode("utf-8")).root_node
    if root.has_error:
        bad = next(n for n in _descendants(root) if n.is_error or n.is_missing)
        loc = source.loc(bad)
        message = f"expected `{bad.type}`" if bad.is_missing else \
            f"syntax error at `{text(bad).split(chr(10))[0][:40]}`"
        raise ParseError(message, loc, source.source_line(loc) or code.split("\n")[bad.start_point.row])
    return root


def _descendants(node: TSNode) -> Iterator[TSNode]:
    """Every node under `node` in document order."""
    yield node
    for child in node.children:
        yield from _descendants(child)


def _top_level(root: TSNode) -> Iterator[TSNode]:
    for node in root.named_children:
        if node.type in _CONTAINERS:
            body = node.child_by_field_name("body")
            yield from _top_level(body) if body is not None else ()
        else:
            yield node


def _function_name(fn: TSNode) -> Optional[str]:
    declarator = fn.child_by_field_name("declarator")
    while declarator is not None and declarator.type != "function_declarator":
        declarator = declarator.child_by_field_name("declarator")
    name = declarator.child_by_field_name("declarator") if declarator is not None else None
    return text(name) if name is not None and name.type == "identifier" else None


def _kind(fn: TSNode) -> str:
    if has_token(fn, "__global__"):
        return "kernel"
    return "device" if has_token(fn, "__device__") else "host"


def _record_global(unit: Unit, decl: TSNode) -> None:
    """File-scope variables: `const` scalars with an initializer are inlined; the rest refused at use."""
    quals = {text(c) for c in decl.children if c.type in ("type_qualifier", "storage_class_specifier")}
    ctype = scalar_type(decl.child_by_field_name("type"))
    for d in decl.children_by_field_name("declarator"):
        if d.type == "function_declarator":
            continue
        name = text(declarator_name(d))
        init = d.child_by_field_name("value") if d.type == "init_declarator" else None
        target = d.child_by_field_name("declarator") if init is not None else d
        if quals & {"const", "constexpr"} and ctype is not None and init is not None \
                and target.type == "identifier":
            unit.constants[name] = (ctype, init)
        else:
            unit.other_globals[name] = f"file-scope variable `{name}`"


def lower_unit(root: TSNode, unit: Unit) -> CudaUnit:
    """Lower every kernel and host function under a parsed translation unit."""
    functions: dict[str, tuple[TSNode, str]] = {}
    failures: dict[str, Unsupported] = {}
    for node in _top_level(root):
        if node.type == "declaration":
            _record_global(unit, node)
            continue
        fn = node.named_children[-1] if node.type == "template_declaration" else node
        if fn.type != "function_definition":
            continue
        name = _function_name(fn)
        if name is None:
            continue
        kind = _kind(fn)
        if node.type == "template_declaration":
            failures[name] = unit.source.unsupported("template function", node)
        elif kind == "device":
            unit.device_functions[name] = fn
        elif name in functions or name in failures:
            failures[name] = unit.source.unsupported(f"overloaded function {name}", fn)
            functions.pop(name, None)
        else:
            functions[name] = (fn, kind)
    for name, (fn, kind) in functions.items():
        if kind == "kernel":
            try:
                unit.kernels[name] = lower_params(unit.source, fn.child_by_field_name("declarator"))
            except Unsupported:
                unit.kernels[name] = None
    lowered = []
    for name, (fn, kind) in functions.items():
        try:
            lowered.append(lower_function(unit, fn, name, kind))
        except Unsupported as e:
            failures[name] = e
    return CudaUnit(Program(tuple(lowered)), failures)


def lower_function(unit: Unit, fn: TSNode, name: str, kind: str) -> Function:
    declarator = fn.child_by_field_name("declarator")
    if declarator.type != "function_declarator":
        raise unit.source.unsupported(f"function returning a pointer or reference: {name}", fn)
    params = lower_params(unit.source, declarator)
    type_node = fn.child_by_field_name("type")
    return_type = None if text(type_node) == "void" else scalar_type(type_node)
    if return_type is None and text(type_node) != "void" or kind == "kernel" and return_type is not None:
        raise unit.source.unsupported(f"return type `{text(type_node)}`", type_node)
    body = StmtLowerer(unit, param_scopes(params), kind, fn.child_by_field_name("body")).function_body()
    return Function(name, kind, params, body, return_type, unit.source.loc(fn))
