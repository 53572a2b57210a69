"""The live graph explorer: your own graph in the browser, to pan, hover, click and step through.

:func:`explore` lays the graph out with the same DOT as :func:`~autograd_core.see.draw.draw` (so it looks
like our drawings), renders it to SVG with whichever renderer this machine has, and wraps it in one
self-contained HTML page: the SVG, a JSON payload and a small script, all inline, nothing fetched from
the network. The page offers

* pan and zoom (wheel, drag, fit), and a search box that jumps to a node by label;
* hover tooltips: a node's label, op, data, grad, shape and the local derivative for each operand;
  an edge's local derivative and the product upstream × local;
* click a leaf (``W[0,1]``): every path to the root lights up and a side panel shows the ledger of
  :func:`~autograd_core.see.explain.explain` -- each term upstream × local, and their sum equal to
  ``leaf.grad`` (for the seed's batch layer, the m terms of Eq. 27);
* a backward-pass player (buttons, ←/→ keys, slider, play/pause): each step is one gradient
  transfer of :func:`~autograd_core.engine.graph.backward_steps`; the edge lights up and the
  receiving node's grad changes from its old value to its new one;
* in a grouped drawing (``W | 2×3``), a click on a group expands it to its entries (a grid laid out
  by their indices) and a second click collapses it;
* with ``recording=`` a :class:`Recorder` of a training run, a training slider (and play) over its
  snapshots: each parameter leaf of the graph shows its data and grad at that snapshot, and the
  loss is printed; the parameters that moved since the previous snapshot are tinted.

:class:`Explorer` shows inline in Jupyter (``_repr_html_``: the page in an ``iframe``) and
``save("graph.html")`` writes the page. :meth:`Recorder.live` shows one in Jupyter that updates in
place at each snapshot while training runs.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..engine import graph
from ..engine.graph import topological_order
from . import renderers as _render
from .draw import DEFAULT_MAX_NODES, describe, draw, edge_locals, require_node, summarize
from .explain import Explanation, Term, count_paths, unit_fraction
from .grouping import Group, label_stem

__all__ = ["Explorer", "Recorder", "Snapshot", "explore"]

#: The player records at most this many transfers (a drawing of one box per node has at most a few hundred).
MAX_STEPS = 2000
#: A group expands to at most this many entries (the rest are counted).
EXPAND_LIMIT = 400
#: Terms written per ledger: all of them in an ungrouped drawing, this many in a grouped one (the sum has all).
GROUPED_LEDGER_TERMS = 6
#: Ledgers written for at most this many leaves.
MAX_LEDGERS = 600
#: A :class:`Recorder` keeps at most this many snapshots by default; beyond it, it thins them.
MAX_SNAPSHOTS = 200


def _fmt(x: Any) -> str:
    """Numbers in the side panel: 6 significant digits (the boxes show 4); arrays summarised."""
    if x is None:
        return "—"
    if isinstance(x, (float, int)) and not isinstance(x, bool):
        return f"{float(x):.6g}"
    if isinstance(x, np.ndarray) and x.ndim == 0:
        return f"{float(x):.6g}"
    return summarize(x)


def _fraction(value: Any) -> str:
    return unit_fraction(value) or _fmt(value)


def _shape(node: Any) -> str:
    data = node.data
    if isinstance(data, np.ndarray):
        return "×".join(map(str, data.shape)) or "scalar"
    return ""


class Explorer:
    """An interactive page for one graph: ``save(path)`` writes it, Jupyter shows it inline.

    ``html`` is the whole page (self-contained), ``info`` says how it was drawn (nodes, grouped, steps).
    """

    def __init__(self, page: str, info: dict[str, Any]) -> None:
        self.html = page
        self.info = info
        self._svg = ""
        self._payload: dict[str, Any] = {}
        self._pairs: list[tuple[int, int]] = []  # (node index, position in the recorder's parameters)

    def with_recording(self, recording: Recorder, at: int | None = None) -> Explorer:
        """The same page with ``recording``'s snapshots as they are now (no new layout, no new sweep).

        ``at``: the snapshot the page opens on (``-1``: the latest; ``None``: the graph as explored).
        """
        payload = dict(self._payload)
        payload["training"] = _training(recording, self._pairs, at)
        out = Explorer(_page(self._svg, payload), dict(self.info, bytes=0, snapshots=len(recording.snapshots)))
        out.info["bytes"] = len(out.html.encode("utf-8"))
        out._svg, out._payload, out._pairs = self._svg, payload, self._pairs
        return out

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (an ``.html`` file); returns the path."""
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(self.html, encoding="utf-8")
        return out

    def _repr_html_(self) -> str:
        height = self.info.get("height", 560)
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" style="width:100%;height:{height}px;'
                'border:1px solid #ccc" sandbox="allow-scripts"></iframe>')

    def __repr__(self) -> str:
        i = self.info
        how = f"grouped into {i['shown']} boxes" if i["grouped"] else "ungrouped"
        snaps = f", {i['snapshots']} training snapshots" if i.get("snapshots") is not None else ""
        return f"Explorer({i['nodes']} nodes, {how}, {i['steps']} backward steps{snaps}, {len(self.html):,} bytes)"


