"""The seed's results by equation (Eq. 10–30), its per-sample losses, and classic identities.

Plain numpy, independent of the engine (see the package docstring); samples are columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .checks import LossGrad, _array, _floats, _same, _weights

__all__ = [
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
    "layer_forward",
    "per_sample_softmax_ce",
    "per_sample_squares",
    "per_sample_tanh",
    "quadratic_form_grad",
    "softmax",
    "softmax_ce_grad",
    "softmax_ce_hessian",
    "trace_AX_grad",
]


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


# --- per-sample losses of the layer: values (m,) and grad_Z (p×m) ---------------------------
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


# --- classic identities, each with its source -------------------------------------------
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
