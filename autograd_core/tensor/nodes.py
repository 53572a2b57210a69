"""How ``Tensor`` nodes are made from the derivative table, and how they pass gradients back.

Forward: each operation checks its entry's domain, evaluates the entry's ``forward`` on the
operands' arrays and records a node (:func:`unary`, :func:`binary`, :func:`power`,
:func:`contraction`, :func:`matmul`, :func:`einsum`, :func:`stack`, :func:`concatenate`).

Backward (:func:`terms`): an elementwise node passes ``unbroadcast(g · local)`` to each operand, the
local derivative read from its entry; a linear node (contraction, reshape, index ...) applies its
entry's reverse rule. Either way the rule is the table's; this module only evaluates it on arrays
(``ARRAY``) or, for ``create_graph=True``, on Tensor nodes (``GRAPH``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from ..engine import ops
from ..engine.contraction import axis_index, check_sizes, matmul_subscripts, parse, shapes_text
from ..engine.namespaces import ARRAY, GRAPH, quiet, quiet_off, quiet_on
from ..engine.ops import Binary, Call, Unary, check_domain, unbroadcast
from .tensor import _FLOAT, Tensor, _lift, _lift_strict, _node

__all__ = ["concatenate", "einsum", "stack"]

# The table's own entries, as imported: an entry replaced later (tests break rules on purpose) is not `is`
# one of these, so it takes the general route.
_TANH, _EINSUM = ops.TANH, ops.EINSUM
MATRIX_PRODUCT = parse(matmul_subscripts(True, True), (2, 2))  # 'ij,jk->ik', the plan of matrix @ matrix


def terms(node: Tensor, g: Any, create_graph: bool) -> list[tuple[int, Tensor, Any, Any]]:
    """``(position, parent, local, contribution)`` for each operand of ``node`` that requires grad.

    The general route, which also names each term's local derivative (``backward_steps``, drawings,
    ``explain``) and builds the terms as graphs with ``create_graph``; :func:`sweep` takes shorter
    routes to the same numbers.
    """
    if node._op is None or g is None:
        return []
    with quiet():  # inf / nan results are defined; they propagate
        if create_graph:
            g = g if isinstance(g, Tensor) else Tensor._constant(as_gradient(g, node.shape))
        elif type(g) is not np.ndarray:  # a numpy scalar from 0-d arithmetic, a float seed, a Tensor
            g = as_gradient(g.data if isinstance(g, Tensor) else g, node.shape)
        if isinstance(node._op, Call):
            found = linear_terms(node, g, create_graph)
        else:
            found = elementwise_terms(node, g, create_graph)
    if not create_graph:
        found = [(k, p, local, owned(c, g) if p._op is None else c) for k, p, local, c in found]
    return found


def sweep(order: list[Tensor], retain_graph: bool) -> None:
    """The backward sweep on arrays, over ``order`` in reverse (``Tensor.backward`` without ``create_graph``).

    The same terms as :func:`terms` -- ``unbroadcast(g · local)`` with ``local`` from an elementwise entry,
    or a linear or whole-array entry's reverse rule -- each added into its operand's ``grad`` right away,
    in one loop: the general route's per-node layers were most of a small network's step.

    With ``retain_graph=False`` a node lets go of its operands and its gradient once it has passed the
    gradient on, and the sweep of its own entry in ``order``: a forward value that no user variable
    holds is freed as soon as the last node that reads it is done (the peak memory of a training step).
    The node's links become ``None``, which :attr:`Tensor.parents` reports as ``GraphFreedError``.
    """
    for k in range(len(order) - 1, -1, -1):
        node = order[k]
        op = node._op
        if op is None:
            continue
        g = node.grad
        if g is not None:
            if type(g) is not np.ndarray:  # a numpy scalar from 0-d arithmetic, a float seed
                g = as_gradient(g, node.shape)
            for parent, c in array_terms(node, op, g):  # parent.grad += c, never in place
                old = parent.grad
                if old is None:  # a leaf's first gradient must be its own array (owned)
                    parent.grad = owned(c, g) if parent._op is None else (c if type(c) is np.ndarray else owned(c, g))
                else:
                    total = old + c
                    parent.grad = total if type(total) is np.ndarray else np.asarray(total)
        if not retain_graph:
            order[k] = None
            node.grad = node._parents = None


def array_terms(node: Tensor, op: Any, g: np.ndarray) -> list[tuple[Tensor, Any]]:
    """``(parent, g · ∂node/∂parent)`` per operand that requires grad, on arrays.

    What :func:`elementwise_terms` and :func:`linear_terms` compute, by shorter routes for the nodes a
    network is mostly made of: any elementwise entry (its rule evaluated directly, without the general
    bookkeeping), the table's own tanh (in place), matrix product and sums. tests/test_rules.py compares
    every route bit for bit with the general one. A replaced tanh or contraction entry is not ``is`` the
    one imported here, so it takes the general route; every other node does too.
    """
    parents = node._parents
    if type(op) is Unary:  # one operand, of the node's shape: g · local, nothing was broadcast
        p = parents[0]
        if not p.requires_grad:  # (switched off after the graph was built)
            return []
        if op is _TANH and node.data.ndim:
            return [(p, _tanh_term(node.data, g))]
        return [(p, chain(ARRAY, op, g, op.derivative(ARRAY, p.data, node.data), (p.data,), 0))]
    if type(op) is Binary and op is not ops.POW_CONST:  # g · local per operand, summed over what was broadcast
        (a, b), out = parents, node.data
        x, y = a.data, b.data
        terms = []
        if a.requires_grad:
            terms.append((a, unbroadcast(ARRAY, chain(ARRAY, op, g, op.d_a(ARRAY, x, y, out), (x, y), 0), x.shape)))
        if b.requires_grad:
            terms.append((b, unbroadcast(ARRAY, chain(ARRAY, op, g, op.d_b(ARRAY, x, y, out), (x, y), 1), y.shape)))
        return terms
    if type(op) is Call and op.entry is _EINSUM:
        plan = op.params
        if plan == MATRIX_PRODUCT:  # Z = A B: ∇A = G Bᵀ, ∇B = Aᵀ G (Eq. 29-30 without the 1/m)
            a, b = parents
            if a.data.shape[1] == b.data.shape[0]:  # (a size-1 axis j broadcast takes the general route)
                return [(p, g @ b.data.T if i == 0 else a.data.T @ g)
                        for i, p in enumerate(parents) if p.requires_grad]
        summed = summed_axes(plan.inputs, plan.output)
        if summed is not None:  # a sum over axes: g repeated along them
            x = parents[0]
            kept = tuple([1 if k in summed else n for k, n in enumerate(x.data.shape)])
            return [(x, ops.BROADCAST_TO.forward(x.data.shape, g.reshape(kept)))]
    found = linear_terms(node, g, False) if type(op) is Call else elementwise_terms(node, g, False)
    return [(parent, c) for _, parent, _, c in found]


@lru_cache(maxsize=256)
def summed_axes(inputs: tuple[str, ...], output: str) -> tuple[int, ...] | None:
    """The axes a one-operand contraction sums over, if it is a plain sum (no diagonal, no transpose)."""
    if len(inputs) != 1:
        return None
    (term,) = inputs
    if len(set(term)) != len(term) or "".join(c for c in term if c in output) != output:
        return None
    return tuple(k for k, c in enumerate(term) if c not in output)


def _tanh_term(out: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The table's tanh term ``g · (1 - out²)`` with one temporary array instead of three.

    Computed in place in ``out²``, entry by entry the same operations (tests/test_rules.py compares it
    bit for bit with the general path): at a hidden layer of 256 × 256 this is 1 MiB less at the peak of
    a training step. The sweep takes this path only for the table's own entry (``op is _TANH``), so a
    replaced rule still takes effect.
    """
    term = out * out
    np.subtract(1.0, term, out=term)
    term *= g
    return term


