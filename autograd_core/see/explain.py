"""The chain-rule ledger: why ``leaf.grad`` has the value it has, term by term.

Reverse mode computes ``∂L/∂x`` as a sum over the edges leaving ``x`` (Eq. 4): each operation
``c`` that used ``x`` contributes ``∂L/∂c · ∂c/∂x`` -- the gradient arriving at ``c`` from above
(its *upstream*) times the local derivative from the derivative table. :func:`explain` lists
those terms and checks that they add up to ``x.grad``.

For the seed's batch layer ``Z = W X + B`` with ``L = (1/m) Σ_k L^(k)`` (Eq. 25–26), the edges
leaving ``W[i,j]`` are its ``m`` products ``W[i,j] · X[j,k]``, so the ledger shows exactly the
``m`` terms of Eq. 27, ``(1/m) · ∂L^(k)/∂z_i^(k) · x_j^(k)``. To make the ``1/m`` and the
``∂L^(k)/∂z_i^(k)`` visible, each upstream gradient is split into factors: from the operation,
follow the graph upward while each node feeds exactly one operation (so its gradient is just the
next one's times a local derivative), and cut the product at every *labelled* node on the way.
Label the per-sample losses ``L(k)`` and the pre-activations ``z[i,k]`` and the factors read
``∂L/∂L(k) = 1/m``, ``∂L(k)/∂z[i,k]``, ``∂z[i,k]/∂(W[i,j] * X[j,k]) = 1``.

Paths are the other view: ``∂L/∂x`` is also the sum over every path from ``x`` to ``L`` of the
product of the local derivatives along it. Their number can grow exponentially with depth, so
they are *counted* by dynamic programming over the topological order (linear time, no
recursion) and listed only when there are few.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ..engine import ops
from ..engine.graph import topological_order
from .draw import describe, require_node, summarize

DEFAULT_MAX_TERMS = 20
DEFAULT_MAX_PATHS = 12


class Factor(NamedTuple):
    """One factor of an upstream gradient: a partial derivative's name (``"∂L/∂L(2)"``) and its value."""

    name: str
    value: Any


class Term(NamedTuple):
    """One edge leaving the leaf: ``child`` used the leaf as operand ``position``.

    ``contribution = upstream · local`` with ``upstream = ∂root/∂child`` and ``local = ∂child/∂leaf``.
    """

    child: Any
    position: int
    upstream: Any
    local: Any
    contribution: Any


class PathTerm(NamedTuple):
    """One path from the leaf to the root: its nodes (leaf first) and the local derivatives along it."""

    nodes: tuple[Any, ...]
    locals: tuple[Any, ...]
    value: Any  # the product of ``locals``; None when they are not plain numbers
    positions: tuple[int, ...] = ()  # positions[i]: which operand of nodes[i + 1] nodes[i] is


# --- naming nodes in formulas ----------------------------------------------------------------
def unit_fraction(value: Any) -> str | None:
    """``0.25 -> "1/4"``: the 1/m of Eq. 26 is easier to recognise as a fraction; ``None`` if not one."""
    if isinstance(value, float) and value != 0 and math.isfinite(value):
        inverse = 1.0 / value
        whole = round(inverse)
        if 2 <= abs(whole) <= 1000 and abs(inverse - whole) < 1e-9 * abs(whole):
            return f"{'-' if whole < 0 else ''}1/{abs(whole)}"
    return None


def _fraction(value: Any) -> str:
    return unit_fraction(value) or summarize(value)


def _is_zero(g: Any) -> bool:
    return g is None or bool(np.all(np.asarray(g) == 0))


def _close(a: Any, b: Any) -> bool:
    try:
        return bool(np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-9, atol=1e-12,
                                equal_nan=True))
    except (TypeError, ValueError):
        return False


def _count_text(count: int) -> str:
    return f"{count:,}" if count < 10**15 else f"about 10^{len(str(count)) - 1}"


