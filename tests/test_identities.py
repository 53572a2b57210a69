"""The classic closed-form identities (autograd_core.layer.closed_form, each with its source) vs both engines.

The engines differentiate by the chain rule over the derivative table; the oracles are written out
by hand, independently of that table. Both engines are driven through the functional API, the
Value engine on scalar-level object arrays and the Tensor engine on whole arrays.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import Tensor, closed_form, grad, hessian, jacobian

RNG = np.random.default_rng(20190803)
ENGINES = ["value", "tensor"]


def entrywise(z, name):
    """``σ(z)`` for either engine: a method call on a Tensor, on each entry of a Value array."""
    if isinstance(z, Tensor):
        return getattr(z, name)()
    return np.frompyfunc(lambda e: getattr(e, name)(), 1, 1)(z)


def total(z):
    return z.sum() if isinstance(z, Tensor) else np.sum(z)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", range(3))
def test_quadratic_form_gradient_is_A_plus_A_transposed_x(engine, seed):
    rng = np.random.default_rng(seed)
    n = 2 + seed
    A, x = rng.normal(size=(n, n)), rng.normal(size=n)
    f = lambda v: v @ (A @ v)
    np.testing.assert_allclose(grad(f, engine=engine)(x), closed_form.quadratic_form_grad(A, x), rtol=1e-12,
                               atol=1e-14)
    np.testing.assert_allclose(hessian(f, engine=engine)(x), A + A.T, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("engine", ENGINES)
def test_trace_gradient_is_A_transposed_in_denominator_layout_and_A_in_numerator(engine):
    A = RNG.normal(size=(3, 4))  # k×n, X is n×k
    X = RNG.normal(size=(4, 3))

    def trace_AX(M):
        P = A @ M
        if isinstance(P, Tensor):
            return P[np.arange(3), np.arange(3)].sum()
        return np.trace(P)

    den = jacobian(trace_AX, layout="denominator", engine=engine)(X)
    num = jacobian(trace_AX, layout="numerator", engine=engine)(X)
    np.testing.assert_allclose(den, closed_form.trace_AX_grad(A), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(num, A, rtol=1e-14, atol=1e-15)  # Eq. 3's transposed derivative
    np.testing.assert_allclose(grad(trace_AX, engine=engine)(X), A.T, rtol=1e-14, atol=1e-15)


def softmax_ce(z, label):
    """``log Σ e^{z_i} − z_label``, the per-sample softmax cross-entropy, on either engine."""
    lse = total(entrywise(z, "exp"))
    return lse.log() - z[label]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("label", [0, 2])
def test_softmax_cross_entropy_gradient_and_hessian(engine, label):
    z = RNG.normal(size=4)
    g = grad(softmax_ce, engine=engine)(z, label)
    np.testing.assert_allclose(g, closed_form.softmax_ce_grad(z, label), rtol=1e-12, atol=1e-15)
    H = hessian(softmax_ce, engine=engine)(z, label)
    np.testing.assert_allclose(H, closed_form.softmax_ce_hessian(z), rtol=1e-12, atol=1e-15)
    assert np.allclose(H @ np.ones(4), 0.0, atol=1e-15)  # shifting every logit changes nothing


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_layer_jacobian_is_W_eq22(engine, mode):
    W, b, x = RNG.normal(size=(3, 5)), RNG.normal(size=3), RNG.normal(size=5)
    layer = lambda v: W @ v + b
    J = jacobian(layer, mode=mode, engine=engine)(x)
    np.testing.assert_allclose(J, closed_form.dz_dx(W), rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(jacobian(layer, layout="denominator", mode=mode, engine=engine)(x), W.T,
                               rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_two_layer_backprop_recursion(engine, activation):
    """δ^(1) = (W₂ᵀ δ^(2)) ⊙ σ'(z^(1)), with δ^(l) = ∂L/∂z^(l) computed by the engine itself."""
    rng = np.random.default_rng(7)
    W1, b1 = rng.normal(size=(4, 3)), rng.normal(size=4)
    W2, b2 = rng.normal(size=(2, 4)), rng.normal(size=2)
    x, label = rng.normal(size=3), 1
    z1 = W1 @ x + b1
    assert np.min(np.abs(z1)) > 1e-3  # away from relu's kink

    loss_of_z2 = lambda z2: softmax_ce(z2, label)
    loss_of_z1 = lambda z: softmax_ce(W2 @ entrywise(z, activation) + b2, label)
    a1 = closed_form.activation(activation, z1)
    delta2 = grad(loss_of_z2, engine=engine)(W2 @ a1 + b2)
    delta1 = grad(loss_of_z1, engine=engine)(z1)
    np.testing.assert_allclose(delta2, closed_form.softmax_ce_grad(W2 @ a1 + b2, label), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(delta1, closed_form.backprop_delta(W2, delta2, z1, activation), rtol=1e-12,
                               atol=1e-15)
    # and ∇_{W1} L = δ^(1) xᵀ (Eq. 17 with the recursion's δ)
    loss_of_W1 = lambda M: softmax_ce(W2 @ entrywise(M @ x + b1, activation) + b2, label)
    np.testing.assert_allclose(grad(loss_of_W1, engine=engine)(W1), np.outer(delta1, x), rtol=1e-12, atol=1e-15)


def test_identities_hold_in_the_numerator_layout_too():
    """The seed's Eq. 1a row: for a scalar by a vector both layouts are the same 1-D array."""
    A, x = RNG.normal(size=(3, 3)), RNG.normal(size=3)
    f = lambda v: v @ (A @ v)
    np.testing.assert_allclose(jacobian(f)(x), jacobian(f, layout="denominator")(x), rtol=0, atol=0)
    np.testing.assert_allclose(jacobian(f)(x), closed_form.quadratic_form_grad(A, x), rtol=1e-12)
