"""Tensor graphs drawn and explained by the same code as Value graphs (only the node protocol is used)."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import Tensor
from autograd_core.see.draw import draw
from autograd_core.see.explain import explain
from autograd_core.see.frames import backward_frames


def layer():
    rng = np.random.default_rng(0)
    W = Tensor(rng.normal(size=(2, 3)), requires_grad=True, label="W")
    X = Tensor(rng.normal(size=(3, 4)), label="X")
    b = Tensor(np.array([[0.5], [-1.0]]), requires_grad=True, label="b")
    Z = W @ X + b
    Z.label = "Z"
    L = (Z.tanh() ** 2).mean()
    L.label = "L"
    L.backward()
    return L, W, b


def test_tensor_boxes_show_label_shape_and_summaries():
    L, W, b = layer()
    src = draw(L).source
    g = W.grad
    assert f"W | shape 2×3 | data {W.data.min():.4g}…{W.data.max():.4g} (mean {W.data.mean():.4g}) | " \
           f"grad {g.min():.4g}…{g.max():.4g} (mean {g.mean():.4g})" in src
    assert f"b | shape 2×1 | data [0.5, -1] | grad [{b.grad[0, 0]:.4g}, {b.grad[1, 0]:.4g}]" in src
    assert "X | shape 3×4 |" in src and "grad —" in src  # X needs no gradient
    assert "L | shape scalar | data " in src and "grad 1" in src
    assert 'n2op [label="@"' in src


def test_tensor_highlight_and_local_derivatives():
    L, _, b = layer()
    src = draw(L, highlight=b, show_local=True).source
    assert "n3 [label=" in src and 'color=crimson' in src.split("n3 [label=")[1].split("\n")[0]  # b is on the path
    assert "n0 [label=" in src and "crimson" not in src.split("n0 [label=")[1].split("\n")[0]  # W is not
    assert "local 1" in src  # ∂(A + b)/∂b = 1, elementwise, from the derivative table
    assert 'label="local' in src.split("n4 -> n5op")[1].split("\n")[0]  # tanh' = 1 - tanh², an array


def test_explain_sums_tensor_contributions():
    L, W, b = layer()
    for leaf in (W, b):
        e = explain(L, leaf)
        assert len(e.terms) == 1 and e.matches
        np.testing.assert_allclose(e.total, leaf.grad, rtol=1e-12)
    assert "a contraction (@)" in str(explain(L, W))


def test_tensor_frames():
    L, W, _ = layer()
    expected = W.grad.copy()
    frames = backward_frames(L)
    assert len(frames) >= 6
    np.testing.assert_allclose(W.grad, expected, rtol=1e-12)


@pytest.mark.parametrize("max_nodes", [3])
def test_tensor_graph_groups_too(max_nodes):
    L, *_ = layer()
    drawing = draw(L, max_nodes=max_nodes)
    assert drawing.info["grouped"] and drawing.info["shown"] <= max_nodes


def test_explain_names_the_true_operand_position_when_a_constant_comes_first():
    # X @ W with a constant X: W is the second operand of @, although it is the only one that needs a
    # gradient (the engine computes no term for X).
    X = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), label="X")
    W = Tensor(np.array([[0.5], [-1.0]]), requires_grad=True, label="W")
    Z = X @ W
    L = Z.sum()
    L.backward()
    (term,) = explain(L, W).terms
    assert term.child is Z and term.position == 1
    assert Z.parents[term.position] is W
    np.testing.assert_allclose(term.contribution, X.data.T @ np.ones((2, 1)))
