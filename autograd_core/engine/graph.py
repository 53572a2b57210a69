"""What both engines share: the topological order and the backward sweep, written once.

A node is anything that follows the protocol :class:`autograd_core.engine.node.Node` (``parents``,
``grad``, and how it passes ``g · ∂self/∂parent`` on); ``Value`` and ``Tensor`` both do.

The sweep is the chain rule of Eq. 4, ``∂L/∂x_k = Σ_i ∂L/∂y_i · ∂y_i/∂x_k``, applied node by node
in reverse topological order: when a node is visited, every path from it to the root has already
delivered its term, so its ``grad`` is complete and can be passed on.

Nothing here recurses: a graph a million nodes deep is walked with an explicit stack.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

from .node import Node

# Grad mode lives in a context variable: each thread, and each asyncio task, has its own (as in
# PyTorch), so one thread leaving no_grad() cannot switch recording off or on for another.
_GRAD_ENABLED: ContextVar[bool] = ContextVar("autograd_core_grad_enabled", default=True)
recording = _GRAD_ENABLED.get  # what the engines call before recording a node: True outside no_grad()


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside ``with no_grad():`` operations compute values only and record no graph.

    For evaluation and inference (accuracy on a test set, a decision boundary over a grid): no
    memory is spent on nodes nobody will differentiate. Results are constants -- a ``Value`` leaf,
    a ``Tensor`` with ``requires_grad=False`` -- exactly as ``torch.no_grad()`` behaves.
    Nests, restores the previous state on exit even after an exception, and applies to the
    current thread (and asyncio task) only.
    """
    token = _GRAD_ENABLED.set(False)
    try:
        yield
    finally:
        _GRAD_ENABLED.reset(token)


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record the graph again inside a :func:`no_grad` block (as ``torch.enable_grad``).

    The functional transforms (``grad``, ``jacobian`` ...) run ``f`` under it: asking for a
    derivative is an explicit request to record, whatever the surrounding context says.
    """
    token = _GRAD_ENABLED.set(True)
    try:
        yield
    finally:
        _GRAD_ENABLED.reset(token)


def is_grad_enabled() -> bool:
    """False inside :func:`no_grad` (in this thread or asyncio task), True otherwise."""
    return _GRAD_ENABLED.get()


# --- conversions while a transform traces f ----------------------------------------------------
class ConversionError(TypeError):
    """A node of a function being differentiated was turned into a plain number, which drops its graph.

    ``grad(lambda x: math.sin(x) + x)`` would otherwise see only ``+ x`` and return 1.0 for a
    derivative of about 0.01: the path through ``math.sin`` is invisible to the engine.
    """


# The ids of the inputs of the function a transform (grad, jacobian ...) is tracing; None outside.
_TRACED: ContextVar[frozenset[int] | None] = ContextVar("autograd_core_traced", default=None)


@contextmanager
def tracing(inputs: Iterable[Any]) -> Iterator[None]:
    """While a transform calls ``f``: converting an input, or a node computed in ``f``, to a number raises.

    Outside a transform ``float(node)`` keeps working: reading a result is what it is for.
    """
    token = _TRACED.set(frozenset(map(id, inputs)))
    try:
        yield
    finally:
        _TRACED.reset(token)


def is_tracing() -> bool:
    """True while a transform runs ``f`` (in this thread or asyncio task)."""
    return _TRACED.get() is not None


def check_conversion(node: Any, what: str) -> None:
    """Raise :class:`ConversionError` if ``node`` is traced (an input of ``f``, or computed) inside a transform."""
    traced = _TRACED.get()
    if traced is None or (getattr(node, "_is_leaf", False) and id(node) not in traced):
        return
    kind = type(node).__name__
    raise ConversionError(
        f"{what} of a {kind} inside a derivative transform (grad, jacobian, hessian, vjp, jvp): the number "
        f"would leave the graph, so the derivative would silently miss this path. Stay on the graph: use the "
        f"{kind}'s own operations (x.sin(), x.exp(), x.tanh() ... instead of math.sin(x), float(x)), or numpy "
        f"functions that have a rule; use x.data if you do want a constant"
    )


class GraphFreedError(RuntimeError):
    """A graph that ``backward(retain_graph=False)`` let go of was read again.

    The lean sweep drops each node's links to its operands, and its gradient, once the node has passed
    its gradient on (as PyTorch frees a graph's saved tensors), so the forward values nobody else holds
    are freed during the sweep. What is left cannot be drawn, explained or differentiated again: walking
    it would silently stop at the first freed node, so it raises this instead.
    """


def graph_freed(node: Any) -> GraphFreedError:
    """The error for reading the links of ``node``, a node of a freed graph."""
    return GraphFreedError(
        f"this graph was freed by backward(retain_graph=False) (at a node of op {node.op!r}): its links and "
        f"intermediate gradients are gone, so it cannot be walked again (backward, draw, explain, explore). "
        f"Call backward() with retain_graph=True (the default) to keep the graph, or compute the "
        f"forward pass again"
    )


_FINISH = object()  # stack marker: "the node below me has all its parents emitted"


def topological_order(root: Node) -> list[Node]:
    """Every node reachable from ``root``, each after all of its parents (root last).

    Iterative depth-first search with an explicit stack, so depth is limited by memory, not by
    Python's recursion limit. A node is pushed back under a ``_FINISH`` marker before its
    parents are pushed; when the marker surfaces, the parents are all emitted and so is the node.
    The marker is one shared object rather than a ``(node, flag)`` tuple per node: a million
    short-lived tuples would trigger the cyclic garbage collector over and over, which
    measured as half the sort's time on a 1,000,000-node chain.
    """
    if hasattr(root, "_a"):
        return _order_of_pairs(root)
    order: list[Any] = []
    visited: set[Any] = set()  # nodes hash by identity
    stack: list[Any] = [root]
    push, pop, emit, mark = stack.append, stack.pop, order.append, visited.add
    while stack:
        node = pop()
        if node is _FINISH:
            emit(pop())
            continue
        if node in visited:
            continue
        mark(node)
        push(node)
        push(_FINISH)
        for parent in reversed(node.parents):  # reversed: the first argument is explored first
            if parent not in visited:
                push(parent)
    return order


def _order_of_pairs(root: Any) -> list[Any]:
    """:func:`topological_order` for scalar nodes, which keep their (at most two) operands in the slots
    ``_a`` and ``_b``: the same walk, reading the slots instead of building a ``parents`` tuple per node
    (that tuple was a third of the sort's time on the MLP benchmark)."""
    order: list[Any] = []
    visited: set[Any] = set()
    stack: list[Any] = [root]
    push, pop, emit, mark = stack.append, stack.pop, order.append, visited.add
    while stack:
        node = pop()
        if node is _FINISH:
            emit(pop())
            continue
        if node in visited:
            continue
        mark(node)
        push(node)
        push(_FINISH)
        b = node._b
        if b is not None and b not in visited:
            push(b)
        a = node._a
        if a is not None and a not in visited:  # pushed last: the first operand is explored first
            push(a)
    return order


def _start_pass(root: Node, seed: Any) -> list[Node]:
    """The topological order, with intermediate grads reset and ``seed`` added into ``root.grad``."""
    order = topological_order(root)
    fresh = getattr(type(root), "_FRESH_GRAD", _FINISH)
    if fresh is _FINISH:  # the protocol's methods
        for node in order:
            if not node._is_leaf:
                node._zero_grad()
    else:  # Value and Tensor: a leaf has no _op; an intermediate grad starts from the class's zero
        for node in order:
            if node._op is not None:
                node.grad = fresh
    root._accumulate(seed)
    return order


def backward(root: Node, seed: Any, create_graph: bool = False, retain_graph: bool = True) -> list[Node]:
    """Run reverse mode from ``root`` with ``∂root/∂root = seed``; return the order used.

    Leaf gradients *accumulate* across calls (as in PyTorch), so call ``zero_grad`` between
    independent passes. Gradients of intermediate nodes describe the latest pass only: they are
    reset first, otherwise a second pass would push the first pass's gradient through again.

    With ``create_graph=True`` the local derivatives are built from graph operations, so every
    ``grad`` is itself a node that can be differentiated again.

    ``retain_graph=False`` asks the node class's ``_sweep`` to let go of the graph as it goes (see
    :class:`GraphFreedError`); only a class whose ``_sweep`` takes ``retain_graph`` can (``Tensor``).
    """
    if not retain_graph and create_graph:
        raise ValueError("backward(create_graph=True, retain_graph=False): the gradient graph is built from the "
                         "forward graph, so that graph must be kept; leave retain_graph at its default")
    order = _start_pass(root, seed)
    if create_graph:
        for node in reversed(order):
            if not node._is_leaf:
                for parent, contribution in node._vjp(node.grad, True):
                    parent._accumulate(contribution)
    elif not retain_graph:
        type(root)._sweep(order, retain_graph=False)
    elif hasattr(type(root), "_sweep"):  # a node class with its own (faster) loop over the same order
        type(root)._sweep(order)
    elif hasattr(type(root), "_FRESH_GRAD"):
        for node in reversed(order):
            if node._op is not None:
                node._propagate()
    else:
        for node in reversed(order):
            if not node._is_leaf:
                node._propagate()
    return order


def gradients(root: Node, inputs: Sequence[Node], seed: Any = 1.0, create_graph: bool = False) -> list[Any]:
    """``∂root/∂input`` for each input, without touching any ``grad`` (cf. ``torch.autograd.grad``).

    The sweep is the same as :func:`backward`'s, with the running gradients kept in a dict.
    With ``create_graph=True`` the results are graph nodes, so they can be differentiated
    again: ``gradients(gradients(f, [x], create_graph=True)[0], [x])`` is ``f''(x)``.
    An input that ``root`` does not depend on gets ``0.0``.
    """
    grads: dict[Any, Any] = {root: seed}
    for node in reversed(topological_order(root)):
        g = grads.get(node)
        if g is None or node._is_leaf:
            continue
        for parent, contribution in node._vjp(g, create_graph):
            previous = grads.get(parent)
            grads[parent] = contribution if previous is None else previous + contribution
    return [grads.get(x, 0.0) for x in inputs]


class _Roots:
    """A virtual node above several outputs, so one topological order covers them all."""

    __slots__ = ("parents",)

    def __init__(self, parents: Sequence[Any]) -> None:
        self.parents = tuple(parents)


def push_tangents(outputs: Sequence[Any], inputs: Sequence[Node], tangents: Sequence[Any]) -> list[Any]:
    """Forward mode over a recorded graph: each output's tangent when ``inputs[k]`` moves by ``tangents[k]``.

    The chain rule of Eq. 4 read forwards, over the graph the engines have already built: in
    topological order, a node's tangent is ``Σ_i ∂node/∂parent_i · tangent_i`` (``node._jvp``, the
    table's local derivatives). This is how a reverse transform (``grad``) handed dual numbers gives
    their tangent back (forward over reverse: the Hessian-vector product ``jvp(grad(f), x, v)``).
    An output that no input reaches gets ``None``.
    """
    known: dict[int, Any] = {}
    for x, t in zip(inputs, tangents, strict=True):
        known[id(x)] = t
    nodes = [o for o in outputs if hasattr(o, "parents")]
    for node in topological_order(_Roots(nodes))[:-1]:  # the virtual root comes last
        if node._is_leaf or id(node) in known:
            continue
        parent_tangents = [known.get(id(p)) for p in node.parents]
        if any(t is not None for t in parent_tangents):
            known[id(node)] = node._jvp(parent_tangents)
    return [known.get(id(o)) for o in outputs]


def zero_grad(root: Node) -> None:
    """Reset the gradient of every node in the graph below (and including) ``root``."""
    for node in topological_order(root):
        node._zero_grad()


class Step(NamedTuple):
    """One term of the backward sweep: ``child`` passed ``contribution`` to ``parent``.

    ``contribution = upstream · local`` where ``upstream`` is ``∂root/∂child`` (complete when the
    step happens) and ``local`` is ``∂child/∂parent`` from the derivative table.
    """

    index: int
    child: Any
    parent: Any
    upstream: Any
    local: Any
    contribution: Any


def backward_steps(root: Node, seed: Any = 1.0) -> Iterator[Step]:
    """Run :func:`backward` from ``root`` and yield each gradient transfer in the engine's order.

    The gradients are updated exactly as ``root.backward()`` would update them; each step is
    yielded right after its contribution was added, so a viewer can watch ``grad`` fill in.
    """
    order = _start_pass(root, seed)
    index = 0
    for node in reversed(order):
        if node._is_leaf:
            continue
        upstream = node.grad
        for _, parent, local, contribution in node._contributions():
            parent._accumulate(contribution)
            yield Step(index, node, parent, upstream, local, contribution)
            index += 1


# --- copying and pickling ------------------------------------------------------------------------
def copy_refused(node: Any, kind: str) -> TypeError:
    """The error for copying or pickling a node computed from others (``kind``: ``"Value"``, ``"Tensor"``).

    Leaves (parameters, inputs) copy and pickle: they are their numbers. A computed node would bring its
    whole graph: pickle recurses once per level (a deep chain overflows) and a graph may hold a user's
    primitive, a function that cannot be pickled. So, as PyTorch does for non-leaf tensors, it is refused.
    """
    return TypeError(
        f"cannot copy or pickle a {kind} computed from other nodes (op {node.op!r}): its graph is not copied. "
        f"Copy or save the leaves (the parameters: Module.state_dict()) and compute again, or take "
        f"node.detach() for a constant with the same numbers"
    )


def grad_to_copy(node: Any, kind: str) -> Any:
    """A leaf's ``grad`` for a copy: a number or array; a gradient that is itself a graph is refused."""
    g = node.grad
    if hasattr(g, "_op") and getattr(g, "_op", None) is not None:
        raise TypeError(f"cannot copy or pickle this {kind}: its grad is a graph (backward(create_graph=True)); "
                        "call zero_grad() first, or copy grad.data")
    return g.data if hasattr(g, "_op") else g
