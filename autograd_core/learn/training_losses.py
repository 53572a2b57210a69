"""The training losses of :mod:`autograd_core.learn.nn`: a network's scores, samples as rows, averaged.

``mse_loss``, ``hinge_loss`` and ``softmax_cross_entropy_loss`` take the scores of a ``Value`` MLP
(rows of ``Value`` s) or a ``Tensor`` MLP (an ``(m, q)`` Tensor). The labels are checked and the
softmax cross-entropy computed by the one implementation of :mod:`autograd_core.layer.losses` (the
seed's per-sample ``L^(k)``, averaged as Eq. 26 says).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..layer.losses import batch_loss, sign_labels, softmax_cross_entropy
from ..scalar.value import Value
from ..tensor import Tensor

__all__ = ["LOSSES", "hinge_loss", "loss_function", "loss_name", "mse_loss", "softmax_cross_entropy_loss"]

LOSSES = ("mse", "hinge", "softmax_cross_entropy")
"""Names of the losses, as :func:`autograd_core.learn.training.fit` and ``closed_form`` know them."""


def mse_loss(scores: Any, targets: Any) -> Any:
    """Mean squared error over **all** entries, ``L = (1/(m q)) Σ_k Σ_i (s_i^(k) - t_i^(k))²`` —
    PyTorch's ``MSELoss()`` and ``closed_form.mse_loss``; for one output (q = 1) it is Eq. 26 with
    ``L^(k) = (s^(k) - t^(k))²``. ``targets`` has the scores' shape: ``(m,)`` for one output, or ``(m, q)``.
    """
    scores, t = _scores_and_targets(scores, targets, "mse_loss")
    if _is_tensor(scores):
        return ((scores - t) ** 2).mean()
    return _mean([(s - ti) ** 2 for row, trow in zip(scores, t, strict=True) for s, ti in zip(row, trow, strict=True)])


def hinge_loss(scores: Any, labels: Any) -> Any:
    """Hinge (max-margin) loss for labels ±1 and one score per sample:
    ``L = (1/m) Σ_k max(0, 1 - y^(k) s^(k))`` — the loss of micrograd's moons demo.
    """
    y = sign_labels(labels, "hinge_loss")
    scores, _ = _scores_and_targets(scores, y.astype(float), "hinge_loss")
    if _is_tensor(scores):
        if scores.ndim == 2 and scores.shape[1] != 1:
            raise ValueError(f"hinge_loss: needs one score per sample, got scores of shape {scores.shape}")
        s = scores.reshape(y.shape[0])
        return (1.0 - s * y.astype(float)).relu().mean()
    return _mean([(1.0 - row[0] * float(yk)).relu() for row, yk in zip(scores, y, strict=True)])


def softmax_cross_entropy_loss(scores: Any, labels: Any) -> Any:
    """Softmax cross-entropy for integer labels ``0..k-1``:
    ``L = (1/m) Σ_k (log Σ_i exp s_i^(k) - s_{y_k}^(k))``.

    The log-sum-exp subtracts each row's maximum first (a constant, so the gradient is
    unchanged) and never overflows.
    """
    if _is_tensor(scores):
        _nonempty(_tensor_shape2(scores, "softmax_cross_entropy_loss")[0], "softmax_cross_entropy_loss")
        per_sample = softmax_cross_entropy(scores.T, labels)  # the layer's L^(k), samples as columns
    else:
        rows = [_as_list(r) for r in scores]
        _nonempty(len(rows), "softmax_cross_entropy_loss")
        per_sample = softmax_cross_entropy(np.array(rows, dtype=object).T, np.asarray(labels))
    return batch_loss(per_sample)


_LOSS_FUNCTIONS = {"mse": mse_loss, "hinge": hinge_loss, "softmax_cross_entropy": softmax_cross_entropy_loss}
_LOSS_ALIASES = {"cross_entropy": "softmax_cross_entropy", "ce": "softmax_cross_entropy"}


def loss_name(name: str) -> str:
    """The canonical name (one of :data:`LOSSES`) of ``name``; ``"cross_entropy"`` is accepted too."""
    name = _LOSS_ALIASES.get(name, name)
    if name not in _LOSS_FUNCTIONS:
        raise ValueError(f"unknown loss {name!r}; expected one of {', '.join(LOSSES)}")
    return name


def loss_function(name: str) -> Any:
    """The loss called ``name`` (one of :data:`LOSSES`)."""
    name = _LOSS_ALIASES.get(name, name)
    if name not in _LOSS_FUNCTIONS:
        raise ValueError(f"unknown loss {name!r}; expected one of {', '.join(LOSSES)}")
    return _LOSS_FUNCTIONS[name]


def _sum(terms: Iterator[Value] | list[Value]) -> Value:
    total: Value | None = None
    for t in terms:
        total = t if total is None else total + t
    if total is None:
        raise ValueError("cannot sum an empty batch")
    return total


def _mean(terms: list[Value]) -> Value:
    if not terms:
        raise ValueError("a loss needs at least one sample, got an empty batch")
    return _sum(terms) * (1.0 / len(terms))


def _as_list(row: Any) -> list[Value]:
    return list(row) if isinstance(row, (list, tuple)) else [row]


def _tensor_shape2(scores: Any, where: str) -> tuple[int, int]:
    if scores.ndim != 2:
        raise ValueError(f"{where}: scores must have shape (samples, classes), got {scores.shape}")
    return int(scores.shape[0]), int(scores.shape[1])


def _scores_and_targets(scores: Any, targets: Any, where: str) -> tuple[Any, np.ndarray]:
    """Targets as a float array of the scores' shape (``(m,)`` scores count as ``(m, 1)``)."""
    t = np.asarray(targets, dtype=float)
    if _is_tensor(scores):
        shape = tuple(scores.shape)
        _nonempty(shape[0] if shape else 1, where)
        if t.shape != shape and not (t.ndim == 1 and shape == (t.shape[0], 1)):
            raise ValueError(f"{where}: targets of shape {t.shape} do not match scores of shape {shape}")
        return scores, t.reshape(shape)
    rows = [_as_list(r) for r in scores]
    _nonempty(len(rows), where)
    k = len(rows[0])
    t2 = t.reshape(len(rows), 1) if t.ndim == 1 else t
    if t2.shape != (len(rows), k):
        raise ValueError(f"{where}: targets of shape {t.shape} do not match {len(rows)} samples with {k} scores each")
    return rows, t2


def _nonempty(m: int, where: str) -> None:
    """An empty batch has no mean: the same error on both engines (a Tensor's mean would be NaN)."""
    if m == 0:
        raise ValueError(f"{where}: a loss needs at least one sample, got an empty batch")


def _is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)
