"""The executable matrix-calculus reference (docs/reference.md): one test per row.

Each rule is computed by the library's engines -- ``autograd_core.beyond.functional.jacobian`` (and ``grad``,
``hessian``) on the scalar ``Value`` graph and on ``Tensor`` -- in **both layouts**, and compared with
the rule's closed form:

* numerator layout (the seed's Eq. 2, 1a, 3): rows follow the output, so ``∂y/∂x`` is m×n, the
  derivative of a scalar by an n-vector is a 1×n row, by a p×n matrix an n×p matrix;
* denominator layout: the transpose -- for a scalar, the gradient ∇ shaped like the variable.

Scalar outputs are returned as 1-element vectors, so that the row (1×n) and the column (n×1) are
visible as shapes. Vectors are random and seeded; kinks (relu at 0) are avoided on purpose.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import Tensor, grad, hessian, jacobian
from autograd_core import closed_form as cf

ENGINES = ["value", "tensor"]
TOL = dict(rtol=1e-12, atol=1e-12)


# --- helpers: one function body for both engines -----------------------------------------------------
def fn(x, name):
    """Elementwise ``name`` (sin, exp, tanh, relu ...) on a Tensor, an object array of Values, or a Value."""
    if isinstance(x, Tensor) or not isinstance(x, np.ndarray):
        return getattr(x, name)()
    if x.dtype != object:  # a constant argument: plain numbers
        return np.maximum(x, 0.0) if name == "relu" else getattr(np, name)(x)
    out = np.empty(x.shape, dtype=object)
    for index in np.ndindex(x.shape):
        out[index] = getattr(x[index], name)()
    return out


def one(s):
    """A scalar node as a 1-element vector, so its derivative shows as a 1×n row (numerator) / n×1 column."""
    if isinstance(s, Tensor | np.ndarray):
        return s.reshape(1)
    return np.array([s], dtype=object)


def both_layouts(f, args, argnums, engine):
    numerator = jacobian(f, argnums=argnums, layout="numerator", engine=engine)(*args)
    denominator = jacobian(f, argnums=argnums, layout="denominator", engine=engine)(*args)
    return numerator, denominator


def check(f, args, argnum, engine, expected_numerator):
    """The engine's Jacobian of ``f`` w.r.t. ``args[argnum]`` equals the rule, in both layouts."""
    expected = np.asarray(expected_numerator, dtype=float)
    numerator, denominator = both_layouts(f, args, argnum, engine)
    assert numerator.shape == expected.shape
    np.testing.assert_allclose(numerator, expected, **TOL)
    assert denominator.shape == expected.T.shape
    np.testing.assert_allclose(denominator, expected.T, **TOL)


@pytest.fixture
def rng():
    return np.random.default_rng(20180201)


def vec(rng, n=4, low=0.5, high=2.0):
    """Entries bounded away from zero (safe to divide by), with random signs."""
    return rng.uniform(low, high, size=n) * rng.choice([-1.0, 1.0], size=n)


# --- element-wise binary operators: diagonal Jacobians ---------------------------------------------
@pytest.mark.parametrize("engine", ENGINES)
def test_elementwise_add(engine, rng):
    w, x = vec(rng), vec(rng)
    check(lambda w, x: w + x, (w, x), 0, engine, np.eye(4))
    check(lambda w, x: w + x, (w, x), 1, engine, np.eye(4))


@pytest.mark.parametrize("engine", ENGINES)
def test_elementwise_subtract(engine, rng):
    w, x = vec(rng), vec(rng)
    check(lambda w, x: w - x, (w, x), 0, engine, np.eye(4))
    check(lambda w, x: w - x, (w, x), 1, engine, -np.eye(4))


@pytest.mark.parametrize("engine", ENGINES)
def test_elementwise_multiply(engine, rng):
    w, x = vec(rng), vec(rng)
    check(lambda w, x: w * x, (w, x), 0, engine, np.diag(x))
    check(lambda w, x: w * x, (w, x), 1, engine, np.diag(w))


@pytest.mark.parametrize("engine", ENGINES)
def test_elementwise_divide(engine, rng):
    w, x = vec(rng), vec(rng)
    check(lambda w, x: w / x, (w, x), 0, engine, np.diag(1 / x))
    check(lambda w, x: w / x, (w, x), 1, engine, np.diag(-w / x**2))


@pytest.mark.parametrize("engine", ENGINES)
def test_elementwise_function_has_a_diagonal_jacobian(engine, rng):
    x = vec(rng)
    check(lambda x: fn(x, "tanh"), (x,), 0, engine, np.diag(1 - np.tanh(x) ** 2))
    w = vec(rng)
    # y_i = sin(w_i) · exp(x_i): each output depends on its own pair only
    check(lambda w, x: fn(w, "sin") * fn(x, "exp"), (w, x), 0, engine, np.diag(np.cos(w) * np.exp(x)))
    check(lambda w, x: fn(w, "sin") * fn(x, "exp"), (w, x), 1, engine, np.diag(np.sin(w) * np.exp(x)))


