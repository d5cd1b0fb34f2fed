"""Lowering of calls used as statements: CUDA runtime API, launches, error checks, barriers and atomics."""
from __future__ import annotations

from typing import Optional

from tree_sitter import Node as TSNode

from portproof.ir.mapper import walk
from portproof.ir.nodes import (ArrayArg, ArrayParam, Barrier, Binary, Const, Copy, Expr, Fill, Launch,
                                Load, LocalArray, Stmt, Var)
from portproof.ir.types import I32, U64, ScalarType
from portproof.translators.cuda_context import Alias, Array, Boxed, ErrorCode, Pointer, text
from portproof.translators.cuda_lower_expr import ATOMICS, callee_name, strip_parens

# calls with no effect on the arrays the validator compares
DROPPED = frozenset({
    "cudaFree", "cudaFreeHost", "cudaDeviceSynchronize", "cudaThreadSynchronize", "cudaGetLastError",
    "cudaPeekAtLastError", "cudaStreamSynchronize", "cudaStreamCreate", "cudaStreamDestroy",
    "cudaDeviceReset", "cudaSetDevice", "cudaGetErrorString", "printf", "fprintf", "puts", "assert",
    "free", "fflush",
})
_NULLS = frozenset({"nullptr", "NULL", "0"})


def _strip_casts(node: TSNode) -> TSNode:
    node = strip_parens(node)
    while node.type == "cast_expression":
        node = strip_parens(node.child_by_field_name("value"))
    return node


def _is_api_call(node: TSNode) -> bool:
    node = _strip_casts(node)
    return node.type == "call_expression" and (callee_name(node) or "").startswith("cuda")


def _product_factors(node: TSNode) -> list[TSNode]:
    node = strip_parens(node)
    if node.type == "binary_expression" and text(node.child_by_field_name("operator")) == "*":
        return _product_factors(node.child_by_field_name("left")) + \
            _product_factors(node.child_by_field_name("right"))
    return [node]


