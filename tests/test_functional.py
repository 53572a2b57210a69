"""The functional API: grad, value_and_grad, jacobian (both layouts, both modes), hessian, vjp, jvp."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_core import Tensor, Value, closed_form, grad, hessian, jacobian, jvp, value_and_grad, vjp
from autograd_core.beyond import dual_pass
from autograd_core.scalar.arrays import values
from autograd_core.scalar.layout import derivative, gradient

RNG = np.random.default_rng(5)
W = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]])
B = np.array([0.5, -1.0])
X3 = np.array([0.3, -0.7, 1.1])


def fd_jacobian(f, x, eps=1e-6):
    """Central differences, (outputs, inputs), on plain floats."""
    x = np.asarray(x, dtype=float)
    cols = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = eps
        up = np.asarray(f((x.reshape(-1) + e).reshape(x.shape)), dtype=float).reshape(-1)
        down = np.asarray(f((x.reshape(-1) - e).reshape(x.shape)), dtype=float).reshape(-1)
        cols.append((up - down) / (2 * eps))
    return np.stack(cols, axis=1)


def mlp_loss(p):
    """A 2-3-1 tanh network on two fixed samples, parameters flattened into p (13 entries)."""
    W1, b1, W2, b2 = p[:6].reshape(3, 2), p[6:9], p[9:12].reshape(1, 3), p[12:13]
    X = np.array([[0.5, -1.0], [1.5, 0.25]])
    y = np.array([1.0, -0.5])
    S = W2 @ np.tanh(W1 @ X + b1[:, None]) + b2[:, None]
    return ((S[0] - y) ** 2).sum() / 2


def mlp_loss_float(p):
    W1, b1, W2, b2 = p[:6].reshape(3, 2), p[6:9], p[9:12].reshape(1, 3), p[12:13]
    X = np.array([[0.5, -1.0], [1.5, 0.25]])
    y = np.array([1.0, -0.5])
    S = W2 @ np.tanh(W1 @ X + b1[:, None]) + b2[:, None]
    return float(((S[0] - y) ** 2).sum() / 2)


# --- grad ----------------------------------------------------------------------------------------
def test_grad_of_a_float_function_is_a_float():
    g = grad(lambda x: (x * x * x).tanh())(0.5)
    assert isinstance(g, float)
    assert g == pytest.approx(3 * 0.25 * (1 - math.tanh(0.125) ** 2), rel=1e-14)


def test_grad_of_an_array_function_is_shaped_like_the_input():
    A = RNG.normal(size=(2, 3))
    g = grad(lambda M: np.sum(M * M * M))(A)
    assert isinstance(g, np.ndarray) and g.shape == (2, 3)
    np.testing.assert_allclose(g, 3 * A**2, rtol=1e-14)


def test_grad_with_several_argnums_returns_a_tuple_in_that_order():
    f = lambda w, x, b: (w * x + b).tanh()
    gw, gb = grad(f, argnums=(0, 2))(0.5, 2.0, -0.25)
    t = math.tanh(0.5 * 2.0 - 0.25)
    assert (gw, gb) == pytest.approx((2.0 * (1 - t * t), 1 - t * t), rel=1e-14)
    (gx,) = grad(f, argnums=(1,))(0.5, 2.0, -0.25)
    assert gx == pytest.approx(0.5 * (1 - t * t), rel=1e-14)
    assert grad(f, argnums=-1)(0.5, 2.0, -0.25) == pytest.approx(1 - t * t, rel=1e-14)


def test_grad_passes_other_arguments_and_keywords_untouched():
    def f(x, data, scale=1.0):
        assert isinstance(data, np.ndarray) and data.dtype == float  # not lifted
        return scale * np.sum(x * data)

    np.testing.assert_allclose(grad(f)(np.ones(3), X3, scale=2.0), 2 * X3)


def test_grad_matches_central_differences_on_a_layer_loss():
    f = lambda Wt: np.sum(np.tanh(Wt @ X3 + B) ** 2)
    f_float = lambda Wt: float(np.sum(np.tanh(Wt @ X3 + B) ** 2))
    np.testing.assert_allclose(grad(f)(W), fd_jacobian(f_float, W).reshape(W.shape), rtol=1e-6, atol=1e-9)


def test_grad_of_an_input_that_does_not_matter_is_zero():
    assert grad(lambda x, y: x * 2.0, argnums=1)(1.0, 3.0) == 0.0
    np.testing.assert_array_equal(grad(lambda x: 7.0)(np.ones(2)), np.zeros(2))


def test_value_and_grad_returns_both():
    value, g = value_and_grad(lambda x: np.sum(x * x))(X3)
    assert value == pytest.approx(float(X3 @ X3), rel=1e-15)
    np.testing.assert_allclose(g, 2 * X3)


def test_grad_of_a_one_entry_array_output_is_allowed():
    g = grad(lambda x: np.array([[1.0, 2.0]]) @ x)(np.array([[3.0], [4.0]]))  # a 1×1 output
    np.testing.assert_array_equal(g, [[1.0], [2.0]])


# --- higher order ----------------------------------------------------------------------------------
def test_third_derivative_of_x_to_the_fifth_is_240():
    assert grad(grad(grad(lambda x: x**5)))(2.0) == pytest.approx(240.0, rel=1e-14)


def test_grad_of_grad_matches_differences_of_grad():
    f = lambda x: (x * x).sin() * x.exp()
    second = grad(grad(f))(0.8)
    eps = 1e-5
    assert second == pytest.approx((grad(f)(0.8 + eps) - grad(f)(0.8 - eps)) / (2 * eps), rel=1e-7)


def test_nested_grad_differentiates_through_a_closure():
    # d/dy [ ∂(x·y)/∂x ] = d/dy y = 1: the inner grad must keep its result a graph node.
    assert grad(lambda y: grad(lambda x: x * y * y)(1.0))(3.0) == pytest.approx(6.0)


def test_hessian_of_tanh_neuron_matches_the_closed_form():
    w, x, b = 0.3, -1.2, 0.5
    H = hessian(lambda v: (v[0] * v[1] + v[2]).tanh())(np.array([w, x, b]))
    t = math.tanh(w * x + b)
    second = -2 * t * (1 - t * t)
    du = np.array([x, w, 1.0])
    expected = second * np.outer(du, du)
    expected[0, 1] += 1 - t * t
    expected[1, 0] += 1 - t * t
    np.testing.assert_allclose(H, expected, rtol=1e-13, atol=1e-15)


def test_hessian_with_several_argnums_gives_blocks():
    f = lambda w, x: (w * x).sum() ** 2
    w0, x0 = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    H = hessian(f, argnums=(0, 1))(w0, x0)
    s = float(w0 @ x0)
    np.testing.assert_allclose(H[0][0], 2 * np.outer(x0, x0))
    np.testing.assert_allclose(H[0][1], 2 * np.outer(x0, w0) + 2 * s * np.eye(2))
    np.testing.assert_allclose(H[1][0], H[0][1].T)
    np.testing.assert_allclose(H[1][1], 2 * np.outer(w0, w0))


@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_hessian_blocks_of_an_ignored_argument_are_zero_and_shaped(engine):
    """f ignores y: the blocks with y are zeros of shape x.shape + y.shape etc., on both engines."""
    H = hessian(lambda x, y: (x * x).sum(), argnums=(0, 1), engine=engine)(np.ones(2), np.ones(3))
    assert [[block.shape for block in row] for row in H] == [[(2, 2), (2, 3)], [(3, 2), (3, 3)]]
    np.testing.assert_array_equal(H[0][0], 2 * np.eye(2))
    assert not np.any(H[0][1]) and not np.any(H[1][0]) and not np.any(H[1][1])


def test_hessian_of_a_matrix_input_has_shape_input_plus_input():
    A = RNG.normal(size=(2, 2))
    H = hessian(lambda M: np.sum(M * M * M))(A)
    assert H.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(H.reshape(4, 4), np.diag(6 * A.reshape(-1)), atol=1e-15)


def test_hessian_vector_product_of_a_small_mlp_loss():
    p = RNG.normal(size=13) * 0.7
    v = RNG.normal(size=13)
    hvp = grad(lambda q: np.sum(grad(mlp_loss)(q) * v))(p)  # reverse over reverse, never forming H
    H = hessian(mlp_loss)(p)
    np.testing.assert_allclose(hvp, H @ v, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(H, H.T, rtol=1e-12, atol=1e-13)
    eps = 1e-5
    fd = (grad(mlp_loss)(p + eps * v) - grad(mlp_loss)(p - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hvp, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grad(mlp_loss)(p), fd_jacobian(mlp_loss_float, p)[0], rtol=1e-6, atol=1e-9)


def test_grad_of_a_jvp_is_reverse_over_forward():
    f = lambda x: (x * x).tanh()
    second = grad(lambda x: jvp(f, x, 1.0)[1])(0.4)
    assert second == pytest.approx(grad(grad(f))(0.4), rel=1e-13)


def test_jvp_of_a_grad_is_the_hessian_vector_product():
    assert jvp(grad(lambda x: x * x * x), 2.0, 1.0) == (12.0, 12.0)


# --- jacobian --------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["reverse", "forward", "auto"])
def test_jacobian_of_a_layer_is_W_numerator_and_W_transposed_denominator(mode):
    layer = lambda x: W @ x + B
    np.testing.assert_array_equal(jacobian(layer, mode=mode)(X3), W)
    np.testing.assert_array_equal(jacobian(layer, layout="denominator", mode=mode)(X3), W.T)
    np.testing.assert_array_equal(jacobian(layer, mode=mode)(X3), closed_form.dz_dx(W))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_matches_central_differences(mode):
    f = lambda x: np.array([x[0] * x[1].sin(), (x[2] * x[0]).exp(), x[1] ** 2 / x[2], x[0].tanh()])
    f_float = lambda x: [x[0] * math.sin(x[1]), math.exp(x[2] * x[0]), x[1] ** 2 / x[2], math.tanh(x[0])]
    J = jacobian(f, mode=mode)(X3)
    assert J.shape == (4, 3)
    np.testing.assert_allclose(J, fd_jacobian(f_float, X3), rtol=1e-7, atol=1e-9)


def test_forward_and_reverse_jacobians_agree_to_rounding():
    A = RNG.normal(size=(5, 3))
    f = lambda x: np.tanh(A @ x) * x.sum()
    x = RNG.normal(size=3)
    np.testing.assert_allclose(jacobian(f, mode="forward")(x), jacobian(f, mode="reverse")(x), rtol=1e-13,
                               atol=1e-15)


def test_auto_mode_picks_forward_for_tall_and_reverse_for_wide(monkeypatch):
    calls = []
    original = dual_pass.forward_jacobians

    def spy(*args, **kwargs):
        calls.append("forward")
        return original(*args, **kwargs)

    monkeypatch.setattr(dual_pass, "forward_jacobians", spy)
    tall = jacobian(lambda x: np.array([x * 2.0, x * x, x.exp()]))(0.5)  # 1 input, 3 outputs
    np.testing.assert_allclose(tall, [2.0, 1.0, math.exp(0.5)])
    assert calls == ["forward"]
    jacobian(lambda x: np.sum(x * x))(X3)  # 3 inputs, 1 output
    assert calls == ["forward"]


def test_auto_mode_falls_back_to_reverse_when_f_cannot_run_on_duals():
    def f(x):  # reads .op, which Value has and a dual number does not
        assert x.op == ""
        return np.array([x * 2.0, x * x, x.exp()])

    np.testing.assert_allclose(jacobian(f)(0.5), [2.0, 1.0, math.exp(0.5)])
    with pytest.raises(AttributeError):
        jacobian(f, mode="forward")(0.5)


def test_scalar_by_matrix_layouts_are_eq3_and_the_gradient():
    A = RNG.normal(size=(2, 3))
    f = lambda M: np.sum(M * M * np.arange(6.0).reshape(2, 3))
    num = jacobian(f)(A)
    den = jacobian(f, layout="denominator")(A)
    assert num.shape == (3, 2) and den.shape == (2, 3)
    Wv = values(A)
    L = f(Wv)
    L.backward()
    np.testing.assert_allclose(num, derivative(L, Wv))  # Eq. 3: the transposed shape
    np.testing.assert_allclose(den, gradient(L, Wv))  # ∇, shaped like A


def test_vector_by_matrix_jacobian_entry_meaning():
    x = X3
    J = jacobian(lambda M: M @ x)(W)  # ∂z_i/∂w_kl = δ_ik x_l, numerator shape (2, 3, 2)
    assert J.shape == (2, 3, 2)
    for i in range(2):
        for k in range(2):
            for ell in range(3):
                assert J[i, ell, k] == (x[ell] if i == k else 0.0)
    D = jacobian(lambda M: M @ x, layout="denominator")(W)
    np.testing.assert_array_equal(D, np.transpose(J))


def test_jacobian_of_scalar_by_scalar_is_a_float():
    assert jacobian(lambda x: x * x * x)(2.0) == 12.0
    assert jacobian(lambda x: x * x * x, mode="forward")(2.0) == 12.0


def test_jacobian_with_several_argnums():
    Jw, Jx = jacobian(lambda Wt, x: Wt @ x, argnums=(0, 1))(W, X3)
    np.testing.assert_array_equal(Jx, W)
    assert Jw.shape == (2, 3, 2)


def test_nested_jacobian_gives_third_derivatives():
    # d/dx of the Hessian of Σ x_i³ is the tensor 6 δ_ijk
    T = jacobian(hessian(lambda x: np.sum(x * x * x)))(np.array([1.0, 2.0]))
    expected = np.zeros((2, 2, 2))
    expected[0, 0, 0] = expected[1, 1, 1] = 6.0
    np.testing.assert_array_equal(T, expected)


# --- vjp / jvp -------------------------------------------------------------------------------------
def test_vjp_is_v_transposed_times_the_jacobian():
    f = lambda x: np.tanh(W @ x + B)
    v = np.array([0.7, -1.3])
    out, cot = vjp(f, X3, v)
    np.testing.assert_allclose(out, np.tanh(W @ X3 + B), rtol=1e-15)
    np.testing.assert_allclose(cot, v @ jacobian(f)(X3), rtol=1e-14)


def test_jvp_is_the_jacobian_times_v():
    f = lambda x: np.tanh(W @ x + B)
    v = np.array([1.0, 0.5, -2.0])
    out, tan = jvp(f, X3, v)
    np.testing.assert_allclose(out, np.tanh(W @ X3 + B), rtol=1e-15)
    np.testing.assert_allclose(tan, jacobian(f)(X3) @ v, rtol=1e-14)


def test_vjp_and_jvp_with_several_arguments():
    f = lambda w, x: w * x.sin()
    out, (gw, gx) = vjp(f, (0.5, 1.2), 2.0)
    assert out == pytest.approx(0.5 * math.sin(1.2))
    assert (gw, gx) == pytest.approx((2 * math.sin(1.2), 2 * 0.5 * math.cos(1.2)))
    out, t = jvp(f, (0.5, 1.2), (1.0, 1.0))
    assert t == pytest.approx(math.sin(1.2) + 0.5 * math.cos(1.2))


# --- errors ----------------------------------------------------------------------------------------
def test_grad_of_a_vector_output_says_use_jacobian_or_vjp():
    with pytest.raises(ValueError, match=r"shape \(2,\).*jacobian.*vjp"):
        grad(lambda x: W @ x)(X3)


def test_vjp_with_a_wrong_v_names_both_shapes():
    with pytest.raises(ValueError, match=r"v has shape \(3,\) but f's output has shape \(2,\)"):
        vjp(lambda x: W @ x, X3, np.ones(3))


def test_jvp_with_a_wrong_v_names_both_shapes():
    with pytest.raises(ValueError, match=r"v has shape \(2,\) but x has shape \(3,\)"):
        jvp(lambda x: W @ x, X3, np.ones(2))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="argnums 2 is out of range for f called with 2 positional"):
        grad(lambda a, b: a * b, argnums=2)(1.0, 2.0)
    with pytest.raises(TypeError, match=r"grad: args\[0\] is a str 'abc'; only numbers, float arrays"):
        grad(lambda s: s)("abc")
    with pytest.raises(ValueError, match="layout must be one of 'numerator', 'denominator', 'vec', 'natural', got"):
        jacobian(lambda x: x, layout="row")
    with pytest.raises(ValueError, match="engine must be one of"):
        grad(lambda x: x, engine="torch")(1.0)
    with pytest.raises(ValueError, match="mode must be"):
        jacobian(lambda x: x, mode="sideways")


@pytest.mark.parametrize(("x", "message"), [
    (None, r"args\[0\] is None, which has no derivative"),
    ([1.0, None], r"args\[0\]\[1\] is None, which has no derivative"),  # a list is a container: None is a leaf
    (np.array([None, 2.0], dtype=object), r"args\[0\] holds NoneType None"),
])
def test_none_is_refused_not_read_as_nan(x, message):
    with pytest.raises(TypeError, match=message):
        grad(lambda v: v)(x)


def test_a_function_that_runs_on_neither_engine_reports_both_errors():
    with pytest.raises(TypeError, match=r"neither engine.*Value inputs.*Tensor inputs"):
        grad(lambda x: x.no_such_method())(np.ones(2))


def test_domain_errors_from_f_are_not_swallowed():
    with pytest.raises(ValueError, match="log"):
        grad(lambda x: x.log())(-1.0)


# --- the Tensor engine -----------------------------------------------------------------------------
def test_tensor_engine_grad_hessian_jacobian_vjp_jvp():
    f = lambda x: (Tensor(W) @ x + B).tanh().sum()
    g_value = grad(lambda x: np.sum(np.tanh(W @ x + B)))(X3)
    np.testing.assert_allclose(grad(f, engine="tensor")(X3), g_value, rtol=1e-12)
    np.testing.assert_allclose(grad(f)(X3), g_value, rtol=1e-12)  # auto falls back to Tensor
    H_value = hessian(lambda x: np.sum(np.tanh(W @ x + B)))(X3)
    np.testing.assert_allclose(hessian(f, engine="tensor")(X3), H_value, rtol=1e-13, atol=1e-15)
    layer = lambda x: W @ x + B
    np.testing.assert_allclose(jacobian(layer, engine="tensor")(X3), W)
    np.testing.assert_allclose(jacobian(layer, engine="tensor", mode="forward")(X3), W)
    np.testing.assert_allclose(jacobian(layer, engine="tensor", layout="denominator")(X3), W.T)
    v = np.array([1.0, -2.0])
    np.testing.assert_allclose(vjp(layer, X3, v, engine="tensor")[1], W.T @ v)
    np.testing.assert_allclose(jvp(layer, X3, np.ones(3), engine="tensor")[1], W @ np.ones(3))


def test_tensor_engine_grad_of_grad_and_matrix_inputs():
    assert grad(grad(lambda x: (x**5).sum(), engine="tensor"), engine="tensor")(2.0) == pytest.approx(80 * 2)
    g = grad(lambda M: (M @ X3).tanh().sum(), engine="tensor")(W)
    np.testing.assert_allclose(g, grad(lambda M: np.sum(np.tanh(M @ X3)))(W), rtol=1e-12)


def test_nested_value_inputs_return_nodes():
    x = Value(1.5)
    g = grad(lambda t: t * t * t)(x)
    assert isinstance(g, Value) and g.data == pytest.approx(6.75)
    arr = values(np.array([1.0, 2.0]))
    ga = grad(lambda t: np.sum(t * t))(arr)
    assert ga.dtype == object and [e.data for e in ga] == [2.0, 4.0]


@pytest.mark.parametrize(("f", "words"), [(lambda x: x > 0, "bool True"), (lambda x: None, "NoneType None")])
def test_an_output_that_is_not_a_number_is_named(f, words):
    for call in (lambda: grad(f)(1.0), lambda: vjp(f, 1.0, 1.0)):
        with pytest.raises(TypeError, match=f"f's output is {words}; expected Value nodes or numbers"):
            call()


# --- the four layouts -------------------------------------------------------------------------------
def commutation(m, n):
    """K with K vec(X) = vec(Xᵀ) for X m×n, vec stacking columns: X[k, l] sits at k + l·m, Xᵀ[l, k] at l + k·n."""
    K = np.zeros((m * n, m * n))
    for k in range(m):
        for ell in range(n):
            K[ell + k * n, k + ell * m] = 1.0
    return K


def vec(X):
    return np.asarray(X).reshape(-1, order="F")


@pytest.mark.parametrize("engine", ["value", "tensor"])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_vec_layout_of_A_X_B_is_the_kronecker_product(engine, mode):
    A, Bm, X = RNG.normal(size=(2, 3)), RNG.normal(size=(4, 5)), RNG.normal(size=(3, 4))
    J = jacobian(lambda M: A @ M @ Bm, layout="vec", mode=mode, engine=engine)(X)
    assert J.shape == (10, 12)
    np.testing.assert_allclose(J, np.kron(Bm.T, A), rtol=1e-13, atol=1e-15)  # vec(AXB) = (Bᵀ ⊗ A) vec X


@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_vec_layout_of_the_transpose_is_the_commutation_matrix(engine):
    X = RNG.normal(size=(2, 3))
    K = jacobian(lambda M: M.T, layout="vec", engine=engine)(X)
    np.testing.assert_array_equal(K, commutation(2, 3))
    np.testing.assert_array_equal(K @ vec(X), vec(X.T))


def test_vec_layout_of_a_vector_function_is_the_numerator_layout():
    f = lambda x: np.tanh(W @ x + B)
    np.testing.assert_array_equal(jacobian(f, layout="vec")(X3), jacobian(f)(X3))
    assert jacobian(lambda x: x * x, layout="vec")(3.0).shape == (1, 1)  # always a matrix


def test_vec_layout_maps_vec_dX_to_vec_dF_for_a_nonlinear_matrix_function():
    X, dX = RNG.normal(size=(3, 3)), RNG.normal(size=(3, 3))
    f = lambda M: np.tanh(M) @ M
    f_float = lambda M: np.tanh(M) @ M
    eps = 1e-6
    dF = (f_float(X + eps * dX) - f_float(X - eps * dX)) / (2 * eps)
    np.testing.assert_allclose(jacobian(f, layout="vec")(X) @ vec(dX), vec(dF), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_natural_layout_is_out_shape_plus_in_shape(engine):
    A, v = RNG.normal(size=(2, 3)), RNG.normal(size=3)
    J = jacobian(lambda M: M @ v, layout="natural", engine=engine)(A)
    assert J.shape == (2, 2, 3)
    expected = np.einsum("ik,l->ikl", np.eye(2), v)  # ∂(Av)_i/∂a_kl = δ_ik v_l
    np.testing.assert_array_equal(J, expected)
    np.testing.assert_array_equal(jacobian(lambda M: M @ v, engine=engine)(A), np.transpose(expected, (0, 2, 1)))


def test_the_four_layouts_of_one_matrix_function_are_the_same_numbers_rearranged():
    A, X = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4))
    f = lambda M: np.tanh(A @ M)  # F is 2×4, X is 3×4
    natural = jacobian(f, layout="natural")(X)  # [i, j, k, l] = ∂F_ij/∂X_kl
    assert natural.shape == (2, 4, 3, 4)
    numerator = jacobian(f)(X)
    denominator = jacobian(f, layout="denominator")(X)
    vec_J = jacobian(f, layout="vec")(X)
    np.testing.assert_array_equal(numerator, np.transpose(natural, (0, 1, 3, 2)))  # out + in[::-1]
    np.testing.assert_array_equal(denominator, np.transpose(natural, (2, 3, 1, 0)))  # in + out[::-1]
    np.testing.assert_array_equal(vec_J, np.transpose(natural, (1, 0, 3, 2)).reshape(8, 12))
    # against central differences, entry by entry in the natural layout
    f_float = lambda M: np.tanh(A @ M)
    fd = fd_jacobian(f_float, X).reshape(2, 4, 3, 4)
    np.testing.assert_allclose(natural, fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("layout", ["numerator", "denominator", "vec", "natural"])
def test_every_layout_agrees_across_modes_and_engines(layout):
    A, X = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 2))
    value_f = lambda M: np.tanh(A @ M) * M[0, 0]
    tensor_f = lambda M: (Tensor(A) @ M).tanh() * M[0, 0]
    reference = jacobian(value_f, layout=layout, mode="reverse", engine="value")(X)
    for f, engine in ((value_f, "value"), (tensor_f, "tensor")):
        for mode in ("reverse", "forward"):
            got = jacobian(f, layout=layout, mode=mode, engine=engine)(X)
            assert got.shape == reference.shape
            np.testing.assert_allclose(got, reference, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_hessian_is_the_natural_layout_jacobian_of_the_gradient_and_vec_is_its_matrix(engine):
    f = (lambda M: np.sum(np.tanh(M @ M))) if engine == "value" else (lambda M: (M @ M).tanh().sum())
    X = RNG.normal(size=(2, 2)) * 0.5
    H = hessian(f, engine=engine)(X)
    g = grad(f, engine=engine)
    for mode in ("reverse", "forward"):  # forward: forward over reverse
        np.testing.assert_allclose(jacobian(g, layout="natural", mode=mode, engine=engine)(X), H, rtol=1e-12,
                                   atol=1e-14)
        np.testing.assert_allclose(jacobian(g, layout="vec", mode=mode, engine=engine)(X),
                                   np.transpose(H, (1, 0, 3, 2)).reshape(4, 4), rtol=1e-12, atol=1e-14)
    Hv = np.transpose(H, (1, 0, 3, 2)).reshape(4, 4)  # the Hessian in vec coordinates is symmetric
    np.testing.assert_allclose(Hv, Hv.T, rtol=1e-12, atol=1e-14)