# --- scalar expansion: a vector and a scalar -------------------------------------------------------
@pytest.mark.parametrize("engine", ENGINES)
def test_scalar_expansion_add(engine, rng):
    x, z = vec(rng), np.array([0.7])
    check(lambda x, z: x + z, (x, z), 0, engine, np.eye(4))
    check(lambda x, z: x + z, (x, z), 1, engine, np.ones((4, 1)))


@pytest.mark.parametrize("engine", ENGINES)
def test_scalar_expansion_subtract(engine, rng):
    x, z = vec(rng), np.array([0.7])
    check(lambda x, z: x - z, (x, z), 0, engine, np.eye(4))
    check(lambda x, z: x - z, (x, z), 1, engine, -np.ones((4, 1)))


@pytest.mark.parametrize("engine", ENGINES)
def test_scalar_expansion_multiply(engine, rng):
    x, z = vec(rng), np.array([0.7])
    check(lambda x, z: x * z, (x, z), 0, engine, 0.7 * np.eye(4))
    check(lambda x, z: x * z, (x, z), 1, engine, x[:, None])


@pytest.mark.parametrize("engine", ENGINES)
def test_scalar_expansion_divide(engine, rng):
    x, z = vec(rng), np.array([0.7])
    check(lambda x, z: x / z, (x, z), 0, engine, np.eye(4) / 0.7)
    check(lambda x, z: x / z, (x, z), 1, engine, (-x / 0.7**2)[:, None])


# --- sum reduction ----------------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ENGINES)
def test_sum_reduction(engine, rng):
    x = vec(rng)
    check(lambda x: one(x.sum()), (x,), 0, engine, np.ones((1, 4)))


@pytest.mark.parametrize("engine", ENGINES)
def test_sum_of_an_elementwise_function(engine, rng):
    x = vec(rng)
    check(lambda x: one(fn(x, "sin").sum()), (x,), 0, engine, np.cos(x)[None, :])


@pytest.mark.parametrize("engine", ENGINES)
def test_sum_of_a_scaled_vector(engine, rng):
    x, z = vec(rng), np.array([0.7])
    check(lambda x, z: one((x * z).sum()), (x, z), 0, engine, 0.7 * np.ones((1, 4)))
    check(lambda x, z: one((x * z).sum()), (x, z), 1, engine, [[x.sum()]])


# --- vector by vector ---------------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ENGINES)
def test_identity_jacobian(engine, rng):
    check(lambda x: x, (vec(rng),), 0, engine, np.eye(4))


@pytest.mark.parametrize("engine", ENGINES)
def test_matrix_vector_product_jacobian(engine, rng):
    A = rng.normal(size=(3, 4))
    check(lambda x: A @ x, (vec(rng),), 0, engine, A)


@pytest.mark.parametrize("engine", ENGINES)
def test_vector_matrix_product_jacobian(engine, rng):
    A = rng.normal(size=(4, 3))
    check(lambda x: x @ A, (vec(rng),), 0, engine, A.T)


# --- chain rules --------------------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ENGINES)
def test_single_variable_chain_rule(engine):
    x = 0.8
    f = grad(lambda x: (x * x).sin(), engine=engine)(x)          # d/dx sin(x²)
    outer = grad(lambda u: u.sin(), engine=engine)(x * x)         # f'(g(x)) = cos(x²)
    inner = grad(lambda x: x * x, engine=engine)(x)               # g'(x) = 2x
    assert f == pytest.approx(outer * inner, rel=1e-14)
    assert f == pytest.approx(np.cos(x * x) * 2 * x, rel=1e-14)


@pytest.mark.parametrize("engine", ENGINES)
def test_single_variable_total_derivative_chain_rule(engine):
    """y = f(x, u(x)) with f(x, u) = x·u + x² and u(x) = sin x: dy/dx = ∂f/∂x + ∂f/∂u · du/dx."""
    x = 0.8

    def f(x, u):
        return x * u + x * x

    def u(x):
        return x.sin()

    total = grad(lambda x: f(x, u(x)), engine=engine)(x)
    ux = np.sin(x)
    df_dx = grad(f, argnums=0, engine=engine)(x, ux)              # u held fixed
    df_du = grad(f, argnums=1, engine=engine)(x, ux)
    du_dx = grad(u, engine=engine)(x)
    assert total == pytest.approx(df_dx + df_du * du_dx, rel=1e-14)
    assert total == pytest.approx(np.sin(x) + x * np.cos(x) + 2 * x, rel=1e-14)
    assert total != pytest.approx(df_dx, rel=1e-3)                 # the partial alone is not the derivative


