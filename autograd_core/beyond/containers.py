"""Containers of arguments and results (pytrees): tuples, lists and dicts, nested, of numbers and arrays.

The transforms of :mod:`autograd_core.beyond.functional` differentiate *leaves* (floats, arrays,
nodes). A container is taken apart into its leaves and a :class:`Structure` that remembers how to
put them back (:func:`flatten`), the transform works on the flat list, and the results are put back
in the same structure (:func:`unflatten`): ``grad(f)({'W': W, 'b': b})`` is ``{'W': ∇_W, 'b': ∇_b}``.

Only ``tuple`` (named tuples included), ``list`` and ``dict`` are containers; everything else is a leaf.
Dict entries are visited in sorted key order (insertion order when the keys do not sort), so two dicts
with the same keys have the same structure whatever order they were written in; the results come
back in that order. Recursion follows the user's nesting only, never the size of a graph.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Structure:
    """The shape of a container without its leaves: what :func:`unflatten` needs to rebuild it."""

    kind: str  # "leaf" | "tuple" | "list" | "dict"
    children: tuple[Structure, ...] = ()
    keys: tuple[Any, ...] = ()  # a dict's keys, in visiting order
    cls: type | None = None  # a named tuple's class

    @property
    def is_leaf(self) -> bool:
        return self.kind == "leaf"

    @property
    def size(self) -> int:
        """How many leaves the container holds."""
        return 1 if self.is_leaf else sum(c.size for c in self.children)

    def paths(self, base: str) -> list[str]:
        """Each leaf's address, in flattening order: ``args[0]['W']``, ``x[1][0]`` ..."""
        if self.is_leaf:
            return [base]
        if self.kind == "dict":
            steps = [f"[{k!r}]" for k in self.keys]
        else:
            steps = [f"[{i}]" for i in range(len(self.children))]
        return [p for step, c in zip(steps, self.children, strict=True) for p in c.paths(base + step)]

    def __str__(self) -> str:
        if self.is_leaf:
            return "*"
        inner = [str(c) for c in self.children]
        if self.kind == "dict":
            return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(self.keys, inner, strict=True)) + "}"
        if self.kind == "list":
            return "[" + ", ".join(inner) + "]"
        name = self.cls.__name__ if self.cls is not None else ""
        return f"{name}({inner[0]},)" if len(inner) == 1 and not name else f"{name}({', '.join(inner)})"


LEAF = Structure("leaf")


def is_container(x: Any) -> bool:
    return isinstance(x, tuple | list | dict)


def _keys(d: dict[Any, Any]) -> tuple[Any, ...]:
    try:
        return tuple(sorted(d))
    except TypeError:  # keys of mixed types: the dict's own order
        return tuple(d)


def flatten(tree: Any) -> tuple[list[Any], Structure]:
    """``tree``'s leaves in a fixed order, and its structure."""
    leaves: list[Any] = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree: Any, leaves: list[Any]) -> Structure:
    if isinstance(tree, dict):
        keys = _keys(tree)
        return Structure("dict", tuple(_flatten(tree[k], leaves) for k in keys), keys)
    if isinstance(tree, list):
        return Structure("list", tuple(_flatten(e, leaves) for e in tree))
    if isinstance(tree, tuple):
        named = type(tree) if hasattr(tree, "_fields") else None
        return Structure("tuple", tuple(_flatten(e, leaves) for e in tree), cls=named)
    leaves.append(tree)
    return LEAF


def unflatten(structure: Structure, leaves: list[Any]) -> Any:
    """The container of ``structure`` holding ``leaves`` (in :func:`flatten`'s order)."""
    if len(leaves) != structure.size:
        raise ValueError(f"unflatten: structure {structure} holds {structure.size} leaves, got {len(leaves)}")
    it = iter(leaves)
    return _build(structure, it)


def _build(structure: Structure, it: Any) -> Any:
    if structure.is_leaf:
        return next(it)
    children = [_build(c, it) for c in structure.children]
    if structure.kind == "dict":
        return dict(zip(structure.keys, children, strict=True))
    if structure.kind == "list":
        return children
    return structure.cls(*children) if structure.cls is not None else tuple(children)


def map_leaves(fn: Callable[[Any], Any], tree: Any) -> Any:
    """``tree`` with ``fn`` applied to every leaf."""
    leaves, structure = flatten(tree)
    return unflatten(structure, [fn(leaf) for leaf in leaves])
