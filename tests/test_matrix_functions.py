"""The array functions of issue 13: linear algebra, reductions, selections and shape functions.

``tests/test_rules.py`` checks every *entry* of the table on every engine; this module checks what is
built on the entries -- the compositions (var, logsumexp, norm, where, the shape functions ...), the
numpy names that reach them, the promised closed forms (``det(A) A⁻ᵀ``), the choices at kinks (ties
split evenly, zero gradients of piecewise-constant functions) and every refusal, by its message.
"""

from __future__ import annotations

import numpy as np
import pytest
from finite_differences import numeric_gradient

from autograd_core import Tensor, grad, hessian, jacobian, jvp, values
from autograd_core import grads as value_grads
from autograd_core.tensor import functions as fn

RNG = np.random.default_rng(13)
A = RNG.uniform(-1.0, 1.0, (3, 3)) + 3.0 * np.eye(3)
S = A @ A.T  # symmetric positive definite


def tensor_grad(f, x):
    """∇f at ``x`` on the Tensor engine, by ``backward()``."""
    t = Tensor(x, requires_grad=True)
    f(t).backward()
    return t.grad


def fd(f, x):
    """Central differences of the scalar numpy function ``f`` at ``x``."""
    return numeric_gradient(lambda y: float(np.asarray(f(y))), x)


