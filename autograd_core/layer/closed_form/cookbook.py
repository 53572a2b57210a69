"""The Matrix Cookbook's derivatives as executable closed forms: each identity with its function.

Source: K. B. Petersen & M. S. Pedersen, *The Matrix Cookbook*, version of **November 15, 2012**.
Every docstring cites that version's equation number.

**Layout.** The Cookbook writes ``∂f/∂X`` for the matrix of the shape of ``X`` whose entry
``(i, j)`` is ``∂f/∂X_ij``: the *gradient*, or denominator layout (the seed's Eq. 16, 19, 24).
Every ``*_grad`` function here returns exactly that, shaped like the argument it differentiates.
The seed's numerator layout (Eq. 3) is its transpose; :func:`autograd_core.jacobian` gives both.

**Why each identity comes with its own ``f``.** A closed form is only worth something as an oracle
if it is checked, and the cheapest honest check is central differences of the function it claims
to differentiate. So each entry of :data:`IDENTITIES` holds the scalar function ``f`` (plain numpy),
the closed-form gradient, and a sampler of valid arguments (invertible, symmetric or positive
definite where the identity needs it). ``f`` is written with operations numpy dispatches to a
``Tensor`` (``@``, ``.T``, ``np.einsum``, ``np.linalg.det`` ...), so the same function also runs on
the engine; ``needs`` names the numpy operations beyond ``@``/``+``/``*``/``einsum`` it uses, so a
test can tell "the engine has no rule for this operation yet" from a wrong derivative.

The traces use ``np.einsum("ii->", M)`` (the sum of the diagonal), not ``np.trace``, so that the
trace identities depend on nothing but matrix products.

**Independent on purpose**: nothing here imports the engine or its derivative table.

The second registry, :data:`VEC_IDENTITIES`, holds first differentials of *matrix* functions in
the vec notation of Magnus & Neudecker, *Matrix Differential Calculus with Applications in
Statistics and Econometrics*: ``d vec F = J d vec X``, ``vec`` stacking the columns (numpy's
``order="F"``), ``J`` of shape ``F.size × X.size``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np

__all__ = [
    "IDENTITIES",
    "VEC_IDENTITIES",
    "Identity",
    "VecIdentity",
    "commutation_matrix",
    "vec",
]

Sampler = Callable[[np.random.Generator], tuple[Any, ...]]


@dataclass(frozen=True)
class Identity:
    """One Cookbook derivative of a scalar function: ``gradient(*args)`` is ``∂f/∂args[wrt]``.

    ``equation`` is the 2012 version's number, e.g. ``"(49)"``; ``text`` the formula in Unicode;
    ``args(rng)`` draws valid arguments; ``needs`` names the numpy operations ``f`` uses beyond
    products, sums and ``einsum`` (``"det"``, ``"inv"``, ``"slogdet"``, ``"kron"``).
    """

    equation: str
    text: str
    f: Callable[..., Any]
    gradient: Callable[..., np.ndarray]
    args: Sampler
    wrt: int = 0
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class VecIdentity:
    """``d vec F(X) = J d vec X``: ``jacobian(*args)`` is ``J`` (``F.size × X.size``, columns stacked).

    ``F`` is the matrix (or scalar) function differentiated w.r.t. ``args[wrt]``; ``source`` names
    where the identity is stated.
    """

    source: str
    text: str
    F: Callable[..., Any]
    jacobian: Callable[..., np.ndarray]
    args: Sampler
    wrt: int = 0
    needs: tuple[str, ...] = ()


# --- helpers: the trace, powers, vec, and samplers of valid arguments --------------------------
def _tr(M: Any) -> Any:
    """``Tr(M)`` as the sum of the diagonal (``einsum``: runs on a Tensor with products only)."""
    return np.einsum("ii->", M)


def _power(X: Any, k: int) -> Any:
    """``X^k`` for ``k ≥ 1`` by repeated matrix products."""
    return reduce(lambda P, Q: P @ Q, [X] * k)


def _mpow(X: np.ndarray, k: int) -> np.ndarray:
    """``X^k`` for ``k ≥ 0`` (``X^0 = I``), for the closed forms."""
    return np.linalg.matrix_power(X, k)


def vec(M: Any) -> np.ndarray:
    """``vec(M)``: the columns of ``M`` stacked into one vector (column-major, numpy's ``order="F"``)."""
    return np.asarray(M, dtype=float).reshape(-1, order="F")


def commutation_matrix(m: int, n: int) -> np.ndarray:
    """``K`` (``mn × mn``) with ``K vec(X) = vec(Xᵀ)`` for every ``m×n`` matrix ``X``."""
    K = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            K[i * n + j, j * m + i] = 1.0  # vec(Xᵀ) holds X_ij at i·n + j; vec(X) holds it at j·m + i
    return K


def _invertible(rng: np.random.Generator, n: int = 3) -> np.ndarray:
    """A well-conditioned ``n×n`` matrix, ``Q₁ diag(s) Q₂ᵀ`` with ``|s_i| ∈ [0.6, 1.8]``, signs random.

    Its determinant is far from zero and may be negative (which ``ln|det X|`` has to survive).
    """
    Q1, _ = np.linalg.qr(rng.normal(size=(n, n)))
    Q2, _ = np.linalg.qr(rng.normal(size=(n, n)))
    s = rng.uniform(0.6, 1.8, size=n) * rng.choice([-1.0, 1.0], size=n)
    return (Q1 * s) @ Q2.T


def _symmetric(rng: np.random.Generator, n: int) -> np.ndarray:
    M = rng.normal(size=(n, n))
    return (M + M.T) / 2


def _normal(rng: np.random.Generator, *shapes: tuple[int, ...] | int) -> tuple[np.ndarray, ...]:
    return tuple(rng.normal(size=shape) for shape in shapes)


# --- 2.1 derivatives of a determinant ----------------------------------------------------------
def det_X(X: Any) -> Any:
    """``det(X)``."""
    return np.linalg.det(X)


def det_X_grad(X: np.ndarray) -> np.ndarray:
    """(49): ``∂det(X)/∂X = det(X) X⁻ᵀ`` (``X`` square, invertible). Shape of ``X``."""
    return np.linalg.det(X) * np.linalg.inv(X).T


def det_AXB(A: Any, X: Any, B: Any) -> Any:
    """``det(AXB)``."""
    return np.linalg.det(A @ X @ B)


def det_AXB_grad(A: np.ndarray, X: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(51): ``∂det(AXB)/∂X = det(AXB) X⁻ᵀ`` (``A``, ``X``, ``B`` square and invertible).

    ``A`` and ``B`` only scale the determinant: ``det(AXB) = det A · det X · det B``.
    """
    return np.linalg.det(A @ X @ B) * np.linalg.inv(X).T


def logabsdet_X(X: Any) -> Any:
    """``ln|det X|`` (through ``slogdet``: finite for a negative determinant)."""
    return np.linalg.slogdet(X)[1]


def logabsdet_X_grad(X: np.ndarray) -> np.ndarray:
    """(57): ``∂ln|det X|/∂X = X⁻ᵀ`` -- the same for a negative determinant (the sign is constant)."""
    return np.linalg.inv(X).T


def det_Xk(X: Any, k: int = 3) -> Any:
    """``det(X^k)``, the power by repeated products."""
    return np.linalg.det(_power(X, k))


def det_Xk_grad(X: np.ndarray, k: int = 3) -> np.ndarray:
    """(58): ``∂det(X^k)/∂X = k det(X^k) X⁻ᵀ`` (here ``k = 3``)."""
    return k * np.linalg.det(_mpow(X, k)) * np.linalg.inv(X).T


def _square(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    return (_invertible(rng),)


def _three_square(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    return _invertible(rng), _invertible(rng), _invertible(rng)


# --- 2.2 derivatives of an inverse ----------------------------------------------------------------
def aT_Xinv_b(a: Any, X: Any, b: Any) -> Any:
    """``aᵀX⁻¹b``."""
    return a @ np.linalg.inv(X) @ b


def aT_Xinv_b_grad(a: np.ndarray, X: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(61): ``∂aᵀX⁻¹b/∂X = −X⁻ᵀ a bᵀ X⁻ᵀ``.

    It follows from (60), ``∂(X⁻¹)_kl/∂X_ij = −(X⁻¹)_ki (X⁻¹)_jl`` (the entries of the vec
    identity :data:`VEC_IDENTITIES` ``"vec_inverse"``).
    """
    Xinv_T = np.linalg.inv(X).T
    return -Xinv_T @ np.outer(a, b) @ Xinv_T


def det_Xinv(X: Any) -> Any:
    """``det(X⁻¹)``."""
    return np.linalg.det(np.linalg.inv(X))


def det_Xinv_grad(X: np.ndarray) -> np.ndarray:
    """(62): ``∂det(X⁻¹)/∂X = −det(X⁻¹) X⁻ᵀ``."""
    Xinv = np.linalg.inv(X)
    return -np.linalg.det(Xinv) * Xinv.T


def tr_AXinvB(A: Any, X: Any, B: Any) -> Any:
    """``Tr(AX⁻¹B)``."""
    return _tr(A @ np.linalg.inv(X) @ B)


def tr_AXinvB_grad(A: np.ndarray, X: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(63), restated as (124): ``∂Tr(AX⁻¹B)/∂X = −(X⁻¹BAX⁻¹)ᵀ = −X⁻ᵀAᵀBᵀX⁻ᵀ``.

    ``X`` n×n invertible, ``A`` p×n, ``B`` n×p.
    """
    Xinv = np.linalg.inv(X)
    return -(Xinv @ B @ A @ Xinv).T


def tr_XplusA_inv(X: Any, A: Any) -> Any:
    """``Tr((X + A)⁻¹)``."""
    return _tr(np.linalg.inv(X + A))


def tr_XplusA_inv_grad(X: np.ndarray, A: np.ndarray) -> np.ndarray:
    """(64): ``∂Tr((X + A)⁻¹)/∂X = −((X + A)⁻¹(X + A)⁻¹)ᵀ``."""
    S = np.linalg.inv(X + A)
    return -(S @ S).T


def _a_invertible_b(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    return rng.normal(size=3), _invertible(rng), rng.normal(size=3)


def _A_invertible_B(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    return rng.normal(size=(2, 3)), _invertible(rng), rng.normal(size=(3, 2))


def _X_plus_A(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    X = rng.normal(size=(3, 3))
    return X, _invertible(rng) - X  # X + A is the well-conditioned matrix


# --- 2.4.1 first order ------------------------------------------------------------------------------
def xT_a(x: Any, a: Any) -> Any:
    """``xᵀa``."""
    return x @ a


def xT_a_grad(x: np.ndarray, a: np.ndarray) -> np.ndarray:
    """(69): ``∂xᵀa/∂x = ∂aᵀx/∂x = a`` -- a vector shaped like ``x``."""
    return np.array(a, dtype=float)


def aT_X_b(a: Any, X: Any, b: Any) -> Any:
    """``aᵀXb``."""
    return a @ X @ b


def aT_X_b_grad(a: np.ndarray, X: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(70): ``∂aᵀXb/∂X = a bᵀ`` (``X`` m×n, ``a`` m, ``b`` n)."""
    return np.outer(a, b)


def aT_XT_b(a: Any, X: Any, b: Any) -> Any:
    """``aᵀXᵀb``."""
    return a @ X.T @ b


def aT_XT_b_grad(a: np.ndarray, X: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(71): ``∂aᵀXᵀb/∂X = b aᵀ`` (``X`` m×n, ``a`` n, ``b`` m)."""
    return np.outer(b, a)


def aT_X_a(a: Any, X: Any) -> Any:
    """``aᵀXa``."""
    return a @ X @ a


def aT_X_a_grad(a: np.ndarray, X: np.ndarray) -> np.ndarray:
    """(72): ``∂aᵀXa/∂X = ∂aᵀXᵀa/∂X = a aᵀ``."""
    return np.outer(a, a)


# --- 2.4.2 second order -----------------------------------------------------------------------------
def bT_XT_X_c(b: Any, X: Any, c: Any) -> Any:
    """``bᵀXᵀXc``."""
    return b @ X.T @ X @ c


def bT_XT_X_c_grad(b: np.ndarray, X: np.ndarray, c: np.ndarray) -> np.ndarray:
    """(77): ``∂bᵀXᵀXc/∂X = X(b cᵀ + c bᵀ)`` (``X`` m×n, ``b``, ``c`` n)."""
    return X @ (np.outer(b, c) + np.outer(c, b))


def affine_bilinear(x: Any, B: Any, b: Any, C: Any, D: Any, d: Any) -> Any:
    """``(Bx + b)ᵀC(Dx + d)``."""
    return (B @ x + b) @ C @ (D @ x + d)


def affine_bilinear_grad(x: np.ndarray, B: np.ndarray, b: np.ndarray, C: np.ndarray, D: np.ndarray,
                         d: np.ndarray) -> np.ndarray:
    """(78): ``∂(Bx + b)ᵀC(Dx + d)/∂x = BᵀC(Dx + d) + DᵀCᵀ(Bx + b)``.

    ``x`` n, ``B`` p×n, ``b`` p, ``C`` p×q, ``D`` q×n, ``d`` q.
    """
    return B.T @ C @ (D @ x + d) + D.T @ C.T @ (B @ x + b)


def xT_B_x(x: Any, B: Any) -> Any:
    """``xᵀBx``."""
    return x @ B @ x


def xT_B_x_grad(x: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(81): ``∂xᵀBx/∂x = (B + Bᵀ)x`` (``B`` need not be symmetric)."""
    return (B + B.T) @ x


def bT_XT_D_X_c(b: Any, X: Any, D: Any, c: Any) -> Any:
    """``bᵀXᵀDXc``."""
    return b @ X.T @ D @ X @ c


def bT_XT_D_X_c_grad(b: np.ndarray, X: np.ndarray, D: np.ndarray, c: np.ndarray) -> np.ndarray:
    """(82): ``∂bᵀXᵀDXc/∂X = DᵀXbcᵀ + DXcbᵀ`` (``X`` m×n, ``D`` m×m, ``b``, ``c`` n)."""
    return D.T @ X @ np.outer(b, c) + D @ X @ np.outer(c, b)


def Xb_c_T_D_Xb_c(X: Any, b: Any, c: Any, D: Any) -> Any:
    """``(Xb + c)ᵀD(Xb + c)``."""
    r = X @ b + c
    return r @ D @ r


def Xb_c_T_D_Xb_c_grad(X: np.ndarray, b: np.ndarray, c: np.ndarray, D: np.ndarray) -> np.ndarray:
    """(83): ``∂(Xb + c)ᵀD(Xb + c)/∂X = (D + Dᵀ)(Xb + c)bᵀ`` (``X`` m×n, ``b`` n, ``c`` m, ``D`` m×m)."""
    return np.outer((D + D.T) @ (X @ b + c), b)


def weighted_residual(x: Any, A: Any, s: Any, W: Any) -> Any:
    """``(x − As)ᵀW(x − As)``: a weighted least-squares residual, differentiated w.r.t. ``s`` and ``A``."""
    r = x - A @ s
    return r @ W @ r


def weighted_residual_grad_s(x: np.ndarray, A: np.ndarray, s: np.ndarray, W: np.ndarray) -> np.ndarray:
    """(84): ``∂(x − As)ᵀW(x − As)/∂s = −2AᵀW(x − As)``, ``W`` **symmetric** (as the Cookbook assumes)."""
    return -2 * A.T @ W @ (x - A @ s)


def weighted_residual_grad_A(x: np.ndarray, A: np.ndarray, s: np.ndarray, W: np.ndarray) -> np.ndarray:
    """(88): ``∂(x − As)ᵀW(x − As)/∂A = −2W(x − As)sᵀ``, ``W`` **symmetric**; the shape of ``A``."""
    return -2 * np.outer(W @ (x - A @ s), s)


def aT_Xn_b(a: Any, X: Any, b: Any, n: int = 3) -> Any:
    """``aᵀXⁿb``."""
    return a @ _power(X, n) @ b


def aT_Xn_b_grad(a: np.ndarray, X: np.ndarray, b: np.ndarray, n: int = 3) -> np.ndarray:
    """(91): ``∂aᵀXⁿb/∂X = Σ_{r=0}^{n−1} (Xʳ)ᵀ a bᵀ (X^{n−1−r})ᵀ`` (here ``n = 3``)."""
    return sum(_mpow(X, r).T @ np.outer(a, b) @ _mpow(X, n - 1 - r).T for r in range(n))


def _residual_args(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    x, A, s = _normal(rng, 4, (4, 2), 2)
    return x, A, s, _symmetric(rng, 4)


# --- 2.5 derivatives of traces: first order ---------------------------------------------------------
def tr_X(X: Any) -> Any:
    """``Tr(X)``."""
    return _tr(X)


def tr_X_grad(X: np.ndarray) -> np.ndarray:
    """(99): ``∂Tr(X)/∂X = I``."""
    return np.eye(X.shape[0])


def tr_XA(X: Any, A: Any) -> Any:
    """``Tr(XA)``."""
    return _tr(X @ A)


def tr_XA_grad(X: np.ndarray, A: np.ndarray) -> np.ndarray:
    """(100): ``∂Tr(XA)/∂X = Aᵀ`` (``X`` n×m, ``A`` m×n)."""
    return A.T.copy()


def tr_AXB(A: Any, X: Any, B: Any) -> Any:
    """``Tr(AXB)``."""
    return _tr(A @ X @ B)


def tr_AXB_grad(A: np.ndarray, X: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(101): ``∂Tr(AXB)/∂X = AᵀBᵀ`` (``A`` p×n, ``X`` n×m, ``B`` m×p)."""
    return A.T @ B.T


def tr_AXTB(A: Any, X: Any, B: Any) -> Any:
    """``Tr(AXᵀB)``."""
    return _tr(A @ X.T @ B)


def tr_AXTB_grad(A: np.ndarray, X: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(102): ``∂Tr(AXᵀB)/∂X = BA`` (``A`` p×m, ``X`` n×m, ``B`` n×p)."""
    return B @ A


def tr_XTA(X: Any, A: Any) -> Any:
    """``Tr(XᵀA)``."""
    return _tr(X.T @ A)


def tr_XTA_grad(X: np.ndarray, A: np.ndarray) -> np.ndarray:
    """(103): ``∂Tr(XᵀA)/∂X = A`` (``A`` the shape of ``X``)."""
    return np.array(A, dtype=float)


def tr_AXT(A: Any, X: Any) -> Any:
    """``Tr(AXᵀ)``."""
    return _tr(A @ X.T)


def tr_AXT_grad(A: np.ndarray, X: np.ndarray) -> np.ndarray:
    """(104): ``∂Tr(AXᵀ)/∂X = A`` (``A`` the shape of ``X``)."""
    return np.array(A, dtype=float)


def tr_A_kron_X(A: Any, X: Any) -> Any:
    """``Tr(A ⊗ X)``."""
    return _tr(np.kron(A, X))


def tr_A_kron_X_grad(A: np.ndarray, X: np.ndarray) -> np.ndarray:
    """(105): ``∂Tr(A ⊗ X)/∂X = Tr(A) I`` (because ``Tr(A ⊗ X) = Tr(A) Tr(X)``)."""
    return np.trace(A) * np.eye(X.shape[0])


# --- 2.5 second order -----------------------------------------------------------------------------------
def tr_X2(X: Any) -> Any:
    """``Tr(X²)``."""
    return _tr(X @ X)


def tr_X2_grad(X: np.ndarray) -> np.ndarray:
    """(106): ``∂Tr(X²)/∂X = 2Xᵀ``."""
    return 2 * X.T


def tr_X2B(X: Any, B: Any) -> Any:
    """``Tr(X²B)``."""
    return _tr(X @ X @ B)


def tr_X2B_grad(X: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(107): ``∂Tr(X²B)/∂X = (XB + BX)ᵀ``."""
    return (X @ B + B @ X).T


def tr_XTBX(X: Any, B: Any) -> Any:
    """``Tr(XᵀBX)``."""
    return _tr(X.T @ B @ X)


def tr_XTBX_grad(X: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(108): ``∂Tr(XᵀBX)/∂X = BX + BᵀX`` (``X`` n×m, ``B`` n×n)."""
    return B @ X + B.T @ X


def tr_XBXT(X: Any, B: Any) -> Any:
    """``Tr(XBXᵀ)``."""
    return _tr(X @ B @ X.T)


def tr_XBXT_grad(X: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(111): ``∂Tr(XBXᵀ)/∂X = XBᵀ + XB`` (``X`` n×m, ``B`` m×m)."""
    return X @ B.T + X @ B


def tr_AXBX(A: Any, X: Any, B: Any) -> Any:
    """``Tr(AXBX)``."""
    return _tr(A @ X @ B @ X)


def tr_AXBX_grad(A: np.ndarray, X: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(114): ``∂Tr(AXBX)/∂X = AᵀXᵀBᵀ + BᵀXᵀAᵀ`` (``X`` n×m, ``A`` m×n, ``B`` m×n)."""
    return A.T @ X.T @ B.T + B.T @ X.T @ A.T


def tr_XTX(X: Any) -> Any:
    """``Tr(XᵀX)``."""
    return _tr(X.T @ X)


def tr_XTX_grad(X: np.ndarray) -> np.ndarray:
    """(115): ``∂Tr(XᵀX)/∂X = ∂Tr(XXᵀ)/∂X = 2X``."""
    return 2 * X


def tr_BTXTCXB(B: Any, X: Any, C: Any) -> Any:
    """``Tr(BᵀXᵀCXB)``."""
    return _tr(B.T @ X.T @ C @ X @ B)


def tr_BTXTCXB_grad(B: np.ndarray, X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """(116): ``∂Tr(BᵀXᵀCXB)/∂X = CᵀXBBᵀ + CXBBᵀ`` (``X`` n×m, ``C`` n×n, ``B`` m×p)."""
    return C.T @ X @ B @ B.T + C @ X @ B @ B.T


def tr_AXB_plus_C_sq(A: Any, X: Any, B: Any, C: Any) -> Any:
    """``Tr[(AXB + C)(AXB + C)ᵀ]``, a squared Frobenius norm."""
    R = A @ X @ B + C
    return _tr(R @ R.T)


def tr_AXB_plus_C_sq_grad(A: np.ndarray, X: np.ndarray, B: np.ndarray, C: np.ndarray) -> np.ndarray:
    """(119): ``∂Tr[(AXB + C)(AXB + C)ᵀ]/∂X = 2Aᵀ(AXB + C)Bᵀ`` (``A`` p×n, ``X`` n×m, ``B`` m×q, ``C`` p×q).

    The least-squares gradient; ``A = B = I``, ``C = 0`` gives (132) ``∂‖X‖²_F/∂X = 2X``.
    """
    return 2 * A.T @ (A @ X @ B + C) @ B.T


def tr_X_kron_X(X: Any) -> Any:
    """``Tr(X ⊗ X)``."""
    return _tr(np.kron(X, X))


def tr_X_kron_X_grad(X: np.ndarray) -> np.ndarray:
    """(120): ``∂Tr(X ⊗ X)/∂X = ∂Tr(X)Tr(X)/∂X = 2Tr(X) I``."""
    return 2 * np.trace(X) * np.eye(X.shape[0])


# --- 2.5 higher order ---------------------------------------------------------------------------------
def tr_Xk(X: Any, k: int = 4) -> Any:
    """``Tr(X^k)``."""
    return _tr(_power(X, k))


def tr_Xk_grad(X: np.ndarray, k: int = 4) -> np.ndarray:
    """(121): ``∂Tr(X^k)/∂X = k (X^{k−1})ᵀ`` (here ``k = 4``)."""
    return k * _mpow(X, k - 1).T


def tr_AXk(A: Any, X: Any, k: int = 3) -> Any:
    """``Tr(AX^k)``."""
    return _tr(A @ _power(X, k))


def tr_AXk_grad(A: np.ndarray, X: np.ndarray, k: int = 3) -> np.ndarray:
    """(122): ``∂Tr(AX^k)/∂X = Σ_{r=0}^{k−1} (Xʳ A X^{k−r−1})ᵀ`` (here ``k = 3``)."""
    return sum((_mpow(X, r) @ A @ _mpow(X, k - r - 1)).T for r in range(k))


# --- 2.6-2.7 norms --------------------------------------------------------------------------------------
def norm_x_minus_a(x: Any, a: Any) -> Any:
    """``‖x − a‖₂``."""
    r = x - a
    return np.sqrt(r @ r)


def norm_x_minus_a_grad(x: np.ndarray, a: np.ndarray) -> np.ndarray:
    """(129): ``∂‖x − a‖₂/∂x = (x − a)/‖x − a‖₂`` (``x ≠ a``)."""
    r = x - a
    return r / np.sqrt(r @ r)


def frobenius_sq(X: Any) -> Any:
    """``‖X‖²_F``, the sum of the squared entries."""
    return np.sum(X * X)


def frobenius_sq_grad(X: np.ndarray) -> np.ndarray:
    """(132): ``∂‖X‖²_F/∂X = ∂Tr(XXᴴ)/∂X = 2X`` (real ``X``: ``Xᴴ = Xᵀ``)."""
    return 2 * X


# --- the registry -------------------------------------------------------------------------------------
def _shapes(*shapes: tuple[int, ...] | int) -> Sampler:
    """A sampler of standard-normal arrays of the given shapes."""
    return lambda rng: _normal(rng, *shapes)


IDENTITIES: dict[str, Identity] = {
    "det_X": Identity("(49)", "∂det(X)/∂X = det(X) X⁻ᵀ", det_X, det_X_grad, _square, needs=("det",)),
    "det_AXB": Identity("(51)", "∂det(AXB)/∂X = det(AXB) X⁻ᵀ", det_AXB, det_AXB_grad, _three_square, wrt=1,
                        needs=("det",)),
    "logabsdet_X": Identity("(57)", "∂ln|det X|/∂X = X⁻ᵀ", logabsdet_X, logabsdet_X_grad, _square,
                            needs=("slogdet",)),
    "det_Xk": Identity("(58)", "∂det(Xᵏ)/∂X = k det(Xᵏ) X⁻ᵀ", det_Xk, det_Xk_grad, _square, needs=("det",)),
    "aT_Xinv_b": Identity("(61)", "∂aᵀX⁻¹b/∂X = −X⁻ᵀabᵀX⁻ᵀ", aT_Xinv_b, aT_Xinv_b_grad, _a_invertible_b, wrt=1,
                          needs=("inv",)),
    "det_Xinv": Identity("(62)", "∂det(X⁻¹)/∂X = −det(X⁻¹) X⁻ᵀ", det_Xinv, det_Xinv_grad, _square,
                         needs=("inv", "det")),
    "tr_AXinvB": Identity("(63)", "∂Tr(AX⁻¹B)/∂X = −(X⁻¹BAX⁻¹)ᵀ", tr_AXinvB, tr_AXinvB_grad, _A_invertible_B,
                          wrt=1, needs=("inv",)),
    "tr_XplusA_inv": Identity("(64)", "∂Tr((X + A)⁻¹)/∂X = −((X + A)⁻¹(X + A)⁻¹)ᵀ", tr_XplusA_inv,
                              tr_XplusA_inv_grad, _X_plus_A, needs=("inv",)),
    "xT_a": Identity("(69)", "∂xᵀa/∂x = ∂aᵀx/∂x = a", xT_a, xT_a_grad, _shapes(4, 4)),
    "aT_X_b": Identity("(70)", "∂aᵀXb/∂X = abᵀ", aT_X_b, aT_X_b_grad, _shapes(3, (3, 4), 4), wrt=1),
    "aT_XT_b": Identity("(71)", "∂aᵀXᵀb/∂X = baᵀ", aT_XT_b, aT_XT_b_grad, _shapes(4, (3, 4), 3), wrt=1),
    "aT_X_a": Identity("(72)", "∂aᵀXa/∂X = ∂aᵀXᵀa/∂X = aaᵀ", aT_X_a, aT_X_a_grad, _shapes(3, (3, 3)), wrt=1),
    "bT_XT_X_c": Identity("(77)", "∂bᵀXᵀXc/∂X = X(bcᵀ + cbᵀ)", bT_XT_X_c, bT_XT_X_c_grad, _shapes(4, (3, 4), 4),
                          wrt=1),
    "affine_bilinear": Identity("(78)", "∂(Bx + b)ᵀC(Dx + d)/∂x = BᵀC(Dx + d) + DᵀCᵀ(Bx + b)", affine_bilinear,
                                affine_bilinear_grad, _shapes(4, (3, 4), 3, (3, 2), (2, 4), 2)),
    "xT_B_x": Identity("(81)", "∂xᵀBx/∂x = (B + Bᵀ)x", xT_B_x, xT_B_x_grad, _shapes(4, (4, 4))),
    "bT_XT_D_X_c": Identity("(82)", "∂bᵀXᵀDXc/∂X = DᵀXbcᵀ + DXcbᵀ", bT_XT_D_X_c, bT_XT_D_X_c_grad,
                            _shapes(4, (3, 4), (3, 3), 4), wrt=1),
    "Xb_c_T_D_Xb_c": Identity("(83)", "∂(Xb + c)ᵀD(Xb + c)/∂X = (D + Dᵀ)(Xb + c)bᵀ", Xb_c_T_D_Xb_c,
                              Xb_c_T_D_Xb_c_grad, _shapes((3, 4), 4, 3, (3, 3))),
    "weighted_residual_s": Identity("(84)", "∂(x − As)ᵀW(x − As)/∂s = −2AᵀW(x − As), W symmetric", weighted_residual,
                                    weighted_residual_grad_s, _residual_args, wrt=2),
    "weighted_residual_A": Identity("(88)", "∂(x − As)ᵀW(x − As)/∂A = −2W(x − As)sᵀ, W symmetric", weighted_residual,
                                    weighted_residual_grad_A, _residual_args, wrt=1),
    "aT_Xn_b": Identity("(91)", "∂aᵀXⁿb/∂X = Σᵣ (Xʳ)ᵀabᵀ(Xⁿ⁻¹⁻ʳ)ᵀ", aT_Xn_b, aT_Xn_b_grad, _shapes(3, (3, 3), 3),
                        wrt=1),
    "tr_X": Identity("(99)", "∂Tr(X)/∂X = I", tr_X, tr_X_grad, _shapes((3, 3))),
    "tr_XA": Identity("(100)", "∂Tr(XA)/∂X = Aᵀ", tr_XA, tr_XA_grad, _shapes((3, 4), (4, 3))),
    "tr_AXB": Identity("(101)", "∂Tr(AXB)/∂X = AᵀBᵀ", tr_AXB, tr_AXB_grad, _shapes((2, 3), (3, 4), (4, 2)), wrt=1),
    "tr_AXTB": Identity("(102)", "∂Tr(AXᵀB)/∂X = BA", tr_AXTB, tr_AXTB_grad, _shapes((2, 4), (3, 4), (3, 2)), wrt=1),
    "tr_XTA": Identity("(103)", "∂Tr(XᵀA)/∂X = A", tr_XTA, tr_XTA_grad, _shapes((3, 4), (3, 4))),
    "tr_AXT": Identity("(104)", "∂Tr(AXᵀ)/∂X = A", tr_AXT, tr_AXT_grad, _shapes((3, 4), (3, 4)), wrt=1),
    "tr_A_kron_X": Identity("(105)", "∂Tr(A ⊗ X)/∂X = Tr(A) I", tr_A_kron_X, tr_A_kron_X_grad, _shapes((2, 2), (3, 3)),
                            wrt=1, needs=("kron",)),
    "tr_X2": Identity("(106)", "∂Tr(X²)/∂X = 2Xᵀ", tr_X2, tr_X2_grad, _shapes((3, 3))),
    "tr_X2B": Identity("(107)", "∂Tr(X²B)/∂X = (XB + BX)ᵀ", tr_X2B, tr_X2B_grad, _shapes((3, 3), (3, 3))),
    "tr_XTBX": Identity("(108)", "∂Tr(XᵀBX)/∂X = BX + BᵀX", tr_XTBX, tr_XTBX_grad, _shapes((3, 4), (3, 3))),
    "tr_XBXT": Identity("(111)", "∂Tr(XBXᵀ)/∂X = XBᵀ + XB", tr_XBXT, tr_XBXT_grad, _shapes((3, 4), (4, 4))),
    "tr_AXBX": Identity("(114)", "∂Tr(AXBX)/∂X = AᵀXᵀBᵀ + BᵀXᵀAᵀ", tr_AXBX, tr_AXBX_grad,
                        _shapes((4, 3), (3, 4), (4, 3)), wrt=1),
    "tr_XTX": Identity("(115)", "∂Tr(XᵀX)/∂X = ∂Tr(XXᵀ)/∂X = 2X", tr_XTX, tr_XTX_grad, _shapes((3, 4))),
    "tr_BTXTCXB": Identity("(116)", "∂Tr(BᵀXᵀCXB)/∂X = CᵀXBBᵀ + CXBBᵀ", tr_BTXTCXB, tr_BTXTCXB_grad,
                           _shapes((4, 2), (3, 4), (3, 3)), wrt=1),
    "tr_AXB_plus_C_sq": Identity("(119)", "∂Tr[(AXB + C)(AXB + C)ᵀ]/∂X = 2Aᵀ(AXB + C)Bᵀ", tr_AXB_plus_C_sq,
                                 tr_AXB_plus_C_sq_grad, _shapes((2, 3), (3, 4), (4, 2), (2, 2)), wrt=1),
    "tr_X_kron_X": Identity("(120)", "∂Tr(X ⊗ X)/∂X = 2Tr(X) I", tr_X_kron_X, tr_X_kron_X_grad, _shapes((3, 3)),
                            needs=("kron",)),
    "tr_Xk": Identity("(121)", "∂Tr(Xᵏ)/∂X = k(Xᵏ⁻¹)ᵀ", tr_Xk, tr_Xk_grad, _shapes((3, 3))),
    "tr_AXk": Identity("(122)", "∂Tr(AXᵏ)/∂X = Σᵣ (XʳAXᵏ⁻ʳ⁻¹)ᵀ", tr_AXk, tr_AXk_grad, _shapes((3, 3), (3, 3)), wrt=1),
    "norm_x_minus_a": Identity("(129)", "∂‖x − a‖₂/∂x = (x − a)/‖x − a‖₂", norm_x_minus_a, norm_x_minus_a_grad,
                               _shapes(4, 4)),
    "frobenius_sq": Identity("(132)", "∂‖X‖²_F/∂X = 2X", frobenius_sq, frobenius_sq_grad, _shapes((3, 4))),
}


# --- vec identities: d vec F = J d vec X ---------------------------------------------------------
def vec_AXB_jacobian(A: np.ndarray, X: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``d vec(AXB) = (Bᵀ ⊗ A) d vec X``: the Jacobian ``Bᵀ ⊗ A`` (``A`` p×m, ``X`` m×n, ``B`` n×q).

    The Cookbook's (520), ``vec(AXB) = (Bᵀ ⊗ A) vec X``, applied to the linear map ``X ↦ AXB``.
    """
    return np.kron(B.T, A)


def vec_transpose_jacobian(X: np.ndarray) -> np.ndarray:
    """``d vec(Xᵀ) = K d vec X``, ``K`` the commutation matrix (:func:`commutation_matrix`)."""
    return commutation_matrix(*X.shape)


def vec_inverse_jacobian(X: np.ndarray) -> np.ndarray:
    """``d vec X⁻¹ = −(X⁻ᵀ ⊗ X⁻¹) d vec X`` -- (59), ``dX⁻¹ = −X⁻¹(dX)X⁻¹``, vectorised by (520).

    Entry ``(k + l·n, i + j·n)`` is ``−(X⁻¹)_ki (X⁻¹)_jl``: the Cookbook's (60) in vec form.
    """
    Xinv = np.linalg.inv(X)
    return -np.kron(Xinv.T, Xinv)


def vec_logdet_jacobian(X: np.ndarray) -> np.ndarray:
    """``d log det X = Tr(X⁻¹ dX) = vec(X⁻ᵀ)ᵀ d vec X``: a 1×n² row (the Cookbook's (43), ``det X > 0``)."""
    return vec(np.linalg.inv(X).T)[None, :]


def _AXB_args(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    return _normal(rng, (2, 3), (3, 4), (4, 5))


def _positive_definite(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    M = rng.normal(size=(3, 3))
    return (M @ M.T + 3 * np.eye(3),)


VEC_IDENTITIES: dict[str, VecIdentity] = {
    "vec_AXB": VecIdentity("Cookbook (520); Magnus & Neudecker", "d vec(AXB) = (Bᵀ ⊗ A) d vec X",
                           lambda A, X, B: A @ X @ B, vec_AXB_jacobian, _AXB_args, wrt=1),
    "vec_transpose": VecIdentity("Magnus & Neudecker (the commutation matrix)", "d vec(Xᵀ) = K d vec X",
                                 lambda X: X.T, vec_transpose_jacobian, _shapes((3, 4))),
    "vec_inverse": VecIdentity("Magnus & Neudecker; Cookbook (59)-(60)", "d vec X⁻¹ = −(X⁻ᵀ ⊗ X⁻¹) d vec X",
                               lambda X: np.linalg.inv(X), vec_inverse_jacobian, _square, needs=("inv",)),
    "vec_logdet": VecIdentity("Magnus & Neudecker; Cookbook (43)", "d log det X = Tr(X⁻¹ dX) = vec(X⁻ᵀ)ᵀ d vec X",
                              lambda X: np.log(np.linalg.det(X)), vec_logdet_jacobian, _positive_definite,
                              needs=("det",)),
}