def as_gradient(g: Any, shape: tuple[int, ...]) -> np.ndarray:
    g = np.asarray(g, dtype=_FLOAT)
    return g if g.shape == shape else np.broadcast_to(g, shape)


# --- elementwise operations ---------------------------------------------------------------------
def unary(op: Unary, x: Tensor) -> Tensor:
    if op.invalid is not None:
        check_domain(op, x.data)
    token = quiet_on()
    try:
        data = op.forward(ARRAY, x.data)
    finally:
        quiet_off(token)
    return _node(data, op, (x,))


def binary(op: Binary, tensor: Tensor, other: Any, reflected: bool = False) -> Tensor:
    other = _lift(other)
    if other is None:
        return NotImplemented
    a, b = (other, tensor) if reflected else (tensor, other)
    return apply2(op, a, b, b.data)


def apply2(op: Binary, a: Tensor, b: Tensor, b_value: Any, checked: bool = True) -> Tensor:
    token = quiet_on()
    try:
        data = op.forward(ARRAY, a.data, b_value)
    except ValueError:
        raise ValueError(f"{op.name} ({op.symbol}): shapes {a.shape} and {b.shape} cannot be broadcast together "
                         "(numpy broadcasting aligns trailing axes; each pair must be equal or 1)") from None
    finally:
        quiet_off(token)
    if checked and op.invalid is not None:
        check_domain(op, a.data, b_value)
    return _node(data, op, (a, b))


