"""Piecewise rules select, they do not multiply: an off branch passes exactly 0 on every engine.

relu'(x <= 0) = 0, abs'(0) = 0 and (x**0)' = 0 are exact zeros; multiplying them by an infinite or NaN
upstream gradient would give NaN (IEEE: 0 · inf = NaN), a wrong answer where the true derivative is 0.
The table's ``keep`` says where each branch is on and the engines select (``ops.chain``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_core import Tensor, Value, grad, hessian
from autograd_core.engine.graph import gradients


def test_sqrt_of_relu_has_gradient_zero_where_relu_is_off_tensor():
    # PyTorch gives [0, 0.25]; g · relu'(-1) = inf · 0 was NaN.
    t = Tensor([-1.0, 4.0], requires_grad=True)
    t.relu().sqrt().sum().backward()
    np.testing.assert_array_equal(t.grad, [0.0, 0.25])


def test_sqrt_of_relu_has_gradient_zero_where_relu_is_off_value():
    x, y = Value(-1.0), Value(4.0)
    (x.relu().sqrt() + y.relu().sqrt()).backward()
    assert (x.grad, y.grad) == (0.0, 0.25)


@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_norm_of_relu_when_every_entry_is_off(engine):
    z0 = np.array([-1.0, -2.0, -0.5])
    if engine == "tensor":
        z = Tensor(z0, requires_grad=True)
        (z.relu() ** 2).sum().sqrt().backward()
        g = z.grad
    else:
        zs = [Value(v) for v in z0]
        sum((v.relu() ** 2 for v in zs), Value(0.0)).sqrt().backward()
        g = np.array([v.grad for v in zs])
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])


@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_hessian_of_relu_to_the_1_5(engine):
    # (relu(x)^1.5)'' = 0.75 x^-0.5 for x > 0, and 0 for x < 0 (was NaN: 0 · inf inside the graph).
    if engine == "value":
        H = hessian(lambda x: x.relu() ** 1.5, engine="value")
        at = lambda x: float(H(x))
    else:
        H = hessian(lambda x: (x.relu() ** 1.5).sum(), engine="tensor")
        at = lambda x: float(H(np.array([x]))[0, 0])
    assert at(-2.0) == 0.0
    assert at(4.0) == pytest.approx(0.75 * 4.0 ** -0.5)


def test_abs_at_zero_and_x_to_the_0_under_an_infinite_upstream():
    x = Value(0.0)
    x.abs().sqrt().backward()  # sqrt'(|0|) = inf, abs'(0) = 0: the off branch
    assert x.grad == 0.0
    t = Tensor([0.0, 4.0], requires_grad=True)
    t.abs().sqrt().sum().backward()
    np.testing.assert_array_equal(t.grad, [0.0, 0.25])
    y = Value(3.0)
    (y**0).sqrt().backward()  # x**0 is constant: 0 even through sqrt'(1) (finite) — and below with inf
    assert y.grad == 0.0
    z = Value(0.0)
    ((z**0) * 0.0).sqrt().backward()  # sqrt'(0) = inf arrives at the x**0 node
    assert z.grad == 0.0


def test_a_nan_upstream_through_an_off_branch_is_zero_and_through_an_on_branch_is_nan():
    t = Tensor([-1.0, 2.0], requires_grad=True)
    t.relu().backward(np.array([np.nan, np.nan]))
    assert t.grad[0] == 0.0 and math.isnan(t.grad[1])


def test_relu_of_nan_is_nan():
    assert math.isnan(Value(math.nan).relu().data)
    out = Tensor([math.nan, -1.0, 2.0]).relu().data
    assert math.isnan(out[0]) and out[1:].tolist() == [0.0, 2.0]


def test_create_graph_masks_the_second_derivative_too():
    t = Tensor([-1.0, 4.0], requires_grad=True)
    (g,) = gradients(t.relu().sqrt().sum(), [t], create_graph=True)
    np.testing.assert_array_equal(g.data, [0.0, 0.25])
    (h,) = gradients(g.sum(), [t])
    np.testing.assert_allclose(h, [0.0, -0.25 * 4.0 ** -1.5])


def test_grad_transform_agrees():
    assert grad(lambda x: x.relu().sqrt())(-1.0) == 0.0
