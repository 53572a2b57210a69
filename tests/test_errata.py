"""docs/errata.md: for each slip of the seed, the corrected statement holds on the engine, the printed one does not.

Indices in the code are zero-based; the comments give the seed's one-based names.
"""

import numpy as np
import pytest

from autograd_core import Value
from autograd_core import closed_form as cf
from autograd_core.layer import losses
from autograd_core.scalar.arrays import grads, values
from autograd_core.scalar.layout import derivative, jacobian_of


def test_eq13_last_line_is_delta_x_j_not_delta_x_i():
    """∂z_h/∂w_ij = δ_{i,h} x_j (corrected), not δ_{i,h} x_i (printed)."""
    x0 = np.array([0.5, -1.25, 2.0])
    W0 = np.array([[0.3, -0.7, 1.1], [0.2, 0.9, -0.4]])
    W, x = values(W0, "W"), values(x0, "x")
    z = W @ x + values(np.array([0.1, -0.2]), "b")
    J = jacobian_of(z, W.reshape(-1)).reshape(2, 2, 3)  # J[h, i, j] = ∂z_h/∂w_ij
    p, n = W0.shape
    corrected = np.array([[[x0[j] if i == h else 0.0 for j in range(n)] for i in range(p)] for h in range(p)])
    printed = np.array([[[x0[i] if i == h else 0.0 for j in range(n)] for i in range(p)] for h in range(p)])
    np.testing.assert_array_equal(J, corrected)
    assert J[0, 0, 2] == 2.0 and printed[0, 0, 2] == 0.5  # the seed's ∂z_1/∂w_13: x_3 = 2.0, printed x_1 = 0.5
    assert not np.allclose(J, printed)


def _single_datum_squares():
    rng = np.random.default_rng(0)
    p, n = 3, 4
    W0, x0, b0, y0 = rng.normal(size=(p, n)), rng.normal(size=n), rng.normal(size=p), rng.normal(size=p)
    W = values(W0, "W")
    Lk = losses.sum_of_squares(losses.layer(W, values(x0, "x"), values(b0, "b")), y0)
    Lk.backward()
    return derivative(Lk, W), x0, 2 * (W0 @ x0 + b0 - y0)


def test_entry_before_eq28_is_dLdz_j_times_x_i():
    """(i,j)-entry of x^(k) ∂L^(k)/∂z^(k) (n×p) is ∂L/∂z_j x_i, not the printed ∂L/∂z_i x_i."""
    D, x0, g = _single_datum_squares()
    n, p = D.shape
    assert (n, p) == (4, 3)
    corrected = np.array([[g[j] * x0[i] for j in range(p)] for i in range(n)])
    np.testing.assert_allclose(D, corrected, rtol=1e-13)
    # The seed's entry (2,1): engine 1.19238 = ∂L/∂z_1 · x_2; printed ∂L/∂z_2 · x_2 = 0.58619.
    assert D[1, 0] == pytest.approx(1.1923795902716503, rel=1e-12)
    assert g[1] * x0[1] == pytest.approx(0.5861936722085991, rel=1e-12)
    printed_where_defined = np.array([[g[i] * x0[i] for j in range(p)] for i in range(p)])
    assert not np.allclose(D[:p], printed_where_defined)
    # and for i > p the printed entry names ∂L/∂z_i, which does not exist (z has p = 3 entries)
    with pytest.raises(IndexError):
        _ = [g[i] * x0[i] for i in range(n)]


def _batch():
    rng = np.random.default_rng(0)
    p, n, m = 3, 4, 5
    W0, X0, b0, Y0 = rng.normal(size=(p, n)), rng.normal(size=(n, m)), rng.normal(size=p), rng.normal(size=(p, m))
    W, X, b = values(W0, "W"), values(X0, "X"), values(b0, "b")
    Z = losses.layer(W, X, b)
    L = losses.batch_loss(losses.sum_of_squares(Z, Y0))
    L.backward()
    G = cf.per_sample_squares(W0 @ X0 + b0[:, None], Y0).grad
    return W, X, b, Z, X0, G, m


def test_grad_Z_in_eq29_30_means_the_per_sample_matrix_without_one_over_m():
    W, _, _, Z, X0, G, m = _batch()
    np.testing.assert_allclose(grads(Z), G / m, rtol=1e-12)  # the true ∇_Z of Eq. 26's L
    np.testing.assert_allclose(grads(W), G @ X0.T / m, rtol=1e-12)  # Eq. 29 with "∇_Z L" := G holds
    literal = grads(Z) @ X0.T / m  # Eq. 29 with ∇_Z L taken literally: 1/m too many
    assert not np.allclose(grads(W), literal)
    np.testing.assert_allclose(literal * m, grads(W), rtol=1e-12)


def test_eq4_notice_one_term_is_not_the_derivative_and_the_sum_is():
    x = Value(1.5)
    y1, y2 = 2.0 * x, 3.0 * x
    L = y1 + y2
    L.backward()
    one_term = 1.0 * 2.0  # ∂L/∂y_1 · ∂y_1/∂x
    assert x.grad == 5.0 and one_term != x.grad
    assert x.grad == 1.0 * 2.0 + 1.0 * 3.0  # Eq. 4: Σ_i ∂L/∂y_i ∂y_i/∂x_k


def test_eq1a_derivative_is_the_row_and_1b_the_column():
    x = values(np.array([1.0, 2.0, 3.0]), "x")
    L = (x * x).sum()
    L.backward()
    assert derivative(L, x).shape == (1, 3)  # (1a): ∂L/∂x is 1×n
    assert grads(x).shape == (3,)


def test_bias_matrix_B_repeats_b_in_all_m_columns_so_its_gradient_sums_them():
    _, _, b, _, _, G, m = _batch()
    np.testing.assert_allclose(grads(b), G.sum(axis=1) / m, rtol=1e-12)
    assert not np.allclose(grads(b), G[:, 0] / m)  # not the gradient of one column of B


def test_each_datum_has_n_features_not_m():
    rng = np.random.default_rng(1)
    p, n, m = 2, 3, 5
    W = values(rng.normal(size=(p, n)), "W")
    X = rng.normal(size=(n, m))
    assert X[:, 0].shape == (n,)  # x^(i) is a column of the n×m matrix X
    losses.layer(W, values(X[:, 0]), values(np.zeros(p)))  # n features fit W
    with pytest.raises(ValueError, match="do not fit"):
        losses.layer(W, values(np.zeros(m)), values(np.zeros(p)))  # "m attributes" would not


def test_eq17_bias_derivative_is_dL_dz_i():
    rng = np.random.default_rng(2)
    W0, x0, b0 = rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=3)
    b = values(b0, "b")
    Lk = losses.sum_of_tanh(losses.layer(values(W0), values(x0), b))
    Lk.backward()
    g = cf.per_sample_tanh(W0 @ x0 + b0).grad
    np.testing.assert_allclose(grads(b), g, rtol=1e-13)
    np.testing.assert_allclose(derivative(Lk, b), g[None, :], rtol=1e-13)  # Eq. 18: a 1×p row
