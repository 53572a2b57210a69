"""The node protocol: what the one backward sweep (:mod:`.graph`) needs from a graph node.

``Value`` (a float per node) and ``Tensor`` (an array per node) both implement it, which is why
backprop, the drawings and the chain-rule ledger are written once for both engines. A node:

* knows the nodes it was computed from (``parents``, in argument order) and whether it is an input;
* holds the accumulated ``grad = ∂root/∂node``, which the sweep resets and adds into;
* passes ``g · ∂self/∂parent`` to its parents, with the local derivatives read from the table:
  ``_propagate()`` into their ``grad`` (plain ``backward()``), ``_vjp(g, create_graph)`` as a list
  (``gradients()``, and graph nodes when ``create_graph``), ``_contributions()`` with the operand's
  position and the local factor (``backward_steps()``, ``draw``, ``explain``).

Two optional class attributes let the sweep go faster without changing what it computes: ``_FRESH_GRAD``
(what an intermediate grad is reset to; with it the sweep reads ``_op`` instead of calling methods) and
``_sweep(order)``, a node class's own loop over the same reverse order (``Value`` applies the table's
own add, mul, tanh and relu in it, and calls ``_propagate`` for every other node). A class whose ``_sweep``
also takes ``retain_graph=False`` (``Tensor``) can let go of the graph during the sweep; it then marks each
freed node so that its ``parents`` raise ``GraphFreedError``.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Node(Protocol):
    """A node of a computation graph, as :func:`autograd_core.engine.graph.backward` uses it."""

    grad: Any  # ∂root/∂self, accumulated by the sweep

    @property
    def parents(self) -> tuple[Any, ...]:
        """The operands this node was computed from, in argument order (empty for an input)."""
        ...

    @property
    def _is_leaf(self) -> bool:
        """True for an input: a node no operation produced."""
        ...

    def _zero_grad(self) -> None:
        """Reset ``grad`` before a pass (intermediate nodes) or on ``zero_grad()``."""
        ...

    def _accumulate(self, g: Any) -> None:
        """Add ``g`` into ``grad`` (never in place: ``g`` may be another node's array)."""
        ...

    def _propagate(self) -> None:
        """Add ``self.grad · ∂self/∂parent`` into every parent's ``grad``."""
        ...

    def _vjp(self, g: Any, create_graph: bool = False) -> list[tuple[Any, Any]]:
        """``(parent, g · ∂self/∂parent)`` per parent that needs it; graph nodes when ``create_graph``."""
        ...

    def _jvp(self, parent_tangents: list[Any]) -> Any:
        """``Σ_i ∂self/∂parent_i · t_i`` over the parents whose tangent ``t_i`` is not None (forward mode)."""
        ...

    def _contributions(self) -> list[tuple[int, Any, Any, Any]]:
        """``(position, parent, local, self.grad · local)`` per parent; ``local`` None when there is no
        single factor (a contraction)."""
        ...
