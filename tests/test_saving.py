"""Saving models as named arrays (state_dict / load_state_dict, np.savez without pickle), and what copying or
pickling a node does: leaves copy, computed nodes are refused with a message (never a RecursionError)."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from autograd_core import Tensor, Value, nn, optim


def outputs(model, X):
    if isinstance(model, nn.TensorMLP):
        return model.scores(X).data
    return np.array([[v.data for v in model(list(row))] for row in X])


X = np.random.default_rng(0).normal(size=(5, 3))


@pytest.mark.parametrize("kind", [nn.MLP, nn.TensorMLP])
def test_state_dict_keys_shapes_and_copies(kind):
    model = kind(3, [4, 2], activation="tanh", seed=0)
    state = model.state_dict()
    assert list(state) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    assert [a.shape for a in state.values()] == [(4, 3), (4,), (2, 4), (2,)]
    np.testing.assert_array_equal(state["layers.0.weight"], model.weights()[0])   # W, p × n (Eq. 6b)
    state["layers.0.weight"][0, 0] = 99.0                                          # a copy, not a view
    assert model.weights()[0][0, 0] != 99.0


@pytest.mark.parametrize("kind", [nn.MLP, nn.TensorMLP])
def test_save_with_savez_and_load_without_pickle(kind, tmp_path):
    trained, fresh = kind(3, [4, 2], activation="tanh", seed=0), kind(3, [4, 2], activation="tanh", seed=7)
    np.savez(tmp_path / "model.npz", **trained.state_dict())
    with np.load(tmp_path / "model.npz", allow_pickle=False) as saved:
        fresh.load_state_dict(saved)
    np.testing.assert_array_equal(outputs(fresh, X), outputs(trained, X))


def test_a_model_trained_on_one_engine_loads_into_the_other():
    scalar, tensor = nn.MLP(3, [4, 2], activation="tanh", seed=0), nn.TensorMLP(3, [4, 2], activation="tanh", seed=1)
    tensor.load_state_dict(scalar.state_dict())
    np.testing.assert_allclose(outputs(tensor, X), outputs(scalar, X), rtol=1e-12)


def test_loading_updates_in_place_so_the_optimizer_keeps_working():
    model = nn.TensorMLP(3, [2], seed=0)
    opt = optim.SGD(model.parameters(), lr=0.1)
    before = [p for p in model.parameters()]
    model.load_state_dict(nn.TensorMLP(3, [2], seed=3).state_dict())
    assert all(a is b for a, b in zip(model.parameters(), before, strict=True))
    loss = (model.scores(X) ** 2).sum()
    loss.backward()
    old = model.state_dict()["layers.0.weight"]
    opt.step()
    assert not np.array_equal(model.state_dict()["layers.0.weight"], old)


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        (lambda s: s.pop("layers.1.bias"), ValueError, "missing layers.1.bias"),
        (lambda s: s.update(extra=np.zeros(2)), ValueError, "unexpected extra"),
        (lambda s: s.update({"layers.0.weight": np.zeros((3, 4))}), ValueError,
         r"layers.0.weight has shape \(3, 4\), but this TensorMLP's layers.0.weight has shape \(4, 3\)"),
        (lambda s: s.update({"layers.0.bias": np.array(["a"] * 4)}), TypeError, "layers.0.bias must hold real numbers"),
        (lambda s: s.update({"layers.0.bias": np.full(4, np.nan)}), ValueError, "layers.0.bias has non-finite entries"),
    ],
)
def test_a_mismatch_is_refused_by_name_and_changes_nothing(change, error, words):
    model = nn.TensorMLP(3, [4, 2], seed=0)
    before = model.state_dict()
    state = nn.TensorMLP(3, [4, 2], seed=1).state_dict()
    change(state)
    with pytest.raises(error, match=words):
        model.load_state_dict(state)
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(array, before[name])


def test_a_custom_module_names_its_parameters_by_position():
    class Scale(nn.Module):
        def __init__(self):
            self.a, self.s = Tensor([1.0, 2.0], requires_grad=True), Value(3.0)

        def parameters(self):
            return [self.a, self.s]

    model = Scale()
    assert list(model.state_dict()) == ["param.0", "param.1"]
    model.load_state_dict({"param.0": np.array([5.0, 6.0]), "param.1": np.array(7.0)})
    assert model.a.data.tolist() == [5.0, 6.0] and model.s.data == 7.0


# --- copying and pickling nodes -------------------------------------------------------------------------
def test_leaves_copy_and_pickle_with_their_grad():
    v = Value(2.0, label="w")
    v.grad = 0.5
    for copied in (copy.deepcopy(v), pickle.loads(pickle.dumps(v))):
        assert (copied.data, copied.grad, copied.label) == (2.0, 0.5, "w") and copied is not v
    t = Tensor([1.0, 2.0], requires_grad=True, label="W")
    (t * t).sum().backward()
    for copied in (copy.deepcopy(t), pickle.loads(pickle.dumps(t))):
        assert copied.requires_grad and copied.label == "W"
        np.testing.assert_array_equal(copied.grad, [2.0, 4.0])
        copied.data[0] = 9.0
        assert t.data[0] == 1.0                     # its own array


@pytest.mark.parametrize("model", [nn.MLP(2, [3, 1], seed=0), nn.TensorMLP(2, [3, 1], seed=0)])
def test_a_model_deep_copies(model):
    twin = copy.deepcopy(model)
    for (name, a), b in zip(model.state_dict().items(), twin.state_dict().values(), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert all(p is not q for p, q in zip(model.parameters(), twin.parameters(), strict=True))


def test_a_deep_computed_chain_is_refused_not_a_recursion_error():
    x = Value(1.0)
    for _ in range(5000):
        x = x * 1.0001 + 0.1
    for attempt in (copy.deepcopy, pickle.dumps, copy.copy):
        with pytest.raises(TypeError, match=r"cannot copy or pickle a Value computed from other nodes \(op '\+'\)"):
            attempt(x)


def test_a_computed_tensor_is_refused_with_the_way_forward():
    t = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"computed from other nodes \(op '\*'\).*state_dict\(\).*detach\(\)"):
        pickle.dumps(t * 2.0)
    assert pickle.loads(pickle.dumps((t * 2.0).detach())).data.tolist() == [2.0, 4.0]


def test_a_leaf_whose_grad_is_a_graph_is_refused():
    x = Value(0.5)
    (x * x * x).backward(create_graph=True)
    with pytest.raises(TypeError, match="its grad is a graph"):
        copy.deepcopy(x)