@pytest.mark.parametrize("engine", ENGINES)
def test_vector_chain_rule(engine, rng):
    """∂f(g(x))/∂x = (∂f/∂g)(∂g/∂x) in numerator layout; (∂g/∂x)ᵀ(∂f/∂g)ᵀ in denominator layout."""
    x = vec(rng, n=3)

    def g(x):
        return x[:2] * x[1:] + fn(x[:2], "sin")                   # R³ → R²

    def f(y):
        return y * y.sum()                                         # R² → R²

    gx = x[:2] * x[1:] + np.sin(x[:2])
    Jf, Jf_den = both_layouts(f, (gx,), 0, engine)
    Jg, Jg_den = both_layouts(g, (x,), 0, engine)
    J, J_den = both_layouts(lambda x: f(g(x)), (x,), 0, engine)
    np.testing.assert_allclose(J, Jf @ Jg, **TOL)
    np.testing.assert_allclose(J_den, Jg_den @ Jf_den, **TOL)
    by_hand_Jf = np.diag(np.full(2, gx.sum())) + gx[:, None] * np.ones((1, 2))
    by_hand_Jg = np.array([[x[1] + np.cos(x[0]), x[0], 0.0], [0.0, x[2] + np.cos(x[1]), x[1]]])
    np.testing.assert_allclose(J, by_hand_Jf @ by_hand_Jg, **TOL)


# --- the neuron and its loss -------------------------------------------------------------------------
def activation(w, b, x):
    """max(0, w·x + b), as a 1-element vector."""
    return fn(one((w * x).sum() + b[0]), "relu")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("active", [True, False])
def test_neuron_activation_gradient_wrt_weights(engine, active, rng):
    w, x = vec(rng), vec(rng)
    b = np.array([1.0 - w @ x if active else -1.0 - w @ x])        # w·x + b = ±1, away from the kink
    expected = x[None, :] if active else np.zeros((1, 4))
    check(activation, (w, b, x), 0, engine, expected)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("active", [True, False])
def test_neuron_activation_gradient_wrt_bias(engine, active, rng):
    w, x = vec(rng), vec(rng)
    b = np.array([1.0 - w @ x if active else -1.0 - w @ x])
    check(activation, (w, b, x), 1, engine, [[1.0 if active else 0.0]])


def neuron_loss_problem(rng, N=8, n=3):
    X, y, w = rng.normal(size=(N, n)), rng.normal(size=N), rng.normal(size=n)
    b = np.array([0.1])
    s = X @ w + b[0]
    keep = np.abs(s) > 1e-3                                        # no sample sits on the kink
    return X[keep], y[keep], w, b


def neuron_loss(w, b, X, y):
    """C(w, b) = (1/N) Σ_i (y_i − max(0, w·x_i + b))², as a 1-element vector."""
    r = y - fn(X @ w + b[0], "relu")
    return one((r * r).sum() * (1.0 / len(y)))


def neuron_loss_closed_form(w, b, X, y):
    """∇_w C = (2/N) Σ_{i: w·x_i+b > 0} (w·x_i + b − y_i) x_i and ∂C/∂b = (2/N) Σ_{same i} (w·x_i + b − y_i)."""
    s = X @ w + b[0]
    e = np.where(s > 0, s - y, 0.0)
    return 2 / len(y) * (e @ X), 2 / len(y) * e.sum()


@pytest.mark.parametrize("engine", ENGINES)
def test_loss_gradient_wrt_weights(engine, rng):
    X, y, w, b = neuron_loss_problem(rng)
    gw, _ = neuron_loss_closed_form(w, b, X, y)
    assert np.any(X @ w + b[0] > 0) and np.any(X @ w + b[0] < 0)   # both regimes occur
    check(lambda w, b: neuron_loss(w, b, X, y), (w, b), 0, engine, gw[None, :])


@pytest.mark.parametrize("engine", ENGINES)
def test_loss_gradient_wrt_bias(engine, rng):
    X, y, w, b = neuron_loss_problem(rng)
    _, gb = neuron_loss_closed_form(w, b, X, y)
    check(lambda w, b: neuron_loss(w, b, X, y), (w, b), 1, engine, [[gb]])


# --- identities in autograd_core.layer.closed_form -------------------------------------------------------
@pytest.mark.parametrize("engine", ENGINES)
def test_quadratic_form_gradient(engine, rng):
    A, x = rng.normal(size=(4, 4)), vec(rng)
    check(lambda x: one((x * (A @ x)).sum()), (x,), 0, engine, cf.quadratic_form_grad(A, x)[None, :])


