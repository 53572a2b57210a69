"""Per-sample losses ``L^(k)(z^(k))`` for the seed's layer, and the batch loss of Eq. 26.

Each formula is written **once** and runs on three kinds of ``Z`` (p×m, samples are columns,
or (p,) for one datum):

* a numpy object array of :class:`~autograd_core.Value` (from :mod:`autograd_core.scalar.arrays`) -- the
  scalar graph of Eq. 9, entry by entry;
* a :class:`~autograd_core.Tensor` -- the vectorized engine;
* a plain float array -- just the numbers (used for finite differences).

They only use what all three share: ``+ - *``, ``.sum(axis=0)``, ``.reshape`` and the
elementwise ``exp``, ``log``, ``tanh`` (numpy applies ``np.exp`` to an object array by calling
each entry's ``.exp()``; a Tensor has the method itself). The per-sample result has one entry
per column; :func:`batch_loss` averages them.

>>> import numpy as np
>>> from autograd_core.scalar.arrays import values, grads
>>> Z = values(np.array([[0.5, -1.0], [2.0, 0.0]]), "Z")
>>> L = batch_loss(sum_of_tanh(Z))          # L = (1/2) Σ_k Σ_i tanh(z_i^(k))
>>> L.backward()
>>> np.allclose(grads(Z), (1 - np.tanh(np.array([[0.5, -1.0], [2.0, 0.0]])) ** 2) / 2)
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..scalar.arrays import data as value_data
from ..scalar.value import Value
from ..tensor import Tensor

__all__ = [
    "PER_SAMPLE_LOSSES",
    "batch_loss",
    "class_labels",
    "engine_of",
    "layer",
    "one_hot",
    "sign_labels",
    "softmax_cross_entropy",
    "sum_of_squares",
    "sum_of_tanh",
]


def engine_of(x: Any) -> str:
    """``"tensor"``, ``"value"`` (object array of Values) or ``"float"`` (a real ndarray).

    Raises:
        TypeError: for anything else, including an object array that mixes Values with other things.
    """
    if isinstance(x, Tensor):
        return "tensor"
    if isinstance(x, np.ndarray):
        if x.dtype == object:
            bad = [e for e in x.flat if not isinstance(e, Value)]  # a list: None itself can be bad
            if bad:
                raise TypeError(f"expected an object array of Value nodes; it holds {type(bad[0]).__name__} {bad[0]!r}")
            return "value"
        if x.dtype.kind in "iuf":
            return "float"
    raise TypeError(f"expected a Tensor, an object array of Values or a float array, got {type(x).__name__}")


def _unary(x: Any, name: str) -> Any:
    """``name`` applied elementwise: the Tensor's method, or numpy's ufunc (which, on an object
    array, calls each Value's method of the same name)."""
    if isinstance(x, Value | Tensor):
        return getattr(x, name)()
    return getattr(np, name)(x)


def _numbers(x: Any) -> np.ndarray:
    kind = engine_of(x)
    if kind == "tensor":
        return np.asarray(x.data, dtype=float)
    return value_data(x) if kind == "value" else np.asarray(x, dtype=float)


def _plain(target: Any, name: str, loss: str) -> np.ndarray:
    """Targets are constants: refuse nodes so nobody expects a gradient for them."""
    is_node_array = isinstance(target, np.ndarray) and target.dtype == object
    if is_node_array or isinstance(target, Value | Tensor):
        raise TypeError(f"{loss}: {name} must be a plain number array (a constant), got {type(target).__name__}")
    return np.asarray(target)


def _check_z(Z: Any, loss: str) -> tuple[int, ...]:
    engine_of(Z)
    shape = tuple(Z.shape)
    if len(shape) not in (1, 2):
        raise ValueError(f"{loss}: Z must be p×m (samples are columns) or (p,) for one datum, got shape {shape}")
    return shape


def layer(W: Any, X: Any, b: Any) -> Any:
    """The seed's layer ``Z = W X + B`` (Eq. 5) with ``B`` = ``b`` in every column (Eq. 6).

    Works on Value arrays and on Tensors alike (do not mix them). ``X`` may be one datum of
    shape (n,), giving ``z = W x + b`` (Eq. 7).
    """
    kinds = {engine_of(W), engine_of(X), engine_of(b)}
    if {"tensor", "value"} <= kinds:
        raise TypeError("layer: cannot mix Tensor and an object array of Value nodes; lift all three the same way")
    if len(W.shape) != 2 or len(b.shape) != 1 or len(X.shape) not in (1, 2):
        raise ValueError(f"layer: needs W p×n, X n×m or (n,), b (p,); got shapes {W.shape}, {X.shape}, {b.shape}")
    if W.shape[1] != X.shape[0] or W.shape[0] != b.shape[0]:
        raise ValueError(f"layer: shapes do not fit Z = W X + B: W {W.shape}, X {X.shape}, b {b.shape}")
    bias = b if len(X.shape) == 1 else b.reshape(b.shape[0], 1)
    return W @ X + bias


def sum_of_squares(Z: Any, Y: Any) -> Any:
    """``L^(k) = Σ_i (z_i^(k) − y_i^(k))²`` for each column; ``Y`` a float array shaped like ``Z``."""
    shape = _check_z(Z, "sum_of_squares")
    Y = _plain(Y, "targets Y", "sum_of_squares")
    if tuple(Y.shape) != shape:
        raise ValueError(f"sum_of_squares: Z has shape {shape} but targets Y have shape {tuple(Y.shape)}")
    r = Z - Y.astype(float)
    return (r * r).sum(axis=0)


def sum_of_tanh(Z: Any, Y: Any = None) -> Any:
    """``L^(k) = Σ_i tanh(z_i^(k))`` for each column (``Y`` is ignored: no targets)."""
    _check_z(Z, "sum_of_tanh")
    return _unary(Z, "tanh").sum(axis=0)


def softmax_cross_entropy(Z: Any, labels: Any) -> Any:
    """``L^(k) = log Σ_i e^{z_i^(k)} − z_{y_k}^(k)`` for each column; ``labels`` m integers in 0..p-1.

    Numerically stable log-sum-exp: with the constant ``c_k = max_i z_i^(k)`` (a number, not a
    node), ``log Σ_i e^{z_i} = c + log Σ_i e^{z_i − c}``; every exponent is ≤ 0, so nothing
    overflows, and since ``c`` is a constant the gradient is untouched: it is still
    ``softmax(z) − e_y``. The picked logit is ``Σ_i z_i · onehot_i`` (a product and a sum, which
    both engines have), not fancy indexing.
    """
    shape = _check_z(Z, "softmax_cross_entropy")
    p, m = shape[0], (shape[1] if len(shape) == 2 else None)
    count = 1 if m is None else m
    y = class_labels(_plain(labels, "labels", "softmax_cross_entropy").reshape(-1), p, count, "softmax_cross_entropy")
    onehot = one_hot(y, p).T  # the seed's layout: one column per sample
    shift = _numbers(Z).max(axis=0)
    if m is None:
        onehot = onehot[:, 0]
    log_sum_exp = _unary(_unary(Z - shift, "exp").sum(axis=0), "log") + shift
    return log_sum_exp - (Z * onehot).sum(axis=0)


# --- labels: one check of each kind, used by the losses here, nn and the fit loop -------------
def class_labels(labels: Any, k: int, m: int, where: str) -> np.ndarray:
    """``m`` class labels, integers in ``0..k-1`` (integer-valued floats accepted), as an int array."""
    y = np.asarray(labels)
    if y.shape != (m,):
        raise ValueError(f"{where}: expected {m} labels (one per sample), got labels of shape {y.shape}")
    integral = np.issubdtype(y.dtype, np.integer) or (np.issubdtype(y.dtype, np.floating) and np.all(y == np.round(y)))
    if not integral:
        raise ValueError(f"{where}: labels must be integers in 0..{k - 1}, got dtype {y.dtype}")
    if m and (y.min() < 0 or y.max() >= k):
        raise ValueError(f"{where}: labels must be integers in 0..{k - 1} for {k} classes, "
                         f"got values from {y.min()} to {y.max()}")
    return y.astype(np.int64)


def sign_labels(labels: Any, where: str) -> np.ndarray:
    """Labels ``-1`` or ``+1`` (a 1-D array), for the hinge loss, as an int array."""
    y = np.asarray(labels)
    bad = ~np.isin(y, (-1, 1))
    if y.ndim != 1 or bad.any():
        found = np.unique(y[bad]).tolist() if y.ndim == 1 else f"an array of shape {y.shape}"
        raise ValueError(f"{where}: hinge-loss labels must be -1 or +1 (a 1-D array), got {found}")
    return y.astype(np.int64)


def one_hot(y: Any, k: int) -> np.ndarray:
    """Integer labels ``0..k-1`` as rows of an ``(m, k)`` 0/1 float matrix (``.T`` for the seed's columns)."""
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer) or (y.size and (y.min() < 0 or y.max() >= k)):
        raise ValueError(f"one_hot: labels must be a 1-D integer array with values in [0, {k}), got {y!r}")
    out = np.zeros((y.size, k))
    out[np.arange(y.size), y] = 1.0
    return out


def batch_loss(per_sample: Any) -> Any:
    """Eq. 26: ``L = (1/m) Σ_k L^(k)``, from the m per-sample losses (a node, or a float)."""
    shape = tuple(per_sample.shape)
    if len(shape) != 1 or shape[0] == 0:
        raise ValueError(f"batch_loss: needs the m per-sample losses as a 1-D array, got shape {shape}")
    return per_sample.sum() * (1.0 / shape[0])


PER_SAMPLE_LOSSES: dict[str, Callable[[Any, Any], Any]] = {
    "squares": sum_of_squares,
    "tanh": sum_of_tanh,
    "softmax_ce": softmax_cross_entropy,
}
"""The per-sample losses ``L^(k)`` of the seed's layer by the names ``autograd-core verify --loss`` uses;
each is ``f(Z, target)`` with one column per sample. (The training losses of :mod:`autograd_core.learn.nn`
average over samples given as rows.)"""