# --- training mode: snapshots of the parameters ---------------------------------------------------------
def _copy(x: Any) -> Any:
    """A copy that later updates cannot reach: arrays copied, numbers as floats, ``None`` kept."""
    if x is None:
        return None
    if isinstance(x, np.ndarray):
        return x.copy()
    return float(x)


class Snapshot:
    """The parameters at one moment of training: ``data[k]`` and ``grad[k]`` are copies for parameter ``k``."""

    __slots__ = ("data", "grad", "label", "loss", "step")

    def __init__(self, step: int | None, label: str, loss: float | None, data: list[Any], grad: list[Any]) -> None:
        self.step, self.label, self.loss, self.data, self.grad = step, label, loss, data, grad

    def __repr__(self) -> str:
        loss = "" if self.loss is None else f", loss {self.loss:.6g}"
        return f"Snapshot({self.label}{loss})"


class Recorder:
    """Snapshots of a model's parameters (data and grad) every ``every`` steps of training.

    ``Recorder(model)`` or ``Recorder(list_of_parameters)``; the leaves may be ``Value`` or ``Tensor``.
    Use it as ``fit(model, X, y, callback=rec)`` (a snapshot after every ``every``-th epoch),
    ``fit(..., step_callback=rec)`` (after every ``every``-th optimizer step), or in your own loop with
    ``rec.snapshot(step, loss)`` after ``backward()``. Then ``explore(loss, recording=rec)`` pages
    through the snapshots, and :meth:`live` shows that page in Jupyter, updated at each snapshot.

    Memory is bounded: at most ``max_snapshots`` (default :data:`MAX_SNAPSHOTS`, 200) are kept. When a new
    one would exceed it, the recorder keeps every other snapshot (the first is always kept), doubles
    ``every`` and counts the thinning in ``thinned``. Each snapshot holds two floats per parameter entry.

    Args:
        model_or_parameters: a :class:`~autograd_core.learn.nn.Module` (its ``parameters()``) or the leaves.
        every: snapshot steps (or epochs) that are multiples of ``every`` (counting from 1 in ``fit``).
        max_snapshots: the bound above (at least 2).
        initial: take a first snapshot (``"start"``) now, before training.
    """

    def __init__(self, model_or_parameters: Any, *, every: int = 1, max_snapshots: int = MAX_SNAPSHOTS,
                 initial: bool = True) -> None:
        source = model_or_parameters
        params = list(source.parameters()) if callable(getattr(source, "parameters", None)) else list(source)
        if not params:
            raise ValueError("Recorder: no parameters to record")
        for p in params:
            require_node(p, "Recorder")
            if p.parents:
                raise ValueError(f"Recorder: {describe(p)} is not a leaf (record the parameters, not results)")
        for name, n, least in (("every", every, 1), ("max_snapshots", max_snapshots, 2)):
            if isinstance(n, bool) or not isinstance(n, int) or n < least:
                raise ValueError(f"Recorder: {name} must be an integer >= {least}, got {n!r}")
        self.parameters = params
        self.every = every
        self.max_snapshots = max_snapshots
        self.thinned = 0
        self.unit = "step"  # "epoch" once fit's epoch callback has called it
        self.snapshots: list[Snapshot] = []
        self._live: tuple[Any, Explorer] | None = None
        if initial:
            self.snapshot(None, label="start")

    def snapshot(self, step: int | None, loss: Any = None, *, force: bool = False, label: str | None = None) -> bool:
        """Record the parameters' data and grad (copies) at ``step`` if it is a multiple of ``every``.

        ``step=None`` or ``force=True`` records regardless. ``loss`` (a number, a ``Value`` or a ``Tensor``)
        is kept with the snapshot. Returns whether a snapshot was taken.
        """
        if step is not None and not force and step % self.every != 0:
            return False
        if len(self.snapshots) >= self.max_snapshots:
            self._thin()
            if step is not None and not force and step % self.every != 0:
                return False
        if loss is not None and hasattr(loss, "data"):
            loss = loss.data
        value = None if loss is None else float(np.asarray(loss))
        self.snapshots.append(Snapshot(step, label or ("start" if step is None else f"step {step}"), value,
                                       [_copy(p.data) for p in self.parameters],
                                       [_copy(p.grad) for p in self.parameters]))
        if self._live is not None:
            handle, page = self._live
            handle.update(page.with_recording(self, at=-1))
        return True

    def _thin(self) -> None:
        self.every *= 2
        self.thinned += 1
        first, rest = self.snapshots[:1], self.snapshots[1:]
        kept = [s for s in rest if s.step is not None and s.step % self.every == 0]
        if len(kept) > (self.max_snapshots - 1) // 2:
            kept = rest[1::2]
        self.snapshots = first + kept

    def __call__(self, counter: int, info: Any = None) -> None:
        """The hook for ``fit``: ``callback(epoch, history)`` (epochs counted from 0) or
        ``step_callback(step, loss)`` (steps counted from 1). Returns ``None``, so training goes on."""
        if hasattr(info, "loss") and isinstance(info.loss, list):  # fit's History, after an epoch
            epoch = counter + 1
            self.unit = "epoch"
            self.snapshot(epoch, info.loss[-1] if info.loss else None, label=f"epoch {epoch}")
        else:
            self.snapshot(counter, info)

    def live(self, root: Any, **options: Any) -> Explorer:
        """Show ``explore(root, recording=self)`` in Jupyter and update it in place at every new snapshot.

        Call it before training, with a graph whose leaves include the parameters (the loss on a small
        batch): the layout and the backward sweep are made once, here; each snapshot re-sends the page
        with the parameters' new values. Needs IPython; raises ``ImportError`` without it.
        """
        try:
            from IPython.display import display
        except ImportError:  # pragma: no cover - IPython comes with Jupyter
            raise ImportError("Recorder.live needs IPython (it runs in Jupyter); use explore(root, recording=rec) "
                              "after training instead") from None
        page = explore(root, recording=self, **options)
        handle = display(page.with_recording(self, at=-1), display_id=True)
        self._live = (handle, page)
        return page

    def stop(self) -> None:
        """Stop updating the live display (the snapshots go on being recorded)."""
        self._live = None

    def __len__(self) -> int:
        return len(self.snapshots)

    def __repr__(self) -> str:
        return (f"Recorder({len(self.parameters)} parameters, every {self.every}, "
                f"{len(self.snapshots)} snapshots)")


