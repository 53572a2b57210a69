"""Seed equations that docs/derivation.md maps to a test and no other module tests on its own.

Each test computes the equation's statement with the engine (the scalar Value graph) and compares it
with the equation as printed (indices corrected where docs/errata.md says so). Code indices are
zero-based; comments use the seed's one-based names.
"""

from types import SimpleNamespace

import numpy as np
import pytest

from autograd_core import Value
from autograd_core import closed_form as cf
from autograd_core.layer import losses
from autograd_core.scalar.arrays import data, grads, values
from autograd_core.scalar.layout import derivative, jacobian_of


def _single_datum(seed=0, p=3, n=4):
    rng = np.random.default_rng(seed)
    W0, x0, b0, y0 = rng.normal(size=(p, n)), rng.normal(size=n), rng.normal(size=p), rng.normal(size=p)
    W, x, b = values(W0, "W"), values(x0, "x"), values(b0, "b")
    z = losses.layer(W, x, b)
    Lk = losses.sum_of_squares(z, y0)
    Lk.backward()
    return SimpleNamespace(W0=W0, x0=x0, b0=b0, W=W, x=x, b=b, z=z, Lk=Lk)


def test_eq1b_vector_by_scalar_is_a_column():
    t = Value(0.4)
    x = np.array([t * t, t.sin(), 3.0 * t], dtype=object)
    column = jacobian_of(x, [t])
    assert column.shape == (3, 1)  # Eq. 1b: ∂x/∂L is n×1, shaped like x
    np.testing.assert_allclose(column[:, 0], [0.8, np.cos(0.4), 3.0], rtol=1e-14)


def test_eq9_each_z_i_is_the_sum_over_j_plus_b_i():
    d = _single_datum()
    W0, x0, b0, z = d.W0, d.x0, d.b0, d.z
    expected = [sum(W0[i, j] * x0[j] for j in range(W0.shape[1])) + b0[i] for i in range(W0.shape[0])]
    np.testing.assert_allclose(data(z), expected, rtol=1e-14)
    np.testing.assert_allclose(data(z), cf.layer_forward(W0, x0, b0), rtol=1e-14)


def test_eq10_entry_j_i_of_the_derivative_is_dL_dw_ij():
    d = _single_datum(seed=1)
    W0, W, Lk = d.W0, d.W, d.Lk
    D = derivative(Lk, W)
    p, n = W0.shape
    assert D.shape == (n, p)
    for i in range(p):
        for j in range(n):
            assert D[j, i] == W[i, j].grad  # Eq. 10: row j, column i holds ∂L/∂w_ij


def test_eq11_12_dL_dw_ij_is_the_row_dL_dz_times_the_column_dz_dw_ij():
    d = _single_datum(seed=2)
    W0, W, z = d.W0, d.W, d.z
    row = grads(z)[None, :]  # Eq. 12a: ∂L/∂z, 1×p
    p, n = W0.shape
    for i in range(p):
        for j in range(n):
            column = jacobian_of(z, [W[i, j]])  # Eq. 12b: ∂z/∂w_ij, p×1
            assert column.shape == (p, 1)
            assert (row @ column).item() == pytest.approx(W[i, j].grad, rel=1e-13, abs=1e-15)  # Eq. 11


def test_eq14_dL_dw_ij_is_dL_dz_i_times_x_j():
    d = _single_datum(seed=3)
    W0, x0, W, z = d.W0, d.x0, d.W, d.z
    g = grads(z)
    for i in range(W0.shape[0]):
        for j in range(W0.shape[1]):
            assert W[i, j].grad == pytest.approx(g[i] * x0[j], rel=1e-13, abs=1e-15)


def test_eq20_chain_rule_in_numerator_layout_row_times_jacobian():
    d = _single_datum(seed=4)
    x, z, Lk = d.x, d.z, d.Lk
    dL_dz = grads(z)[None, :]  # 1×p
    dz_dx = jacobian_of(z, x)  # p×n
    np.testing.assert_allclose(derivative(Lk, x), dL_dz @ dz_dx, rtol=1e-13)


def test_eq26_batch_loss_is_the_mean_of_the_per_sample_losses():
    rng = np.random.default_rng(5)
    Z0, Y = rng.normal(size=(3, 6)), rng.normal(size=(3, 6))
    Z = values(Z0, "Z")
    per = losses.sum_of_squares(Z, Y)
    L = losses.batch_loss(per)
    assert L.data == pytest.approx(cf.per_sample_squares(Z0, Y).value.mean(), rel=1e-14)
    L.backward()
    for k, Lk in enumerate(per):
        assert Lk.grad == pytest.approx(1 / 6, rel=1e-14), k  # ∂L/∂L^(k) = 1/m
