"""The C frontend: a C99 file, preprocessed by gcc and parsed by pycparser, lowered to an IR Program."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Collection, Mapping, Optional, Sequence

from pycparser import c_ast, c_parser

from portproof.diagnostics import InputFileError, ParseError, Unsupported, UsageError
from portproof.ir.nodes import (ArrayParam, Binary, Cast, Const, Expr, Function, Param, Program, ScalarParam,
                                SourceLoc, Unary)
from portproof.ir.types import F64, I32, ScalarType, arithmetic_result
from portproof.translators.c_constants import apply_int_op
from portproof.translators.c_expr import ExprLowering, FileScope, Scopes
from portproof.translators.c_stmt import StmtLowering
from portproof.translators.c_types import CTypes, loc_of, unsupported
from portproof.translators.preprocess import MacroValue, preprocess, read_source, source_line

_PARSE_ERROR = re.compile(r"(.*?):(\d+)(?::(\d+))?: (.*)", re.S)
_CXX_HINT = re.compile(r"\btemplate\s*<|\bclass\s+\w+\s*[:{]|\bnamespace\s+\w+|\bstd::|\b__global__\b")
_DOUBLE_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
               "/": lambda a, b: a / b}


@dataclass
class CUnit:
    """Every function that lowered, and why the others did not (as the CUDA frontend's CudaUnit)."""
    program: Program
    failures: dict[str, Unsupported] = field(default_factory=dict)


def parse_c(path: str, *, include_dirs: Sequence[str] = (), defines: Mapping[str, MacroValue] = {},
            symbolic_macros: frozenset[str] = frozenset(),
            functions: Optional[Collection[str]] = None) -> Program:
    """Lower every function defined in `path` and its local headers (or only those named in `functions`);
    the first construct that cannot be lowered raises Unsupported."""
    unit = parse_c_unit(path, include_dirs=include_dirs, defines=defines, symbolic_macros=symbolic_macros,
                        functions=functions)
    if unit.failures:
        raise next(iter(unit.failures.values()))
    return unit.program


def parse_c_unit(path: str, *, include_dirs: Sequence[str] = (), defines: Mapping[str, MacroValue] = {},
                 symbolic_macros: frozenset[str] = frozenset(),
                 functions: Optional[Collection[str]] = None) -> CUnit:
    """As parse_c, but a function that cannot be lowered is left out and its reason recorded."""
    source = read_source(path)
    pp = preprocess(path, include_dirs=include_dirs, defines=defines, symbolic_macros=symbolic_macros)
    try:
        ast = c_parser.CParser().parse(pp.text, path)
    except c_parser.ParseError as e:
        raise _parse_error(str(e), path, source) from None
    file = _file_scope(ast, frozenset(symbolic_macros))
    names = list(file.functions) if functions is None else list(functions)
    if not names:
        raise InputFileError("no function definitions", SourceLoc(path, 1))
    lowered, failures = [], {}
    for name in names:
        if name not in file.functions:
            raise UsageError(f"no function '{name}' is defined in {path}")
        try:
            lowered.append(_lower_function(file.functions[name], file))
        except Unsupported as e:
            failures[name] = e
    return CUnit(Program(tuple(lowered), source=source), failures)


def _parse_error(message: str, path: str, source: str) -> ParseError:
    m = _PARSE_ERROR.match(message)
    if m:
        file, line, col, text = m.group(1), int(m.group(2)), int(m.group(3) or 0), m.group(4)
    else:  # "file: At end of input"
        file, line, col, text = path, max(source.count("\n"), 1), 0, message.split(": ", 1)[-1]
    if _CXX_HINT.search(source):
        text += " (this looks like C++ or CUDA; the C frontend reads C99)"
    return ParseError(f"syntax error: {text}", SourceLoc(file, line, col), source_line(file, line))


def _file_scope(ast: c_ast.FileAST, symbolic: frozenset[str]) -> FileScope:
    file = FileScope(CTypes(), symbolic)
    consts = ExprLowering(file, Scopes())
    for ext in ast.ext:
        for enum in _enums(ext):
            _add_enumerators(enum, file, consts)
        if isinstance(ext, c_ast.FuncDef):
            file.functions[ext.decl.name] = ext
        elif isinstance(ext, c_ast.Typedef):
            file.types.add_typedef(ext)
        elif isinstance(ext, c_ast.Decl) and ext.name and not isinstance(ext.type, c_ast.FuncDecl):
            _add_global(ext, file, consts)
    return file


def _enums(node: c_ast.Node) -> list[c_ast.Enum]:
    if isinstance(node, c_ast.FuncDef):
        return []
    found = [node] if isinstance(node, c_ast.Enum) and node.values is not None else []
    return found + [e for _, child in node.children() for e in _enums(child)]


def _add_enumerators(enum: c_ast.Enum, file: FileScope, consts: ExprLowering) -> None:
    value = -1
    for e in enum.values.enumerators:
        if e.value is None:
            value += 1
        else:
            folded = _fold(consts.visit(e.value))
            if not (isinstance(folded, Const) and folded.type.is_integer):
                raise unsupported(f"enumerator '{e.name}' with a non-constant value", e.coord)
            value = int(folded.value)
        file.constants[e.name] = Const(value, I32)


def _add_global(decl: c_ast.Decl, file: FileScope, consts: ExprLowering) -> None:
    """A const scalar with an initializer becomes a constant (folded when it can be); others are globals,
    Unsupported only where a function uses them."""
    t = decl.type
    if "const" in decl.quals and isinstance(t, c_ast.TypeDecl) and decl.init is not None \
            and not isinstance(decl.init, c_ast.InitList):
        try:
            declared = file.types.scalar(t, f"constant '{decl.name}'")
            if declared is not None:
                file.constants[decl.name] = _fold(Cast(declared, consts.visit(decl.init)))
                return
        except Unsupported:
            pass
    file.globals.add(decl.name)


def _fold(e: Expr) -> Expr:
    """Fold integer arithmetic, double + - * /, negation and casts over literals; anything else stays."""
    if isinstance(e, Unary):
        x = _fold(e.operand)
        if isinstance(x, Const) and e.op == "-":
            return Const(-x.value, x.type)
        return Unary(e.op, x)
    if isinstance(e, Cast):
        x = _fold(e.operand)
        return _convert(x.value, e.type) if isinstance(x, Const) else Cast(e.type, x)
    if isinstance(e, Binary):
        a, b = _fold(e.left), _fold(e.right)
        if isinstance(a, Const) and isinstance(b, Const):
            t = arithmetic_result(a.type, b.type)
            try:
                if t.is_integer and e.op in ("+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^"):
                    return _convert(apply_int_op(e.op, int(a.value), int(b.value)), t)
                if t == F64 and e.op in _DOUBLE_OPS:  # Python floats are IEEE doubles
                    return Const(_DOUBLE_OPS[e.op](float(a.value), float(b.value)), t)
            except (ZeroDivisionError, ValueError):
                pass
        return Binary(e.op, a, b)
    return e


def _convert(value: float, t: ScalarType) -> Const:
    """C's conversion of a constant to `t` (integers wrap to the type's width)."""
    if t.is_float:
        return Const(float(value), t)
    if t.kind == "bool":
        return Const(bool(value), t)
    v = int(value) % (1 << t.bits)
    if t.signed and v >= 1 << (t.bits - 1):
        v -= 1 << t.bits
    return Const(v, t)


def _lower_function(fd: c_ast.FuncDef, file: FileScope) -> Function:
    if fd.param_decls:
        raise unsupported(f"old-style (K&R) parameter declarations of '{fd.decl.name}'", fd.coord)
    lowering = StmtLowering(file)
    decl: c_ast.FuncDecl = fd.decl.type
    return_type = file.types.scalar(decl.type, f"the result of '{fd.decl.name}'")
    params = tuple(p for p in (_param(d, lowering) for d in (decl.args.params if decl.args else ())) if p)
    body = lowering.lower_body(fd.body)
    return Function(fd.decl.name, "host", params, body, return_type, loc=loc_of(fd.coord))


def _param(d: c_ast.Node, lowering: StmtLowering) -> Optional[Param]:
    """The IR parameter of a declaration (None for `(void)`), bound in the function's scope."""
    types, scopes = lowering.file.types, lowering.scopes
    if isinstance(d, c_ast.Typename) and isinstance(d.type, c_ast.TypeDecl) and \
            types.scalar(d.type, "a parameter") is None:
        return None
    if not isinstance(d, c_ast.Decl) or d.name is None:
        raise unsupported("parameter without a name (or variadic)", d.coord)
    t = d.type
    if isinstance(t, c_ast.TypeDecl):
        scalar = types.scalar(t, f"parameter '{d.name}'")
        if scalar is None:
            raise unsupported(f"void parameter '{d.name}'", d.coord)
        scopes.declare(d.name, scalar)
        return ScalarParam(d.name, scalar)
    if isinstance(t, c_ast.PtrDecl):
        if isinstance(t.type, c_ast.FuncDecl):
            raise unsupported(f"function pointer parameter '{d.name}'", d.coord)
        if isinstance(t.type, c_ast.PtrDecl):
            raise unsupported(f"pointer-to-pointer parameter '{d.name}' (pass a 2-D array as `T A[n][m]` or a "
                              "flat pointer)", d.coord)
        return _array_param(d, t.type, (), lowering)
    if isinstance(t, c_ast.ArrayDecl):
        dims, inner = [], t
        while isinstance(inner, c_ast.ArrayDecl):
            dims.append(inner.dim)
            inner = inner.type
        if dims[0] is None and len(dims) > 1:
            raise unsupported(f"array parameter '{d.name}' with an unknown first extent ({d.name}[][...]); "
                              f"declare it as {d.name}[n][...] with a size parameter", d.coord)
        extents = () if dims[0] is None else tuple(lowering.expr.visit(x) for x in dims)
        return _array_param(d, inner, extents, lowering)
    raise unsupported(f"parameter '{d.name}' of this type", d.coord)


def _array_param(d: c_ast.Decl, elem: c_ast.Node, extents: tuple[Expr, ...], lowering: StmtLowering) -> ArrayParam:
    elem_type = lowering.file.types.scalar(elem, f"the elements of '{d.name}'")
    if elem_type is None:
        raise unsupported(f"void pointer parameter '{d.name}'", d.coord)
    lowering.scopes.declare(d.name, elem_type, extents)
    role = "in" if "const" in getattr(elem, "quals", ()) else "inout"
    return ArrayParam(d.name, elem_type, extents, role)
