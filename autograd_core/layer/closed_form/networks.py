"""Networks beyond the seed's one layer: losses of a network's output, activations, the δ recursion
(backprop through an MLP, built on Eq. 29–30) -- the oracle that ``fit(check_every=...)`` checks against.

Plain numpy, independent of the engine (see the package docstring); samples are columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .checks import LossGrad, _array, _floats, _same
from .seed import per_sample_softmax_ce

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "MLPGradients",
    "activation",
    "activation_derivative",
    "backprop_delta",
    "hinge_loss",
    "mlp_backprop",
    "mlp_forward",
    "mse_loss",
    "softmax_cross_entropy_loss",
]


# --- losses w.r.t. a network's output: value (float) and gradient (shape of the scores) ---
def _scores_1d(s: Any, func: str) -> np.ndarray:
    s = _floats(s, "scores", func)
    if s.ndim == 2 and s.shape[0] == 1:
        return s[0]
    if s.ndim != 1:
        raise ValueError(f"{func}: scores must have shape (m,) or (1, m) (one output unit), got {s.shape}")
    return s


def mse_loss(S: Any, Y: Any) -> LossGrad:
    """Mean squared error ``mean((S − Y)²)`` over **all** entries; gradient ``2 (S − Y) / S.size``.

    ``S``, ``Y`` any equal shapes (a network's q×m output and its targets). This is PyTorch's
    ``MSELoss()``; for one output unit (q = 1) it is the seed's Eq. 26 with ``L^(k) = (s_k − y_k)²``.
    """
    S = _floats(S, "scores", "mse_loss")
    Y = _floats(Y, "targets", "mse_loss")
    if S.shape != Y.shape:
        raise ValueError(f"mse_loss: scores have shape {S.shape} but targets have shape {Y.shape}")
    if S.size == 0:
        raise ValueError("mse_loss: empty scores")
    r = S - Y
    return LossGrad(float(np.mean(r * r)), 2.0 * r / S.size)


def hinge_loss(s: Any, y: Any) -> LossGrad:
    """Hinge ``(1/m) Σ_k max(0, 1 − y_k s_k)``, labels ±1; gradient ``−y_k/m`` where ``y_k s_k < 1``.

    ``s`` the m scores, shape (m,) or (1, m) (the gradient has the same shape); at the kink
    ``y_k s_k = 1`` the gradient is taken as 0 (the same one-sided choice as relu'(0) = 0).
    """
    shape = np.shape(s)
    s1 = _scores_1d(s, "hinge_loss")
    y1 = _floats(y, "labels", "hinge_loss").reshape(-1)
    if y1.shape != s1.shape:
        raise ValueError(f"hinge_loss: {s1.shape[0]} scores but labels have shape {np.shape(y)}")
    if not np.all(np.abs(y1) == 1.0):
        bad = y1[np.abs(y1) != 1.0][0]
        raise ValueError(f"hinge_loss: labels must be -1 or +1, got {bad}")
    margin = 1.0 - y1 * s1
    m = s1.shape[0]
    grad = np.where(margin > 0, -y1 / m, 0.0)
    return LossGrad(float(np.maximum(margin, 0.0).mean()), grad.reshape(shape))


def softmax_cross_entropy_loss(S: Any, labels: Any) -> LossGrad:
    """Mean softmax cross-entropy ``(1/m) Σ_k CE(softmax(s^(k)), y_k)``; gradient ``(P − Y_onehot)/m``.

    ``S`` q×m logits (classes in rows, samples in columns: the seed's convention), ``labels`` m
    integers in ``0..q-1``. The gradient is q×m. Source: Bishop, PRML (2006), §4.3.4.
    """
    S = _array(S, "S", "softmax_cross_entropy_loss", 2)
    per = per_sample_softmax_ce(S, labels)
    m = S.shape[1]
    return LossGrad(float(per.value.mean()), per.grad / m)


LOSSES = {"mse": mse_loss, "hinge": hinge_loss, "softmax_cross_entropy": softmax_cross_entropy_loss}
"""The network losses by name, for :func:`mlp_backprop`."""


# --- activations and the backprop recursion --------------------------------------------------------
def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


ACTIVATIONS = {"tanh": np.tanh, "relu": _relu, "sigmoid": _sigmoid, "identity": lambda z: z.copy()}
"""Hidden-layer activations by name (the ones :func:`mlp_backprop` accepts)."""

# Written out independently of autograd_core.engine.ops (see the module docstring). relu'(0) = 0.
_DERIVATIVES = {
    "tanh": lambda z: 1.0 - np.tanh(z) ** 2,
    "relu": lambda z: (z > 0).astype(float),
    "sigmoid": lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)),
    "identity": lambda z: np.ones_like(z),
}


def _activation_name(name: str, func: str) -> str:
    if name not in ACTIVATIONS:
        raise ValueError(f"{func}: unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    return name


def activation(name: str, z: Any) -> np.ndarray:
    """``σ(z)`` elementwise for ``name`` in tanh, relu, sigmoid, identity."""
    return ACTIVATIONS[_activation_name(name, "activation")](_floats(z, "z", "activation"))


def activation_derivative(name: str, z: Any) -> np.ndarray:
    """``σ'(z)`` elementwise (relu'(0) = 0, the engines' one-sided choice)."""
    return _DERIVATIVES[_activation_name(name, "activation_derivative")](_floats(z, "z", "activation_derivative"))


def backprop_delta(W_next: Any, delta_next: Any, z: Any, activation_name: str) -> np.ndarray:
    """One step of the backprop recursion ``δ^(l) = (W_{l+1}ᵀ δ^(l+1)) ⊙ σ'(z^(l))``.

    ``W_next`` p_{l+1}×p_l, ``delta_next`` p_{l+1}×m (or (p_{l+1},)), ``z`` p_l×m (or (p_l,)).
    For a linear layer this is Eq. 30 (``∇_X L = Wᵀ ∇_Z L``) followed by the elementwise chain rule
    through ``x = σ(z)``. Source: Bishop, PRML (2006), eq. 5.56; M. Nielsen, *Neural Networks
    and Deep Learning* (2015), ch. 2, equation (BP2).
    """
    W = _array(W_next, "W_next", "backprop_delta", 2)
    d = _array(delta_next, "delta_next", "backprop_delta", (1, 2))
    z = _array(z, "z", "backprop_delta", (1, 2))
    _same("backprop_delta", "sizes", "W_next (rows)", W.shape[0], "delta_next (rows)", d.shape[0])
    _same("backprop_delta", "sizes", "W_next (columns)", W.shape[1], "z (rows)", z.shape[0])
    return (W.T @ d) * activation_derivative(activation_name, z)


class MLPGradients(NamedTuple):
    """What :func:`mlp_backprop` returns: the loss, ∇ of every ``W_l`` and ``b_l``, and the δ's."""

    loss: float
    grad_weights: list[np.ndarray]
    grad_biases: list[np.ndarray]
    deltas: list[np.ndarray]  # δ^(l) = ∂L/∂Z_l (p_l×m, the 1/m of the loss included)


def _check_mlp(weights: Sequence[Any], biases: Sequence[Any], X: np.ndarray) -> tuple[list, list]:
    if len(weights) == 0 or len(weights) != len(biases):
        raise ValueError(f"mlp: need one bias per weight matrix, got {len(weights)} weights and {len(biases)} biases")
    Ws, bs = [], []
    rows = X.shape[0]
    for layer, (W, b) in enumerate(zip(weights, biases, strict=True)):
        W = _array(W, f"weights[{layer}]", "mlp", 2)
        b = np.asarray(b, dtype=float)
        if W.shape[1] != rows:
            raise ValueError(f"mlp: weights[{layer}] has shape {W.shape}, so it expects {W.shape[1]} inputs, "
                             f"but receives {rows} (from {'X' if layer == 0 else f'layer {layer - 1}'})")
        if b.shape not in ((W.shape[0],), (W.shape[0], 1)):
            raise ValueError(f"mlp: biases[{layer}] must have shape ({W.shape[0]},) to match weights[{layer}] "
                             f"{W.shape}, got {b.shape}")
        Ws.append(W)
        bs.append(b)
        rows = W.shape[0]
    return Ws, bs


def mlp_forward(weights: Sequence[Any], biases: Sequence[Any], X: Any, activation: str = "tanh") -> list[np.ndarray]:
    """The pre-activations ``Z_l = W_l A_{l-1} + b_l`` of every layer (``A_0 = X``, ``A_l = σ(Z_l)``).

    ``X`` is n×m (samples are columns). The last layer is not activated: ``Z_L`` are the scores.
    """
    X = _array(X, "X", "mlp_forward", 2)
    Ws, bs = _check_mlp(weights, biases, X)
    act = ACTIVATIONS[_activation_name(activation, "mlp_forward")]
    Zs, A = [], X
    for layer, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        Z = W @ A + b.reshape(-1, 1)
        Zs.append(Z)
        if layer < len(Ws) - 1:
            A = act(Z)
    return Zs


def mlp_backprop(
    weights: Sequence[Any],
    biases: Sequence[Any],
    X: Any,
    Y: Any,
    activation: str = "tanh",
    loss: str = "mse",
) -> MLPGradients:
    """Closed-form gradients of an L-layer perceptron: the δ recursion, layer by layer.

    Args:
        weights: ``W_1 … W_L``, ``W_l`` of shape p_l×n_l (``n_1 = n``, ``n_{l+1} = p_l``).
        biases: ``b_1 … b_L``, shape (p_l,) (or (p_l, 1); the gradient keeps the shape given).
        X: the inputs, n×m -- **samples are columns** (the seed's convention).
        Y: targets for the loss: q×m (or (m,) when q = 1) for ``mse``; m labels ±1 for ``hinge``
            (q = 1); m integer classes for ``softmax_cross_entropy``.
        activation: hidden-layer σ: ``tanh``, ``relu``, ``sigmoid`` or ``identity``.
            The output layer is linear: its ``Z_L`` is what the loss sees.
        loss: ``mse``, ``hinge`` or ``softmax_cross_entropy`` (see those functions here).

    Returns:
        :class:`MLPGradients` with ``δ_L = ∂loss/∂Z_L``, then for each layer
        ``∇_{W_l} = δ_l A_{l-1}ᵀ`` (Eq. 29 with the loss's 1/m inside δ), ``∇_{b_l} = δ_l 1``
        (the batch bias gradient) and ``δ_{l-1} = W_lᵀ δ_l ⊙ σ'(Z_{l-1})`` (:func:`backprop_delta`).
    """
    if loss not in LOSSES:
        raise ValueError(f"mlp_backprop: unknown loss {loss!r}; choose one of {sorted(LOSSES)}")
    X = _array(X, "X", "mlp_backprop", 2)
    Ws, bs = _check_mlp(weights, biases, X)
    Zs = mlp_forward(Ws, bs, X, activation)
    S = Zs[-1]
    if loss == "mse":
        Yarr = np.asarray(Y, dtype=float)
        target = Yarr.reshape(S.shape) if Yarr.ndim == 1 and S.shape[0] == 1 else Yarr
        out = mse_loss(S, target)
    else:
        out = LOSSES[loss](S, Y)
    delta = np.asarray(out.grad, dtype=float).reshape(S.shape)
    L = len(Ws)
    gW: list[np.ndarray] = [np.empty(0)] * L
    gb: list[np.ndarray] = [np.empty(0)] * L
    deltas: list[np.ndarray] = [np.empty(0)] * L
    for layer in range(L - 1, -1, -1):
        A_prev = X if layer == 0 else ACTIVATIONS[activation](Zs[layer - 1])
        deltas[layer] = delta
        gW[layer] = delta @ A_prev.T
        gb[layer] = delta.sum(axis=1).reshape(bs[layer].shape)
        if layer > 0:
            delta = backprop_delta(Ws[layer], delta, Zs[layer - 1], activation)
    return MLPGradients(out.value, gW, gb, deltas)