@pytest.mark.parametrize("engine", ENGINES)
def test_trace_gradient(engine, rng):
    A, X = rng.normal(size=(2, 3)), rng.normal(size=(3, 2))
    numerator = jacobian(lambda X: (A * X.T).sum(), engine=engine)(X)            # tr(AX) = Σ_ij a_ij x_ji
    denominator = jacobian(lambda X: (A * X.T).sum(), layout="denominator", engine=engine)(X)
    np.testing.assert_allclose(denominator, cf.trace_AX_grad(A), **TOL)         # ∇_X = Aᵀ, shaped like X
    np.testing.assert_allclose(numerator, cf.trace_AX_grad(A).T, **TOL)         # Eq. 3: A itself
    assert numerator.shape == A.shape and denominator.shape == X.shape


@pytest.mark.parametrize("engine", ENGINES)
def test_layer_jacobian_is_W(engine, rng):
    W, b = rng.normal(size=(3, 4)), rng.normal(size=3)
    check(lambda x: W @ x + b, (vec(rng),), 0, engine, cf.dz_dx(W))


def softmax_ce(z, label):
    """CE(softmax(z), y) = log Σ_i e^{z_i} − z_y (small logits: no shift needed here)."""
    return fn(fn(z, "exp").sum(), "log") - z[label]


@pytest.mark.parametrize("engine", ENGINES)
def test_softmax_cross_entropy_gradient(engine, rng):
    z = rng.normal(size=4)
    check(lambda z: one(softmax_ce(z, 2)), (z,), 0, engine, cf.softmax_ce_grad(z, 2)[None, :])


@pytest.mark.parametrize("engine", ENGINES)
def test_softmax_cross_entropy_hessian(engine, rng):
    z = rng.normal(size=4)
    H = hessian(lambda z: softmax_ce(z, 1), engine=engine)(z)
    np.testing.assert_allclose(H, cf.softmax_ce_hessian(z), **TOL)
    np.testing.assert_allclose(H, H.T, **TOL)                       # symmetric: both layouts agree


@pytest.mark.parametrize("engine", ENGINES)
def test_backprop_delta_recursion(engine, rng):
    """δ¹ = (W₂ᵀ δ²) ⊙ σ'(z¹) for a = tanh(z¹), z² = W₂ a: the engine's ∇_{z¹} vs the closed form."""
    W2, z1, delta2 = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=2)
    J = jacobian(lambda z1: (delta2 * (W2 @ fn(z1, "tanh"))).sum(), layout="denominator", engine=engine)(z1)
    np.testing.assert_allclose(J, cf.backprop_delta(W2, delta2, z1, "tanh"), **TOL)


@pytest.mark.parametrize("engine", ENGINES)
def test_seed_single_datum_weight_gradient(engine, rng):
    """Eq. 15 (numerator, n×p) and Eq. 16 (denominator = ∇, p×n) for L = Σ_i tanh(z_i), z = Wx + b."""
    W, x, b = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=2)
    g = cf.per_sample_tanh(W @ x + b).grad
    numerator, denominator = both_layouts(lambda W: fn(W @ x + b, "tanh").sum(), (W,), 0, engine)
    np.testing.assert_allclose(numerator, cf.dL_dW(x, g), **TOL)
    np.testing.assert_allclose(denominator, cf.grad_W(x, g), **TOL)


@pytest.mark.parametrize("engine", ENGINES)
def test_seed_batch_weight_gradient(engine, rng):
    """Eq. 27–28 (numerator, n×p) and Eq. 29 (∇_W L = (1/m)(∇_Z L) Xᵀ, p×n)."""
    W, X, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 5)), rng.normal(size=2)
    G = cf.per_sample_tanh(W @ X + b[:, None]).grad
    f = lambda W: fn(W @ X + b.reshape(2, 1), "tanh").sum() * (1 / 5)
    numerator, denominator = both_layouts(f, (W,), 0, engine)
    np.testing.assert_allclose(numerator, cf.dL_dW_batch(X, G), **TOL)
    np.testing.assert_allclose(denominator, cf.grad_W_batch(X, G), **TOL)


@pytest.mark.parametrize("engine", ENGINES)
def test_seed_batch_input_gradient(engine, rng):
    """Eq. 30: ∇_X L = (1/m) Wᵀ(∇_Z L), n×m; the numerator layout is its transpose, m×n."""
    W, X, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 5)), rng.normal(size=2)
    G = cf.per_sample_tanh(W @ X + b[:, None]).grad
    f = lambda X: fn(W @ X + b.reshape(2, 1), "tanh").sum() * (1 / 5)
    numerator, denominator = both_layouts(f, (X,), 0, engine)
    np.testing.assert_allclose(denominator, cf.grad_X_batch(W, G), **TOL)
    np.testing.assert_allclose(numerator, cf.grad_X_batch(W, G).T, **TOL)
