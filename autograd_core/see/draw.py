"""Drawing a computation graph: every node with its label, data and grad; every edge with its local derivative.

:func:`draw` returns a :class:`Drawing`, a ``graphviz.Digraph`` that renders itself through
:mod:`autograd_core.see.renderers` (Graphviz's ``dot`` when present, ``graphviz-pure`` otherwise), so it
shows inline in Jupyter and saves to SVG/PNG/PDF on a machine without Graphviz.

What a learner should see is *why* ``∂L/∂w_ij`` is a sum (Eq. 4, Eq. 27): ``highlight=w`` colours
every path from ``w`` to the root, and ``show_local=True`` writes each edge's local derivative
(taken from the derivative table via the node's ``_locals()``), so the product along a path and
the sum over paths can be read off the picture.

Only the node protocol is used -- ``parents``, ``op``, ``label``, ``data``, ``grad`` -- so scalar
``Value`` graphs and ``Tensor`` graphs are drawn by the same code. Node ids follow the engine's
topological order, so the same graph always gives the same DOT source (drawings can be diffed).

Big graphs stay readable: beyond ``max_nodes`` scalar nodes, nodes are *grouped* -- labelled
nodes by their label's stem (``W[0,1]`` .. ``W[9,19]`` become one ``W`` node showing shape 10×20
and 200 entries), unlabelled operation nodes by operation and operand groups (a chain of
additions collapses into one ``+`` node). If that is still too many, a coarser grouping by
operation alone is used, and as a last resort the smallest groups are folded into one "other
nodes" box. Which nodes share a box is decided in :mod:`autograd_core.see.grouping`; this module
writes the boxes.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence
from typing import Any

import graphviz
import numpy as np

from ..engine.graph import Step, topological_order
from . import renderers as _render
from .grouping import Group, group_nodes

DEFAULT_MAX_NODES = 150
#: Without grouping, refuse to lay out more than this many nodes (the renderer would take minutes).
UNGROUPED_LIMIT = 2000

#: Above this estimated layout cost (see :func:`layout_cost`) edge labels are left out and Graphviz is told to
#: stop its network-simplex passes early, so that every drawing the CLI accepts renders in seconds.
LABEL_BUDGET = 400
#: Graph attributes for a costly layout: few network-simplex iterations (positioning and ranking), fewer
#: crossing-minimisation passes. Measured: a 60-term fan-out ``x+x+...+x`` took 44 s with ``dot`` and
#: default attributes, 0.1 s with these and no edge labels.
FAST_LAYOUT = {"nslimit": "1", "nslimit1": "2", "mclimit": "0.3"}
#: Above this cost parallel edges are also merged into trunks (``concentrate``): a 150-term fan-out then
#: lays out in about a second with ``dot`` (5 s without).
CONCENTRATE_COST = 8000

PATH_COLOR = "crimson"
CHILD_COLOR = "gold"
PARENT_COLOR = "lightskyblue"
STEP_EDGE_COLOR = "darkorange"


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders with whichever renderer this machine has.

    ``save(path)`` writes svg/png/pdf by extension (or the DOT source for ``.dot``); ``svg()``
    returns the SVG text; in Jupyter it displays inline. ``info`` says how the graph was drawn
    (node counts, whether it was grouped).
    """

    info: dict[str, Any]

    def save(self, path: str | os.PathLike[str], renderer: str | None = None,
             timeout: float = _render.DEFAULT_TIMEOUT) -> _render.Rendered:
        """Write the drawing to ``path`` (format from the extension); returns the path and renderer used."""
        return _render.render_source(self.source, path, renderer, timeout)

    def svg(self, renderer: str | None = None) -> str:
        """The drawing as SVG text (a comment inside names the renderer)."""
        return _render.source_to_svg(self.source, renderer)

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_image_svg_xml(self) -> str:
        return self.svg()

    def _repr_image_png(self) -> bytes:
        return _render.run_renderer(self.source, "png", _render.find_renderer())

    def _repr_image_jpeg(self) -> bytes:
        return _render.run_renderer(self.source, "jpeg", _render.find_renderer())


