"""``Tensor.backward(retain_graph=...)``: the graph is kept by default, let go of on request.

The default keeps every node, value and intermediate gradient, because drawings, ``explain``, the
explorer and a second ``backward`` read them. ``retain_graph=False`` (what ``fit`` uses, PyTorch's
default) frees the graph as the sweep goes: the same leaf gradients, bit for bit, less memory at the
peak, and a ``GraphFreedError`` -- never a silently shorter walk -- when the freed graph is read again.
"""

from __future__ import annotations

import gc
import itertools
import weakref

import numpy as np
import pytest

import autograd_core
from autograd_core import GraphFreedError, Tensor, draw, explain, nn
from autograd_core.engine import graph
from autograd_core.learn.training import fit

RNG = np.random.default_rng(7)


def _mlp() -> tuple[list[Tensor], Tensor, Tensor]:
    """The benchmark's shape of network at a small size: tanh layers, softmax cross-entropy written out."""
    sizes = [5, 8, 8, 3]
    weights = [Tensor(RNG.normal(size=(o, i)) / np.sqrt(i), requires_grad=True) for i, o in itertools.pairwise(sizes)]
    biases = [Tensor(RNG.normal(size=(o, 1)), requires_grad=True) for o in sizes[1:]]
    x = Tensor(RNG.normal(size=(5, 6)))
    onehot = np.eye(3)[:, RNG.integers(0, 3, 6)]
    return weights + biases, x, Tensor(onehot)


def _loss(params: list[Tensor], x: Tensor, y: Tensor) -> Tensor:
    ws, bs = params[:3], params[3:]
    h = x
    for w, b in zip(ws[:-1], bs[:-1], strict=True):
        h = (w @ h + b).tanh()
    z = ws[-1] @ h + bs[-1]
    return (z.exp().sum(axis=0).log().sum() - (y * z).sum()) * (1.0 / x.shape[1])


def test_both_choices_give_the_same_leaf_gradients_bit_for_bit():
    params, x, y = _mlp()
    _loss(params, x, y).backward()
    kept = [p.grad.copy() for p in params]
    for p in params:
        p.grad = None
    _loss(params, x, y).backward(retain_graph=False)
    for p, want in zip(params, kept, strict=True):
        np.testing.assert_array_equal(p.grad, want)
        assert p.grad.flags.writeable and p.grad.base is None  # a leaf's gradient is its own array


def test_the_default_keeps_the_graph_for_drawings_explain_and_a_second_backward():
    W = Tensor(RNG.normal(size=(2, 3)), requires_grad=True, label="W")
    z = W @ Tensor(RNG.normal(size=(3, 4)))
    L = z.tanh().sum()
    L.backward()
    assert z.grad is not None and L.parents  # intermediate gradients and links are there
    assert "W" in draw(L).source
    assert "W" in str(explain(L, W))
    first = W.grad.copy()
    L.backward()
    np.testing.assert_allclose(W.grad, 2 * first)


def test_a_lean_backward_leaves_no_intermediate_gradient_and_refuses_a_second_walk():
    W = Tensor(RNG.normal(size=(2, 3)), requires_grad=True, label="W")
    z = W @ Tensor(RNG.normal(size=(3, 4)))
    h = z.tanh()
    L = h.sum()
    L.backward(retain_graph=False)
    assert z.grad is None and h.grad is None and L.grad is None
    np.testing.assert_allclose(h.data, np.tanh(z.data))  # values the user holds stay
    assert W.grad.shape == (2, 3)
    for read in (lambda: L.backward(), lambda: L.parents, lambda: draw(L), lambda: explain(L, W),
                 lambda: graph.topological_order(h), lambda: list(autograd_core.backward_steps(L))):
        with pytest.raises(GraphFreedError, match=r"retain_graph=False.*retain_graph=True"):
            read()


def test_a_new_graph_built_on_a_freed_node_raises_instead_of_stopping_there():
    """Without the error the walk would end at the freed node and W would silently get no gradient."""
    W = Tensor(RNG.normal(size=(3, 3)), requires_grad=True)
    h = (W @ Tensor(np.ones((3, 1)))).tanh()
    h.sum().backward(retain_graph=False)
    W.grad = None
    again = (h * 2.0).sum()
    with pytest.raises(GraphFreedError, match="freed by backward"):
        again.backward()
    assert W.grad is None


def test_the_lean_sweep_frees_values_nobody_holds_and_keeps_them_by_default():
    def build() -> tuple[Tensor, weakref.ref]:
        W = Tensor(RNG.normal(size=(4, 4)), requires_grad=True)
        inner = W @ Tensor(RNG.normal(size=(4, 4)))
        return (inner.tanh() * 3.0).sum(), weakref.ref(inner)

    gc.disable()  # freed by reference counting alone: no cycle collector needed
    try:
        L, inner = build()
        L.backward()
        assert inner() is not None  # the default keeps the graph, so the product's value too
        L, inner = build()
        L.backward(retain_graph=False)
        assert inner() is None  # nobody held it: freed during the sweep
    finally:
        gc.enable()


def test_create_graph_needs_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="must be kept"):
        (x * x).sum().backward(create_graph=True, retain_graph=False)


def test_fit_trains_a_tensor_model_on_lean_steps(monkeypatch):
    calls = []
    original = Tensor.backward

    def spy(self, gradient=None, create_graph=False, retain_graph=True):
        calls.append(retain_graph)
        return original(self, gradient, create_graph, retain_graph)

    monkeypatch.setattr(Tensor, "backward", spy)
    X = RNG.normal(size=(40, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    model = nn.TensorMLP(2, [8, 2], seed=0)
    history = fit(model, X, y, epochs=3, progress=False)
    assert calls and not any(calls)
    assert len(history.loss) == 3 and all(np.isfinite(history.loss))
