"""The one traversal mechanism for IR passes: dispatch on `mapper_method` with MRO fallback."""
from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, Callable, Iterator

from portproof.ir.nodes import Node


class UnsupportedNode(Exception):
    def __init__(self, mapper: "Mapper", node: Any):
        super().__init__(f"{type(mapper).__name__} cannot handle {type(node).__name__}")
        self.node = node


class Mapper:
    """Calls `self.map_<node class>` for a node, trying base classes when there is no handler."""

    def __call__(self, node: Any, *args: Any, **kwargs: Any) -> Any:
        for cls in type(node).__mro__:
            method = getattr(self, getattr(cls, "mapper_method", ""), None)
            if method is not None:
                return method(node, *args, **kwargs)
        return self.map_foreign(node, *args, **kwargs)

    def map_foreign(self, node: Any, *args: Any, **kwargs: Any) -> Any:
        raise UnsupportedNode(self, node)


class IdentityMapper(Mapper):
    """Rebuilds a node from its mapped children; returns the same object when nothing changed."""

    def map_node(self, node: Node, *args: Any, **kwargs: Any) -> Node:
        changes = {}
        for f in fields(node):
            if not f.compare:
                continue
            old = getattr(node, f.name)
            new = self._map_child(old, *args, **kwargs)
            if new is not old:
                changes[f.name] = new
        return replace(node, **changes) if changes else node

    def _map_child(self, child: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(child, Node):
            return self(child, *args, **kwargs)
        if isinstance(child, tuple) and any(isinstance(c, Node) for c in child):
            mapped = tuple(self._map_child(c, *args, **kwargs) for c in child)
            return child if all(a is b for a, b in zip(mapped, child)) else mapped
        return child


def walk(node: Any) -> Iterator[Node]:
    """Every node under `node` (itself included), parents before children, in field order."""
    if isinstance(node, Node):
        yield node
        for _, child in node.children():
            yield from walk(child)
    elif isinstance(node, tuple):
        for child in node:
            yield from walk(child)


def substitute(node: Any, mapping: dict[str, Node]) -> Any:
    """Replace `Var(name)` by `mapping[name]` everywhere under `node`."""
    return _Substitute(mapping)(node) if isinstance(node, Node) else \
        tuple(_Substitute(mapping)(n) for n in node)


class _Substitute(IdentityMapper):
    def __init__(self, mapping: dict[str, Node]):
        self.mapping = mapping

    def map_var(self, node: Node) -> Node:
        return self.mapping.get(node.name, node)


def transform(node: Any, rewrite: Callable[[Node], Node | None]) -> Any:
    """Bottom-up rewrite: `rewrite(n)` returns a replacement or None to keep `n`."""
    class _Rewrite(IdentityMapper):
        def map_node(self, n: Node) -> Node:
            n = super().map_node(n)
            out = rewrite(n)
            return n if out is None else out
    m = _Rewrite()
    return m(node) if isinstance(node, Node) else tuple(m(n) for n in node)