# --- text of nodes and edges -------------------------------------------------------------------
def _num(x: Any) -> str:
    """A short, stable rendering of a number (4 significant digits)."""
    try:
        return f"{float(x):.4g}"
    except (TypeError, ValueError):
        return str(x)


def _is_array(x: Any) -> bool:
    return isinstance(x, np.ndarray)


def summarize(x: Any) -> str:
    """A few characters describing a number or an array: the values when few, else min/mean/max."""
    if x is None:
        return "—"
    if not _is_array(x):
        return _num(x)
    if x.size == 0:
        return "[]"
    if x.ndim == 0:
        return _num(x)
    if x.size <= 4:
        return "[" + ", ".join(_num(v) for v in x.ravel()) + "]"
    with np.errstate(all="ignore"):
        return f"{_num(np.min(x))}…{_num(np.max(x))} (mean {_num(np.mean(x))})"


def describe(node: Any, depth: int = 1) -> str:
    """A short name for a node: its label, a constant's value, or ``(a op b)`` one level deep."""
    if getattr(node, "label", ""):
        return node.label
    if not node.parents:
        return summarize(node.data)
    if depth <= 0:
        return "(…)"
    args = [describe(p, depth - 1) for p in node.parents]
    if len(args) == 2:
        return f"({args[0]} {node.op} {args[1]})"
    return f"{node.op}({', '.join(args)})"


def _shape_text(shape: Sequence[int]) -> str:
    return "×".join(str(n) for n in shape) if len(shape) else "scalar"


_RECORD_SPECIAL = re.compile(r'([\\{}|<>"])')


def _escape(text: str) -> str:
    """Escape the characters that structure a Graphviz record label."""
    return _RECORD_SPECIAL.sub(r"\\\1", text)


def _record(fields: Iterable[str], rankdir: str, stacked: bool = False) -> str:
    """A record label: fields side by side (scalars), or ``stacked`` one above the other (tensors)."""
    body = " | ".join(_escape(f) for f in fields)
    # In a left-to-right layout a record's top level is vertical; braces turn it into a row.
    horizontal_layout = rankdir in ("LR", "RL")
    return "{ " + body + " }" if horizontal_layout != stacked else body


def node_fields(node: Any) -> list[str]:
    """What a node's box shows: its name, then data and grad (and shape, for tensors)."""
    name = node.label or ("" if node.parents else "const")
    if _is_array(node.data):
        fields = [name] if name else []
        return [*fields, f"shape {_shape_text(node.data.shape)}", f"data {summarize(node.data)}",
                f"grad {summarize(node.grad)}"]
    fields = [name] if name else []
    return [*fields, f"data {_num(node.data)}", f"grad {summarize(node.grad)}"]


def edge_locals(node: Any) -> list[Any]:
    """∂node/∂parent for each parent occurrence (``None`` where there is no single factor).

    ``Value`` gives them from the derivative table (``_locals()``). A ``Tensor`` reports them with
    its gradient terms (``_contributions()``, after backward): arrays for elementwise operations,
    ``None`` for contractions such as ``@``, and no term for parents that need no gradient.
    """
    try:
        get = getattr(node, "_locals", None)
        if get is not None:
            return list(get())
        if getattr(node, "grad", None) is None:
            return []
        found: list[Any] = [None] * len(node.parents)
        for position, _, local, _ in node._contributions():
            found[position] = local
        return found
    except Exception:  # a local derivative that cannot be evaluated is simply not written on the edge
        return []


def _local_text(local: Any) -> str:
    if local is None or callable(local):
        return ""
    return "local " + summarize(local) if (_is_array(local) or isinstance(local, (int, float))) else ""