def power(base: Tensor, exponent: Tensor, checked: bool = True) -> Tensor:
    """``base ** exponent``: the table's POW if the exponent needs a gradient, else POW_CONST.

    POW's derivative in the exponent is ``x**y · ln x``, so (as for ``Value``) it needs a positive
    base; a constant exponent only needs ``x**n`` to be real and finite.
    """
    if exponent.requires_grad:
        return apply2(ops.POW, base, exponent, exponent.data, checked)
    n = exponent.data
    n_value: Any = float(n) if n.ndim == 0 else n  # the table's rule n·x**(n-1) wants a number
    # A non-negative integer exponent (x ** 2, the common case) is in the domain everywhere: skip the scan.
    if n.ndim == 0 and n_value >= 0 and n_value.is_integer():
        checked = False
    return apply2(ops.POW_CONST, base, exponent, n_value, checked)


def elementwise_terms(node: Tensor, g: Any, create_graph: bool) -> list[tuple[int, Tensor, Any, Any]]:
    """VJP of an elementwise op: ``unbroadcast(g · local)`` per operand, ``local`` from the derivative table."""
    op, parents = node._op, node._parents
    data = tuple([p.data for p in parents])  # which branch a piecewise rule is on
    xp, values, out = (GRAPH, parents, node) if create_graph else (ARRAY, data, node.data)
    terms = []
    for i, p in enumerate(parents):
        if p.requires_grad:
            local = _local(node, i, xp, values, out)
            terms.append((i, p, local, unbroadcast(xp, chain(xp, op, g, local, data, i), p.data.shape)))
    return terms


def forward_terms(node: Tensor, parent_tangents: list[Any]) -> Any:
    """``Σ_i ∂node/∂parent_i · t_i``: elementwise ``local · t``; a linear entry applied to the tangents."""
    op, datas, total = node._op, [p.data for p in node._parents], None
    with quiet():
        if isinstance(op, Call):
            return ops.call_tangent(op.entry, op.params, datas, parent_tangents, node.data)
        for i, t in enumerate(parent_tangents):
            if t is None:
                continue
            local = _local(node, i, ARRAY, datas, node.data)
            term = ops.chain_forward(ARRAY, op, t, local, tuple(datas), i)
            term = np.broadcast_to(term, node.shape) if isinstance(term, np.ndarray) else term
            total = term if total is None else total + term
    return total


def _local(node: Tensor, i: int, xp: Any, values: Any, out: Any) -> Any:
    """``∂node/∂operand_i`` from the table, on arrays or (``xp`` = GRAPH) on nodes."""
    op = node._op
    if isinstance(op, Unary):
        return op.derivative(xp, values[0], out)
    x, y = values
    if op is ops.POW_CONST:  # the exponent enters the rule as a number (or constant array), never a node
        n = node._parents[1].data
        y = float(n) if n.ndim == 0 else n
    return (op.d_a if i == 0 else op.d_b)(xp, x, y, out)


def linear_terms(node: Tensor, g: Any, create_graph: bool) -> list[tuple[int, Tensor, Any, Any]]:
    """VJP of a linear entry (contraction, reshape, index ...) or a whole-array function (det, max ...):
    the table's reverse rule per operand."""
    call, parents = node._op, node._parents
    xp, operands, out = (GRAPH, parents, node) if create_graph else (ARRAY, [p.data for p in parents], node.data)
    extra = (out,) if isinstance(call.entry, ops.Function) else ()  # a function's rule reads its output too
    return [(i, p, None, call.entry.vjp(xp, call.params, g, i, operands, *extra))
            for i, p in enumerate(parents) if p.requires_grad]


def chain(xp: Any, op: Unary | Binary, g: Any, local: Any, data: tuple[Any, ...], i: int) -> Any:
    """``g · local`` (the table's ``ops.chain``: a piecewise rule's off branch is exactly 0)."""
    if type(local) is float:  # the table's constant locals: skip multiplying by ±1
        if local == 1.0:
            return g
        if local == -1.0:
            return -g
    return ops.chain(xp, op, g, local, data, i)


def owned(c: Any, g: Any) -> np.ndarray:
    """A leaf's gradient must be its own array: users update ``grad`` in place (``p.grad *= 0``)."""
    if not isinstance(c, np.ndarray):
        return np.asarray(c, dtype=_FLOAT)
    if c is g or c.base is not None or not c.flags.writeable:
        return c.copy()
    return c


