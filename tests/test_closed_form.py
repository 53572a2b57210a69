"""closed_form: the seed's formulas vs the scalar Value graph, the Tensor engine and finite differences."""

import itertools

import numpy as np
import pytest
from finite_differences import numeric_gradient

from autograd_core import closed_form as cf
from autograd_core.engine import graph
from autograd_core.layer import losses
from autograd_core.scalar.arrays import grads, values
from autograd_core.scalar.layout import derivative, jacobian_of

SEEDS = range(6)


def random_layer(seed):
    rng = np.random.default_rng(seed)
    p, n, m = (int(s) for s in rng.integers(1, 6, size=3))
    return rng, rng.normal(size=(p, n)), rng.normal(size=(n, m)), rng.normal(size=p)


def per_sample_case(rng, name, p, m):
    """(engine loss, closed-form loss, target) for one of the layer's per-sample losses."""
    if name == "squares":
        return losses.sum_of_squares, cf.per_sample_squares, rng.normal(size=(p, m))
    if name == "tanh":
        return losses.sum_of_tanh, lambda Z, _t: cf.per_sample_tanh(Z), None
    return losses.softmax_cross_entropy, cf.per_sample_softmax_ce, rng.integers(0, p, size=m)


LOSS_NAMES = ["squares", "tanh", "softmax_ce"]


# --- single datum, Eq. 15-24 -----------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", LOSS_NAMES)
def test_single_datum_closed_forms_match_the_value_graph_and_finite_differences(seed, name):
    rng, W0, X0, b0 = random_layer(seed)
    p, n = W0.shape
    x0 = X0[:, 0]
    engine_loss, cf_loss, target = per_sample_case(rng, name, p, 1)
    t = None if target is None else (target[:, 0] if name == "squares" else target)
    W, x, b = values(W0, "W"), values(x0, "x"), values(b0, "b")
    z = losses.layer(W, x, b)
    Lk = engine_loss(z, t)
    Lk.backward()
    g = cf_loss(W0 @ x0 + b0, t).grad  # ∇_{z^(k)} L^(k), shape (p,)
    assert g.shape == (p,)

    assert cf.dL_dW(x0, g).shape == (n, p) and cf.grad_W(x0, g).shape == (p, n)
    np.testing.assert_allclose(derivative(Lk, W), cf.dL_dW(x0, g), rtol=1e-10, atol=1e-13)  # Eq. 15
    np.testing.assert_allclose(grads(W), cf.grad_W(x0, g), rtol=1e-10, atol=1e-13)  # Eq. 16
    assert cf.dL_db(g).shape == (1, p) and cf.grad_b(g).shape == (p,)
    np.testing.assert_allclose(derivative(Lk, b), cf.dL_db(g), rtol=1e-10, atol=1e-13)  # Eq. 18
    np.testing.assert_allclose(grads(b), cf.grad_b(g), rtol=1e-10, atol=1e-13)  # Eq. 19
    np.testing.assert_array_equal(jacobian_of(z, x), cf.dz_dx(W0))  # Eq. 21-22
    assert cf.dL_dx(W0, g).shape == (1, n) and cf.grad_x(W0, g).shape == (n,)
    np.testing.assert_allclose(derivative(Lk, x), cf.dL_dx(W0, g), rtol=1e-10, atol=1e-13)  # Eq. 23
    np.testing.assert_allclose(grads(x), cf.grad_x(W0, g), rtol=1e-10, atol=1e-13)  # Eq. 24

    def loss_of(W_, x_, b_):
        return float(cf_loss(W_ @ x_ + b_, t).value)

    np.testing.assert_allclose(numeric_gradient(lambda w: loss_of(w, x0, b0), W0), cf.grad_W(x0, g), atol=1e-6)
    np.testing.assert_allclose(numeric_gradient(lambda v: loss_of(W0, v, b0), x0), cf.grad_x(W0, g), atol=1e-6)
    np.testing.assert_allclose(numeric_gradient(lambda v: loss_of(W0, x0, v), b0), cf.grad_b(g), atol=1e-6)