# --- which nodes lie on a path ---------------------------------------------------------------
def nodes_on_paths(order: Sequence[Any], source: Any) -> set[Any]:
    """The nodes of ``order`` (a topological order ending at the root) reachable from ``source``.

    They are exactly the nodes on some path from ``source`` to the root: every node of the order
    reaches the root. One pass over the order, no recursion.
    """
    on: set[Any] = {source}
    if not any(node is source for node in order):
        raise ValueError(f"{_name(source)} is not in the graph being drawn (it does not feed the root)")
    for node in order:
        if node not in on and any(p in on for p in node.parents):
            on.add(node)
    return on


def _name(node: Any) -> str:
    return repr(node.label) if getattr(node, "label", "") else f"node {node!r}"


# --- the public entry point -------------------------------------------------------------------
def require_node(node: Any, who: str, what: str = "root") -> None:
    """Refuse a plain number or array where a graph node is needed, naming what to pass instead."""
    if not hasattr(node, "parents"):
        raise TypeError(f"{who}: the {what} must be a Value or Tensor (a node of a computation graph), "
                        f"got {type(node).__name__}; build it from Values, e.g. y = Value(2.0) * 3")


def draw(
    root: Any,
    *,
    show_local: bool = False,
    rankdir: str = "LR",
    max_nodes: int = DEFAULT_MAX_NODES,
    highlight: Any = None,
    group: bool | None = None,
    step: Step | None = None,
    title: str | None = None,
    ids: bool = False,
) -> Drawing:
    """Draw the computation graph below ``root`` as a :class:`Drawing` (a ``graphviz.Digraph``).

    Args:
        root: a ``Value`` or ``Tensor`` (any node with ``parents``, ``op``, ``label``, ``data``, ``grad``).
        show_local: write each edge's local derivative ∂child/∂parent (from the derivative table).
        rankdir: Graphviz layout direction, ``"LR"`` (inputs left, root right), ``"TB"``, ``"RL"``, ``"BT"``.
        max_nodes: beyond this many nodes the graph is grouped by label stem (see the module docs).
        highlight: a node of the graph; every path from it to ``root`` is coloured -- the terms whose
            sum is ``highlight.grad`` (Eq. 4).
        group: ``None`` groups only beyond ``max_nodes``; ``True`` always; ``False`` never (refused
            beyond :data:`UNGROUPED_LIMIT` nodes, which no renderer lays out in reasonable time).
        step: a :class:`~autograd_core.engine.graph.Step` of ``backward_steps``: its child, parent and edge are
            highlighted and the caption says how much gradient passed (used by :mod:`autograd_core.see.frames`).
        title: a caption above the drawing.
        ids: give every node and edge an ``id`` (``n3``, ``n3op``, ``e7``; grouped: ``g2``, ``ge4``), which
            the renderers keep in the SVG (used by :mod:`autograd_core.see.explore`).

    Drawing time is bounded: when :func:`layout_cost` (the number of dummy nodes Graphviz would route
    long edges through) exceeds :data:`LABEL_BUDGET`, edge labels are left out (``info["labels"]`` says so)
    and the layout uses :data:`FAST_LAYOUT`. A fan-out ``x + x + ... + x`` of 60 terms draws in well
    under a second with ``dot``, where it took 44 s with every edge labelled.
    """
    require_node(root, "draw")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, got {max_nodes!r}")
    order = topological_order(root)
    on_path = nodes_on_paths(order, highlight) if highlight is not None else set()
    grouped = len(order) > max_nodes if group is None else group
    if not grouped and len(order) > UNGROUPED_LIMIT:
        raise ValueError(
            f"the graph has {len(order)} nodes; drawing more than {UNGROUPED_LIMIT} ungrouped would not finish "
            "in reasonable time: leave group=None (or True) to group them by label stem"
        )
    if step is not None and grouped:
        raise ValueError(f"step-by-step frames need an ungrouped drawing; the graph has {len(order)} nodes "
                         f"(more than max_nodes={max_nodes})")
    dot = Drawing(name="autograd_core", comment=f"autograd-core computation graph: {len(order)} nodes")
    dot.attr(rankdir=rankdir)
    dot.attr("node", fontname="Helvetica", fontsize="11")
    dot.attr("edge", fontname="Helvetica", fontsize="9")
    if grouped:
        info = _draw_grouped(dot, order, rankdir, max_nodes, on_path, ids)
    else:
        cost = layout_cost(order)
        cheap = cost <= LABEL_BUDGET
        labels = show_local and cheap
        if not cheap:
            dot.attr(**FAST_LAYOUT)
        if cost > CONCENTRATE_COST:
            dot.attr(concentrate="true")
        info = _draw_nodes(dot, order, rankdir, labels, on_path, step, ids, step_label=cheap)
        info["cost"] = cost
        if show_local and not labels:
            info["labels"] = (f"edge labels left out: the layout would route {cost} dummy nodes "
                              f"(more than {LABEL_BUDGET}); the local derivatives are in explain() and explore()")
    caption = title if title is not None else (_step_caption(step) if step is not None else None)
    if caption:
        dot.attr(label=caption, labelloc="t", fontname="Helvetica", fontsize="12")
    dot.info = {"nodes": len(order), "grouped": grouped, "caption": caption or "", **info}
    return dot


