"""derive: the matrix formula of a gradient, derived from the graph and checked by it (issue 18).

The formulas are evaluated at fresh random inputs (never the ones they were derived at) and compared with the
engine's gradient and with the closed forms typed in independently (the seed's Eq. 29-30, the Matrix Cookbook).
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import derive, grad, softmax
from autograd_core import functions as F
from autograd_core.beyond.symbolic.derive import DerivationError, NotDerivable
from autograd_core.beyond.symbolic.expr import Leaf, MatMul, Named, Transpose
from autograd_core.layer.closed_form import cookbook, seed
from autograd_core.layer.losses import batch_loss, layer, softmax_cross_entropy, sum_of_squares, sum_of_tanh

p, n, m = 3, 4, 5


def squares(W, X, b, Y):
    return batch_loss(sum_of_squares(layer(W, X, b), Y))


def tanh_loss(W, X, b):
    return batch_loss(sum_of_tanh(layer(W, X, b)))


def cross_entropy(W, X, b, labels):
    return batch_loss(softmax_cross_entropy(layer(W, X, b), labels))


def layer_args(rng, loss):
    W, X, b = rng.normal(size=(p, n)), rng.normal(size=(n, m)), rng.normal(size=p)
    if loss is squares:
        return W, X, b, rng.normal(size=(p, m))
    if loss is cross_entropy:
        return W, X, b, rng.integers(0, p, size=m)
    return W, X, b


@pytest.mark.parametrize("loss", [squares, tanh_loss])
@pytest.mark.parametrize("wrt", [0, 1, 2])
def test_the_seeds_layer_evaluates_to_the_engines_gradient_at_fresh_inputs(loss, wrt):
    d = derive(loss, *layer_args(np.random.default_rng(0), loss), wrt=wrt)
    rng = np.random.default_rng(1)
    for _ in range(3):
        fresh = layer_args(rng, loss)
        engine = grad(loss, argnums=wrt, engine="tensor")(*fresh)
        assert d.evaluate(*fresh).shape == np.shape(fresh[wrt])
        assert np.max(np.abs(d.evaluate(*fresh) - engine)) <= 1e-10
        assert d.check(*fresh).ok


@pytest.mark.parametrize("loss", [squares, tanh_loss, cross_entropy])
def test_eq_29_30_and_the_bias_read_as_the_seed_writes_them(loss):
    args = layer_args(np.random.default_rng(2), loss)
    W_formula, X_formula, b_formula = (str(derive(loss, *args, wrt=k)) for k in range(3))
    assert W_formula.splitlines()[0] == "∇_W L = (1/m) GXᵀ"  # Eq. 29
    assert X_formula.splitlines()[0] == "∇_X L = (1/m) WᵀG"  # Eq. 30
    assert b_formula.splitlines()[0] == "∇_b L = (1/m) G1ₘ"  # the bias: the columns of G summed
    assert "Z = WX + b1ₘᵀ" in W_formula
    G = {squares: "G = 2(Z − Y)", tanh_loss: "G = 1 − tanh²(Z)", cross_entropy: "G = softmax(Z) − Y"}[loss]
    assert G in W_formula


def test_the_W_formula_is_a_matrix_product_with_X_transposed_and_no_index_notation():
    d = derive(squares, *layer_args(np.random.default_rng(3), squares), wrt=0)
    body = d.gradient.operand  # (1/m) · (G Xᵀ)
    assert isinstance(body, MatMul) and isinstance(body.factors[0], Named)
    assert body.factors[-1] == Transpose(Leaf("X", (n, m), 1))
    text = str(d)
    assert not any(mark in text for mark in ("Σ", "_i", "_j", "_k", "[", "δ"))


def test_G_columns_are_the_per_sample_gradients_of_the_seed():
    W, X, b, Y = layer_args(np.random.default_rng(4), squares)
    d = derive(squares, W, X, b, Y, wrt=0)
    G = next(x for x in d.definitions if x.name == "G")
    from autograd_core.beyond.symbolic.expr import Env

    env = Env([a.reshape(a.shape[0], -1) for a in (W, X, b, Y)])
    per_sample = seed.per_sample_squares(seed.layer_forward(W, X, b), Y).grad
    assert np.allclose(G.definition.evaluate(env), per_sample)
    assert np.allclose(d.evaluate(W, X, b, Y), seed.grad_W_batch(X, per_sample))


def test_numerator_layout_is_the_transpose():
    args = layer_args(np.random.default_rng(5), squares)
    d = derive(squares, *args, wrt=0, layout="numerator")
    assert str(d).splitlines()[0] == "∂L/∂W = (1/m) XGᵀ"  # Eq. 28: X ∂L/∂Z
    assert np.allclose(d.evaluate(*args), derive(squares, *args, wrt=0).evaluate(*args).T)
    b = derive(squares, *args, wrt=2, layout="numerator")
    assert str(b).splitlines()[0] == "∂L/∂b = (1/m) 1ₘᵀGᵀ"  # Eq. 18: a row


def test_latex_and_jupyter():
    d = derive(tanh_loss, *layer_args(np.random.default_rng(6), tanh_loss), wrt=0)
    tex = d.latex()
    assert r"\nabla_{\boldsymbol{W}} L &= \frac{1}{m} \boldsymbol{G} \boldsymbol{X}^{T}" in tex
    assert r"\tanh^{2}" in tex and tex.startswith(r"\begin{aligned}")
    assert d._repr_latex_() == f"$${tex}$$"


COOKBOOK = {  # key: the formula derive prints
    "det_X": "∇_X f = det(X) X⁻ᵀ",
    "tr_AXB": "∇_X f = AᵀBᵀ",
    "aT_Xinv_b": "∇_X f = −X⁻ᵀabᵀX⁻ᵀ",
    "tr_XTBX": "∇_X f = (Bᵀ + B)X",
    "logabsdet_X": "∇_X f = X⁻ᵀ",
    "det_AXB": "∇_X f = det(AXB) X⁻ᵀ",
    "tr_X": "∇_X f = I",
    "aT_X_b": "∇_X f = abᵀ",
    "xT_B_x": "∇_x f = (Bᵀ + B)x",
    "tr_XTX": "∇_X f = 2X",
    "det_Xinv": "∇_X f = −det(X⁻¹) X⁻ᵀ",
}


@pytest.mark.parametrize("key", sorted(COOKBOOK))
def test_the_cookbook_forms_evaluate_to_the_closed_forms_at_fresh_inputs(key):
    identity = cookbook.IDENTITIES[key]
    rng = np.random.default_rng(7)
    d = derive(identity.f, *identity.args(rng), wrt=identity.wrt)
    assert str(d).splitlines()[0] == COOKBOOK[key]
    for _ in range(3):
        fresh = identity.args(rng)
        assert np.allclose(d.evaluate(*fresh), identity.gradient(*fresh), rtol=1e-10, atol=1e-10)


def attention(Q, K, V):
    return (softmax(Q @ K.T / np.sqrt(Q.shape[1]), axis=-1) @ V).sum()


def test_the_attention_gradient_with_respect_to_Q_evaluates_correctly_at_a_fresh_Q():
    rng = np.random.default_rng(8)
    Q, K, V = rng.normal(size=(4, 3)), rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    d = derive(attention, Q, K, V)
    text = str(d)
    assert text.splitlines()[0] == "∇_Q f = (1/√3) GK"
    assert "P = softmax(S)" in text and "S = (1/√3) QKᵀ" in text
    fresh_Q = rng.normal(size=Q.shape)
    engine = grad(attention, engine="tensor")(fresh_Q, K, V)
    assert np.max(np.abs(d.evaluate(fresh_Q, K, V) - engine)) <= 1e-10


def test_softmax_cross_entropy_holds_the_one_hot_labels_it_was_derived_with():
    args = layer_args(np.random.default_rng(9), cross_entropy)
    d = derive(cross_entropy, *args, wrt=0)
    other = (*args[:3], (args[3] + 1) % p)
    with pytest.raises(ValueError, match="derive again"):
        d.evaluate(*other)
    fresh = (*layer_args(np.random.default_rng(10), tanh_loss), args[3])
    assert d.check(*fresh).ok


@pytest.mark.parametrize(("f", "op"), [(lambda X: F.max(X), "'amax'"), (lambda X: X[0, 1], "'index'"),
                                       (lambda X: F.cumsum(X, axis=0).sum(), "'cumsum'")])
def test_a_function_outside_derive_is_refused_naming_the_op(f, op):
    with pytest.raises(NotDerivable, match=op):
        derive(f, np.random.default_rng(0).normal(size=(3, 4)))


def test_a_formula_that_disagrees_with_the_engine_is_an_error_never_a_result():
    X = np.random.default_rng(11).normal(size=(3, 4))
    with pytest.raises(DerivationError, match="disagrees"):
        derive(lambda X: (X * X.data.max()).sum(), X)  # a constant from X's numbers: not symbolic in X


def test_evaluate_refuses_other_shapes():
    d = derive(tanh_loss, *layer_args(np.random.default_rng(12), tanh_loss))
    with pytest.raises(ValueError, match="shape"):
        d.evaluate(np.zeros((2, 2)), np.zeros((n, m)), np.zeros(p))


def test_elementwise_maps_and_vectors():
    rng = np.random.default_rng(13)
    X = rng.normal(size=(3, 4))
    assert str(derive(lambda X: X.relu().sum(), X)) == "∇_X f = 𝟙(X > 0)"
    assert str(derive(lambda X: (X ** 3).mean(), X)) == "∇_X f = (1/4) X∘²"
    assert str(derive(lambda X: F.logsumexp(X), X)) == "∇_X f = softmax(X)"
    a, x = rng.normal(size=4), rng.normal(size=4)
    assert str(derive(lambda a, x: np.tanh(a @ x), a, x, wrt=1)) == "∇_x f = (1 − tanh²(aᵀx)) a"