# --- contractions: einsum, @, sum, transpose ------------------------------------------------------
def einsum(subscripts: str, *operands: Any) -> Tensor:
    """Einstein summation with reverse mode, as ``np.einsum``: ``einsum('ij,jk->ik', A, B)`` is ``A @ B``.

    ``out[o] = Σ Π_i operand_i[s_i]``, summed over the letters not in the output. Supports
    ``...`` (broadcast axes), repeated letters in one operand (diagonals: ``'ii->i'``, trace
    ``'ii->'``), the implicit output form without ``->``, any number of operands, and size-1
    axes broadcasting against longer ones. Operands may be Tensors, numeric arrays or numbers.

    The gradient rule is written once for all subscripts (the table's ``EINSUM`` entry); matrix products,
    sums and transposes are special cases and have no rule of their own.
    """
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a string like 'ij,jk->ik', got {type(subscripts).__name__}")
    tensors = tuple(_lift_strict(x, "einsum") for x in operands)
    return contraction(subscripts.replace(" ", ""), tensors, "")


def contracted(plan: Any, *arrays: np.ndarray) -> np.ndarray:
    """The table's contraction forward with numpy's warnings off, as every Tensor operation: ``inf · 0``
    inside a product is a NaN the result defines, not a reason for a ``RuntimeWarning``."""
    token = quiet_on()
    try:
        return ops.EINSUM.forward(plan, *arrays)
    finally:
        quiet_off(token)


def contraction(subscripts: str, tensors: tuple[Tensor, ...], symbol: str, checked: bool = False) -> Tensor:
    """The contraction node; ``checked`` when the caller has validated the shapes (``@``, ``sum``)."""
    shapes = tuple([t.data.shape for t in tensors])
    plan = parse(subscripts, tuple([len(s) for s in shapes]))
    if not checked:
        check_sizes(plan, shapes, subscripts)
    try:
        data = contracted(plan, *[t.data for t in tensors])
    except ValueError as err:  # check_sizes should have caught it; keep numpy's reason if not
        raise ValueError(f"einsum('{subscripts}'): operands of shapes {shapes_text(shapes)}: {err}") from None
    return _node(data, Call(ops.EINSUM, plan, symbol or f"einsum({subscripts})"), tensors)


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` with numpy's rules (1-D promotion, broadcast batch axes), as the contraction over ``j``."""
    left, right = a.data, b.data
    if left.ndim == 2 == right.ndim and left.shape[1] == right.shape[0]:  # two matrices that align: most products
        return _node(contracted(MATRIX_PRODUCT, left, right), Call(ops.EINSUM, MATRIX_PRODUCT, "@"), (a, b))
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul (@): needs operands with at least one axis, got shapes {a.shape} and {b.shape} "
                         "(use * to scale by a scalar)")
    k_left = a.shape[-1]
    k_right = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_left != k_right:
        right_axis = "only axis" if b.ndim == 1 else "second-to-last axis"
        raise ValueError(f"matmul (@): shapes {a.shape} and {b.shape} do not align: the left operand's last axis "
                         f"has {k_left} entries, the right operand's {right_axis} has {k_right}")
    if a.ndim > 2 and b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"matmul (@): shapes {a.shape} and {b.shape}: the batch axes {a.shape[:-2]} and "
                             f"{b.shape[:-2]} cannot be broadcast together") from None
    return contraction(matmul_subscripts(a.ndim > 1, b.ndim > 1), (a, b), "@", checked=True)


def plain_index(index: Any) -> Any:
    """Tensors used as indices become their (integer) arrays; Values are refused."""
    if isinstance(index, tuple):
        return tuple(plain_index(i) for i in index)
    if isinstance(index, Tensor):
        data = index.data
        return data.astype(np.intp) if np.all(data == np.round(data)) else data
    return index


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join equally shaped Tensors along a new axis, as ``np.stack``."""
    parts = tuple(_lift_strict(t, "stack") for t in tensors)
    try:
        data = ops.STACK.forward(axis, *(t.data for t in parts))
    except ValueError as err:
        shapes = shapes_text(tuple(t.shape for t in parts))
        raise ValueError(f"stack: shapes {shapes} along axis {axis}: {err}") from None
    return _node(data, Call(ops.STACK, axis_index(axis, data.ndim, "stack"), "stack"), parts)


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join Tensors along an existing axis, as ``np.concatenate``."""
    parts = tuple(_lift_strict(t, "concatenate") for t in tensors)
    try:
        data = ops.CONCATENATE.forward((axis, None), *(t.data for t in parts))
    except ValueError as err:
        raise ValueError(f"concatenate: shapes {shapes_text(tuple(t.shape for t in parts))} along axis {axis}: "
                         f"{err}") from None
    ax = axis_index(axis, data.ndim, "concatenate")
    offsets = np.cumsum([0, *(t.shape[ax] for t in parts)]).tolist()
    return _node(data, Call(ops.CONCATENATE, (ax, tuple(offsets)), "concatenate"), parts)


