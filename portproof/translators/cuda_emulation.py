"""Turn a CUDA port's source into C++ that runs on a CPU against emu/portproof_cuda_emu.h."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Iterator

import tree_sitter
import tree_sitter_cuda

from portproof.diagnostics import Unsupported
from portproof.ir.nodes import SourceLoc

EMU_DIR = Path(__file__).parent / "emu"
EMU_HEADER = EMU_DIR / "portproof_cuda_emu.h"
HARNESS_HEADER = EMU_DIR / "portproof_harness.h"

# Exit statuses of an emulated program (see the #defines in the emulation header).
EXIT_HARNESS_IO = 85
EXIT_BARRIER_DIVERGENCE = 86
EXIT_UNSUPPORTED = 87
EXIT_EMULATION_INTERNAL = 88


@functools.lru_cache(maxsize=1)
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_cuda.language()))


def _walk(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def _text(src: bytes, node: tree_sitter.Node) -> bytes:
    return src[node.start_byte:node.end_byte]


def _loc(filename: str, node: tree_sitter.Node) -> SourceLoc:
    return SourceLoc(filename, node.start_point[0] + 1, node.start_point[1] + 1)


def _keep_lines(original: bytes, replacement: bytes) -> bytes:
    """Pad `replacement` with the line breaks it dropped, so the lines after it keep their numbers."""
    missing = original.count(b"\n") - replacement.count(b"\n")
    if missing <= 0:
        return replacement
    return replacement + (b"\\\n" if b"\\\n" in original else b"\n") * missing


def _launch(src: bytes, call: tree_sitter.Node, config: tree_sitter.Node) -> bytes:
    kernel = _text(src, call.child_by_field_name("function"))
    parts = [_text(src, c) for c in config.named_children if c.type != "comment"]
    grid, block = parts[0], parts[1]
    shared = parts[2] if len(parts) > 2 else b"0"
    args = _text(src, call.child_by_field_name("arguments"))[1:-1]
    name = kernel.decode().replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    out = (b'portproof_launch("' + name.encode() + b'", dim3(' + grid + b"), dim3(" + block + b"), (size_t)("
           + shared + b"), [&](auto &&...portproof_a) { " + kernel + b"(portproof_a...); }"
           + (b", " + args if args.strip() else b"") + b")")
    return _keep_lines(_text(src, call), out)


def _declared_names(src: bytes, declaration: tree_sitter.Node) -> list[bytes]:
    names = []
    for d in declaration.children_by_field_name("declarator"):
        while d.type != "identifier" and d.child_by_field_name("declarator") is not None:
            d = d.child_by_field_name("declarator")
        if d.type == "identifier":
            names.append(_text(src, d))
    return names


def _shared_edits(src: bytes, decl: tree_sitter.Node, filename: str) -> list[tuple[int, int, bytes]]:
    """`extern __shared__ T s[];` points `s` at the dynamic shared buffer; a `__shared__` declaration in
    a function body becomes a static (the header's `#define __shared__ static`) that the first thread
    of each block refills with 0xFF bytes; an array there is a reference to memory ending at a guard
    page (the header's PORTPROOF_SHARED_ARRAY), so that an access past its end faults."""
    storage = {_text(src, c): c for c in decl.children if c.type == "storage_class_specifier"}
    qualifier = next(c for c in decl.children if c.type == "type_qualifier" and _text(src, c) == b"__shared__")
    if b"extern" in storage:
        declarator = decl.child_by_field_name("declarator")
        inner = declarator.child_by_field_name("declarator") if declarator.type == "array_declarator" else None
        if inner is None or inner.type != "identifier" or declarator.child_by_field_name("size") is not None:
            raise Unsupported("extern __shared__ declaration other than `extern __shared__ T name[]`",
                              _loc(filename, decl), _text(src, decl).decode())
        name = _text(src, inner)
        extern = storage[b"extern"]
        return [(extern.start_byte, extern.end_byte, b" " * len(b"extern")),
                (declarator.start_byte, declarator.end_byte,
                 b"*const " + name + b" = (decltype(" + name + b"))portproof_dynamic_shared")]
    edits = []
    if b"static" in storage:
        edits.append((qualifier.start_byte, qualifier.end_byte, b" " * len(b"__shared__")))
    if decl.parent is not None and decl.parent.type == "compound_statement":
        element = _text(src, decl.child_by_field_name("type"))
        for d in decl.children_by_field_name("declarator"):
            name = d
            while name.type == "array_declarator":
                name = name.child_by_field_name("declarator")
            if d.type == "array_declarator" and name.type == "identifier":
                edits += [(name.start_byte, name.end_byte, b"PORTPROOF_SHARED_ARRAY(" + _text(src, name) + b")"),
                          (d.end_byte, d.end_byte, b" PORTPROOF_SHARED_AT(" + element +
                           src[name.end_byte:d.end_byte].replace(b"\n", b" ") + b")")]
        resets = b"".join(b" portproof_shared_reset(&" + n + b", sizeof(" + n + b"));"
                          for n in _declared_names(src, decl))
        edits.append((decl.end_byte, decl.end_byte, resets))
    return edits


def emulation_source(cuda_text: str, *, filename: str = "<port>") -> str:
    """The port's text with every kernel launch turned into a call of the emulation's launcher and
    `__shared__` declarations adapted; everything else, line numbers included, stays as written."""
    src = cuda_text.encode()
    tree = _parser().parse(src)
    edits: list[tuple[int, int, bytes]] = []
    for n in _walk(tree.root_node):
        if n.type == "call_expression":
            config = next((c for c in n.children if c.type == "kernel_call_syntax"), None)
            if config is not None:
                edits.append((n.start_byte, n.end_byte, _launch(src, n, config)))
        elif n.type == "declaration" and any(
                c.type == "type_qualifier" and _text(src, c) == b"__shared__" for c in n.children):
            edits.extend(_shared_edits(src, n, filename))
        elif n.type in ("preproc_arg", "ERROR") and b"<<<" in _text(src, n):
            where = "a macro definition" if n.type == "preproc_arg" else "code the CUDA parser rejects"
            raise Unsupported(f"kernel launch inside {where}", _loc(filename, n), _text(src, n).decode())
    out, last = [], 0
    for start, end, text in sorted(edits):
        out += [src[last:start], text]
        last = end
    out.append(src[last:])
    return b"".join(out).decode()
