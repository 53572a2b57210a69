"""Input checks shared by the oracles, and ``LossGrad``: plain numpy, nothing of the engine."""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple

import numpy as np


def _floats(x: Any, name: str, func: str) -> np.ndarray:
    """``x`` as a float array; ``TypeError`` unless it holds real numbers (``np.asarray(x, dtype=float)``
    alone would read None as NaN and parse strings)."""
    raw = np.asarray(x)
    numeric = raw.dtype.kind in "biuf" or (raw.dtype == object and all(isinstance(e, numbers.Real) for e in raw.flat))
    if not numeric:
        raise TypeError(f"{func}: {name} must hold real numbers, got {type(x).__name__} of dtype {raw.dtype}")
    return raw.astype(float, copy=False)


def _array(x: Any, name: str, func: str, ndim: int | tuple[int, ...]) -> np.ndarray:
    arr = _floats(x, name, func)
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if arr.ndim not in allowed:
        want = " or ".join(f"{d}-D" for d in allowed)
        raise ValueError(f"{func}: {name} must be {want}, got shape {arr.shape}")
    return arr


def _same(func: str, what: str, a_name: str, a: int, b_name: str, b: int) -> None:
    if a != b:
        raise ValueError(f"{func}: {what} disagree: {a_name} has {a}, {b_name} has {b}")


def _weights(weights: Any, m: int, func: str) -> np.ndarray:
    """Eq. 26 (``1/m`` each) when ``weights`` is None, else ``∂f/∂L^(k)`` as given."""
    if weights is None:
        return np.full(m, 1.0 / m)
    w = _array(weights, "weights", func, 1)
    _same(func, "sample counts", "grad_Z", m, "weights", w.shape[0])
    return w


class LossGrad(NamedTuple):
    """A loss and its gradient w.r.t. the scores it was computed from (same shape as the scores)."""

    value: Any
    grad: np.ndarray
