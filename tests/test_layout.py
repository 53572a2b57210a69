"""layout: the seed's derivative (numerator layout, Eq. 1a, 3) vs the gradient ∇, and Eq. 2's Jacobian."""

import numpy as np
import pytest

from autograd_core import Value
from autograd_core.scalar.arrays import grads, values
from autograd_core.scalar.layout import derivative, gradient, jacobian_of


def _quadratic(shape, seed=0):
    rng = np.random.default_rng(seed)
    A0 = rng.normal(size=shape)
    C = rng.normal(size=shape)
    A = values(A0, "A")
    L = (A * A * C).sum() if A.ndim else A[()] * A[()]
    L.backward()
    return A0, C, A, L


def test_vector_derivative_is_a_row_and_gradient_a_vector():
    x0, c, x, L = _quadratic((4,))
    assert gradient(L, x).shape == (4,)
    assert derivative(L, x).shape == (1, 4)  # Eq. 1a: a 1×n row, not a column
    np.testing.assert_allclose(gradient(L, x), 2 * c * x0)
    np.testing.assert_allclose(derivative(L, x)[0], 2 * c * x0)


def test_matrix_derivative_has_the_transposed_shape():
    A0, C, A, L = _quadratic((2, 3))
    assert gradient(L, A).shape == (2, 3)
    assert derivative(L, A).shape == (3, 2)  # Eq. 3: n×m for an m×n matrix
    np.testing.assert_allclose(derivative(L, A), (2 * C * A0).T)
    # entry (j, i) of the derivative is ∂L/∂a_ij
    assert derivative(L, A)[2, 1] == pytest.approx(2 * C[1, 2] * A0[1, 2])


def test_column_vector_derivative_is_a_row():
    _x0, _c, x, L = _quadratic((3, 1))
    assert derivative(L, x).shape == (1, 3)


def test_scalar_variable():
    v = Value(3.0)
    L = v * v
    L.backward()
    assert float(derivative(L, v)) == 6.0 and gradient(L, v).shape == ()


def test_layout_errors():
    _A0, _C, A, L = _quadratic((2, 2, 2))
    assert gradient(L, A).shape == (2, 2, 2)
    with pytest.raises(ValueError, match=r"vectors and matrices; W has shape \(2, 2, 2\)"):
        derivative(L, A)
    with pytest.raises(TypeError, match="L must be a scalar Value"):
        gradient(np.ones(2), A)
    with pytest.raises(TypeError, match="numpy object array of Value nodes"):
        gradient(L, np.ones(2))


def test_jacobian_of_the_layer_is_W_and_rows_are_outputs():
    rng = np.random.default_rng(1)
    W0, x0, b0 = rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=3)
    x = values(x0, "x")
    z = values(W0, "W") @ x + values(b0, "b")
    J = jacobian_of(z, x)
    assert J.shape == (3, 5)  # Eq. 2: m×n, rows = outputs
    np.testing.assert_array_equal(J, W0)  # Eq. 22


def test_jacobian_of_a_nonlinear_map():
    x0 = np.array([0.3, -1.2])
    x = values(x0, "x")
    y = np.array([x[0] * x[1], x[0].tanh(), x[1] * 2.0], dtype=object)
    J = jacobian_of(y, x)
    expected = np.array([[x0[1], x0[0]], [1 - np.tanh(x0[0]) ** 2, 0.0], [0.0, 2.0]])
    np.testing.assert_allclose(J, expected, rtol=1e-14)


def test_jacobian_of_does_not_touch_existing_grads():
    x = values(np.array([1.0, 2.0]), "x")
    y = np.array([x[0] * x[1], x[0] + x[1]], dtype=object)
    (y[0] * 3.0).backward()
    before = grads(x).copy()
    J1 = jacobian_of(y, x)
    J2 = jacobian_of(y, x)  # a second call: no accumulation across rows or calls
    np.testing.assert_array_equal(J1, J2)
    np.testing.assert_array_equal(J1, [[2.0, 1.0], [1.0, 1.0]])
    np.testing.assert_array_equal(grads(x), before)


def test_jacobian_of_an_input_it_does_not_depend_on_is_zero():
    a, b = Value(1.0), Value(2.0)
    J = jacobian_of(np.array([a * 2.0], dtype=object), np.array([a, b], dtype=object))
    np.testing.assert_array_equal(J, [[2.0, 0.0]])


def test_jacobian_of_refuses_non_values():
    x = values(np.ones(2), "x")
    with pytest.raises(TypeError, match="outputs entry 1 is float"):
        jacobian_of(np.array([x[0], 1.0], dtype=object), x)


def test_tensor_derivative_and_gradient():
    tensor = pytest.importorskip("autograd_core.tensor.tensor")
    rng = np.random.default_rng(2)
    W0, x0 = rng.normal(size=(3, 4)), rng.normal(size=4)
    W, x = tensor.Tensor(W0, requires_grad=True), tensor.Tensor(x0, requires_grad=True)
    L = (W @ x).sum()
    L.backward()
    np.testing.assert_allclose(gradient(L, W), np.outer(np.ones(3), x0))
    assert derivative(L, W).shape == (4, 3) and derivative(L, x).shape == (1, 4)
    np.testing.assert_allclose(derivative(L, x)[0], W0.sum(axis=0))
    fresh = tensor.Tensor(W0, requires_grad=True)
    with pytest.raises(ValueError, match="no grad yet"):
        gradient(L, fresh)
    with pytest.raises(ValueError, match="L must be a scalar"):
        gradient(W @ x, W)