def _training(rec: Recorder, pairs: list[tuple[int, int]], at: int | None) -> dict[str, Any]:
    """The training slider's payload: per snapshot its label and loss, per parameter node [data, grad]."""
    snaps = rec.snapshots
    n = len(snaps)
    start = n if at is None else (at % n if n else 0)
    return {"labels": [s.label for s in snaps], "loss": [None if s.loss is None else _fmt(s.loss) for s in snaps],
            "p": {i: [[_fmt(s.data[k]), _fmt(s.grad[k])] for s in snaps] for i, k in pairs},
            "at": start, "every": rec.every, "unit": rec.unit, "thinned": rec.thinned, "params": len(rec.parameters)}


# --- the payload ---------------------------------------------------------------------------------
def _node_record(node: Any, index: dict[Any, int]) -> dict[str, Any]:
    locals_ = edge_locals(node) if node.parents else []
    operands = []
    for k, parent in enumerate(node.parents):
        local = locals_[k] if k < len(locals_) else None
        operands.append([describe(parent), "" if local is None or callable(local) else _fmt(local)])
    record: dict[str, Any] = {"n": describe(node), "op": node.op or "", "d": _fmt(node.data), "g": _fmt(node.grad),
                              "p": [index[p] for p in node.parents], "loc": operands}
    if node.label:
        record["l"] = node.label
    shape = _shape(node)
    if shape:
        record["s"] = shape
    return record