def check_against_fd(f, x, rtol=1e-6, atol=1e-8):
    """``f`` runs on plain arrays (numpy) and on a Tensor (dispatch): same value, gradient = differences."""
    np.testing.assert_allclose(f(Tensor(x)).data, f(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tensor_grad(f, x), fd(f, x), rtol=rtol, atol=atol)


# --- the promises --------------------------------------------------------------------------
def test_grad_of_det_is_det_times_inverse_transpose():
    np.testing.assert_allclose(grad(lambda X: np.linalg.det(X))(A), np.linalg.det(A) * np.linalg.inv(A).T,
                               rtol=1e-12)


def test_grad_of_log_abs_det_is_the_inverse_transpose():
    np.testing.assert_allclose(grad(lambda X: np.linalg.slogdet(X)[1])(A), np.linalg.inv(A).T, rtol=1e-12)
    B = -A  # negative determinant: the sign is -1, log|det| has the same gradient
    sign, _ = np.linalg.slogdet(Tensor(B))
    assert sign == -1.0
    np.testing.assert_allclose(grad(lambda X: np.linalg.slogdet(X)[1])(B), np.linalg.inv(B).T, rtol=1e-12)


def test_hessian_of_log_det_is_minus_the_kronecker_of_inverses():
    # d² log det X = -tr(X⁻¹ dX X⁻¹ dX): H[i,j,k,l] = -(X⁻¹)_li (X⁻¹)_jk, through create_graph on the inv node.
    inverse = np.linalg.inv(S)
    expected = -np.einsum("li,jk->ijkl", inverse, inverse)
    np.testing.assert_allclose(hessian(lambda X: np.linalg.slogdet(X)[1])(S), expected, rtol=1e-10, atol=1e-12)


def test_inv_solve_and_their_gradients_match_the_cookbook():
    a, b = RNG.normal(size=3), RNG.normal(size=3)
    inverse = np.linalg.inv(A)
    # ∂ aᵀX⁻¹b/∂X = -X⁻ᵀ a bᵀ X⁻ᵀ (Matrix Cookbook eq. 61)
    np.testing.assert_allclose(grad(lambda X: a @ np.linalg.inv(X) @ b)(A), -inverse.T @ np.outer(a, b) @ inverse.T,
                               rtol=1e-10)
    np.testing.assert_allclose(grad(lambda X: a @ np.linalg.solve(X, b))(A), -inverse.T @ np.outer(a, b) @ inverse.T,
                               rtol=1e-10)
    np.testing.assert_allclose(grad(lambda v: a @ np.linalg.solve(A, v))(b), inverse.T @ a, rtol=1e-10)


def test_least_squares_through_solve():
    X, y = RNG.normal(size=(8, 3)), RNG.normal(size=8)
    loss = lambda w: ((X @ w - y) ** 2).sum()
    normal_equations = lambda X_: np.linalg.solve(X_.T @ X_, X_.T @ y)
    w = normal_equations(X)
    assert np.linalg.norm(grad(loss)(w)) < 1e-10  # the solution is a stationary point
    check_against_fd(lambda X_: (normal_equations(X_) ** 2).sum(), X, rtol=1e-5)


@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_stable_softmax_cross_entropy_with_the_max_trick_on_both_engines(engine):
    Z = np.array([[2.0, -1.0, 0.5], [1000.0, 999.0, -5.0]])
    labels = np.array([0, 1])

    def loss(z):
        shifted = z - z.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -(log_probs[np.arange(2), labels]).sum() / 2

    p = np.exp(Z - Z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    expected = (p - np.eye(3)[labels]) / 2
    np.testing.assert_allclose(grad(loss, engine=engine)(Z), expected, rtol=1e-12, atol=1e-15)


def test_softmax_and_log_softmax_are_stable_at_logits_of_1e300():
    z = np.array([[1e300, -1e300, 0.0], [3.0, 1.0, -2.0]])
    t = Tensor(z, requires_grad=True)
    probs = fn.softmax(t, axis=1)
    np.testing.assert_array_equal(probs.data[0], [1.0, 0.0, 0.0])
    log_probs = t.log_softmax(axis=1)
    assert np.all(np.isfinite(log_probs.data[1])) and log_probs.data[0, 0] == 0.0
    (log_probs[:, 0]).sum().backward()
    np.testing.assert_allclose(t.grad[0], [0.0, 0.0, 0.0], atol=1e-300)  # 1 - p0 with p0 = 1
    e = np.exp(z[1] - z[1].max())
    np.testing.assert_allclose(t.grad[1], np.eye(3)[0] - e / e.sum(), rtol=1e-12)
    np.testing.assert_allclose(fn.logsumexp(Tensor(z), axis=1).data, [1e300, np.log(np.exp(z[1]).sum())],
                               rtol=1e-12)


def test_logsumexp_gradient_is_softmax():
    z = RNG.normal(size=(2, 5))
    np.testing.assert_allclose(tensor_grad(lambda t: fn.logsumexp(t, axis=1).sum(), z),
                               np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), rtol=1e-12)
    check_against_fd(lambda t: (fn.softmax(t, axis=0) * np.arange(10.0).reshape(2, 5)).sum(), z)


# --- ties and kinks ------------------------------------------------------------------------------
def test_max_splits_the_gradient_evenly_among_ties():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    np.testing.assert_allclose(tensor_grad(lambda t: t.max(axis=1).sum(), x),
                               [[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(tensor_grad(lambda t: np.max(t), x), [[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(tensor_grad(lambda t: np.min(t, axis=0, keepdims=True).sum(), x),
                               [[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])


def test_maximum_and_minimum_split_ties_and_pass_zero_to_the_other_operand():
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = Tensor([3.0, 2.0, 1.0], requires_grad=True)
    np.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(b.grad, [1.0, 0.5, 0.0])
    # An inf upstream reaches only the selected operand: the other gets exactly 0, not 0 · inf = NaN.
    x = Tensor([4.0, 0.0], requires_grad=True)
    np.sqrt(np.minimum(x, 0.0)).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, np.inf / 2])


def test_argmax_gives_indices_and_no_gradient():
    t = Tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]], requires_grad=True)
    np.testing.assert_array_equal(t.argmax(axis=1), [1, 0])
    np.testing.assert_array_equal(np.argmin(t, axis=0), [0, 1, 0])
    assert isinstance(t.argmax(), np.integer | int)


@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "round"])
def test_piecewise_constant_functions_pass_exactly_zero(name):
    t = Tensor([-1.5, -0.2, 0.0, 0.4, 2.5], requires_grad=True)
    out = getattr(np, name)(t)
    np.testing.assert_array_equal(out.data, getattr(np, name)(t.data))
    (out * np.inf).sum().backward()  # an inf upstream: still exactly 0, not NaN
    np.testing.assert_array_equal(t.grad, np.zeros(5))


def test_comparisons_give_boolean_masks_without_a_gradient():
    t = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    np.testing.assert_array_equal(t > 2, [False, False, True])
    np.testing.assert_array_equal(np.less_equal(t, Tensor([1.0, 1.0, 4.0])), [True, False, True])


def test_prod_is_exact_at_zeros():
    x = np.array([[2.0, 0.0, 3.0], [2.0, 0.0, 0.0], [1.0, 2.0, 4.0]])
    np.testing.assert_array_equal(tensor_grad(lambda t: t.prod(axis=1).sum(), x),
                                  [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [8.0, 4.0, 2.0]])
    check_against_fd(lambda t: np.prod(t * 0.5 + 1.0), x)


def test_cumprod_and_cumsum_match_differences_also_with_zeros():
    x = np.array([[1.5, 0.0, -2.0, 0.7], [0.3, 1.2, 0.0, 0.0]])
    weights = RNG.normal(size=x.shape)
    for axis in (0, 1):
        check_against_fd(lambda t, a=axis: (np.cumprod(t, axis=a) * weights).sum(), x)
        check_against_fd(lambda t, a=axis: (np.cumsum(t, axis=a) * weights).sum(), x)
    check_against_fd(lambda t: (np.cumprod(t) * weights.ravel()).sum(), x)
    _, tangent = jvp(lambda t: np.cumprod(t, axis=1), x, np.ones_like(x), engine="tensor")
    step = 1e-6
    np.testing.assert_allclose(tangent, (np.cumprod(x + step, axis=1) - np.cumprod(x - step, axis=1)) / (2 * step),
                               rtol=1e-6, atol=1e-8)


def test_second_derivatives_of_prod_at_a_zero_are_refused():
    with pytest.raises(NotImplementedError, match="prod: second derivatives at an input with a zero entry"):
        hessian(lambda x: np.prod(x), engine="tensor")(np.array([1.0, 0.0, 2.0]))
    # The Value engine multiplies the entries one by one, so its Hessian there is exact.
    np.testing.assert_array_equal(hessian(lambda x: np.prod(x))(np.array([1.0, 0.0, 2.0])),
                                  [[0.0, 2.0, 0.0], [2.0, 0.0, 1.0], [0.0, 1.0, 0.0]])


# --- statistics and norms ------------------------------------------------------------------------
@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_var_and_std_match_numpy_and_differences(ddof, axis):
    x = RNG.normal(size=(3, 4))
    check_against_fd(lambda t: np.var(t, axis=axis, ddof=ddof) if axis is None
                     else (np.var(t, axis=axis, ddof=ddof) ** 2).sum(), x)
    check_against_fd(lambda t: (np.std(t, axis=axis, ddof=ddof, keepdims=True) * 1.0).sum(), x)


def test_mean_with_axis():
    x = RNG.normal(size=(3, 4))
    check_against_fd(lambda t: (np.mean(t, axis=0) ** 2).sum(), x)


@pytest.mark.parametrize(("ord_", "axis"), [(None, None), (2, None), (1, None), (np.inf, None), (-np.inf, None),
                                            ("fro", None), (None, 0), (1, 1), (np.inf, 0)])
def test_norms_match_numpy_and_differences(ord_, axis):
    x = RNG.normal(size=(3, 4)) if ord_ in (None, "fro") or axis is not None else RNG.normal(size=5)
    check_against_fd(lambda t: np.sum(np.linalg.norm(t, ord=ord_, axis=axis)), x)


def test_frobenius_norm_squared_gradient_is_2x():
    # ∂‖X‖_F²/∂X = 2X (Matrix Cookbook eq. 129)
    np.testing.assert_allclose(grad(lambda X: np.linalg.norm(X, "fro") ** 2, engine="tensor")(A), 2 * A, rtol=1e-12)


# --- selections ----------------------------------------------------------------------------------
def test_where_passes_the_gradient_to_the_selected_branch_only():
    x = Tensor([-1.0, 0.0, 4.0], requires_grad=True)
    # The classic trap: sqrt of a negative in the branch not taken. Its NaN must not leak.
    safe = np.where(x.data > 0, x, 1.0)
    np.where(x.data > 0, np.sqrt(safe), 0.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.25])
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=3)
    cond = a > 0
    check_against_fd(lambda t: (np.where(cond, t, b) ** 2).sum(), a)
    check_against_fd(lambda t: (np.where(cond, a, t) ** 2).sum(), b)


