"""The seed's results, and a few classic identities, as plain numpy functions: the *oracles*.

Everything the engines compute by the chain rule is checked against these formulas. They are
written independently of the derivative table in :mod:`autograd_core.engine.ops` on purpose: an
oracle that reused the table could not notice a mistake in it.

Conventions (the seed's, Section 3):

* ``W`` is ``p×n``, ``b`` has ``p`` entries, one datum ``x^(k)`` has ``n`` entries, and a batch
  ``X = [x^(1), …, x^(m)]`` is ``n×m`` -- **samples are columns**; ``Z = W X + B`` is ``p×m``.
* ``grad_z`` is the vector ``∇_{z^(k)} L^(k)`` (entries ``∂L^(k)/∂z_i^(k)``, shape ``(p,)``).
* ``grad_Z`` is the ``p×m`` matrix whose column ``k`` is ``∇_{z^(k)} L^(k)``. **This is what the
  seed writes "∇_Z L" in Eq. 28–30: the per-sample gradients as columns, *without* the 1/m.**
  (The gradient of the batch loss of Eq. 26 w.r.t. ``Z`` is ``grad_Z / m``.)
* *Derivative* (numerator layout, Eq. 1a, 3): ``∂L/∂x`` is a ``1×n`` row, ``∂L/∂W`` is ``n×p``
  (the transposed shape). Returned here as 2-D arrays so the row is visible.
* *Gradient* ∇ (Eq. 16, 19, 24, 29, 30): the same shape as the variable.

Identities not in the seed cite their source next to the function.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "LossGrad",
    "MLPGradients",
    "activation",
    "activation_derivative",
    "backprop_delta",
    "dL_dW",
    "dL_dW_batch",
    "dL_db",
    "dL_dx",
    "dz_dx",
    "grad_W",
    "grad_W_batch",
    "grad_X_batch",
    "grad_b",
    "grad_b_batch",
    "grad_x",
    "hinge_loss",
    "layer_forward",
    "mlp_backprop",
    "mlp_forward",
    "mse_loss",
    "per_sample_softmax_ce",
    "per_sample_squares",
    "per_sample_tanh",
    "quadratic_form_grad",
    "softmax",
    "softmax_ce_grad",
    "softmax_ce_hessian",
    "softmax_cross_entropy_loss",
    "trace_AX_grad",
]


# --- input checks -------------------------------------------------------------------------------
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


# --- the layer, forward -------------------------------------------------------------------------
def layer_forward(W: Any, X: Any, b: Any) -> np.ndarray:
    """``Z = W X + B`` (Eq. 5, 25): ``W`` p×n, ``X`` n×m (or one datum of shape (n,)), ``b`` (p,).

    ``B`` is ``b`` repeated in every column (Eq. 6); numpy broadcasting does the repeating.
    """
    W = _array(W, "W", "layer_forward", 2)
    X = _array(X, "X", "layer_forward", (1, 2))
    b = _array(b, "b", "layer_forward", 1)
    _same("layer_forward", "inner sizes of W @ X", "W (columns)", W.shape[1], "X (rows)", X.shape[0])
    _same("layer_forward", "output sizes", "W (rows)", W.shape[0], "b", b.shape[0])
    return W @ X + (b if X.ndim == 1 else b[:, None])


# --- 3.1 one datum --------------------------------------------------------------------------------
def _datum(x: Any, grad_z: Any, func: str) -> tuple[np.ndarray, np.ndarray]:
    return _array(x, "x", func, 1), _array(grad_z, "grad_z", func, 1)


def dL_dW(x: Any, grad_z: Any) -> np.ndarray:
    """Eq. 15: ``∂L^(k)/∂W = x^(k) · ∂L^(k)/∂z^(k)`` -- numerator layout, shape **n×p**.

    ``x`` (n,) is the datum, ``grad_z`` (p,) the entries ``∂L^(k)/∂z_i^(k)``. Entry ``(j, i)`` is
    ``x_j · ∂L/∂z_i`` = ``∂L/∂w_ij`` (Eq. 14): the transpose of W's shape, as Eq. 3 prescribes.
    """
    x, g = _datum(x, grad_z, "dL_dW")
    return np.outer(x, g)


def grad_W(x: Any, grad_z: Any) -> np.ndarray:
    """Eq. 16: ``∇_W L^(k) = (∂L^(k)/∂z^(k))ᵀ (x^(k))ᵀ`` -- the gradient, shape **p×n** (like W).

    Entry ``(i, j)`` is ``∂L^(k)/∂z_i^(k) · x_j^(k)`` (Eq. 14).
    """
    x, g = _datum(x, grad_z, "grad_W")
    return np.outer(g, x)


def dL_db(grad_z: Any) -> np.ndarray:
    """Eq. 18: ``∂L^(k)/∂b = ∂L^(k)/∂z^(k)`` -- numerator layout, a **1×p** row."""
    return _array(grad_z, "grad_z", "dL_db", 1)[None, :]


def grad_b(grad_z: Any) -> np.ndarray:
    """Eq. 19: ``∇_b L^(k) = (∂L^(k)/∂z^(k))ᵀ`` -- the gradient, shape **(p,)** (like b)."""
    return _array(grad_z, "grad_z", "grad_b", 1).copy()


def dz_dx(W: Any) -> np.ndarray:
    """Eq. 21–22: the Jacobian ``∂z^(k)/∂x^(k) = W`` of ``z = Wx + b`` -- Eq. 2's layout, **p×n**."""
    return _array(W, "W", "dz_dx", 2).copy()