def _edges(order: list[Any], index: dict[Any, int]) -> list[dict[str, Any]]:
    """One record per scalar edge, in the order draw(ids=True) numbers them (``e0``, ``e1``, ...)."""
    edges = []
    for node in order:
        if not node.parents:
            continue
        found: dict[int, tuple[Any, Any]] = {}
        try:
            for position, _, local, contribution in node._contributions():
                found[position] = (local, contribution)
        except Exception:  # a node whose terms cannot be evaluated (no gradient) simply has none to show
            found = {}
        for k, parent in enumerate(node.parents):
            local, contribution = found.get(k, (None, None))
            edges.append({"f": index[parent], "t": index[node], "k": k,
                          "loc": "" if local is None else _fmt(local),
                          "up": _fmt(node.grad), "prod": "" if contribution is None else _fmt(contribution)})
    return edges


def _ledger(ex: Explanation, max_terms: int) -> dict[str, Any]:
    """An :class:`~autograd_core.see.explain.Explanation` as the side panel shows it."""
    leaf, root = describe(ex.leaf), describe(ex.root)
    terms = []
    for term in ex.terms[:max_terms]:
        factors = ex.factors(term)
        if len(factors) > 1:
            up = (" · ".join(f.name for f in factors) + " = " + " × ".join(_fraction(f.value) for f in factors)
                  + " = " + _fmt(term.upstream))
        else:
            up = f"{factors[0].name} = {_fmt(term.upstream)}"
        name = ex.local_name(term)
        local = "(a vector-Jacobian product)" if term.local is None else f"{name} = {_fmt(term.local)}"
        terms.append({"via": describe(term.child), "up": up, "loc": local,
                      "term": _fmt(term.contribution)})
    return {"head": f"∂{root}/∂{leaf} = {_fmt(ex.grad)}", "leaf": leaf, "terms": terms, "count": len(ex.terms),
            "sum": _fmt(ex.total), "grad": _fmt(ex.grad), "equal": ex.matches,
            "paths": ex.path_count}


def _ledgers(root: Any, order: list[Any], leaves: list[Any], max_terms: int, with_paths: bool) -> dict[int, Any]:
    """The ledger of every leaf, with one shared map of uses (linear in the graph, not per leaf)."""
    uses: dict[Any, list[tuple[Any, int]]] = {}
    for node in order:
        for k, parent in enumerate(node.parents):
            uses.setdefault(parent, []).append((node, k))
    out: dict[int, Any] = {}
    for i, leaf in leaves:
        terms: list[Term] = []
        seen: set[int] = set()
        for child, _ in uses.get(leaf, ()):
            if id(child) in seen:
                continue
            seen.add(id(child))
            for k, parent, local, contribution in child._contributions():
                if parent is leaf:
                    terms.append(Term(child, k, child.grad, local, contribution))
        paths = count_paths(order, leaf).get(root, 0) if with_paths else -1
        ex = Explanation(root, leaf, order, terms, paths, None, max_terms, False)
        ex._uses = uses
        out[i] = _ledger(ex, max_terms)
    return out