def test_clip_passes_the_gradient_inside_the_bounds_included():
    x = Tensor([-2.0, -1.0, 0.5, 1.0, 3.0], requires_grad=True)
    out = np.clip(x, -1.0, 1.0)
    np.testing.assert_array_equal(out.data, [-1.0, -1.0, 0.5, 1.0, 1.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0, 1.0, 0.0])
    np.testing.assert_array_equal(x.clip(hi=0.0).data, [-2.0, -1.0, 0.0, 0.0, 0.0])


# --- shape functions: numpy's values, and gradients that match differences -------------------------
X34 = RNG.normal(size=(3, 4))
SHAPE_CASES = {
    "flatten": (lambda t: np.ravel(t), X34),
    "method flatten": (lambda t: t.flatten(), X34),
    "squeeze": (lambda t: np.squeeze(t, axis=0), X34[None]),
    "expand_dims": (lambda t: np.expand_dims(t, 1), X34),
    "repeat": (lambda t: np.repeat(t, 2, axis=1), X34),
    "repeat list": (lambda t: np.repeat(t, [1, 0, 3], axis=0), X34),
    "repeat flat": (lambda t: np.repeat(t, 2), X34),
    "tile": (lambda t: np.tile(t, (2, 1, 3)), X34),
    "roll": (lambda t: np.roll(t, 1, axis=1), X34),
    "roll flat": (lambda t: np.roll(t, -5), X34),
    "flip": (lambda t: np.flip(t, axis=0), X34),
    "flip all": (lambda t: np.flip(t), X34),
    "tril": (lambda t: np.tril(t, -1), X34),
    "triu": (lambda t: np.triu(t, 1), X34),
    "pad": (lambda t: np.pad(t, ((1, 0), (2, 1))), X34),
    "pad constant": (lambda t: np.pad(t, 1, constant_values=2.0), X34),
    "broadcast_to": (lambda t: np.broadcast_to(t, (2, 3, 4)), X34),
    "swapaxes": (lambda t: np.swapaxes(t, 0, 1), X34),
    "moveaxis": (lambda t: np.moveaxis(t, 0, -1), RNG.normal(size=(2, 3, 4))),
    "diagonal": (lambda t: np.diagonal(t, 1), X34),
    "diagonal below": (lambda t: np.diagonal(t, -1), X34),
    "diag of a vector": (lambda t: np.diag(t, 1), RNG.normal(size=3)),
    "diag of a matrix": (lambda t: np.diag(t), X34),
    "trace": (lambda t: np.trace(t), X34),
    "trace offset": (lambda t: np.trace(t, offset=1), X34),
    "outer": (lambda t: np.outer(t, np.arange(3.0)), RNG.normal(size=4)),
    "kron": (lambda t: np.kron(t, np.array([[1.0, 2.0], [3.0, -1.0]])), X34),
    "kron vectors": (lambda t: np.kron(np.arange(1.0, 3.0), t), RNG.normal(size=3)),
}