# --- the ledger ------------------------------------------------------------------------------
class Explanation:
    """The result of :func:`explain`: terms, their sum, the leaf's gradient, and the path count.

    ``str(explanation)`` is a readable ledger; in Jupyter it displays as an HTML table.
    """

    def __init__(self, root: Any, leaf: Any, order: Sequence[Any], terms: list[Term], path_count: int,
                 paths: list[PathTerm] | None, max_terms: int, ran_backward: bool) -> None:
        self.root = root
        self.leaf = leaf
        self.terms = terms
        self.path_count = path_count
        self.paths = paths
        self.max_terms = max_terms
        self.ran_backward = ran_backward
        self._order = order
        self._uses: dict[Any, list[tuple[Any, int]]] | None = None

    @property
    def total(self) -> Any:
        """The sum of the terms: ``∂root/∂leaf`` as the chain rule builds it."""
        total: Any = 0.0
        for term in self.terms:
            total = total + term.contribution
        return total if self.terms else (1.0 if self.leaf is self.root else 0.0)

    @property
    def grad(self) -> Any:
        """``leaf.grad`` as the engine stored it."""
        return self.leaf.grad

    @property
    def matches(self) -> bool:
        """Whether the terms add up to ``leaf.grad`` (they do, unless gradients accumulated over passes)."""
        return _close(self.total, self.grad)

    # --- splitting an upstream gradient into named factors -----------------------------------
    def _consumers(self) -> dict[Any, list[tuple[Any, int]]]:
        if self._uses is None:
            uses: dict[Any, list[tuple[Any, int]]] = {}
            for node in self._order:
                for k, parent in enumerate(node.parents):
                    uses.setdefault(parent, []).append((node, k))
            self._uses = uses
        return self._uses

    def factors(self, term: Term) -> list[Factor]:
        """``term.upstream`` as a product of named partial derivatives, root side first.

        Walks up from ``term.child`` while the current node feeds exactly one operation, so the
        gradient passes through unchanged but for one local derivative per step; the product is
        cut at every labelled node. Where the walk stops below the root, the stopping node's
        ``grad`` is the first factor. Engines without scalar local derivatives get one factor.
        """
        root, uses = self.root, self._consumers()
        start = term.child
        if not hasattr(start, "_locals") or not isinstance(start.data, float):
            return [Factor(f"∂{describe(root)}/∂{describe(start)}", term.upstream)]
        found: list[Factor] = []
        cur, seg_start, product = start, start, 1.0
        for _ in range(len(self._order)):  # bounded walk: never loops on a malformed graph
            if cur is root or len(uses.get(cur, ())) != 1:
                break
            nxt, k = uses[cur][0]
            product = product * nxt._locals()[k]
            cur = nxt
            if cur.label or cur is root:
                found.append(Factor(f"∂{describe(cur)}/∂{describe(seg_start)}", product))
                seg_start, product = cur, 1.0
        if seg_start is not cur:
            found.append(Factor(f"∂{describe(cur)}/∂{describe(seg_start)}", product))
        if cur is not root or not found:
            found.append(Factor(f"∂{describe(root)}/∂{describe(cur)}", cur.grad))
        return found[::-1]

    def local_name(self, term: Term) -> str:
        """How the local derivative reads: for a product ``leaf * y`` it is ``y`` (the MUL rule of the table)."""
        child = term.child
        if child.op == "*" and len(child.parents) == 2:
            return describe(child.parents[1 - term.position])
        return f"∂{describe(child)}/∂{describe(self.leaf)}"

    # --- text ----------------------------------------------------------------------------
    def _headline(self) -> list[str]:
        root, leaf = describe(self.root), describe(self.leaf)
        n = len(self.terms)
        lines = [f"∂{root}/∂{leaf} = {summarize(self.grad)}"]
        if self.leaf is self.root:
            lines.append(f"{leaf} is the root itself: ∂{root}/∂{root} = 1 (the seed of the backward pass).")
            return lines
        lines.append(f"is the sum of {n} term{'s' if n != 1 else ''}, one for each use of {leaf} "
                     f"(chain rule, Eq. 4): upstream gradient × local derivative.")
        if self.ran_backward:
            lines.append(f"(explain ran {root}.backward() first: no gradient had been computed.)")
        return lines

    def _path_lines(self) -> list[str]:
        leaf, root = describe(self.leaf), describe(self.root)
        count = _count_text(self.path_count)
        if self.paths is None:
            return [f"Paths from {leaf} to {root}: {count} -- too many to list, so they are counted, not "
                    "enumerated; the terms above group them by the first edge."]
        if all(path.value is not None for path in self.paths):
            lines = [f"Paths from {leaf} to {root}: {count}; each is a product of local derivatives, and they "
                     f"too sum to ∂{root}/∂{leaf}:"]
        else:
            lines = [f"Paths from {leaf} to {root}: {count}; along each, the gradient passes through one "
                     "vector-Jacobian product per operation:"]
        for path in self.paths:
            lines.append("  " + _route(path.nodes, path.positions) + _product(path))
        return lines

    def __str__(self) -> str:
        lines = self._headline()
        leaf = describe(self.leaf)
        shown = self.terms[: self.max_terms]
        for i, term in enumerate(shown, 1):
            child = describe(term.child)
            lines.append(f"  term {i}: via {child}{self._operand_note(term)}")
            lines.append(f"    upstream ∂{describe(self.root)}/∂{child} = {self._upstream_text(term)}")
            lines.append(f"    local    ∂{child}/∂{leaf} = {self._local_text(term)}")
            if term.local is None:  # a Tensor contraction: no single local factor
                lines.append(f"    term     the vector-Jacobian product of the upstream gradient = "
                             f"{summarize(term.contribution)}")
            else:
                lines.append(f"    term     {summarize(term.upstream)} × {summarize(term.local)} = "
                             f"{summarize(term.contribution)}")
        if len(self.terms) > len(shown):
            lines.append(f"  … and {len(self.terms) - len(shown)} more terms (not shown; the sum includes them)")
        if self.leaf is not self.root:
            lines.append(f"  {'sum of the terms':<16} = {summarize(self.total)}")
            check = "equal" if self.matches else (
                "DIFFERENT: the gradients accumulated over several backward() passes; call zero_grad() first")
            lines.append(f"  {leaf + '.grad':<16} = {summarize(self.grad)}   ({check})")
            lines.extend(self._path_lines())
        return "\n".join(lines)

    def _upstream_text(self, term: Term) -> str:
        factors = self.factors(term)
        if len(factors) == 1:
            return summarize(term.upstream)
        names = " · ".join(f.name for f in factors)
        values = " × ".join(_fraction(f.value) for f in factors)
        return f"{names} = {values} = {summarize(term.upstream)}"

    def _operand_note(self, term: Term) -> str:
        uses = sum(1 for p in term.child.parents if p is self.leaf)
        return f" (operand {term.position + 1} of {len(term.child.parents)})" if uses > 1 else ""

    def _local_text(self, term: Term) -> str:
        if term.local is None:
            entry = getattr(term.child._op, "entry", None)
            kind = ("a contraction" if entry is ops.EINSUM else "a linear operation" if isinstance(entry, ops.Linear)
                    else "a whole-array function")
            return (f"{kind} ({term.child.op}): no single local factor; its rule in the derivative table maps "
                    "the upstream gradient as a whole")
        name = self.local_name(term)
        return f"{name} = {summarize(term.local)}" if not name.startswith("∂") else summarize(term.local)

    def __repr__(self) -> str:
        return (f"Explanation(∂{describe(self.root)}/∂{describe(self.leaf)}: {len(self.terms)} terms, "
                f"sum={summarize(self.total)}, grad={summarize(self.grad)}, paths={_count_text(self.path_count)})")

    def _repr_html_(self) -> str:
        esc = html.escape
        root, leaf = describe(self.root), describe(self.leaf)
        rows = []
        for i, term in enumerate(self.terms[: self.max_terms], 1):
            factors = self.factors(term)
            names = " · ".join(esc(f.name) for f in factors)
            values = " × ".join(esc(_fraction(f.value)) for f in factors)
            rows.append(
                f"<tr><td>{i}</td><td>{esc(describe(term.child))}</td><td>{names}<br>= {values}</td>"
                f"<td>{esc(self._local_text(term))}</td><td>{esc(summarize(term.contribution))}</td></tr>"
            )
        more = len(self.terms) - self.max_terms
        if more > 0:
            rows.append(f"<tr><td colspan='5'>… and {more} more terms (included in the sum)</td></tr>")
        check = "equal" if self.matches else "different (accumulated over several passes?)"
        paths = "".join(f"<p>{esc(line)}</p>" for line in self._path_lines()) if self.leaf is not self.root else ""
        return (
            f"<div><p><b>∂{esc(root)}/∂{esc(leaf)} = {esc(summarize(self.grad))}</b>: the sum of "
            f"{len(self.terms)} terms, upstream gradient × local derivative (Eq. 4).</p>"
            "<table><tr><th>#</th><th>via</th><th>upstream</th><th>local</th><th>term</th></tr>"
            + "".join(rows)
            + f"<tr><td colspan='4'>sum of the terms</td><td>{esc(summarize(self.total))}</td></tr>"
            f"<tr><td colspan='4'>{esc(leaf)}.grad ({check})</td><td>{esc(summarize(self.grad))}</td></tr>"
            f"</table>{paths}</div>"
        )