def render(root: Any, path: str | os.PathLike[str], *, renderer: str | None = None,
           timeout: float = _render.DEFAULT_TIMEOUT, **options: Any) -> _render.Rendered:
    """Draw ``root`` (or take a ready :class:`Drawing`) and write it to ``path``: svg, png, pdf by extension.

    ``options`` go to :func:`draw`. Uses Graphviz's ``dot`` when on ``PATH``, else ``graphviz-pure``
    (or ``renderer="dot"`` / ``"graphviz-pure"``); returns the path and the renderer used. ``.dot``
    writes the DOT source, which needs no renderer at all.
    """
    drawing = root if isinstance(root, graphviz.Digraph) else draw(root, **options)
    return _render.render_source(drawing.source, path, renderer, timeout)


def _step_caption(step: Step) -> str:
    child, parent = describe(step.child), describe(step.parent)
    return (f"step {step.index + 1}: {child} passes {summarize(step.upstream)} × {summarize(step.local)} "
            f"= {summarize(step.contribution)} to {parent}")


# --- one box per node --------------------------------------------------------------------------
def layout_cost(order: Sequence[Any]) -> int:
    """How many dummy nodes a layered layout of the ungrouped drawing needs: the work ``dot`` does.

    Each value sits two ranks after its latest operand (operand -> operation -> value); an edge that
    spans more than one rank is routed through a dummy node per extra rank, and those dummies are
    what makes ``dot`` slow (a 60-term fan-out has about 3,500). One pass over the order.
    """
    rank: dict[Any, int] = {}
    cost = 0
    for node in order:
        if not node.parents:
            rank[node] = 0
            continue
        r = max(rank[p] for p in node.parents) + 2
        rank[node] = r
        cost += sum(r - 2 - rank[p] for p in node.parents)
    return cost


def _draw_nodes(dot: Drawing, order: Sequence[Any], rankdir: str, show_local: bool,
                on_path: set[Any], step: Step | None, with_ids: bool = False,
                step_label: bool = True) -> dict[str, Any]:
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    edges = 0
    for node in order:
        nid = ids[node]
        attrs = _node_style(node, on_path, step)
        if with_ids:
            attrs["id"] = nid
        dot.node(nid, _record(node_fields(node), rankdir, stacked=_is_array(node.data)), shape="record", **attrs)
        if not node.parents:
            continue
        op_attrs = {"style": "filled", "fillcolor": PATH_COLOR, "fontcolor": "white"} if node in on_path else {}
        if with_ids:
            op_attrs["id"] = nid + "op"
        dot.node(nid + "op", node.op or "?", shape="ellipse", **op_attrs)
        out_attrs = _edge_style(node in on_path)
        if with_ids:
            out_attrs["id"] = nid + "out"
        dot.edge(nid + "op", nid, **out_attrs)
        locals_ = edge_locals(node) if show_local else []
        for k, parent in enumerate(node.parents):
            attrs = _edge_style(node in on_path and parent in on_path)
            if show_local and k < len(locals_):
                text = _local_text(locals_[k])
                if text:
                    attrs["label"] = text
            if step is not None and node is step.child and parent is step.parent:
                attrs.update(color=STEP_EDGE_COLOR, penwidth="3", fontcolor=STEP_EDGE_COLOR)
                if step_label:  # one edge label doubles every rank of a costly layout: the caption says it
                    passes = f"passes {summarize(step.contribution)}"
                    attrs["label"] = f"{attrs['label']}, {passes}" if "label" in attrs else passes
            if with_ids:
                attrs["id"] = f"e{edges}"
            dot.edge(ids[parent], nid + "op", **attrs)
            edges += 1
    return {"shown": len(order), "edges": edges}


