"""losses: the per-sample losses on Value arrays, on Tensor and on floats, vs closed forms and finite differences."""

import numpy as np
import pytest
from finite_differences import numeric_gradient

from autograd_core import closed_form as cf
from autograd_core.layer import losses
from autograd_core.scalar.arrays import data, grads, values


def case(name, seed=0, p=4, m=3):
    rng = np.random.default_rng(seed)
    Z0 = rng.normal(size=(p, m)) * 2
    target = {"squares": rng.normal(size=(p, m)), "tanh": None, "softmax_ce": rng.integers(0, p, size=m)}[name]
    closed = {"squares": cf.per_sample_squares, "tanh": lambda Z, _t: cf.per_sample_tanh(Z),
              "softmax_ce": cf.per_sample_softmax_ce}[name]
    return Z0, target, losses.PER_SAMPLE_LOSSES[name], closed


NAMES = ["squares", "tanh", "softmax_ce"]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name", NAMES)
def test_value_engine_loss_values_and_gradients(name, seed):
    Z0, target, loss, closed = case(name, seed)
    Z = values(Z0, "Z")
    per = loss(Z, target)
    assert per.shape == (Z0.shape[1],)
    ref = closed(Z0, target)
    np.testing.assert_allclose(data(per), ref.value, rtol=1e-13)
    L = losses.batch_loss(per)
    L.backward()
    m = Z0.shape[1]
    np.testing.assert_allclose(grads(Z), ref.grad / m, rtol=1e-12, atol=1e-15)

    def batch(z):
        return float(losses.batch_loss(loss(z, target)))

    np.testing.assert_allclose(numeric_gradient(batch, Z0), grads(Z), atol=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_float_arrays_give_the_same_numbers(name):
    Z0, target, loss, closed = case(name, 5)
    np.testing.assert_allclose(loss(Z0, target), closed(Z0, target).value, rtol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_single_datum_gives_a_scalar(name):
    Z0, target, loss, closed = case(name, 6, m=1)
    t = None if target is None else (target[:, 0] if name == "squares" else target)
    Lk = loss(values(Z0[:, 0], "z"), t)
    assert Lk.data == pytest.approx(float(closed(Z0[:, 0], t).value), rel=1e-13)


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    Z0 = np.array([[1000.0, -1000.0], [999.0, 0.0], [-5.0, 1000.0]])
    labels = np.array([1, 2])
    Z = values(Z0, "Z")
    per = losses.softmax_cross_entropy(Z, labels)
    expected = np.array([1.0 + np.log1p(np.exp(-1.0) + np.exp(-1005.0)), 0.0])  # log Σ e^(z - z_y)
    np.testing.assert_allclose(data(per), expected, rtol=1e-12, atol=1e-300)
    losses.batch_loss(per).backward()
    assert np.isfinite(grads(Z)).all()
    np.testing.assert_allclose(grads(Z), cf.per_sample_softmax_ce(Z0, labels).grad / 2, atol=1e-15)


def test_layer_builds_z_on_value_arrays():
    rng = np.random.default_rng(1)
    W0, X0, b0 = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=2)
    Z = losses.layer(values(W0, "W"), values(X0, "X"), values(b0, "b"))
    np.testing.assert_allclose(data(Z), W0 @ X0 + b0[:, None], rtol=1e-14)
    z = losses.layer(values(W0, "W"), values(X0[:, 0], "x"), values(b0, "b"))
    np.testing.assert_allclose(data(z), W0 @ X0[:, 0] + b0, rtol=1e-14)
    with pytest.raises(ValueError, match=r"W \(2, 3\), X \(4, 4\), b \(2,\)"):
        losses.layer(values(W0), values(np.ones((4, 4))), values(b0))


def test_bad_input_is_refused_clearly():
    Z = values(np.ones((3, 2)), "Z")
    with pytest.raises(ValueError, match=r"Z has shape \(3, 2\) but targets Y have shape \(2, 3\)"):
        losses.sum_of_squares(Z, np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"labels must be integers in 0..2 for 3 classes, got values from 0 to 3"):
        losses.softmax_cross_entropy(Z, np.array([0, 3]))
    with pytest.raises(ValueError, match=r"expected 2 labels \(one per sample\), got labels of shape \(3,\)"):
        losses.softmax_cross_entropy(Z, np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="targets Y must be a plain number array"):
        losses.sum_of_squares(Z, values(np.ones((3, 2))))
    with pytest.raises(TypeError, match="expected a Tensor, an object array of Values or a float array, got list"):
        losses.sum_of_tanh([[1.0]])
    with pytest.raises(ValueError, match="batch_loss: needs the m per-sample losses as a 1-D array"):
        losses.batch_loss(values(np.ones((2, 2))))
    with pytest.raises(ValueError, match="p×m"):
        losses.sum_of_tanh(values(np.ones((2, 2, 2))))



def test_a_value_array_with_a_none_entry_is_named():
    Z = values(np.ones((2, 2)), "Z")
    Z[0, 1] = None
    with pytest.raises(TypeError, match="object array of Value nodes; it holds NoneType None"):
        losses.sum_of_tanh(Z)


# --- Tensor ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name", NAMES)
def test_tensor_engine_loss_values_and_gradients(name, seed):
    tensor = pytest.importorskip("autograd_core.tensor.tensor")
    Z0, target, loss, closed = case(name, seed + 10)
    Z = tensor.Tensor(Z0, requires_grad=True)
    per = loss(Z, target)
    ref = closed(Z0, target)
    np.testing.assert_allclose(np.asarray(per.data), ref.value, rtol=1e-13)
    losses.batch_loss(per).backward()
    np.testing.assert_allclose(Z.grad, ref.grad / Z0.shape[1], rtol=1e-12, atol=1e-15)
    # and entry by entry against the scalar graph on the same Z
    Zv = values(Z0, "Z")
    losses.batch_loss(loss(Zv, target)).backward()
    np.testing.assert_allclose(Z.grad, grads(Zv), rtol=1e-12, atol=1e-15)


def test_tensor_softmax_is_stable_and_mixing_engines_is_refused():
    tensor = pytest.importorskip("autograd_core.tensor.tensor")
    Z = tensor.Tensor(np.array([[1000.0], [999.0]]), requires_grad=True)
    per = losses.softmax_cross_entropy(Z, np.array([1]))
    assert np.isfinite(np.asarray(per.data)).all()
    with pytest.raises(TypeError, match="cannot mix Tensor"):
        losses.layer(tensor.Tensor(np.ones((2, 2))), values(np.ones(2)), values(np.ones(2)))