# --- a batch, Eq. 26-30 and the bias -------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", LOSS_NAMES)
def test_batch_closed_forms_match_the_value_graph_and_finite_differences(seed, name):
    rng, W0, X0, b0 = random_layer(seed + 100)
    p, n = W0.shape
    m = X0.shape[1]
    engine_loss, cf_loss, target = per_sample_case(rng, name, p, m)
    W, X, b = values(W0, "W"), values(X0, "X"), values(b0, "b")
    L = losses.batch_loss(engine_loss(losses.layer(W, X, b), target))
    L.backward()
    per = cf_loss(W0 @ X0 + b0[:, None], target)
    G = per.grad  # the seed's "∇_Z L": columns ∇_{z^(k)} L^(k), no 1/m
    assert L.data == pytest.approx(per.value.mean(), rel=1e-12)
    assert cf.dL_dW_batch(X0, G).shape == (n, p)
    np.testing.assert_allclose(derivative(L, W), cf.dL_dW_batch(X0, G), rtol=1e-10, atol=1e-13)  # Eq. 27-28
    np.testing.assert_allclose(grads(W), cf.grad_W_batch(X0, G), rtol=1e-10, atol=1e-13)  # Eq. 29
    np.testing.assert_allclose(grads(X), cf.grad_X_batch(W0, G), rtol=1e-10, atol=1e-13)  # Eq. 30
    np.testing.assert_allclose(grads(b), cf.grad_b_batch(G), rtol=1e-10, atol=1e-13)  # batch bias

    def loss_of(W_, X_, b_):
        return float(cf_loss(W_ @ X_ + b_[:, None], target).value.mean())

    np.testing.assert_allclose(numeric_gradient(lambda w: loss_of(w, X0, b0), W0), cf.grad_W_batch(X0, G), atol=1e-6)
    np.testing.assert_allclose(numeric_gradient(lambda v: loss_of(W0, v, b0), X0), cf.grad_X_batch(W0, G), atol=1e-6)
    np.testing.assert_allclose(numeric_gradient(lambda v: loss_of(W0, X0, v), b0), cf.grad_b_batch(G), atol=1e-6)


def test_grad_Z_is_per_sample_gradients_without_the_one_over_m():
    """The engine's ∂L/∂Z (Z's own grads) is G/m; the seed's "∇_Z L" in Eq. 29-30 is G."""
    _rng, W0, X0, b0 = random_layer(7)
    m = X0.shape[1]
    W, X, b = values(W0, "W"), values(X0, "X"), values(b0, "b")
    Z = losses.layer(W, X, b)
    L = losses.batch_loss(losses.sum_of_tanh(Z))
    L.backward()
    G = cf.per_sample_tanh(W0 @ X0 + b0[:, None]).grad
    np.testing.assert_allclose(grads(Z), G / m, rtol=1e-12)
    np.testing.assert_allclose(cf.grad_W_batch(X0, m * grads(Z)), grads(W), rtol=1e-12)


def test_general_f_of_the_per_sample_losses_weights_each_column():
    """L = f(L^(1), ..., L^(m)) = Σ_k c_k L^(k) + (L^(1))²: column k weighted by ∂f/∂L^(k)."""
    rng = np.random.default_rng(3)
    p, n, m = 3, 2, 4
    W0, X0, b0, Y = rng.normal(size=(p, n)), rng.normal(size=(n, m)), rng.normal(size=p), rng.normal(size=(p, m))
    c = rng.normal(size=m)
    W, X, b = values(W0, "W"), values(X0, "X"), values(b0, "b")
    per_v = losses.sum_of_squares(losses.layer(W, X, b), Y)
    L = sum(float(ck) * lk for ck, lk in zip(c, per_v, strict=True)) + per_v[0] * per_v[0]
    L.backward()
    per = cf.per_sample_squares(W0 @ X0 + b0[:, None], Y)
    df = c.copy()
    df[0] += 2 * per.value[0]
    np.testing.assert_allclose(grads(W), cf.grad_W_batch(X0, per.grad, weights=df), rtol=1e-10)
    np.testing.assert_allclose(grads(X), cf.grad_X_batch(W0, per.grad, weights=df), rtol=1e-10)
    np.testing.assert_allclose(grads(b), cf.grad_b_batch(per.grad, weights=df), rtol=1e-10)
    # and with the uniform weights 1/m it is Eq. 26 again
    np.testing.assert_allclose(cf.grad_W_batch(X0, per.grad, np.full(m, 1 / m)), cf.grad_W_batch(X0, per.grad))


