"""Central differences, the reference every gradient test compares against (shared by the test modules).

Written here once, independently of the library's own ``gradcheck`` and ``verify``: a check that
reused the code under test could not notice a mistake in it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def central_difference(f: Callable[[float], float], x: float, eps: float = 1e-6) -> float:
    """``(f(x + ε) − f(x − ε)) / 2ε`` for a scalar function of one number."""
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def numeric_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar ``f`` at ``x``, over every entry (``x`` is not modified)."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + eps
        up = f(x)
        x[index] = old - eps
        down = f(x)
        x[index] = old
        grad[index] = (up - down) / (2 * eps)
    return grad


def numeric_vec_jacobian(F: Callable[[np.ndarray], np.ndarray], X: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of ``vec F(X)`` by ``vec X``: shape ``(F.size, X.size)``, vec stacking columns.

    Column ``q`` perturbs the entry of ``X`` that ``vec`` puts at position ``q`` (column-major order),
    and each column holds ``vec`` of the change of ``F`` -- the ``J`` of ``d vec F = J d vec X``.
    ``F``'s result is copied at once: it may be a view of ``X`` (``X.T`` is), which the next step changes.
    """
    X = np.array(X, dtype=float)
    columns = []
    for q in range(X.size):
        index = np.unravel_index(q, X.shape, order="F")
        old = X[index]
        X[index] = old + eps
        up = np.array(F(X), dtype=float).reshape(-1, order="F")
        X[index] = old - eps
        down = np.array(F(X), dtype=float).reshape(-1, order="F")
        X[index] = old
        columns.append((up - down) / (2 * eps))
    return np.stack(columns, axis=1)
