"""The array functions beyond the seed's layer: reductions, shape functions and linear algebra.

Each function here is either **one entry** of the derivative table (:mod:`autograd_core.engine.ops`:
``det``, ``inv``, ``solve``, ``max``, ``prod``, ``cumsum`` ...) or **a composition of entries**,
so its derivative follows from theirs and nothing new is written:

* ``var`` is ``mean((x - mean(x))²)``, ``std`` its square root, ``norm`` a root of a sum of squares;
* ``logsumexp`` is ``m + log Σ exp(x - m)`` with the constant shift ``m = max x``, so it never
  overflows (logits of ±1e300 are fine) and its gradient is ``softmax``; ``softmax`` and
  ``log_softmax`` are built on it;
* ``flip``, ``roll``, ``repeat``, ``tile``, ``diagonal`` are indexing (the ``index`` entry: its
  gradient scatters back, adding where an entry was picked twice); ``tril``/``triu`` and ``where``
  are the ``mask`` entry; ``pad`` and ``diag`` of a vector are ``scatter``; ``trace`` is a diagonal
  summed; ``outer`` and ``kron`` are contractions.

The functions take a ``Tensor`` (or a forward-mode ``Dual``: any node with ``_apply``) or plain
numbers, which become constants. numpy's own names reach them through the dispatch protocols
(``np.linalg.det(t)`` is :func:`det`), and the most used are ``Tensor`` methods, as in PyTorch
(``t.max(axis=1, keepdims=True)``, ``t.softmax(axis=-1)``).
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ..engine import ops
from ..engine.contraction import axis_index, is_int, normalize_axes, parse
from .tensor import _lift_strict

__all__ = [
    "EighResult", "SlogdetResult", "argmax", "argmin", "cholesky", "clip", "cumprod", "cumsum", "det", "diag",
    "diagonal", "eigh", "eigvalsh", "flatten", "flip", "inv", "kron", "log_softmax", "logsumexp", "max", "min",
    "moveaxis", "norm", "outer", "pad", "prod", "repeat", "roll", "slogdet", "softmax", "solve", "squeeze", "std",
    "swapaxes", "tile", "trace", "tril", "triu", "unsqueeze", "var", "where",
]

# The functions that are also Tensor methods (their first argument is the Tensor).
METHODS = ("max", "min", "argmax", "argmin", "prod", "cumsum", "cumprod", "var", "std", "logsumexp", "softmax",
           "log_softmax", "norm", "clip", "flatten", "squeeze", "unsqueeze", "swapaxes", "moveaxis", "flip", "roll",
           "repeat", "tile", "diagonal", "trace", "pow")


def node(x: Any, where: str) -> Any:
    """``x`` as a graph node: Tensors and duals as they are, numbers and arrays as constant Tensors."""
    return x if hasattr(x, "_apply") else _lift_strict(x, where)


def _apply(entry: Any, params: Any, *operands: Any, symbol: str = "") -> Any:
    """One entry of the table on nodes: the first node among the operands records it."""
    first = next(o for o in operands if hasattr(o, "_apply"))
    return first._apply(entry, params, operands, symbol)


def _reduction(x: Any, axis: Any, keepdims: bool, name: str) -> tuple[Any, tuple[tuple[int, ...], bool]]:
    x = node(x, name)
    axes = normalize_axes(axis, x.ndim, name)
    if any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{name}: the reduced axes of shape {x.shape} include an empty one, and {name} of no "
                         "entries is undefined")
    return x, (axes, bool(keepdims))


# --- reductions ----------------------------------------------------------------------------------
def max(x: Any, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Any:
    """The largest entry (along ``axis``), as ``np.max``.

    Its gradient goes to the entry that is the maximum; at a tie it is **split evenly** among the tied
    entries, as ``torch.amax`` does (``max([1, 3, 3])`` passes ``[0, ½, ½]``). The tie is a kink, where
    any such split is a valid subgradient; the even split is the symmetric one.
    """
    x, params = _reduction(x, axis, keepdims, "max")
    return _apply(ops.AMAX, params, x, symbol="max")


def min(x: Any, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Any:
    """The smallest entry (along ``axis``), as ``np.min``; ties split the gradient evenly, as :func:`max`."""
    x, params = _reduction(x, axis, keepdims, "min")
    return _apply(ops.AMIN, params, x, symbol="min")


def argmax(x: Any, axis: int | None = None) -> Any:
    """The index of the largest entry, as ``np.argmax``: integers, so no gradient (a plain array)."""
    return np.argmax(_numbers(x), axis=axis)


def argmin(x: Any, axis: int | None = None) -> Any:
    """The index of the smallest entry, as ``np.argmin``: integers, so no gradient (a plain array)."""
    return np.argmin(_numbers(x), axis=axis)


def prod(x: Any, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Any:
    """The product of the entries (along ``axis``), as ``np.prod``.

    ``∂/∂x_k`` is the product of the *other* entries, computed with prefix and suffix products, not as
    ``prod / x_k``: exact where entries are zero (one zero: only its own derivative is non-zero).
    """
    x = node(x, "prod")
    return _apply(ops.PROD, (normalize_axes(axis, x.ndim, "prod"), bool(keepdims)), x, symbol="prod")


def cumsum(x: Any, axis: int | None = None) -> Any:
    """Running sums along ``axis`` (of the flattened array if ``None``), as ``np.cumsum``."""
    x = node(x, "cumsum")
    if axis is None:
        x, axis = x.reshape(-1), 0
    return _apply(ops.CUMSUM, (axis_index(_int(axis, "cumsum"), x.ndim, "cumsum"), False), x, symbol="cumsum")


def cumprod(x: Any, axis: int | None = None) -> Any:
    """Running products along ``axis`` (of the flattened array if ``None``), as ``np.cumprod``; exact at zeros."""
    x = node(x, "cumprod")
    if axis is None:
        x, axis = x.reshape(-1), 0
    return _apply(ops.CUMPROD, axis_index(_int(axis, "cumprod"), x.ndim, "cumprod"), x, symbol="cumprod")


def var(x: Any, axis: int | Sequence[int] | None = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Variance ``Σ (x - mean)² / (N - ddof)`` (along ``axis``), as ``np.var``: a composition of entries."""
    x = node(x, "var")
    axes = normalize_axes(axis, x.ndim, "var")
    count = math.prod(x.shape[a] for a in axes)
    if count - ddof <= 0:
        raise ValueError(f"var: needs more entries than ddof={ddof} along the reduced axes, got {count}")
    centered = x - x.mean(axes, keepdims=True)
    return (centered * centered).sum(axes, keepdims=keepdims) * (1.0 / (count - ddof))