@pytest.mark.parametrize("name", SHAPE_CASES)
def test_shape_functions_match_numpy_and_differences(name):
    f, x = SHAPE_CASES[name]
    weights = np.random.default_rng(len(name)).normal(size=np.shape(f(x)))
    check_against_fd(lambda t: (f(t) * weights).sum(), x)
    np.testing.assert_array_equal(f(Tensor(x)).shape, np.shape(f(x)))


def test_unsqueeze_and_squeeze_methods():
    t = Tensor(X34, requires_grad=True)
    assert t.unsqueeze(0).shape == (1, 3, 4) and t.unsqueeze(-1).squeeze().shape == (3, 4)
    with pytest.raises(ValueError, match=r"squeeze: axis 0 of shape \(3, 4\) has size 3, not 1"):
        t.squeeze(0)


def test_kron_gives_the_vec_identity():
    # vec(AXB) = (Bᵀ ⊗ A) vec X, vec stacking columns (Magnus & Neudecker)
    B, X = RNG.normal(size=(4, 2)), RNG.normal(size=(3, 4))
    K = fn.kron(Tensor(B.T), Tensor(A)).data
    np.testing.assert_allclose(K @ X.ravel(order="F"), (A @ X @ B).ravel(order="F"), rtol=1e-12)


# --- symmetric eigenproblems and Cholesky ---------------------------------------------------------
def sym(x):
    return (x + x.T) / 2