def test_shape_errors_name_the_function_and_both_sizes():
    with pytest.raises(ValueError, match=r"grad_W_batch: sample counts \(columns\) disagree: X has 3, grad_Z has 4"):
        cf.grad_W_batch(np.ones((2, 3)), np.ones((5, 4)))
    with pytest.raises(ValueError, match="grad_X_batch: output sizes"):
        cf.grad_X_batch(np.ones((2, 3)), np.ones((5, 4)))
    with pytest.raises(ValueError, match="dL_dW: x must be 1-D, got shape"):
        cf.dL_dW(np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="weights"):
        cf.grad_b_batch(np.ones((2, 3)), weights=np.ones(4))
    with pytest.raises(ValueError, match="layer_forward: inner sizes"):
        cf.layer_forward(np.ones((2, 3)), np.ones((4, 1)), np.ones(2))



@pytest.mark.parametrize("bad", [[[None]], [["1", "2"]], [[1 + 1j]], "ab"])
def test_non_numbers_are_refused_with_the_function_and_argument(bad):
    """np.asarray(x, dtype=float) would read None as NaN and parse strings; a formula takes numbers."""
    with pytest.raises(TypeError, match="quadratic_form_grad: A must hold real numbers"):
        cf.quadratic_form_grad(bad, [1.0])


# --- identities --------------------------------------------------------------------------------------
def test_quadratic_form_gradient_matches_the_value_graph_and_fd():
    rng = np.random.default_rng(4)
    A0, x0 = rng.normal(size=(4, 4)), rng.normal(size=4)
    A, x = values(A0, "A"), values(x0, "x")
    (x @ (A @ x)).backward()
    np.testing.assert_allclose(grads(x), cf.quadratic_form_grad(A0, x0), rtol=1e-12)
    np.testing.assert_allclose(numeric_gradient(lambda v: v @ A0 @ v, x0), cf.quadratic_form_grad(A0, x0), atol=1e-7)
    with pytest.raises(ValueError, match="A must be 4×4"):
        cf.quadratic_form_grad(np.ones((3, 4)), x0)


def test_trace_gradient_is_A_transposed_in_denominator_layout():
    rng = np.random.default_rng(5)
    A0, X0 = rng.normal(size=(2, 3)), rng.normal(size=(3, 2))
    A, X = values(A0, "A"), values(X0, "X")
    L = np.trace(A @ X)
    L.backward()
    np.testing.assert_allclose(grads(X), cf.trace_AX_grad(A0), rtol=1e-12)  # ∇_X: shape of X
    np.testing.assert_allclose(derivative(L, X), A0, rtol=1e-12)  # the seed's numerator layout: A


def test_softmax_ce_gradient_and_hessian_match_the_engine_to_second_order():
    rng = np.random.default_rng(6)
    z0, label = rng.normal(size=5), 2
    z = values(z0, "z")
    L = losses.softmax_cross_entropy(z, np.array([label]))
    first = graph.gradients(L, list(z), create_graph=True)
    np.testing.assert_allclose([g.data for g in first], cf.softmax_ce_grad(z0, label), rtol=1e-12)
    H = np.array([[float(h) for h in graph.gradients(g, list(z))] for g in first])
    np.testing.assert_allclose(H, cf.softmax_ce_hessian(z0), rtol=1e-10, atol=1e-14)
    p = cf.softmax(z0)
    np.testing.assert_allclose(cf.softmax_ce_grad(z0, label), p - np.eye(5)[label], rtol=1e-15)
    np.testing.assert_allclose(cf.softmax_ce_hessian(z0) @ np.ones(5), 0, atol=1e-15)  # rows sum to 0


def test_softmax_is_stable_for_huge_logits():
    p = cf.softmax(np.array([[1000.0], [999.0]]))
    np.testing.assert_allclose(p[:, 0], [1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1))], rtol=1e-14)
    assert np.isfinite(cf.per_sample_softmax_ce(np.array([1000.0, -1000.0]), [1]).value).all()


def test_jacobian_of_the_layer_is_W_eq22():
    rng = np.random.default_rng(8)
    W0, x0, b0 = rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=3)
    x = values(x0, "x")
    z = values(W0, "W") @ x + values(b0, "b")
    np.testing.assert_array_equal(jacobian_of(z, x), cf.dz_dx(W0))