def _steps(root: Any, order: list[Any], index: dict[Any, int], seed: Any, record: bool
           ) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """Run the sweep (fresh) and record each transfer: edge, child, parent, the grad before and after."""
    edge_of: dict[tuple[int, int], int] = {}
    counter = 0
    for node in order:
        for k, _ in enumerate(node.parents):
            edge_of[(index[node], k)] = counter
            counter += 1
    steps: list[dict[str, Any]] = []
    first_old: dict[int, str] = {}
    used: dict[tuple[int, int], int] = {}  # (child, parent) -> occurrences already matched to a step
    graph.zero_grad(root)
    for step in graph.backward_steps(root, seed):
        if not record:
            continue
        if len(steps) >= MAX_STEPS:
            record = False
            steps.clear()
            continue
        c, p = index[step.child], index[step.parent]
        nth = used.get((c, p), 0)
        used[(c, p)] = nth + 1
        positions = [k for k, q in enumerate(step.child.parents) if q is step.parent]
        k = positions[min(nth, len(positions) - 1)]
        new = step.parent.grad
        old = new - step.contribution
        first_old.setdefault(p, summarize(old))
        steps.append({"e": edge_of[(c, k)], "c": c, "p": p, "up": summarize(step.upstream),
                      "loc": summarize(step.local), "amt": summarize(step.contribution),
                      "old": summarize(old), "new": summarize(new)})
    return steps, first_old


def _group_record(gid: int, group: Group, index: dict[Any, int]) -> dict[str, Any]:
    shape = [i + 1 for i in group.max_index] if group.max_index is not None else None
    if shape is not None and math.prod(shape) != len(group.members):
        shape = None
    shown = group.members[:EXPAND_LIMIT]
    cells = []
    for member in shown:
        _, idx = label_stem(member.label) if member.label else ("", None)
        cells.append([index[member], list(idx) if idx is not None and shape and len(idx) == len(shape) else None])
    return {"id": f"g{gid}", "title": group.title, "kind": group.kind, "count": len(group.members),
            "shape": shape, "cells": cells}


# --- the page ------------------------------------------------------------------------------------
def _asset(name: str) -> str:
    return resources.files("autograd_core.see").joinpath("assets", name).read_text(encoding="utf-8")


def _clean_svg(svg: str) -> str:
    """The renderer's SVG, trimmed for the page: no prolog, comments, titles or repeated font names."""
    at = svg.find("<svg")
    svg = svg[at:] if at >= 0 else svg
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)
    svg = re.sub(r"<title>.*?</title>\n?", "", svg, flags=re.S)
    svg = re.sub(r' font-family="[^"]*"', "", svg)
    svg = re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg id="agx-svg"', svg, count=1)
    return svg


def _script_json(payload: Any) -> str:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/")


