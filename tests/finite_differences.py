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