def dL_dx(W: Any, grad_z: Any) -> np.ndarray:
    """Eq. 23: ``∂L^(k)/∂x^(k) = ∂L^(k)/∂z^(k) · W`` -- numerator layout, a **1×n** row.

    ``W`` p×n, ``grad_z`` (p,). The row ``∂L/∂z`` (1×p) times the Jacobian W (p×n), Eq. 20.
    """
    W = _array(W, "W", "dL_dx", 2)
    g = _array(grad_z, "grad_z", "dL_dx", 1)
    _same("dL_dx", "output sizes", "W (rows)", W.shape[0], "grad_z", g.shape[0])
    return g[None, :] @ W


def grad_x(W: Any, grad_z: Any) -> np.ndarray:
    """Eq. 24: ``∇_x L^(k) = Wᵀ (∂L^(k)/∂z^(k))ᵀ`` -- the gradient, shape **(n,)** (like x)."""
    return dL_dx(W, grad_z)[0]


# --- 3.2 a batch of m data -------------------------------------------------------------------------
def _batch(X: Any, grad_Z: Any, func: str) -> tuple[np.ndarray, np.ndarray]:
    X = _array(X, "X", func, 2)
    G = _array(grad_Z, "grad_Z", func, 2)
    _same(func, "sample counts (columns)", "X", X.shape[1], "grad_Z", G.shape[1])
    return X, G


def dL_dW_batch(X: Any, grad_Z: Any, weights: Any = None) -> np.ndarray:
    """Eq. 27–28: ``∂L/∂W = (1/m) Σ_k x^(k) ∂L^(k)/∂z^(k) = (1/m) X (∇_Z L)ᵀ`` -- numerator, **n×p**.

    ``X`` n×m, ``grad_Z`` p×m (per-sample gradients as columns, *without* 1/m: the seed's
    "∇_Z L"). Entry ``(j, i)`` is ``(1/m) Σ_k ∂L^(k)/∂z_i^(k) x_j^(k)`` (see docs/errata.md: the
    seed prints that entry as ``∂L^(k)/∂z_i^(k) x_i^(k)``, both indices i). ``weights`` generalises Eq. 26: see
    :func:`grad_W_batch`.
    """
    return grad_W_batch(X, grad_Z, weights).T