# --- network losses ---------------------------------------------------------------------------------
def test_mse_loss_value_and_gradient():
    rng = np.random.default_rng(9)
    S, Y = rng.normal(size=(2, 5)), rng.normal(size=(2, 5))
    out = cf.mse_loss(S, Y)
    assert out.value == pytest.approx(np.mean((S - Y) ** 2))
    np.testing.assert_allclose(numeric_gradient(lambda s: cf.mse_loss(s, Y).value, S), out.grad, atol=1e-8)
    with pytest.raises(ValueError, match=r"scores have shape \(2, 5\) but targets have shape \(5,\)"):
        cf.mse_loss(S, np.ones(5))


def test_hinge_loss_value_and_gradient():
    s = np.array([[0.3, -2.0, 1.5, 0.9]])
    y = np.array([1, -1, -1, 1])
    out = cf.hinge_loss(s, y)
    assert out.value == pytest.approx(np.mean([0.7, 0.0, 2.5, 0.1]))
    assert out.grad.shape == (1, 4)
    np.testing.assert_allclose(out.grad, [[-0.25, 0.0, 0.25, -0.25]])
    np.testing.assert_allclose(numeric_gradient(lambda v: cf.hinge_loss(v, y).value, s), out.grad, atol=1e-8)
    assert cf.hinge_loss(np.array([1.0]), np.array([1])).grad[0] == 0.0  # the kink: one-sided 0
    with pytest.raises(ValueError, match="labels must be -1 or \\+1, got 0"):
        cf.hinge_loss(s, np.array([1, 0, 1, 1]))


def test_softmax_cross_entropy_loss_value_and_gradient():
    rng = np.random.default_rng(10)
    S, labels = rng.normal(size=(4, 6)), rng.integers(0, 4, size=6)
    out = cf.softmax_cross_entropy_loss(S, labels)
    P = np.exp(S) / np.exp(S).sum(axis=0)
    assert out.value == pytest.approx(-np.mean(np.log(P[labels, np.arange(6)])), rel=1e-12)
    np.testing.assert_allclose(numeric_gradient(lambda v: cf.softmax_cross_entropy_loss(v, labels).value, S), out.grad,
                               atol=1e-8)
    with pytest.raises(ValueError, match=r"labels must be in 0..3, got 4"):
        cf.softmax_cross_entropy_loss(S, np.array([0, 1, 2, 3, 4, 0]))
    with pytest.raises(ValueError, match="expected 6 integer labels"):
        cf.softmax_cross_entropy_loss(S, np.array([0, 1]))