class HostCalls:
    """Mixin of StmtLowerer: statements that are calls, and the host's pointer bookkeeping."""

    byte_definitions: dict[str, TSNode]

    def call_statement(self, node: TSNode) -> list[Stmt]:
        if any(c.type == "kernel_call_syntax" for c in node.children):
            return [self.launch(node)]
        name = callee_name(node) or ""
        args = [a for a in node.child_by_field_name("arguments").named_children if a.type != "comment"]
        if name == "__syncthreads" and self.kind != "host":
            return [Barrier("block", self.loc(node))]
        if name in ATOMICS:
            return [self.atomic(node, None)]
        if name == "__syncwarp" and self.kind != "host":
            mask = [self.expr(a) for a in args]
            if mask and not (isinstance(mask[0], Const) and mask[0].value & 0xFFFFFFFF == 0xFFFFFFFF):
                raise self.unsupported("__syncwarp with a mask other than all lanes", node)
            return [Barrier("warp", self.loc(node))]
        if name.startswith("cuda") and self.kind != "host":
            raise self.unsupported(f"{name} in device code", node)
        if name in DROPPED or name.startswith("cudaEvent"):
            return []
        if name == "cudaMalloc":
            return [self.device_malloc(node, args)]
        if name in ("cudaMemcpy", "cudaMemcpyAsync"):
            return [self.copy(node, args)]
        if name in ("cudaMemset", "cudaMemsetAsync"):
            return [self.fill(node, args)]
        wrapped = [a for a in args if _is_api_call(a)]
        if wrapped and not name.startswith("cuda"):  # checkCuda(cudaMalloc(...)): keep the call, drop the check
            return [s for a in wrapped for s in self.call_statement(_strip_casts(a))]
        raise self.unsupported(f"call to `{name or text(node.child_by_field_name('function'))}`", node)

    def api_effects(self, node: TSNode) -> list[Stmt]:
        """The statements of an expression whose value is a cudaError_t (the value itself is dropped)."""
        node = _strip_casts(node)
        if node.type == "identifier" and isinstance(self.scopes.lookup(text(node)), ErrorCode):
            return []
        if node.type == "call_expression" or node.type == "assignment_expression":
            return self.effect(node)
        raise self.unsupported(f"error code `{text(node)}`", node)

    def error_check(self, cond: TSNode) -> Optional[tuple[list[Stmt], bool]]:
        """For `if (e != cudaSuccess)` and the like: (effects of e, whether the then-branch is success)."""
        if self.kind != "host":
            return None
        cond = strip_parens(cond)
        if cond.type == "binary_expression" and text(cond.child_by_field_name("operator")) in ("==", "!="):
            left = strip_parens(cond.child_by_field_name("left"))
            right = strip_parens(cond.child_by_field_name("right"))
            if "cudaSuccess" not in (text(left), text(right)):
                return None
            subject = left if text(right) == "cudaSuccess" else right
            return self.api_effects(subject), text(cond.child_by_field_name("operator")) == "=="
        if _is_api_call(cond) or isinstance(self.scopes.lookup(text(cond)), ErrorCode):
            return self.api_effects(cond), False
        return None

    # ---- memory -------------------------------------------------------------------------------

    def note_definition(self, name: str, init: TSNode) -> None:
        """Remember `size_t bytes = n * sizeof(float);` when neither `bytes` nor `n` is ever written."""
        names = {text(n) for n in _walk_identifiers(init)}
        if name not in self.assigned and not names & self.assigned:
            self.byte_definitions[name] = init

    def pointer_declaration(self, target: TSNode, ctype: ScalarType, init: Optional[TSNode]) -> list[Stmt]:
        name_node = target.child_by_field_name("declarator")
        if name_node.type != "identifier":
            raise self.unsupported(f"pointer declarator `{text(target)}`", target)
        name = text(name_node)
        value = _strip_casts(init) if init is not None else None
        if value is None or text(value) in _NULLS:
            self.declare(name, Pointer(ctype), target)
            return []
        if value.type == "call_expression" and callee_name(value) == "malloc":
            args = value.child_by_field_name("arguments").named_children
            count = self.element_count(args[0], ctype) if len(args) == 1 else None
        elif value.type == "new_expression" and text(value.child_by_field_name("type")) == ctype.c_name:
            length = value.child_by_field_name("declarator")
            count = self.expr(length.child_by_field_name("length")) if length is not None else None
        else:
            alias = self.alias(name, ctype, value)
            if alias is None:
                raise self.unsupported(f"pointer alias `{text(target)} = {text(init)}`", target)
            self.declare(name, alias, target)
            return []
        if count is None:
            raise self.unsupported(f"allocation `{text(init)}`", target)
        self.declare(name, Array(ctype, 1), target)
        return [LocalArray(name, ctype, (count,), "local", self.loc(target))]

    def alias(self, name: str, ctype: ScalarType, value: TSNode) -> Optional[Alias]:
        """`a` or `a + e` (either order) into a 1-d array of `ctype`, when the alias is a fixed
        offset: no name it is made of is ever written, and `e` reads no array."""
        if value.type == "binary_expression" and text(value.child_by_field_name("operator")) == "+":
            base, offset = value.child_by_field_name("left"), value.child_by_field_name("right")
            if not isinstance(self.scopes.lookup(text(base)), Array):
                base, offset = offset, base
        else:
            base, offset = value, None
        symbol = self.scopes.lookup(text(base))
        if base.type != "identifier" or not isinstance(symbol, Array) or symbol.ndim != 1 or \
                symbol.elem != ctype:
            return None
        e = self.expr(offset) if offset is not None else Const(0, I32)
        names = {name, text(base)} | {v.name for v in walk(e) if isinstance(v, Var)}
        if names & self.assigned or any(isinstance(x, Load) for x in walk(e)):
            return None
        return Alias(text(base), e)

    def device_malloc(self, node: TSNode, args: list[TSNode]) -> LocalArray:
        target = _strip_casts(args[0]) if len(args) == 2 else None
        if target is None or target.type != "pointer_expression" or \
                text(target.child_by_field_name("operator")) != "&":
            raise self.unsupported(f"cudaMalloc form `{text(node)}`", node)
        name = text(strip_parens(target.child_by_field_name("argument")))
        symbol = self.scopes.lookup(name)
        if not isinstance(symbol, Pointer):
            raise self.unsupported(f"cudaMalloc of `{name}`, which is not an unallocated pointer local", node)
        if self.control_depth:
            raise self.unsupported("cudaMalloc under control flow", node)
        count = self.element_count(args[1], symbol.elem)
        self.scopes.update(name, Array(symbol.elem, 1))
        return LocalArray(name, symbol.elem, (count,), "device", self.loc(node))

    def copy(self, node: TSNode, args: list[TSNode]) -> Copy:
        if len(args) not in (4, 5):
            raise self.unsupported(f"cudaMemcpy form `{text(node)}`", node)
        (dst_name, dst), (src_name, src) = self.buffer(args[0]), self.buffer(args[1])
        if dst.elem != src.elem:
            raise self.unsupported("cudaMemcpy between arrays of different element types", node)
        return Copy(dst_name, src_name, self.element_count(args[2], dst.elem), self.loc(node))

    def fill(self, node: TSNode, args: list[TSNode]) -> Fill:
        if len(args) not in (3, 4):
            raise self.unsupported(f"cudaMemset form `{text(node)}`", node)
        name, array = self.buffer(args[0])
        return Fill(name, self.expr(args[1]), self.element_count(args[2], array.elem), self.loc(node))

    def buffer(self, node: TSNode) -> tuple[str, Array | Boxed]:
        """A cudaMemcpy/cudaMemset operand: an allocated 1-d array, or `&x` of a boxed host scalar."""
        inner = _strip_casts(node)
        if inner.type == "pointer_expression" and text(inner.child_by_field_name("operator")) == "&":
            target = strip_parens(inner.child_by_field_name("argument"))
            symbol = self.scopes.lookup(text(target)) if target.type == "identifier" else None
            if isinstance(symbol, Boxed):
                return text(target), symbol
        return text(inner), self.array_name(node)

    def array_name(self, node: TSNode) -> Array:
        node = _strip_casts(node)
        symbol = self.scopes.lookup(text(node)) if node.type == "identifier" else None
        if not isinstance(symbol, Array) or symbol.ndim != 1:
            raise self.unsupported(f"`{text(node)}` is not an allocated 1-d array", node)
        return symbol

    def element_count(self, size: TSNode, elem: ScalarType) -> Expr:
        """Elements in `size` bytes: `n * sizeof(T)` -> n; otherwise bytes / sizeof(T)."""
        node = strip_parens(size)
        if node.type == "identifier" and text(node) in self.byte_definitions:
            node = self.byte_definitions[text(node)]
        factors = _product_factors(node)
        for i, f in enumerate(factors):
            if f.type == "sizeof_expression" and self.sizeof(f) == elem.bits // 8:
                rest = [self.expr(r) for r in factors[:i] + factors[i + 1:]]
                if not rest:
                    return Const(1, I32)
                count = rest[0]
                for r in rest[1:]:
                    count = Binary("*", count, r)
                return count
        return Binary("/", self.expr(size), Const(elem.bits // 8, U64))

    # ---- launches -----------------------------------------------------------------------------

    def launch(self, node: TSNode) -> Launch:
        if self.kind != "host":
            raise self.unsupported("kernel launch from device code", node)
        fn = node.child_by_field_name("function")
        name = text(fn)
        if fn.type != "identifier" or name not in self.unit.kernels:
            raise self.unsupported(f"launch of `{name}`, which is not a __global__ function of this file", node)
        syntax = next(c for c in node.children if c.type == "kernel_call_syntax")
        grid, block, shared = self.launch_config(syntax)
        args = [a for a in node.child_by_field_name("arguments").named_children if a.type != "comment"]
        params = self.unit.kernels[name]
        if params is not None and len(params) != len(args):
            raise self.unsupported(f"launch of {name} with {len(args)} arguments for {len(params)} parameters", node)
        lowered: list[Expr | ArrayArg] = []
        for i, arg in enumerate(args):
            arg = _strip_casts(arg)
            symbol = self.scopes.lookup(text(arg)) if arg.type == "identifier" else None
            wants_array = params is not None and isinstance(params[i], ArrayParam)
            if isinstance(symbol, Array) and (params is None or wants_array):
                lowered.append(ArrayArg(text(arg)))
            elif wants_array or isinstance(symbol, (Array, Pointer)):
                raise self.unsupported(f"argument `{text(arg)}` of {name}", arg)
            else:
                lowered.append(self.expr(arg))
        return Launch(name, grid, block, shared, tuple(lowered), self.loc(node))


def _walk_identifiers(node: TSNode) -> list[TSNode]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            out.append(n)
        stack.extend(n.named_children)
    return out