def grad_W_batch(X: Any, grad_Z: Any, weights: Any = None) -> np.ndarray:
    """Eq. 29: ``∇_W L = (1/m) (∇_Z L) Xᵀ`` -- the gradient, shape **p×n** (like W).

    ``X`` n×m, ``grad_Z`` p×m (the seed's "∇_Z L": per-sample gradients as columns, no 1/m).

    ``weights`` (m,) handles the general loss the seed mentions but does not work out,
    ``L = f(L^(1), …, L^(m))``: by the chain rule column ``k`` is weighted by ``∂f/∂L^(k)``, so
    ``∇_W L = (∇_Z L) diag(∂f/∂L) Xᵀ``. ``None`` means Eq. 26, ``∂f/∂L^(k) = 1/m``.
    """
    X, G = _batch(X, grad_Z, "grad_W_batch")
    w = _weights(weights, G.shape[1], "grad_W_batch")
    return (G * w) @ X.T


def grad_X_batch(W: Any, grad_Z: Any, weights: Any = None) -> np.ndarray:
    """Eq. 30: ``∇_X L = (1/m) Wᵀ (∇_Z L)`` -- the gradient, shape **n×m** (like X).

    ``W`` p×n, ``grad_Z`` p×m (per-sample gradients as columns, no 1/m). Column ``k`` is
    ``(1/m) ∇_{x^(k)} L^(k)`` of Eq. 24. ``weights`` as in :func:`grad_W_batch`.
    """
    W = _array(W, "W", "grad_X_batch", 2)
    G = _array(grad_Z, "grad_Z", "grad_X_batch", 2)
    _same("grad_X_batch", "output sizes (rows)", "W", W.shape[0], "grad_Z", G.shape[0])
    w = _weights(weights, G.shape[1], "grad_X_batch")
    return W.T @ (G * w)


def grad_b_batch(grad_Z: Any, weights: Any = None) -> np.ndarray:
    """``∇_b L = (1/m) Σ_k ∇_{z^(k)} L^(k)`` -- shape **(p,)**. Not in the seed.

    ``b`` is used by every column of ``Z`` (``B`` repeats it, Eq. 6), so its gradient is the sum
    of the per-sample Eq. 19 gradients, weighted like the samples (``1/m`` for Eq. 26, or
    ``∂f/∂L^(k)`` via ``weights``).
    """
    G = _array(grad_Z, "grad_Z", "grad_b_batch", 2)
    return G @ _weights(weights, G.shape[1], "grad_b_batch")


# --- per-sample losses of the layer (issue 3): values (m,) and grad_Z (p×m) ---------------------------
class LossGrad(NamedTuple):
    """A loss and its gradient w.r.t. the scores it was computed from (same shape as the scores)."""

    value: Any
    grad: np.ndarray


def per_sample_squares(Z: Any, Y: Any) -> LossGrad:
    """``L^(k) = Σ_i (z_i^(k) − y_i^(k))²``; ``∇_{z^(k)} L^(k) = 2 (z^(k) − y^(k))``.

    ``Z``, ``Y`` p×m (or (p,) for one datum). ``value`` has one entry per column.
    """
    Z = _array(Z, "Z", "per_sample_squares", (1, 2))
    Y = _array(Y, "Y", "per_sample_squares", (1, 2))
    if Z.shape != Y.shape:
        raise ValueError(f"per_sample_squares: Z has shape {Z.shape} but targets Y have shape {Y.shape}")
    r = Z - Y
    return LossGrad((r * r).sum(axis=0), 2.0 * r)


def per_sample_tanh(Z: Any) -> LossGrad:
    """``L^(k) = Σ_i tanh(z_i^(k))``; ``∇_{z^(k)} L^(k) = 1 − tanh²(z^(k))``. ``Z`` p×m or (p,)."""
    Z = _array(Z, "Z", "per_sample_tanh", (1, 2))
    t = np.tanh(Z)
    return LossGrad(t.sum(axis=0), 1.0 - t * t)


def softmax(Z: Any, axis: int = 0) -> np.ndarray:
    """``softmax(z)_i = e^{z_i} / Σ_j e^{z_j}`` along ``axis`` (0: the classes of column samples).

    Computed as ``e^{z − max z}`` so that no exponential overflows.
    """
    Z = _floats(Z, "Z", "softmax")
    e = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _labels(labels: Any, classes: int, samples: int, func: str) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim == 0:
        y = y[None]
    if y.ndim != 1 or y.shape[0] != samples:
        raise ValueError(f"{func}: expected {samples} integer labels (shape ({samples},)), got shape {y.shape}")
    if y.dtype.kind not in "iu":
        if y.dtype.kind != "f" or not np.all(np.equal(np.mod(y, 1), 0)):
            raise ValueError(f"{func}: labels must be integers (class indices), got dtype {y.dtype}")
        y = y.astype(int)
    bad = (y < 0) | (y >= classes)
    if bad.any():
        raise ValueError(f"{func}: labels must be in 0..{classes - 1}, got {y[bad][0]} at sample {np.argmax(bad)}")
    return y