# --- the MLP backprop recursion --------------------------------------------------------------------------
def _value_mlp_loss(Ws, bs, X0, Y, activation, loss):
    """The same network built from Value arrays: what the δ recursion must agree with."""
    act = np.frompyfunc(lambda v: getattr(v, activation)(), 1, 1)
    A = X0
    for layer, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        Z = W @ A + b[:, None]
        A = act(Z) if layer < len(Ws) - 1 and activation != "identity" else Z
    S = A
    if loss == "mse":
        r = S - np.asarray(Y, dtype=float).reshape(S.shape)
        return (r * r).sum() * (1.0 / r.size)
    if loss == "hinge":
        margins = 1.0 - S[0] * np.asarray(Y, dtype=float)
        return np.frompyfunc(lambda v: v.relu(), 1, 1)(margins).sum() * (1.0 / margins.size)
    return losses.batch_loss(losses.softmax_cross_entropy(S, Y))


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "identity"])
@pytest.mark.parametrize("loss", ["mse", "hinge", "softmax_cross_entropy"])
def test_mlp_backprop_matches_the_value_graph(activation, loss):
    rng = np.random.default_rng(11)
    sizes = [3, 5, 4, 1 if loss in ("mse", "hinge") else 3]
    m = 6
    W0 = [rng.normal(size=(o, i)) for i, o in itertools.pairwise(sizes)]
    b0 = [rng.normal(size=o) for o in sizes[1:]]
    X0 = rng.normal(size=(sizes[0], m))
    Y = {"mse": rng.normal(size=m), "hinge": rng.choice([-1, 1], size=m),
         "softmax_cross_entropy": rng.integers(0, 3, size=m)}[loss]
    Ws = [values(W, f"W{l}") for l, W in enumerate(W0)]
    bs = [values(b, f"b{l}") for l, b in enumerate(b0)]
    L = _value_mlp_loss(Ws, bs, X0, Y, activation, loss)
    L.backward()
    out = cf.mlp_backprop(W0, b0, X0, Y, activation, loss)
    assert out.loss == pytest.approx(L.data, rel=1e-12)
    assert len(out.grad_weights) == len(out.grad_biases) == len(out.deltas) == 3
    for W, gW, b, gb in zip(Ws, out.grad_weights, bs, out.grad_biases, strict=True):
        assert gW.shape == W.shape and gb.shape == b.shape
        np.testing.assert_allclose(gW, grads(W), rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(gb, grads(b), rtol=1e-9, atol=1e-13)


def test_mlp_backprop_matches_finite_differences_and_keeps_column_bias_shape():
    rng = np.random.default_rng(12)
    W0 = [rng.normal(size=(4, 2)), rng.normal(size=(3, 4))]
    b0 = [rng.normal(size=(4, 1)), rng.normal(size=3)]
    X0, labels = rng.normal(size=(2, 5)), rng.integers(0, 3, size=5)
    out = cf.mlp_backprop(W0, b0, X0, labels, "tanh", "softmax_cross_entropy")
    assert out.grad_biases[0].shape == (4, 1)

    def loss_with(layer, what):
        def f(v):
            Ws, bs = list(W0), list(b0)
            (Ws if what == "W" else bs)[layer] = v
            return cf.mlp_backprop(Ws, bs, X0, labels, "tanh", "softmax_cross_entropy").loss
        return f

    for layer in range(2):
        np.testing.assert_allclose(numeric_gradient(loss_with(layer, "W"), W0[layer]), out.grad_weights[layer],
                                   atol=1e-7)
        np.testing.assert_allclose(numeric_gradient(loss_with(layer, "b"), b0[layer]), out.grad_biases[layer],
                                   atol=1e-7)


def test_backprop_delta_is_the_two_layer_recursion():
    rng = np.random.default_rng(13)
    W2, d2, z1 = rng.normal(size=(2, 3)), rng.normal(size=(2, 4)), rng.normal(size=(3, 4))
    np.testing.assert_allclose(cf.backprop_delta(W2, d2, z1, "tanh"), (W2.T @ d2) * (1 - np.tanh(z1) ** 2))
    np.testing.assert_allclose(cf.backprop_delta(W2, d2, z1, "relu"), (W2.T @ d2) * (z1 > 0))


def test_mlp_errors_name_the_layer_and_shapes():
    X = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"weights\[1\] has shape \(1, 5\), so it expects 5 inputs, but receives 4"):
        cf.mlp_backprop([np.ones((4, 2)), np.ones((1, 5))], [np.ones(4), np.ones(1)], X, np.ones(3))
    with pytest.raises(ValueError, match=r"biases\[0\] must have shape \(4,\)"):
        cf.mlp_backprop([np.ones((4, 2))], [np.ones(3)], X, np.ones(3))
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        cf.mlp_backprop([np.ones((1, 2))], [np.ones(1)], X, np.ones(3), activation="gelu")
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        cf.mlp_backprop([np.ones((1, 2))], [np.ones(1)], X, np.ones(3), loss="l1")
    with pytest.raises(ValueError, match="one bias per weight matrix"):
        cf.mlp_backprop([np.ones((1, 2))], [], X, np.ones(3))


# --- the Tensor engine (once it exists) --------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", LOSS_NAMES)
def test_batch_closed_forms_match_the_tensor_engine(seed, name):
    tensor = pytest.importorskip("autograd_core.tensor.tensor")
    rng, W0, X0, b0 = random_layer(seed + 200)
    p = W0.shape[0]
    engine_loss, cf_loss, target = per_sample_case(rng, name, p, X0.shape[1])
    W, X, b = (tensor.Tensor(a, requires_grad=True) for a in (W0, X0, b0))
    L = losses.batch_loss(engine_loss(losses.layer(W, X, b), target))
    L.backward()
    G = cf_loss(W0 @ X0 + b0[:, None], target).grad
    np.testing.assert_allclose(W.grad, cf.grad_W_batch(X0, G), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(X.grad, cf.grad_X_batch(W0, G), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(b.grad, cf.grad_b_batch(G), rtol=1e-10, atol=1e-13)