def std(x: Any, axis: int | Sequence[int] | None = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Standard deviation ``sqrt(var)``, as ``np.std``. At zero variance its derivative is infinite (√ at 0)."""
    return var(x, axis, ddof, keepdims).sqrt()


def logsumexp(x: Any, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Any:
    """``log Σ exp(x)`` (along ``axis``), computed as ``m + log Σ exp(x - m)`` with ``m = max x``.

    ``m`` is a constant shift (the identity holds for any ``m``), so no ``exp`` overflows and the
    gradient is exactly ``softmax(x)``; logits of ±1e300 give finite results.
    """
    x, params = _reduction(x, axis, keepdims, "logsumexp")
    axes = params[0]
    shift = np.max(_numbers(x), axis=axes, keepdims=True)
    shift = np.where(np.isfinite(shift), shift, 0.0)  # all -inf (or an inf) along an axis: no shift
    out = (x - shift).exp().sum(axes, keepdims=True).log() + shift
    return out if keepdims else out.reshape(tuple(n for k, n in enumerate(x.shape) if k not in axes))


def softmax(x: Any, axis: int = -1) -> Any:
    """``exp(x) / Σ exp(x)`` along ``axis``, as ``exp(x - logsumexp(x))``: stable for any logits."""
    x = node(x, "softmax")
    return (x - logsumexp(x, axis, keepdims=True)).exp()


def log_softmax(x: Any, axis: int = -1) -> Any:
    """``x - logsumexp(x)`` along ``axis``: the log-probabilities, without ``log(0)`` for tiny ones."""
    x = node(x, "log_softmax")
    return x - logsumexp(x, axis, keepdims=True)


def norm(x: Any, ord: Any = None, axis: int | tuple[int, int] | None = None,
         keepdims: bool = False) -> Any:
    """Vector and matrix norms, as ``np.linalg.norm``: vector ``ord`` 1, 2, inf, -inf; matrix ``'fro'``.

    Compositions: the 2-norm and Frobenius norm are ``sqrt(Σ x²)`` (``∂‖X‖_F²/∂X = 2X``, Matrix Cookbook
    eq. 132), the 1-norm ``Σ |x|`` (``abs'(0) = 0``), inf the :func:`max` of ``|x|`` (ties split). The
    2-norm's derivative ``x/‖x‖`` does not exist at ``x = 0``: there it is NaN.
    """
    x = node(x, "norm")
    if axis is None and ord is None:
        axes = tuple(range(x.ndim))
    elif axis is None:
        if x.ndim not in (1, 2):
            raise ValueError(f"norm: ord={ord!r} needs a vector or a matrix (or axis=...), got shape {x.shape}")
        axes = tuple(range(x.ndim))
    else:
        axes = normalize_axes(axis, x.ndim, "norm")
    if len(axes) == 2 and ord not in (None, "fro"):
        raise ValueError(f"norm: matrix norms support ord='fro' (the default), got ord={ord!r}; the spectral and "
                         "nuclear norms have no rule here (they need an SVD)")
    if len(axes) == 1 and ord not in (None, 1, 2, np.inf, -np.inf):
        raise ValueError(f"norm: vector norms support ord = 1, 2, inf and -inf, got ord={ord!r}")
    if len(axes) > 2:
        raise ValueError(f"norm: axis selects {len(axes)} axes of shape {x.shape}; a norm takes one (vector) or "
                         "two (matrix)")
    if ord == 1:
        return x.abs().sum(axes, keepdims=keepdims)
    if ord == np.inf:
        return max(x.abs(), axes, keepdims)
    if ord == -np.inf:
        return min(x.abs(), axes, keepdims)
    return (x * x).sum(axes, keepdims=keepdims).sqrt()


def pow(x: Any, exponent: Any) -> Any:
    """``x ** exponent`` (``torch.pow``; the table's ``pow`` or ``pow_const`` entry)."""
    return node(x, "pow") ** exponent


# --- elementwise selections ----------------------------------------------------------------------
def where(condition: Any, a: Any, b: Any) -> Any:
    """``a`` where ``condition`` holds, else ``b`` (numpy broadcasting), as ``np.where``.

    The condition is a constant mask; each operand's gradient is the upstream gradient where it was
    selected and exactly 0 elsewhere (the ``mask`` entry: an inf or NaN in the branch not taken does
    not leak into the gradient, the trap of writing ``c·a + (1-c)·b``).
    """
    keep = np.asarray(_numbers(condition), dtype=bool)
    a, b = node(a, "where"), node(b, "where")
    try:
        shape = np.broadcast_shapes(keep.shape, a.shape, b.shape)
    except ValueError:
        raise ValueError(f"where: the condition of shape {keep.shape} and operands of shapes {a.shape} and "
                         f"{b.shape} cannot be broadcast together") from None
    keep = np.broadcast_to(keep, shape)
    return _apply(ops.MASK, keep, a, symbol="where") + _apply(ops.MASK, ~keep, b, symbol="where")


def clip(x: Any, lo: Any = None, hi: Any = None) -> Any:
    """``x`` limited to ``[lo, hi]``, as ``np.clip``; a bound may be ``None``, a number or an array.

    The gradient passes where ``lo <= x <= hi`` (the bounds included, as ``torch.clamp``) and is 0
    outside; a bound that is a node gets the gradient where it is the result.
    """
    x = node(x, "clip")
    if lo is None and hi is None:
        raise ValueError("clip: give at least one bound (lo or hi)")
    out = x
    if lo is not None:
        out = where(_numbers(out) < _numbers(lo), lo, out)
    if hi is not None:
        out = where(_numbers(out) > _numbers(hi), hi, out)
    return out


# --- shape functions -----------------------------------------------------------------------------
def flatten(x: Any) -> Any:
    """The entries as one axis, in row-major (C) order: ``reshape(-1)``."""
    return node(x, "flatten").reshape(-1)


def squeeze(x: Any, axis: int | Sequence[int] | None = None) -> Any:
    """Drop size-1 axes (all of them, or those in ``axis``, which must have size 1), as ``np.squeeze``."""
    x = node(x, "squeeze")
    axes = tuple(k for k, n in enumerate(x.shape) if n == 1) if axis is None else normalize_axes(axis, x.ndim,
                                                                                               "squeeze")
    wide = [k for k in axes if x.shape[k] != 1]
    if wide:
        raise ValueError(f"squeeze: axis {wide[0]} of shape {x.shape} has size {x.shape[wide[0]]}, not 1")
    return x.reshape(tuple(n for k, n in enumerate(x.shape) if k not in axes))


def unsqueeze(x: Any, axis: int) -> Any:
    """A new size-1 axis at ``axis`` (``np.expand_dims``; ``torch.unsqueeze``)."""
    x = node(x, "unsqueeze")
    at = axis_index(_int(axis, "unsqueeze"), x.ndim + 1, "unsqueeze")
    return x.reshape((*x.shape[:at], 1, *x.shape[at:]))


def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    """Exchange two axes, as ``np.swapaxes``: the ``transpose`` entry."""
    x = node(x, "swapaxes")
    perm = list(range(x.ndim))
    i, j = (axis_index(_int(a, "swapaxes"), x.ndim, "swapaxes") for a in (axis1, axis2))
    perm[i], perm[j] = perm[j], perm[i]
    return _apply(ops.TRANSPOSE, tuple(perm), x, symbol="swapaxes")


def moveaxis(x: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Any:
    """Move axes to new places, the others keeping their order, as ``np.moveaxis``."""
    x = node(x, "moveaxis")
    source = [axis_index(_int(a, "moveaxis"), x.ndim, "moveaxis") for a in _ints(source)]
    destination = [axis_index(_int(a, "moveaxis"), x.ndim, "moveaxis") for a in _ints(destination)]
    if len(source) != len(destination) or len(set(source)) != len(source) or len(set(destination)) != len(source):
        raise ValueError(f"moveaxis: source {source} and destination {destination} must be equally many distinct axes")
    perm = [k for k in range(x.ndim) if k not in source]
    for to, origin in sorted(zip(destination, source, strict=True)):
        perm.insert(to, origin)
    return _apply(ops.TRANSPOSE, tuple(int(k) for k in perm), x, symbol="moveaxis")


def flip(x: Any, axis: int | Sequence[int] | None = None) -> Any:
    """Reverse the order of entries along ``axis`` (all axes if ``None``), as ``np.flip``: an index."""
    x = node(x, "flip")
    axes = normalize_axes(axis, x.ndim, "flip")
    return _index(x, tuple(slice(None, None, -1) if k in axes else slice(None) for k in range(x.ndim)), "flip")


def roll(x: Any, shift: int, axis: int | None = None) -> Any:
    """Shift entries along ``axis`` cyclically (of the flattened array if ``None``), as ``np.roll``."""
    x = node(x, "roll")
    if axis is None:
        return roll(x.reshape(-1), shift, 0).reshape(x.shape)
    ax = axis_index(_int(axis, "roll"), x.ndim, "roll")
    n = x.shape[ax]
    picks = (np.arange(n) - _int(shift, "roll")) % n if n else np.arange(0)
    return _index(x, (slice(None),) * ax + (picks,), "roll")


def repeat(x: Any, repeats: int | Sequence[int], axis: int | None = None) -> Any:
    """Repeat each entry ``repeats`` times along ``axis`` (flattened if ``None``), as ``np.repeat``.

    An index that picks entries several times: their gradients add up (``np.add.at``).
    """
    x = node(x, "repeat")
    if axis is None:
        x, axis = x.reshape(-1), 0
    ax = axis_index(_int(axis, "repeat"), x.ndim, "repeat")
    picks = np.repeat(np.arange(x.shape[ax]), repeats)
    return _index(x, (slice(None),) * ax + (picks,), "repeat")


def tile(x: Any, reps: int | Sequence[int]) -> Any:
    """The array repeated ``reps`` times along each axis, as ``np.tile``: an index of repeated ranges."""
    x = node(x, "tile")
    reps = (reps,) if is_int(reps) else tuple(reps)
    ndim = builtins.max(x.ndim, len(reps))
    x = x.reshape((1,) * (ndim - x.ndim) + x.shape)
    reps = (1,) * (ndim - len(reps)) + reps
    picks = np.ix_(*(np.tile(np.arange(n), r) for n, r in zip(x.shape, reps, strict=True)))
    return _index(x, picks, "tile")


def tril(x: Any, k: int = 0) -> Any:
    """The lower triangle (on and below diagonal ``k``), zeros above, as ``np.tril``: the ``mask`` entry."""
    x = node(x, "tril")
    _matrices(x, "tril")
    keep = np.tri(x.shape[-2], x.shape[-1], k, dtype=bool)
    return _apply(ops.MASK, keep, x, symbol="tril")


def triu(x: Any, k: int = 0) -> Any:
    """The upper triangle (on and above diagonal ``k``), zeros below, as ``np.triu``: the ``mask`` entry."""
    x = node(x, "triu")
    _matrices(x, "triu")
    keep = ~np.tri(x.shape[-2], x.shape[-1], k - 1, dtype=bool)
    return _apply(ops.MASK, keep, x, symbol="triu")


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: float = 0.0) -> Any:
    """Pad with a constant border, as ``np.pad(x, pad_width)``; the gradient is the inner block (scatter)."""
    x = node(x, "pad")
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, got mode={mode!r}")
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (x.ndim, 2))
    if np.any(widths < 0):
        raise ValueError(f"pad: widths must be >= 0, got {pad_width!r}")
    shape = tuple(int(n + before + after) for n, (before, after) in zip(x.shape, widths, strict=True))
    inner = tuple(slice(int(before), int(before) + n) for n, (before, _) in zip(x.shape, widths, strict=True))
    out = _apply(ops.SCATTER, (inner, shape), x, symbol="pad")
    if constant_values != 0.0:
        border = np.full(shape, float(constant_values))
        border[inner] = 0.0
        out = out + border
    return out


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The diagonal ``offset`` of the matrices in ``axis1``, ``axis2`` (as the last axis), as ``np.diagonal``."""
    x = node(x, "diagonal")
    if x.ndim < 2:
        raise ValueError(f"diagonal: needs at least 2 axes, got shape {x.shape}")
    x = moveaxis(x, (axis1, axis2), (-2, -1)) if (axis1, axis2) not in ((0, 1),) or x.ndim > 2 else x
    rows, cols = x.shape[-2], x.shape[-1]
    k = _int(offset, "diagonal")
    start_row, start_col = builtins.max(-k, 0), builtins.max(k, 0)
    length = builtins.max(0, builtins.min(rows - start_row, cols - start_col))
    i = np.arange(length)
    return _index(x, (Ellipsis, start_row + i, start_col + i), "diagonal")


def diag(x: Any, k: int = 0) -> Any:
    """As ``np.diag``: a vector becomes a square matrix with it on diagonal ``k``; a matrix gives its diagonal."""
    x = node(x, "diag")
    if x.ndim == 2:
        return diagonal(x, k)
    if x.ndim != 1:
        raise ValueError(f"diag: needs a vector or a matrix, got shape {x.shape}")
    n = x.shape[0] + abs(_int(k, "diag"))
    i = np.arange(x.shape[0])
    index = (i + builtins.max(-k, 0), i + builtins.max(k, 0))
    return _apply(ops.SCATTER, (index, (n, n)), x, symbol="diag")


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The sum of diagonal ``offset``, as ``np.trace``; ``∂tr(X)/∂X = I`` (Matrix Cookbook eq. 99)."""
    return diagonal(x, offset, axis1, axis2).sum(-1)


def outer(a: Any, b: Any) -> Any:
    """``a bᵀ`` of the flattened vectors, as ``np.outer``: the contraction ``'i,j->ij'``."""
    a, b = node(a, "outer").reshape(-1), node(b, "outer").reshape(-1)
    return _einsum("i,j->ij", a, b)


def kron(a: Any, b: Any) -> Any:
    """The Kronecker product of two matrices, as ``np.kron``: ``(A⊗B)[(i,k),(j,l)] = a_ij b_kl``.

    A contraction ``'ij,kl->ikjl'`` reshaped; Magnus & Neudecker's ``vec(AXB) = (Bᵀ⊗A) vec X`` uses it.
    """
    a, b = node(a, "kron"), node(b, "kron")
    if a.ndim > 2 or b.ndim > 2:
        raise ValueError(f"kron: supports vectors and matrices, got shapes {a.shape} and {b.shape}")
    a2 = a.reshape((1,) * (2 - a.ndim) + a.shape)
    b2 = b.reshape((1,) * (2 - b.ndim) + b.shape)
    out = _einsum("ij,kl->ikjl", a2, b2)
    shape = (a2.shape[0] * b2.shape[0], a2.shape[1] * b2.shape[1])
    return out.reshape(shape[1:] if builtins.max(a.ndim, b.ndim) == 1 else shape)


# --- linear algebra ------------------------------------------------------------------------------
def det(x: Any) -> Any:
    """The determinant of a square matrix (or of each in a stack); ``∂det X/∂X = det(X) X⁻ᵀ`` (Cookbook eq. 49).

    The gradient costs one inverse; at a singular ``X`` (where it would be the adjugate) it is refused.
    """
    return _apply(ops.DET, None, node(x, "det"), symbol="det")


class SlogdetResult(NamedTuple):
    """``(sign, logabsdet)`` as ``np.linalg.slogdet`` returns: the sign is a constant, the log a node."""

    sign: np.ndarray
    logabsdet: Any


def slogdet(x: Any) -> SlogdetResult:
    """``sign, log|det X|``; ``∂log|det X|/∂X = X⁻ᵀ`` (Cookbook eq. 57). The sign has no gradient."""
    x = node(x, "slogdet")
    logabsdet = _apply(ops.LOGABSDET, None, x, symbol="log|det|")
    return SlogdetResult(np.linalg.slogdet(_numbers(x))[0], logabsdet)


def inv(x: Any) -> Any:
    """The inverse; ``d(X⁻¹) = -X⁻¹ dX X⁻¹`` (Cookbook eq. 59). A singular ``X`` is refused by name."""
    return _apply(ops.INV, None, node(x, "inv"), symbol="inv")


def solve(a: Any, b: Any) -> Any:
    """``A⁻¹ B`` without forming ``A⁻¹``, as ``np.linalg.solve`` (``b`` a vector or a matrix).

    Gradients: with ``G̃ = A⁻ᵀ G``, ``∇_B = G̃`` and ``∇_A = -G̃ Xᵀ`` (one more solve).
    """
    a, b = node(a, "solve"), node(b, "solve")
    if b.ndim == 1:
        if a.ndim != 2 or a.shape[-1] != b.shape[0]:
            raise ValueError(f"solve(A, b): b must have as many entries as A has rows, got shapes A {a.shape} and "
                             f"b {b.shape}")
        return _apply(ops.SOLVE, None, a, b.reshape(-1, 1), symbol="solve").reshape(-1)
    return _apply(ops.SOLVE, None, a, b, symbol="solve")


class EighResult(NamedTuple):
    """``(eigenvalues, eigenvectors)`` as ``np.linalg.eigh`` returns, both nodes."""

    eigenvalues: Any
    eigenvectors: Any


def eigh(x: Any) -> EighResult:
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix, as ``np.linalg.eigh``.

    The eigenvectors' derivative assumes **distinct eigenvalues** (where two coincide the
    eigenvectors are not unique; that case is refused when the derivative is asked for). Gradients
    are symmetric, since only symmetric changes of a symmetric matrix exist. A loss must not depend on
    each eigenvector's sign, which numpy chooses freely.
    """
    x = node(x, "eigh")
    return EighResult(eigvalsh(x), _apply(ops.EIGVECS, None, x, symbol="eigh"))


def eigvalsh(x: Any) -> Any:
    """The eigenvalues of a symmetric matrix (ascending); ``∂λ_i/∂X = v_i v_iᵀ``."""
    return _apply(ops.EIGVALSH, None, node(x, "eigvalsh"), symbol="eigvalsh")


def cholesky(x: Any) -> Any:
    """The lower-triangular ``L`` with ``L Lᵀ = X`` for a symmetric positive-definite ``X``."""
    return _apply(ops.CHOLESKY, None, node(x, "cholesky"), symbol="cholesky")


# --- helpers -------------------------------------------------------------------------------------
def _numbers(x: Any) -> Any:
    """The plain numbers of a node (``.data``), or ``x`` itself."""
    return x if isinstance(x, np.ndarray | float | int | bool) else getattr(x, "data", x)


def _int(value: Any, where: str) -> int:
    if not is_int(value):
        raise TypeError(f"{where}: expected an int, got {type(value).__name__} {value!r}")
    return int(value)


def _ints(value: Any) -> list[Any]:
    return [value] if is_int(value) else list(value)


def _matrices(x: Any, where: str) -> None:
    if x.ndim < 2:
        raise ValueError(f"{where}: needs a matrix (at least 2 axes), got shape {x.shape}")


def _index(x: Any, index: Any, symbol: str) -> Any:
    return _apply(ops.INDEX, index, x, symbol=symbol)


def _einsum(subscripts: str, *operands: Any) -> Any:
    plan = parse(subscripts, tuple(o.ndim for o in operands))
    return _apply(ops.EINSUM, plan, *operands, symbol=f"einsum({subscripts})")

