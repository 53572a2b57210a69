"""The seed's two layouts side by side: the *derivative* (Eq. 1a, 3) and the *gradient* ∇.

The seed defines the derivative of a scalar ``L`` in **numerator layout**:

* w.r.t. a vector ``x ∈ ℝⁿ`` it is the ``1×n`` **row** ``[∂L/∂x_1, …, ∂L/∂x_n]`` (Eq. 1a, and the
  NOTICE after Eq. 1b);
* w.r.t. a matrix ``A ∈ ℝ^{m×n}`` it has the **transposed** shape ``n×m`` (Eq. 3);
* of a vector ``y ∈ ℝᵐ`` w.r.t. ``x ∈ ℝⁿ`` it is the ``m×n`` Jacobian, rows = outputs (Eq. 2).

Then, for convenience, it defines the gradient ∇ as the transpose of that derivative, so that
∇ has the variable's own shape (Eq. 16, 19, 24, 29, 30). The engines' ``.grad`` is ∇:

>>> import numpy as np
>>> from autograd_core.scalar.arrays import values
>>> W = values(np.ones((2, 3)), "W")
>>> L = (W * W).sum(); L.backward()
>>> gradient(L, W).shape, derivative(L, W).shape
((2, 3), (3, 2))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import graph
from .arrays import grads
from .value import Value

__all__ = ["derivative", "gradient", "jacobian_of"]


def _is_tensor(x: Any) -> bool:
    """A Tensor-engine node: array data and a ``requires_grad`` flag (no import of the layer above)."""
    return isinstance(getattr(x, "data", None), np.ndarray) and hasattr(x, "requires_grad")


def _check_scalar(L: Any, func: str) -> None:
    if isinstance(L, Value):
        return
    if _is_tensor(L):
        if int(np.prod(L.shape)) != 1:
            raise ValueError(f"{func}: L must be a scalar (the seed's L ∈ ℝ), got a Tensor of shape {L.shape}")
        return
    raise TypeError(f"{func}: L must be a scalar Value or a one-element Tensor, got {type(L).__name__}")


def gradient(L: Any, W: Any) -> np.ndarray:
    """∇_W L: the gradient, laid out like ``W`` (the seed's Eq. 16/19/24/29/30 convention).

    Reads the gradients that ``L.backward()`` has already stored in ``W``'s entries (a numpy
    object array of ``Value`` s from :func:`autograd_core.scalar.arrays.values`, a single ``Value``, or a
    ``Tensor``). ``L`` must be the scalar that ``backward()`` was called on; it is checked to be a
    scalar, and names what the gradient is of.

    Raises:
        TypeError: for an ``L`` that is not a scalar node, or a ``W`` that is not a node array.
        ValueError: for a Tensor ``W`` whose ``grad`` is None (call ``L.backward()`` first).
    """
    _check_scalar(L, "gradient")
    if isinstance(W, Value):
        return np.array(float(W.grad))
    if _is_tensor(W):
        if W.grad is None:
            raise ValueError("gradient: this Tensor has no grad yet; call L.backward() first "
                             "(and create it with requires_grad=True)")
        return np.array(W.grad, dtype=float)
    return grads(W)


def derivative(L: Any, W: Any) -> np.ndarray:
    """∂L/∂W in the seed's numerator layout (Eq. 1a, 3): the transpose of :func:`gradient`.

    * ``W`` a vector of shape ``(n,)`` → a ``1×n`` row (Eq. 1a);
    * ``W`` a matrix of shape ``p×n`` → shape ``n×p`` (Eq. 3, Eq. 10, Eq. 15), so entry ``(j, i)``
      is ``∂L/∂w_ij``; a column vector ``(n, 1)`` likewise gives a ``1×n`` row;
    * ``W`` a scalar → the scalar ``∂L/∂W`` (0-D).

    Raises:
        ValueError: for a ``W`` of more than two dimensions (the seed's layouts are for
            vectors and matrices only).
    """
    g = gradient(L, W)
    if g.ndim > 2:
        raise ValueError(f"derivative: the seed's layout (Eq. 3) is defined for vectors and matrices; "
                         f"W has shape {g.shape}")
    return g[None, :] if g.ndim == 1 else g.T


def _flat_values(array: Any, name: str) -> list[Value]:
    arr = np.asarray(array, dtype=object)
    flat = list(arr.reshape(-1))
    for index, entry in enumerate(flat):
        if not isinstance(entry, Value):
            raise TypeError(f"jacobian_of: {name} entry {index} is {type(entry).__name__} {entry!r}, not a Value")
    return flat


def jacobian_of(outputs: Any, inputs: Any) -> np.ndarray:
    """Eq. 2's Jacobian ``∂y/∂x`` of Value ``outputs`` w.r.t. Value ``inputs``: shape ``m×n``.

    Row ``i`` is ``∂y_i/∂x`` (one reverse sweep from ``y_i``), column ``j`` is w.r.t. ``x_j``. For
    ``z = W x + b`` it equals ``W`` (Eq. 21–22). Arrays of more than one dimension are read as
    vectors in numpy's row-major (``ravel``) order.

    Each row comes from :func:`autograd_core.engine.graph.gradients`: the same sweep as ``backward()``,
    with the running gradients held in a dict, so every row starts from zero and no ``.grad``
    is touched -- the caller's gradients are the same before and after.
    """
    ys = _flat_values(outputs, "outputs")
    xs = _flat_values(inputs, "inputs")
    J = np.zeros((len(ys), len(xs)))
    for i, y in enumerate(ys):
        J[i] = [float(g) for g in graph.gradients(y, xs)]
    return J
