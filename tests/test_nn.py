"""nn: modules on both engines, their forward passes and gradients against closed forms and
finite differences, the losses against closed_form, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import Value, closed_form, nn
from autograd_core.tensor.tensor import Tensor


def numeric_grad(f, arrays, eps=1e-6):
    """Central differences of the scalar f() w.r.t. every entry of every array (modified in place)."""
    out = []
    for a in arrays:
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + eps
            up = f()
            a[idx] = old - eps
            down = f()
            a[idx] = old
            g[idx] = (up - down) / (2 * eps)
        out.append(g)
    return out


def numpy_forward(weights, biases, X, activation):
    """The MLP on rows: A_l = σ(A_{l-1} W_lᵀ + b_l), last layer linear."""
    A = X
    for i, (W, b) in enumerate(zip(weights, biases, strict=True)):
        A = A @ W.T + b
        if i < len(weights) - 1:
            A = closed_form.activation(activation, A)
    return A


# --- structure ---------------------------------------------------------------------------------------
def test_value_mlp_2_16_16_1_has_337_parameters_labelled_like_the_seed():
    model = nn.MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()
    assert len(params) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1 == 337
    assert model.n_parameters() == 337
    assert all(isinstance(p, Value) for p in params)
    assert len({id(p) for p in params}) == 337
    assert params[0].label == "1.W[0,0]" and params[1].label == "1.W[0,1]" and params[2].label == "1.b[0]"
    assert [layer.activation for layer in model.layers] == ["relu", "relu", "identity"]
    assert model.sizes == [2, 16, 16, 1] and model.nin == 2 and model.nout == 1


def test_initialisation_is_seedable():
    a, b, c = nn.MLP(3, [4, 2], seed=5), nn.MLP(3, [4, 2], seed=5), nn.MLP(3, [4, 2], seed=6)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.data for p in a.parameters()] != [p.data for p in c.parameters()]
    ta, tb = nn.TensorMLP(3, [4, 2], seed=5), nn.TensorMLP(3, [4, 2], seed=5)
    for p, q in zip(ta.parameters(), tb.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_linear_stores_w_as_the_seed_does_and_bounds_its_init():
    layer = nn.Linear(64, 10, seed=0)
    assert layer.W.shape == (10, 64) and layer.b.shape == (10,)
    assert layer.W.requires_grad and layer.b.requires_grad
    assert np.abs(layer.W.data).max() <= 1 / 8 and np.abs(layer.W.data).max() > 0.1


def test_linear_on_rows_is_the_transpose_of_the_seed_layer():
    rng = np.random.default_rng(0)
    layer = nn.Linear(4, 3, seed=1)
    X = rng.normal(size=(5, 4))  # 5 samples as rows
    Z = layer(X)
    assert Z.shape == (5, 3)
    # the seed: Z = W X + B with samples as columns (Eq. 5)
    np.testing.assert_allclose(Z.data, closed_form.layer_forward(layer.W.data, X.T, layer.b.data).T, rtol=1e-14)


def test_linear_gradient_is_eq_29_in_the_seed_orientation():
    rng = np.random.default_rng(2)
    layer = nn.Linear(4, 3, seed=3)
    X = rng.normal(size=(6, 4))
    Z = layer(Tensor(X))
    G = rng.normal(size=(6, 3))  # ∂L/∂Z on rows; the seed's grad_Z (columns, no 1/m) is m·Gᵀ
    Z.backward(G)
    m = X.shape[0]
    np.testing.assert_allclose(layer.W.grad, closed_form.grad_W_batch(X.T, m * G.T), rtol=1e-12)
    np.testing.assert_allclose(layer.b.grad, closed_form.grad_b_batch(m * G.T), rtol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "identity"])
def test_both_mlps_compute_the_same_function_as_numpy(activation):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(7, 3))
    vm = nn.MLP(3, [5, 4, 2], activation, seed=1)
    tm = nn.TensorMLP(3, [5, 4, 2], activation, seed=1)
    expected_v = numpy_forward(vm.weights(), vm.biases(), X, activation)
    got_v = np.array([[s.data for s in row] for row in vm.scores(X)])
    np.testing.assert_allclose(got_v, expected_v, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tm.scores(X).data, numpy_forward(tm.weights(), tm.biases(), X, activation), rtol=1e-12)


def test_value_mlp_returns_a_value_for_one_output_and_a_list_otherwise():
    assert isinstance(nn.MLP(2, [3, 1], seed=0)([0.5, -1.0]), Value)
    out = nn.MLP(2, [3, 4], seed=0)([0.5, -1.0])
    assert isinstance(out, list) and len(out) == 4


# --- gradients: engines vs closed-form backprop vs finite differences ----------------------------------
LOSS_CASES = [
    ("mse", lambda rng, m, q: rng.normal(size=(m, q)) if q > 1 else rng.normal(size=m)),
    ("hinge", lambda rng, m, q: rng.choice([-1, 1], size=m)),
    ("softmax_cross_entropy", lambda rng, m, q: rng.integers(0, q, size=m)),
]


@pytest.mark.parametrize(("loss", "make_y"), LOSS_CASES)
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_tensor_mlp_gradients_equal_closed_form_backprop(loss, make_y, activation):
    rng = np.random.default_rng(10)
    q = 1 if loss == "hinge" else 3
    model = nn.TensorMLP(4, [6, 5, q], activation, seed=2)
    X = rng.normal(size=(8, 4))
    y = make_y(rng, 8, q)
    L = nn.loss_function(loss)(model.scores(X), y)
    model.zero_grad()
    L.backward()
    targets = y.T if loss == "mse" else y
    ref = closed_form.mlp_backprop(model.weights(), model.biases(), X.T, targets, activation, loss)
    assert float(L.data) == pytest.approx(ref.loss, rel=1e-12)
    for got, want in zip(model.weight_grads() + model.bias_grads(), ref.grad_weights + ref.grad_biases, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize(("loss", "make_y"), LOSS_CASES)
def test_value_mlp_gradients_equal_tensor_mlp_and_finite_differences(loss, make_y):
    rng = np.random.default_rng(11)
    q = 1 if loss == "hinge" else 3
    vm = nn.MLP(3, [4, q], "tanh", seed=3)
    tm = nn.TensorMLP(3, [4, q], "tanh", seed=0)
    for layer_t, W, b in zip(tm.layers, vm.weights(), vm.biases(), strict=True):  # same weights in both
        layer_t.W.data[...] = W
        layer_t.b.data[...] = b
    X = rng.normal(size=(5, 3))
    y = make_y(rng, 5, q)
    loss_fn = nn.loss_function(loss)
    Lv, Lt = loss_fn(vm.scores(X), y), loss_fn(tm.scores(X), y)
    assert Lv.data == pytest.approx(float(Lt.data), rel=1e-12)
    Lv.backward()
    Lt.backward()
    for gv, gt in zip(vm.weight_grads() + vm.bias_grads(), tm.weight_grads() + tm.bias_grads(), strict=True):
        np.testing.assert_allclose(gv, gt, rtol=1e-10, atol=1e-14)
    arrays = [layer.W.data for layer in tm.layers] + [layer.b.data for layer in tm.layers]
    numeric = numeric_grad(lambda: float(loss_fn(tm.scores(X), y).data), arrays)
    for got, want in zip(tm.weight_grads() + tm.bias_grads(), numeric, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-8)


# --- losses against closed_form -------------------------------------------------------------------------
def leaf_scores(S):
    """The same scores as a Tensor leaf and as a list of lists of Value leaves."""
    return Tensor(S, requires_grad=True), [[Value(float(v)) for v in row] for row in S]


def test_mse_loss_value_and_gradient_match_closed_form():
    rng = np.random.default_rng(20)
    S, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    ref = closed_form.mse_loss(S.T, Y.T)  # closed_form: classes in rows, samples in columns
    t, v = leaf_scores(S)
    Lt, Lv = nn.mse_loss(t, Y), nn.mse_loss(v, Y)
    Lt.backward()
    Lv.backward()
    assert float(Lt.data) == pytest.approx(ref.value) and Lv.data == pytest.approx(ref.value)
    np.testing.assert_allclose(t.grad, ref.grad.T, rtol=1e-12)
    np.testing.assert_allclose([[x.grad for x in row] for row in v], ref.grad.T, rtol=1e-12)


def test_hinge_loss_value_and_gradient_match_closed_form():
    s = np.array([2.0, 0.3, -0.5, -3.0, 0.9])
    y = np.array([1, 1, 1, -1, -1])
    ref = closed_form.hinge_loss(s, y)
    assert ref.value == pytest.approx((0 + 0.7 + 1.5 + 0 + 1.9) / 5)
    t = Tensor(s.reshape(5, 1), requires_grad=True)
    v = [Value(float(x)) for x in s]
    Lt, Lv = nn.hinge_loss(t, y), nn.hinge_loss(v, y)
    Lt.backward()
    Lv.backward()
    assert float(Lt.data) == pytest.approx(ref.value) and Lv.data == pytest.approx(ref.value)
    np.testing.assert_allclose(t.grad[:, 0], ref.grad, rtol=1e-12)
    np.testing.assert_allclose([x.grad for x in v], ref.grad, rtol=1e-12)


def test_softmax_cross_entropy_matches_closed_form_and_survives_huge_logits():
    rng = np.random.default_rng(21)
    S = rng.normal(size=(5, 4)) * 3
    S[0, 1] = 1000.0  # exp(1000) overflows without the shift
    y = np.array([1, 0, 3, 2, 2])
    ref = closed_form.softmax_cross_entropy_loss(S.T, y)
    t, v = leaf_scores(S)
    Lt, Lv = nn.softmax_cross_entropy_loss(t, y), nn.softmax_cross_entropy_loss(v, y)
    Lt.backward()
    Lv.backward()
    assert np.isfinite(float(Lt.data))
    assert float(Lt.data) == pytest.approx(ref.value, rel=1e-12) and Lv.data == pytest.approx(ref.value, rel=1e-12)
    np.testing.assert_allclose(t.grad, ref.grad.T, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose([[x.grad for x in row] for row in v], ref.grad.T, rtol=1e-10, atol=1e-15)


def test_loss_names_and_aliases():
    assert nn.loss_name("cross_entropy") == "softmax_cross_entropy"
    assert nn.loss_function("mse") is nn.mse_loss
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        nn.loss_function("l1")


# --- activations and zero_grad ---------------------------------------------------------------------------
def test_activation_functions_on_each_engine():
    x = Value(0.3)
    assert nn.tanh(x).data == pytest.approx(np.tanh(0.3))
    assert nn.relu(Value(-2.0)).data == 0.0
    assert [v.data for v in nn.sigmoid([Value(0.0), Value(100.0)])] == pytest.approx([0.5, 1.0])
    np.testing.assert_allclose(nn.relu(Tensor([-1.0, 2.0])).data, [0.0, 2.0])
    assert nn.activate(x, "identity") is x
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        nn.MLP(2, [3, 1], activation="gelu")


def test_zero_grad_on_both_engines():
    vm, tm = nn.MLP(2, [2, 1], seed=0), nn.TensorMLP(2, [2, 1], seed=0)
    vm([1.0, 2.0]).backward()
    tm(np.array([[1.0, 2.0]])).sum().backward()
    assert any(p.grad != 0.0 for p in vm.parameters()) and all(p.grad is not None for p in tm.parameters())
    vm.zero_grad()
    tm.zero_grad()
    assert all(p.grad == 0.0 for p in vm.parameters()) and all(p.grad is None for p in tm.parameters())


# --- bad input ---------------------------------------------------------------------------------------------
def test_wrong_feature_count_names_expected_and_actual():
    with pytest.raises(ValueError, match="expected 2 features per sample, got 3"):
        nn.MLP(2, [4, 1], seed=0)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"expected 64 features per sample, got 63 \(input of shape \(5, 63\)\)"):
        nn.TensorMLP(64, [10], seed=0)(np.zeros((5, 63)))
    with pytest.raises(ValueError, match=r"expected 4 features per sample, got 3 \(input of shape \(2, 3\)\)"):
        nn.Linear(4, 2)(Tensor(np.zeros((2, 3))))


def test_labels_out_of_range_name_the_range_and_the_values():
    scores = Tensor(np.zeros((3, 4)), requires_grad=True)
    with pytest.raises(ValueError, match=r"in 0..3 for 4 classes, got values from 0 to 4"):
        nn.softmax_cross_entropy_loss(scores, [0, 4, 1])
    with pytest.raises(ValueError, match=r"labels must be -1 or \+1.*\[0\]"):
        nn.hinge_loss([Value(0.1), Value(0.2)], [0, 1])
    with pytest.raises(ValueError, match=r"targets of shape \(3,\) do not match scores of shape \(3, 4\)"):
        nn.mse_loss(scores, [1.0, 2.0, 3.0])


def test_bad_layer_sizes():
    with pytest.raises(ValueError, match="layer sizes must be positive integers"):
        nn.MLP(2, [0, 1])
    with pytest.raises(ValueError, match="layer sizes must be positive integers"):
        nn.TensorMLP(2, [])


@pytest.mark.parametrize("loss", ["mse", "hinge", "softmax_cross_entropy"])
def test_an_empty_batch_is_the_same_clear_error_on_both_engines(loss):
    # The Tensor losses returned NaN (the mean of nothing) while the Value ones raised.
    from autograd_core import Tensor
    from autograd_core.learn.training_losses import loss_function

    f = loss_function(loss)
    for scores in (Tensor(np.zeros((0, 2 if loss == "softmax_cross_entropy" else 1)), requires_grad=True), []):
        with pytest.raises(ValueError, match="a loss needs at least one sample, got an empty batch"):
            f(scores, np.zeros(0, dtype=int))