def _node_style(node: Any, on_path: set[Any], step: Step | None) -> dict[str, str]:
    if step is not None and node is step.child:
        return {"style": "filled", "fillcolor": CHILD_COLOR}
    if step is not None and node is step.parent:
        return {"style": "filled", "fillcolor": PARENT_COLOR}
    if node in on_path:
        return {"color": PATH_COLOR, "penwidth": "2.5"}
    if not node.parents and not node.label:
        return {"style": "dashed"}
    return {}


def _edge_style(highlighted: bool) -> dict[str, str]:
    return {"color": PATH_COLOR, "penwidth": "2.5"} if highlighted else {}


# --- grouped drawing ----------------------------------------------------------------------
def _group_fields(group: Group) -> list[str]:
    """What a group's box shows: a single member as itself, else title, count or shape, data and grad spans."""
    members = group.members
    if len(members) == 1 and group.kind != "rest":
        return node_fields(members[0])
    fields = [group.title]
    shape = tuple(i + 1 for i in group.max_index) if group.max_index is not None else ()
    if group.kind == "label" and shape and math.prod(shape) == len(members):
        fields.append(f"shape {_shape_text(shape)}, {len(members)} entries")
    elif group.kind == "op" and group.chain:
        fields.append(f"{len(members)} nodes (chain of {group.chain} {group.title})")
    else:
        fields.append(f"{len(members)} nodes")
    data = [m.data for m in members if isinstance(m.data, float)]
    grads = [m.grad for m in members if isinstance(m.grad, float)]
    if data:
        fields.append(f"data {_span(data)}")
    if grads and any(g != 0 for g in grads) and all(math.isfinite(g) for g in grads):
        fields.append(f"grad {_span(grads)}")
    return fields


def _span(values: list[float]) -> str:
    """``low…high`` of a group's values, or one number when they agree to 4 digits."""
    low, high = _num(min(values)), _num(max(values))
    return low if low == high else f"{low}…{high}"


def _draw_grouped(dot: Drawing, order: Sequence[Any], rankdir: str, max_nodes: int,
                  on_path: set[Any], with_ids: bool = False) -> dict[str, Any]:
    """One box per group of :func:`~autograd_core.see.grouping.group_nodes`, one edge per pair of groups."""
    grouping = group_nodes(order, max_nodes, on_path)
    for gid, group in enumerate(grouping.groups):
        attrs: dict[str, str] = {"shape": "record"}
        if gid in grouping.hot_groups:
            attrs.update(color=PATH_COLOR, penwidth="2.5")
        if len(group.members) > 1:
            attrs.update(style="filled", fillcolor="gray92")
        if with_ids:
            attrs["id"] = f"g{gid}"
        dot.node(f"g{gid}", _record(_group_fields(group), rankdir), **attrs)
    for k, ((src, dst), count) in enumerate(grouping.edges.items()):
        attrs = _edge_style((src, dst) in grouping.hot_edges)
        if count > 1:
            attrs["label"] = f"×{count}"
        if with_ids:
            attrs["id"] = f"ge{k}"
        dot.edge(f"g{src}", f"g{dst}", **attrs)
    return {"shown": len(grouping.groups), "edges": len(grouping.edges), "level": grouping.level,
            "grouping": grouping}