def explore(
    root: Any,
    *,
    highlight: Any = None,
    show_local: bool = True,
    rankdir: str = "LR",
    max_nodes: int = DEFAULT_MAX_NODES,
    group: bool | None = None,
    renderer: str | None = None,
    seed: Any = 1.0,
    title: str | None = None,
    height: int = 560,
    recording: Recorder | None = None,
) -> Explorer:
    """An interactive, self-contained page for the graph below ``root``: see the module docs.

    Args:
        root: a ``Value`` or ``Tensor``. Its backward pass is run here, fresh (every grad reset first),
            so the gradients are left exactly as ``root.backward()`` would leave them.
        highlight: a leaf whose ledger and paths are shown when the page opens (``W[0,1]``).
        show_local: write each edge's local derivative on it (left out on costly layouts, as in ``draw``).
        rankdir, max_nodes, group: as in :func:`~autograd_core.see.draw.draw` (beyond ``max_nodes`` the
            graph is grouped by label stem; groups expand on click).
        renderer: ``"dot"``, ``"graphviz-pure"`` or ``None`` (dot when on PATH).
        seed: ``∂root/∂root``.
        title: the page's title (default: the root's name).
        height: the inline display's height in pixels (Jupyter).
        recording: a :class:`Recorder` whose parameters are leaves of this graph: the page gains a
            training slider over its snapshots (it opens on the graph as explored, after the last one).
    """
    require_node(root, "explore")
    order = topological_order(root)
    index = {node: i for i, node in enumerate(order)}
    # the sweep first, so that the drawing shows the gradients it leaves
    steps, first_old = _steps(root, order, index, seed, record=True)
    drawing = draw(root, show_local=show_local, rankdir=rankdir, max_nodes=max_nodes, group=group, ids=True)
    grouped = drawing.info["grouped"]
    if grouped:
        steps = []
    svg = _clean_svg(_render.source_to_svg(drawing.source, renderer))
    labelled_leaves: list[tuple[int, Any]] = []
    payload: dict[str, Any] = {"root": index[root], "grouped": grouped, "title": title or describe(root)}
    if grouped:
        grouping = drawing.info["grouping"]
        groups = [_group_record(gid, g, index) for gid, g in enumerate(grouping.groups)]
        listed = {cell[0] for g in groups for cell in g["cells"]}
        payload["groups"] = groups
        payload["gedges"] = [[src, dst, n] for (src, dst), n in grouping.edges.items()]
        payload["nodes"] = {i: _node_record(order[i], index) for i in sorted(listed)}
        payload["of"] = {i: grouping.of[order[i]] for i in sorted(listed)}
        labelled_leaves = [(i, order[i]) for i in sorted(listed) if not order[i].parents and order[i].label]
        payload["ledgers"] = _ledgers(root, order, labelled_leaves[:MAX_LEDGERS], GROUPED_LEDGER_TERMS, False)
        payload["player"] = ("The player steps through drawings with one box per node; this graph has "
                             f"{len(order)} nodes, grouped into {len(groups)} boxes (raise max_nodes to ungroup it).")
    else:
        payload["nodes"] = {i: _node_record(node, index) for i, node in enumerate(order)}
        payload["edges"] = _edges(order, index)
        labelled_leaves = [(i, n) for i, n in enumerate(order) if not n.parents and n.label]
        payload["ledgers"] = _ledgers(root, order, labelled_leaves[:MAX_LEDGERS], 10**6, True)
        payload["steps"] = steps
        payload["init"] = {i: first_old.get(i, summarize(order[i].grad)) for i in range(len(order))}
        if not steps:
            payload["player"] = f"The sweep has more than {MAX_STEPS} transfers: too many to step through."
        if "labels" in drawing.info:
            payload["note"] = drawing.info["labels"]
    if highlight is not None:
        if highlight not in index:
            raise ValueError(f"explore: highlight {describe(highlight)} is not in the graph of {describe(root)}")
        payload["start"] = index[highlight]
    pairs: list[tuple[int, int]] = []
    if recording is not None:
        if not isinstance(recording, Recorder):
            raise TypeError(f"explore: recording must be a Recorder, got {type(recording).__name__}")
        position = {id(p): k for k, p in enumerate(recording.parameters)}
        pairs = [(i, position[id(order[i])]) for i in sorted(map(int, payload["nodes"])) if id(order[i]) in position]
        if not pairs:
            raise ValueError(f"explore: none of the recorder's {len(recording.parameters)} parameters is a leaf "
                             f"of the graph of {describe(root)}")
        payload["training"] = _training(recording, pairs, None)
    page = _page(svg, payload)
    info = {"nodes": len(order), "grouped": grouped, "shown": drawing.info["shown"], "steps": len(steps),
            "ledgers": len(payload["ledgers"]), "bytes": len(page.encode("utf-8")), "height": height,
            "snapshots": None if recording is None else len(recording.snapshots)}
    out = Explorer(page, info)
    out._svg, out._payload, out._pairs = svg, payload, pairs
    return out


def _page(svg: str, payload: dict[str, Any]) -> str:
    """The whole page: the assets, the SVG and the payload, inline."""
    page_title = html.escape(f"autograd-core explorer: {payload['title']}")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{page_title}</title>\n<style>{_asset('explorer.css')}</style></head>\n<body>\n"
        f"{_asset('explorer.html')}\n"
        f'<div id="agx-graph" hidden>{svg}</div>\n'
        f'<script type="application/json" id="agx-data">{_script_json(payload)}</script>\n'
        f"<script>{_asset('explorer.js')}</script>\n</body></html>\n"
    )