def _one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    out = np.zeros((classes, labels.shape[0]))
    out[labels, np.arange(labels.shape[0])] = 1.0
    return out


def per_sample_softmax_ce(Z: Any, labels: Any) -> LossGrad:
    """``L^(k) = log Σ_i e^{z_i^(k)} − z_{y_k}^(k)``; ``∇_{z^(k)} L^(k) = softmax(z^(k)) − e_{y_k}``.

    ``Z`` p×m logits (classes are rows, samples columns) or (p,) for one datum; ``labels`` m
    integers in ``0..p-1``. The log-sum-exp is shifted by ``max z`` (exact, and overflow-free).
    Source of the gradient: Bishop, *Pattern Recognition and Machine Learning* (2006), §4.3.4.
    """
    Z = _array(Z, "Z", "per_sample_softmax_ce", (1, 2))
    single = Z.ndim == 1
    Z2 = Z[:, None] if single else Z
    y = _labels(labels, Z2.shape[0], Z2.shape[1], "per_sample_softmax_ce")
    shift = Z2.max(axis=0)
    lse = shift + np.log(np.exp(Z2 - shift).sum(axis=0))
    onehot = _one_hot(y, Z2.shape[0])
    value = lse - (Z2 * onehot).sum(axis=0)
    grad = softmax(Z2) - onehot
    return LossGrad(value[0], grad[:, 0]) if single else LossGrad(value, grad)


# --- classic identities (issue 5), each with its source -------------------------------------------
def quadratic_form_grad(A: Any, x: Any) -> np.ndarray:
    """``∇_x (xᵀ A x) = (A + Aᵀ) x``, shape (n,).

    Source: K. B. Petersen & M. S. Pedersen, *The Matrix Cookbook* (2012), §2.4.2 (quadratic forms).
    """
    A = _array(A, "A", "quadratic_form_grad", 2)
    x = _array(x, "x", "quadratic_form_grad", 1)
    if A.shape != (x.shape[0], x.shape[0]):
        raise ValueError(f"quadratic_form_grad: A must be {x.shape[0]}×{x.shape[0]} for x of shape {x.shape}, "
                         f"got {A.shape}")
    return (A + A.T) @ x


def trace_AX_grad(A: Any) -> np.ndarray:
    """``∂ tr(A X)/∂X = Aᵀ`` in **denominator layout** (the shape of X, i.e. ∇_X), for A k×n, X n×k.

    In the seed's numerator layout (Eq. 3) the same derivative is ``A`` itself.
    Source: *The Matrix Cookbook* (2012), §2.5 (derivatives of traces), ``∂ Tr(XA)/∂X = Aᵀ``.
    """
    return _array(A, "A", "trace_AX_grad", 2).T.copy()


def softmax_ce_grad(z: Any, label: int) -> np.ndarray:
    """``∇_z CE(softmax(z), y) = p − e_y`` for one sample (z of shape (p,)); ``p = softmax(z)``.

    Source: Bishop, PRML (2006), §4.3.4, eq. 4.109.
    """
    return per_sample_softmax_ce(z, [label]).grad


def softmax_ce_hessian(z: Any) -> np.ndarray:
    """``∇²_z CE(softmax(z), y) = diag(p) − p pᵀ`` for one sample (independent of the label), p×p.

    Source: Bishop, PRML (2006), §4.3.4, eq. 4.110 (the Hessian blocks ``y_k (I_kj − y_j)``).
    """
    p = softmax(_array(z, "z", "softmax_ce_hessian", 1))
    return np.diag(p) - np.outer(p, p)


# --- losses w.r.t. a network's output (issue 6): value (float) and gradient (shape of the scores) ---
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
