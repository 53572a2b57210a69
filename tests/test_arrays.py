"""arrays: lifting float arrays into Value arrays, reading grads back, and the literal Eq. 9 graph."""

import numpy as np
import pytest

from autograd_core import Value
from autograd_core.engine.graph import topological_order
from autograd_core.scalar.arrays import data, grads, is_value_array, values


def test_labels_are_zero_based_like_the_seeds_entries():
    W = values(np.arange(6.0).reshape(2, 3), "W")
    assert W.dtype == object and W.shape == (2, 3)
    assert W[0, 1].label == "W[0,1]" and W[1, 2].label == "W[1,2]"
    assert W[1, 2].data == 5.0
    x = values([1.5, -2.0, 4.0], "x")
    assert [e.label for e in x] == ["x[0]", "x[1]", "x[2]"]
    s = values(3.0, "s")
    assert s.shape == () and s[()].label == "s" and s[()].data == 3.0
    assert values(np.ones(2))[0].label == ""


def test_entries_are_fresh_leaves():
    W = values(np.ones((2, 2)), "W")
    assert all(e._is_leaf and e.grad == 0.0 for e in W.flat)
    assert len({id(e) for e in W.flat}) == 4


def test_integer_arrays_become_floats():
    x = values(np.array([1, 2]), "x")
    assert isinstance(x[0].data, float) and x[1].data == 2.0


@pytest.mark.parametrize("bad", [np.array([1 + 2j]), np.array(["a"]), np.array([True, False])])
def test_values_refuses_non_real_entries(bad):
    with pytest.raises(TypeError, match="real"):
        values(bad, "x")


def test_values_refuses_an_array_that_is_already_lifted():
    with pytest.raises(TypeError, match="already holds Value"):
        values(values(np.ones(2), "x"), "y")


def test_grads_and_data_read_back_float_arrays_of_the_same_shape():
    W0 = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    W = values(W0, "W")
    L = (W * W).sum()  # L = Σ w_ij², ∇_W L = 2W
    L.backward()
    g = grads(W)
    assert g.dtype == float and g.shape == (2, 3)
    np.testing.assert_array_equal(g, 2 * W0)
    np.testing.assert_array_equal(data(W), W0)
    assert is_value_array(W) and not is_value_array(W0)


def test_grads_refuses_non_values_with_a_clear_error():
    with pytest.raises(TypeError, match="numpy object array of Value nodes"):
        grads(np.ones(3))
    with pytest.raises(TypeError, match="list"):
        grads([Value(1.0)])
    mixed = np.array([Value(1.0), 2.0], dtype=object)
    with pytest.raises(TypeError, match=r"entry \(1,\) is float 2.0, not a Value"):
        grads(mixed)


def test_grads_of_a_single_value():
    v = Value(2.0)
    (v * v).backward()
    assert grads(v).shape == () and float(grads(v)) == 4.0


def test_the_layer_is_the_literal_eq9_graph():
    """z_i^(k) = Σ_j w_ij x_j^(k) + b_i: the node of z_1^(0) depends on row 1 of W, column 0 of X, b_1."""
    rng = np.random.default_rng(1)
    p, n, m = 3, 4, 2
    W, X = values(rng.normal(size=(p, n)), "W"), values(rng.normal(size=(n, m)), "X")
    b = values(rng.normal(size=p), "b")
    Z = W @ X + b[:, None]
    assert Z.shape == (p, m)
    leaves = {node.label for node in topological_order(Z[1, 0]) if node._is_leaf}
    assert leaves == {f"W[1,{j}]" for j in range(n)} | {f"X[{j},0]" for j in range(n)} | {"b[1]"}
    # n products, n - 1 sums, one bias addition
    assert sum(1 for node in topological_order(Z[1, 0]) if node.op == "*") == n
    assert sum(1 for node in topological_order(Z[1, 0]) if node.op == "+") == n
    np.testing.assert_allclose(data(Z), data(W) @ data(X) + data(b)[:, None], rtol=1e-15)


def test_layer_gradients_emerge_as_eq29():
    """∂L/∂w_ij = (1/m) Σ_k ∂L^(k)/∂z_i^(k) x_j^(k) appears from the elementwise chain rule."""
    rng = np.random.default_rng(2)
    p, n, m = 2, 3, 4
    W0, X0, b0 = rng.normal(size=(p, n)), rng.normal(size=(n, m)), rng.normal(size=p)
    W, X, b = values(W0, "W"), values(X0, "X"), values(b0, "b")
    Z = W @ X + b[:, None]
    L = (Z * Z).sum() * (1.0 / m)  # L^(k) = Σ_i z_i², ∇_{z^(k)} L^(k) = 2 z^(k)
    L.backward()
    G = 2 * (W0 @ X0 + b0[:, None])
    np.testing.assert_allclose(grads(W), G @ X0.T / m, rtol=1e-12)
    np.testing.assert_allclose(grads(X), W0.T @ G / m, rtol=1e-12)
    np.testing.assert_allclose(grads(b), G.sum(axis=1) / m, rtol=1e-12)
