"""Grouping a big graph: which scalar nodes share one box, so that a drawing stays readable.

A layer on a batch has thousands of scalar nodes; drawn one box each, nothing can be read. Beyond
``max_nodes`` boxes, :func:`group_nodes` puts nodes together, finest grouping first:

1. **structure**: labelled nodes by their label's stem (``W[0,1]`` .. ``W[9,19]`` are one ``W``
   group, whose largest index gives its shape 10×20), constants together, unlabelled operations by
   operation and operand groups -- a chain such as ``((a + b) + c) + d`` joins one ``+`` group;
2. **operation**: if that is still too many, unlabelled operations by operation alone;
3. **folded**: as a last resort the ``max_nodes - 1`` largest groups are kept and the rest are
   folded into one "other nodes" group.

The root always keeps its own group. This module only decides the groups and the edges between
them; :mod:`autograd_core.see.draw` writes their boxes. Everything is one pass over the
topological order, no recursion, and group keys are small tuples of ints, so no key grows with the
graph's depth.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

__all__ = ["Group", "Grouping", "group_nodes", "label_stem"]


_STEM = re.compile(r"^(?P<stem>.*?)(?:\[(?P<index>[^\]]*)\]|\((?P<paren>\d+)\)|_?(?P<digits>\d+))$")


def label_stem(label: str) -> tuple[str, tuple[int, ...] | None]:
    """Split a label into its stem and integer index: ``"W[0,1]" -> ("W", (0, 1))``, ``"x3" -> ("x", (3,))``.

    ``"L(2)"`` and ``"b_2"`` give ``("L", (2,))`` and ``("b", (2,))``; a label without an index is
    its own stem with index ``None``.
    """
    match = _STEM.match(label)
    if not match or not match["stem"]:
        return label, None
    if match["index"] is not None:
        try:
            return match["stem"], tuple(int(part) for part in match["index"].split(","))
        except ValueError:
            return match["stem"], None
    return match["stem"], (int(match["paren"] or match["digits"]),)


class Group:
    """Nodes drawn as one box: their key, the box's title, the members in topological order."""

    __slots__ = ("key", "title", "members", "max_index", "chain", "kind")

    def __init__(self, key: Any, title: str, kind: str) -> None:
        self.key = key
        self.title = title
        self.kind = kind  # "root", "label", "const", "op" or "rest" (the folded remainder)
        self.members: list[Any] = []
        self.max_index: list[int] | None = None  # the largest index of the members' labels, axis by axis
        self.chain = 0  # edges inside the group (a chain of one operation)

    def note_index(self, index: tuple[int, ...] | None) -> None:
        """Widen :attr:`max_index` by a member's label index (indices of another length are ignored)."""
        if index is None:
            return
        if self.max_index is None:
            self.max_index = list(index)
        elif len(self.max_index) == len(index):
            self.max_index = [max(a, b) for a, b in zip(self.max_index, index, strict=True)]


def _assign_groups(order: Sequence[Any], coarse: bool) -> tuple[list[Group], dict[Any, int]]:
    """Group the nodes: labelled by stem; constants together; operations by (op, operand groups).

    A node whose operation equals that of an operand's (unlabelled) group joins that group, so a
    chain like ``((a + b) + c) + d`` becomes one ``+`` node. ``coarse=True`` groups operations by
    the operation alone. Keys are small tuples of ints, so no key grows with the graph's depth.
    """
    groups: list[Group] = []
    by_key: dict[Any, int] = {}
    of: dict[Any, int] = {}

    def gid_for(key: Any, title: str, kind: str) -> int:
        gid = by_key.get(key)
        if gid is None:
            gid = by_key[key] = len(groups)
            groups.append(Group(key, title, kind))
        return gid

    root = order[-1] if order else None  # topological order puts the root last
    for node in order:
        index = None
        if node is root:
            # The output keeps its own box: merged with look-alike labels (L with L(0)..L(m-1))
            # it would hide the result and draw a cycle through the sum that produces it.
            gid = gid_for(("root",), node.label or node.op or "output", "root")
        elif node.label:
            stem, index = label_stem(node.label)
            gid = gid_for(("label", stem), stem, "label")
        elif not node.parents:
            gid = gid_for(("const",), "constants", "const")
        else:
            parent_gids = sorted({of[p] for p in node.parents})
            same = [g for g in parent_gids if groups[g].kind == "op" and groups[g].key[1] == node.op]
            if same:
                gid = same[0]
            elif coarse:
                gid = gid_for(("op", node.op), node.op, "op")
            else:
                gid = gid_for(("op", node.op, tuple(parent_gids)), node.op, "op")
        groups[gid].members.append(node)
        groups[gid].note_index(index)
        of[node] = gid
    for group in groups:  # "L(0) … L(19)", not a second box titled "L" beside the output L
        if group.kind == "label" and root is not None and group.title == root.label and len(group.members) > 1:
            group.title = f"{group.members[0].label} … {group.members[-1].label}"
    return groups, of


def _fold_smallest(groups: list[Group], of: dict[Any, int], limit: int) -> tuple[list[Group], dict[Any, int]]:
    """Keep the ``limit - 1`` largest groups (ties: first seen) and fold the rest into one node."""
    ranked = sorted(range(len(groups)), key=lambda g: (-len(groups[g].members), g))
    keep = sorted(ranked[: limit - 1])
    renumber = {old: new for new, old in enumerate(keep)}
    kept = [groups[g] for g in keep]
    rest = Group(("rest",), "other nodes", "rest")
    kept.append(rest)
    rest_gid = len(kept) - 1
    new_of: dict[Any, int] = {}
    for node, g in of.items():
        new = renumber.get(g, rest_gid)
        new_of[node] = new
        if new == rest_gid:
            rest.members.append(node)
    return kept, new_of


class Grouping(NamedTuple):
    """The groups of a graph and the edges between them, ready to be drawn one box per group."""

    groups: list[Group]
    of: dict[Any, int]  # node -> index of its group
    level: str  # "structure", "operation" or "folded": how coarse the grouping had to be
    edges: dict[tuple[int, int], int]  # (source group, target group) -> how many scalar edges it stands for
    hot_edges: set[tuple[int, int]]  # group edges that carry a highlighted path
    hot_groups: set[int]  # groups holding a highlighted node


def group_nodes(order: Sequence[Any], max_nodes: int, on_path: set[Any]) -> Grouping:
    """Group the nodes of ``order`` (a topological order ending at the root) into at most ``max_nodes`` groups.

    ``on_path`` are the highlighted nodes; their groups, and the group edges between two of them,
    are reported so the drawing can colour them. An edge inside one group counts towards its
    ``chain`` (a chain of one operation) instead of being drawn.
    """
    groups, of = _assign_groups(order, coarse=False)
    level = "structure"
    if len(groups) > max_nodes:
        groups, of = _assign_groups(order, coarse=True)
        level = "operation"
    if len(groups) > max_nodes:
        groups, of = _fold_smallest(groups, of, max_nodes)
        level = "folded"
    edges: dict[tuple[int, int], int] = {}
    hot_edges: set[tuple[int, int]] = set()
    for node in order:
        child = of[node]
        for parent in node.parents:
            src = of[parent]
            if src == child:
                groups[child].chain += 1
                continue
            edges[(src, child)] = edges.get((src, child), 0) + 1
            if node in on_path and parent in on_path:
                hot_edges.add((src, child))
    hot_groups = {of[n] for n in on_path}
    return Grouping(groups, of, level, edges, hot_edges, hot_groups)
