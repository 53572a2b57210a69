"""User-defined primitives: the worked example of the docs (a stable log(1 + eˣ)), checked by gradcheck,
used by every transform, and every misuse refused by name."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import Tensor, draw, grad, gradcheck, hessian, jacobian, jvp, primitive, values


@primitive
def log1pexp(x):
    """log(1 + eˣ), computed as logaddexp(0, x): finite for every x."""
    return np.logaddexp(0.0, x)


@log1pexp.defvjp
def _log1pexp_vjp(g, out, x):
    return g * np.exp(x - out)  # σ(x) = eˣ / (1 + eˣ) = exp(x - out), without overflow


@log1pexp.defjvp
def _log1pexp_jvp(tangents, out, x):
    return tangents[0] * np.exp(x - out)


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(x / 2))


X = np.array([-3.0, -0.5, 0.0, 0.7, 4.0])


def test_the_users_rule_passes_gradcheck():
    report = gradcheck(lambda x: (log1pexp(x) * np.arange(1.0, 6.0)).sum(), X, engine="tensor")
    assert report.passed


def test_the_users_rule_is_a_broken_rule_caught_by_gradcheck():
    wrong = primitive(lambda x: np.logaddexp(0.0, x), vjp=lambda g, out, x: g * np.exp(-out))  # 1 - σ, not σ
    assert not gradcheck(lambda x: wrong(x).sum(), X, engine="tensor", raise_on_failure=False).passed


def test_it_stays_finite_where_the_naive_formula_overflows():
    big = np.array([1000.0, -1000.0])
    np.testing.assert_array_equal(grad(lambda x: log1pexp(x).sum())(big), [1.0, 0.0])
    with np.errstate(over="ignore"):
        naive = grad(lambda x: np.log(1.0 + np.exp(x)).sum(), engine="tensor")(big)
    assert np.isnan(naive[0]) or np.isinf(naive[0]) or naive[0] != 1.0  # why the primitive exists


def test_every_transform_uses_the_rule():
    s = sigmoid(X)
    np.testing.assert_allclose(grad(lambda x: log1pexp(x).sum())(X), s, rtol=1e-12)
    # vjp written with numpy functions runs on Tensors under create_graph: the Hessian is σ(1 - σ)
    np.testing.assert_allclose(hessian(lambda x: log1pexp(x).sum())(X), np.diag(s * (1 - s)), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(jacobian(log1pexp, mode="forward")(X), np.diag(s), rtol=1e-12)
    np.testing.assert_allclose(jacobian(log1pexp, mode="reverse")(X), np.diag(s), rtol=1e-12)
    _, tangent = jvp(log1pexp, X, np.ones(5))
    np.testing.assert_allclose(tangent, s, rtol=1e-12)


def test_on_tensors_it_is_one_node_that_drawings_name():
    x = Tensor(X, requires_grad=True, label="x")
    y = log1pexp(x)
    assert y.op == "log1pexp" and y.parents == (x,)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, sigmoid(X), rtol=1e-12)
    assert "log1pexp" in draw(y.sum()).source
    np.testing.assert_allclose(log1pexp(X), np.logaddexp(0.0, X))  # plain numbers: just the forward


def test_a_primitive_of_two_operands():
    # f(A, x) = A x with its rules written by hand: ∇_A = g xᵀ, ∇_x = Aᵀ g
    matvec = primitive(lambda a, x: a @ x, vjp=lambda g, out, a, x: (np.outer(g, x), a.T @ g),
                       jvp=lambda ts, out, a, x: (0.0 if ts[0] is None else ts[0] @ x)
                       + (0.0 if ts[1] is None else a @ ts[1]), name="matvec")
    rng = np.random.default_rng(0)
    A, x, w = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3)
    gA, gx = grad(lambda a, v: matvec(a, v) @ w, argnums=(0, 1))(A, x)
    np.testing.assert_allclose(gA, np.outer(w, x), rtol=1e-12)
    np.testing.assert_allclose(gx, A.T @ w, rtol=1e-12)
    np.testing.assert_allclose(jacobian(lambda v: matvec(A, v), mode="forward")(x), A, rtol=1e-12)


@pytest.mark.parametrize(
    ("f", "error", "words"),
    [
        (lambda x: primitive(lambda y: np.exp(y))(x).sum(), NotImplementedError,
         r"<lambda>: no reverse rule; give one with primitive\(forward, vjp=...\)"),
        (lambda x: primitive(np.exp, vjp=lambda g, out, y: np.ones(2))(x).sum(), ValueError,
         r"exp: vjp's gradient for operand 0 has shape \(2,\), expected \(5,\)"),
        (lambda x: primitive(np.exp, vjp=lambda g, out, y: (g, g))(x).sum(), ValueError,
         "exp: vjp returned 2 gradients for 1 operands"),
        (lambda x: primitive(lambda y: "text", vjp=lambda g, out, y: g)(x).sum(), TypeError,
         "<lambda>: forward must return real numbers"),
    ],
)
def test_misuse_is_refused_by_name(f, error, words):
    with pytest.raises(error, match=words):
        grad(f, engine="tensor")(X)


def test_forward_mode_without_a_jvp_is_refused_by_name():
    only_reverse = primitive(np.exp, vjp=lambda g, out, y: g * out)
    with pytest.raises(NotImplementedError, match="exp: no forward rule, so forward mode"):
        jvp(only_reverse, X, np.ones(5))


def test_value_nodes_are_refused_and_auto_falls_back_to_tensor():
    with pytest.raises(TypeError, match="log1pexp: a user-defined primitive runs on the Tensor engine"):
        log1pexp(values(X))
    assert grad(lambda x: log1pexp(x).sum(), engine="auto")(X).shape == (5,)


def test_forward_must_be_a_function():
    with pytest.raises(TypeError, match="primitive: forward must be a function, got int"):
        primitive(3)