def test_eigvalsh_gradient_is_the_outer_products_of_eigenvectors():
    _, V = np.linalg.eigh(S)
    c = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(grad(lambda X: np.linalg.eigvalsh(X) @ c)(S), V @ np.diag(c) @ V.T, rtol=1e-10)
    check_against_fd(lambda t: np.linalg.eigvalsh(sym(t)) @ c, A)


def test_eigenvector_gradients_match_differences_for_sign_free_losses():
    weights = RNG.normal(size=(3, 3))
    check_against_fd(lambda t: ((np.linalg.eigh(sym(t))[1] ** 2) * weights).sum(), A, rtol=1e-5)
    check_against_fd(lambda t: np.linalg.eigh(sym(t)).eigenvectors[:, 0] @ weights @ np.linalg.eigh(
        sym(t)).eigenvectors[:, 0], A, rtol=1e-5)


def test_cholesky_gradient_matches_differences():
    weights = RNG.normal(size=(3, 3))
    check_against_fd(lambda t: (np.linalg.cholesky(t @ t.T + np.eye(3)) * weights).sum(), A)
    # log det S = 2 Σ log diag(L): the gradient S⁻¹ (symmetric)
    np.testing.assert_allclose(grad(lambda X: 2 * np.log(np.diagonal(np.linalg.cholesky(X))).sum())(S),
                               np.linalg.inv(S), rtol=1e-10)


def test_batched_det_and_inv():
    stack = np.stack([A, S, A.T])
    np.testing.assert_allclose(grad(lambda X: np.linalg.det(X).sum())(stack),
                               np.linalg.det(stack)[:, None, None] * np.linalg.inv(stack).transpose(0, 2, 1),
                               rtol=1e-10)
    check_against_fd(lambda t: (np.linalg.inv(t) * np.arange(27.0).reshape(3, 3, 3)).sum(), stack)


# --- forward mode and layouts over the new functions ----------------------------------------------
def test_forward_mode_through_matrix_functions():
    V = RNG.normal(size=(3, 3))
    f = lambda X: np.linalg.slogdet(X)[1] + np.trace(np.linalg.inv(X)) + np.linalg.det(X) + np.max(X)
    _, tangent = jvp(f, A, V, engine="tensor")
    np.testing.assert_allclose(tangent, (grad(f)(A) * V).sum(), rtol=1e-10)


def test_jacobian_of_inverse_is_minus_kron():
    # vec dX⁻¹ = -(X⁻ᵀ ⊗ X⁻¹) vec dX: the numerator-layout Jacobian [i, j, l, k] = ∂(X⁻¹)_ij/∂X_kl.
    inverse = np.linalg.inv(A)
    J = jacobian(lambda X: np.linalg.inv(X))(A)
    np.testing.assert_allclose(J, -np.einsum("ik,lj->ijlk", inverse, inverse), rtol=1e-10, atol=1e-12)


# --- the value engine keeps its elementwise functions ----------------------------------------------
def test_value_arrays_take_the_new_elementwise_functions():
    y, x = np.array([1.0, -2.0]), np.array([3.0, 0.5])
    Y, Xv = values(y), values(x)
    (np.arctan2(Y, Xv).sum() + np.hypot(Y, Xv).sum() + np.square(Y).sum()).backward()
    r2 = y**2 + x**2
    np.testing.assert_allclose(value_grads(Y), x / r2 + y / np.sqrt(r2) + 2 * y, rtol=1e-12)
    np.testing.assert_allclose(value_grads(Xv), -y / r2 + x / np.sqrt(r2), rtol=1e-12)