# --- building it ---------------------------------------------------------------------------
def _uses(child: Any, parent: Any) -> int:
    return sum(1 for p in child.parents if p is parent)


def _route(nodes: Sequence[Any], positions: Sequence[int] = (), keep_at_most: int = 14) -> str:
    """A path as text: the leaf, the first operation, labelled nodes and the root; other runs become "…".

    Where a node uses the previous one twice (``x * x``), the operand is named, so the two paths
    through it do not print as the same line.
    """
    parts: list[str] = []
    hidden = False
    last = len(nodes) - 1
    for i, node in enumerate(nodes):
        twice = 0 < i <= len(positions) and _uses(node, nodes[i - 1]) > 1
        if i in (0, 1, last) or getattr(node, "label", "") or twice:
            if hidden:
                parts.append("…")
                hidden = False
            parts.append(describe(node) + (f" [as operand {positions[i - 1] + 1}]" if twice else ""))
        else:
            hidden = True
    if len(parts) > keep_at_most:
        half = keep_at_most // 2
        parts = [*parts[:half], f"… ({len(parts) - 2 * half} more) …", *parts[-half:]]
    return " → ".join(parts)


def _product(path: PathTerm) -> str:
    if path.value is None:
        return ""
    # The first local is ∂(first operation)/∂leaf, usually another input's data: a plain number.
    # The later ones are the graph's structure, where 1/m (Eq. 26) and 1/2 read better as fractions.
    factors = [summarize(v) if i == 0 else _fraction(v) for i, v in enumerate(path.locals) if v != 1.0]
    return f":  {' × '.join(factors) or '1'} = {summarize(path.value)}"


def count_paths(order: Sequence[Any], leaf: Any) -> dict[Any, int]:
    """For each node of ``order``, the number of distinct paths from ``leaf`` to it (0 omitted).

    One pass over the topological order: a node's count is the sum of its operands' counts, one
    per operand occurrence (``x * x`` has two edges from ``x``). Python integers do not overflow.
    """
    counts: dict[Any, int] = {leaf: 1}
    for node in order:
        if node is leaf:
            continue
        total = 0
        for parent in node.parents:
            total += counts.get(parent, 0)
        if total:
            counts[node] = total
    return counts


def _list_paths(order: Sequence[Any], leaf: Any, root: Any) -> list[PathTerm]:
    """Every path from ``leaf`` to ``root``; call only when :func:`count_paths` says they are few.

    Iterative backtracking over one shared path (a stack of iterators), so the work is the number
    of paths times their length, and a deep graph cannot overflow the call stack.
    """
    uses: dict[Any, list[tuple[Any, int]]] = {}
    for node in order:
        for k, parent in enumerate(node.parents):
            uses.setdefault(parent, []).append((node, k))
    local_cache: dict[Any, list[Any]] = {}

    def local(child: Any, k: int) -> Any:
        if child not in local_cache:
            get = getattr(child, "_locals", None)
            local_cache[child] = list(get()) if get is not None else []
        values = local_cache[child]
        return values[k] if k < len(values) else None

    found: list[PathTerm] = []
    if leaf is root:
        return [PathTerm((leaf,), (), 1.0)]
    nodes: list[Any] = [leaf]
    locals_: list[Any] = []
    positions: list[int] = []
    pending = [iter(uses.get(leaf, []))]
    while pending:
        step = next(pending[-1], None)
        if step is None:
            pending.pop()
            nodes.pop()
            if locals_:
                locals_.pop()
                positions.pop()
            continue
        child, k = step
        nodes.append(child)
        locals_.append(local(child, k))
        positions.append(k)
        pending.append(iter(uses.get(child, [])))
        if child is root:
            numeric = all(isinstance(v, float) for v in locals_)
            found.append(PathTerm(tuple(nodes), tuple(locals_), math.prod(locals_) if numeric else None,
                                  tuple(positions)))
    return found


def explain(root: Any, leaf: Any, *, max_terms: int = DEFAULT_MAX_TERMS, max_paths: int = DEFAULT_MAX_PATHS
            ) -> Explanation:
    """Explain ``leaf.grad`` (``∂root/∂leaf``) as a sum of chain-rule terms, and count the paths.

    Args:
        root: the node ``backward()`` was (or will be) called on. If no gradient has been computed
            yet (``root.grad`` is zero), ``root.backward()`` is run first and the ledger says so.
        leaf: any node of the graph below ``root`` (usually an input such as ``W[0,1]``).
        max_terms: how many terms the text and HTML show (the sum always includes all of them).
        max_paths: list the paths from ``leaf`` to ``root`` only when there are at most this many.

    Returns:
        an :class:`Explanation`; ``str()`` gives the ledger, ``.terms`` the terms, ``.total`` their
        sum (equal to ``leaf.grad`` after one backward pass), ``.path_count`` the number of paths.
    """
    require_node(root, "explain")
    require_node(leaf, "explain", "leaf")
    order = topological_order(root)
    if not any(node is leaf for node in order):
        raise ValueError(f"explain: {describe(leaf)} is not in the graph of {describe(root)} (it does not feed it)")
    ran_backward = False
    if _is_zero(root.grad):
        root.backward()
        ran_backward = True
    terms: list[Term] = []
    for node in order:
        if not any(p is leaf for p in node.parents):
            continue
        for k, parent, local, contribution in node._contributions():
            if parent is leaf:
                terms.append(Term(node, k, node.grad, local, contribution))
    counts = count_paths(order, leaf)
    path_count = counts.get(root, 0)
    paths = _list_paths(order, leaf, root) if path_count <= max_paths else None
    return Explanation(root, leaf, order, terms, path_count, paths, max_terms, ran_backward)