# --- refusals ---------------------------------------------------------------------------------------
SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: np.linalg.det(Tensor(np.ones((2, 3)))), ValueError,
         r"det: needs a square matrix \(or a stack of them, shape \(\.\.\., n, n\)\), got shape \(2, 3\)"),
        (lambda: grad(lambda X: np.linalg.det(X))(SINGULAR), ValueError,
         r"det: its gradient det\(X\)·X⁻ᵀ \(Matrix Cookbook eq. 49\) needs an invertible matrix, and this one is "
         r"singular"),
        (lambda: np.linalg.inv(Tensor(SINGULAR)), ValueError,
         "inv needs an invertible matrix, and this one is singular"),
        (lambda: np.linalg.solve(Tensor(SINGULAR), np.ones(2)), ValueError,
         r"solve\(A, B\) needs an invertible matrix"),
        (lambda: np.linalg.solve(Tensor(np.eye(2)), np.ones(3)), ValueError,
         r"solve\(A, b\): b must have as many entries as A has rows, got shapes A \(2, 2\) and b \(3,\)"),
        (lambda: np.linalg.solve(Tensor(np.eye(2)), np.ones((3, 2))), ValueError,
         r"solve\(A, B\): B must have as many rows as A \(2\), got shapes A \(2, 2\) and B \(3, 2\)"),
        (lambda: grad(lambda X: np.linalg.slogdet(X)[1])(SINGULAR), ValueError,
         "slogdet: its gradient X⁻ᵀ .* singular"),
        (lambda: np.linalg.eigh(Tensor([[1.0, 2.0], [0.0, 1.0]])), ValueError,
         r"eigh: needs a symmetric matrix .* the largest \|X - Xᵀ\| entry is 2. Symmetrize first"),
        (lambda: grad(lambda X: np.linalg.eigh(X)[1].sum())(np.eye(2)), ValueError,
         "eigh: the eigenvectors' derivative needs distinct eigenvalues"),
        (lambda: np.linalg.cholesky(Tensor([[1.0, 2.0], [2.0, 1.0]])), ValueError,
         "cholesky: needs a symmetric positive-definite matrix, and this one is not positive definite"),
        (lambda: Tensor(np.ones((2, 0))).max(axis=1), ValueError, "max: the reduced axes .* include an empty one"),
        (lambda: np.linalg.norm(Tensor(np.ones((2, 2))), ord=2), ValueError,
         "norm: matrix norms support ord='fro'"),
        (lambda: np.linalg.norm(Tensor(np.ones(3)), ord=3), ValueError, "norm: vector norms support ord = 1, 2, inf"),
        (lambda: np.var(Tensor(np.ones(2)), ddof=2), ValueError, "var: needs more entries than ddof=2"),
        (lambda: np.where(np.ones(3) > 0, Tensor(np.ones(2)), 0.0), ValueError,
         r"where: the condition of shape \(3,\) and operands of shapes \(2,\) and \(\) cannot be broadcast"),
        (lambda: np.pad(Tensor(np.ones(2)), 1, mode="edge"), ValueError, "pad: only mode='constant'"),
        (lambda: np.tril(Tensor(np.ones(3))), ValueError, r"tril: needs a matrix \(at least 2 axes\)"),
        (lambda: np.swapaxes(Tensor(np.ones((2, 2))), 0, 2), ValueError, "swapaxes: axis 2 is out of range"),
        (lambda: np.roll(Tensor(np.ones(3)), 1.5), TypeError, "roll: expected an int, got float 1.5"),
        (lambda: np.max(Tensor(np.ones(3)), initial=0.0), TypeError, "numpy.max: the keyword initial"),
        (lambda: np.linalg.det(values(np.eye(2))), TypeError, None),
    ],
)
def test_bad_input_is_refused_by_name(call, error, words):
    with pytest.raises(error, match=words):
        call()
