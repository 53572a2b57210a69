"""Optimizers: the update rules step by step, on Value parameters and on array parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_core import Value
from autograd_core.learn.optim import SGD, Adam, LambdaLR, linear_decay


class ArrayParam:
    """A stand-in with the parameter protocol of a Tensor: ndarray ``data``, ``grad`` or None."""

    def __init__(self, data):
        self.data = np.array(data, dtype=float)
        self.grad = None


def quadratic_grad(p, target):
    """Set p.grad to the gradient of ||p - target||² and return the loss."""
    r = p.data - target
    p.grad = 2.0 * r
    return float(np.sum(r * r))


def test_sgd_plain_step_on_value_and_array():
    v = Value(1.0)
    a = ArrayParam([1.0, -2.0])
    opt = SGD([v, a], lr=0.1)
    v.grad, a.grad = 4.0, np.array([1.0, 2.0])
    opt.step()
    assert v.data == pytest.approx(0.6) and isinstance(v.data, float)
    np.testing.assert_allclose(a.data, [0.9, -2.2])


def test_sgd_momentum_and_weight_decay_follow_pytorch_rule():
    # PyTorch: g = grad + wd·θ; v = μ v + g (v = g at first); θ -= lr v
    p = ArrayParam([1.0])
    opt = SGD([p], lr=0.5, momentum=0.9, weight_decay=0.1)
    p.grad = np.array([2.0])
    opt.step()  # g = 2 + 0.1 = 2.1; v = 2.1; θ = 1 - 1.05 = -0.05
    np.testing.assert_allclose(p.data, [-0.05])
    p.grad = np.array([1.0])
    opt.step()  # g = 1 - 0.005 = 0.995; v = 0.9·2.1 + 0.995 = 2.885; θ = -0.05 - 1.4425
    np.testing.assert_allclose(p.data, [-1.4925])


def test_sgd_nesterov_step():
    p = ArrayParam([0.0])
    opt = SGD([p], lr=1.0, momentum=0.5, nesterov=True)
    p.grad = np.array([1.0])
    opt.step()  # v = 1; step g + μ v = 1.5
    np.testing.assert_allclose(p.data, [-1.5])
    p.grad = np.array([1.0])
    opt.step()  # v = 0.5 + 1 = 1.5; step 1 + 0.75 = 1.75
    np.testing.assert_allclose(p.data, [-3.25])


def test_adam_matches_the_formulas_over_three_steps():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    p = ArrayParam([0.5, -1.0])
    opt = Adam([p], lr=lr, betas=(b1, b2), eps=eps)
    theta = p.data.copy()
    m = v = np.zeros(2)
    for t, g in enumerate([np.array([1.0, -3.0]), np.array([0.5, 2.0]), np.array([-1.0, 0.1])], start=1):
        p.grad = g
        opt.step()
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta = theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        np.testing.assert_allclose(p.data, theta, rtol=1e-12)


def test_adam_first_step_has_size_lr_whatever_the_gradient_scale():
    v = Value(0.0)
    opt = Adam([v], lr=0.05)
    v.grad = 1e6
    opt.step()
    assert v.data == pytest.approx(-0.05, rel=1e-6)
    assert isinstance(v.data, float)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: Adam(ps, lr=0.1)])
def test_optimizers_minimise_a_quadratic(make):
    target = np.array([3.0, -1.0, 0.5])
    p = ArrayParam(np.zeros(3))
    opt = make([p])
    for _ in range(300):
        opt.zero_grad()
        quadratic_grad(p, target)
        opt.step()
    np.testing.assert_allclose(p.data, target, atol=1e-3)


def test_zero_grad_resets_value_to_zero_and_array_to_none():
    v, a = Value(1.0), ArrayParam([1.0])
    v.grad, a.grad = 3.0, np.array([1.0])
    opt = SGD([v, a], lr=0.1)
    opt.zero_grad()
    assert v.grad == 0.0 and a.grad is None


def test_parameters_without_gradient_are_skipped():
    a, b = ArrayParam([1.0]), ArrayParam([2.0])
    opt = Adam([a, b], lr=0.1)
    a.grad = np.array([1.0])
    opt.step()
    np.testing.assert_array_equal(b.data, [2.0])
    assert a.data[0] == pytest.approx(0.9)


def test_callable_lr_is_a_schedule_over_steps():
    v = Value(0.0)
    opt = SGD([v], lr=linear_decay(1.0, 0.1, 100))
    seen = []
    for _ in range(3):
        v.grad = 1.0
        opt.step()
        seen.append(opt.lr)
    assert seen == pytest.approx([1.0, 0.991, 0.982])
    assert v.data == pytest.approx(-(1.0 + 0.991 + 0.982))


def test_lambda_lr_scales_the_base_rate():
    v = Value(0.0)
    opt = SGD([v], lr=0.2)
    sched = LambdaLR(opt, lambda epoch: 0.5**epoch)
    sched.step()
    assert opt.lr == pytest.approx(0.1)
    sched.step()
    assert opt.lr == pytest.approx(0.05)


def test_linear_decay_clamps_at_the_end():
    f = linear_decay(1.0, 0.1, 10)
    assert f(0) == 1.0 and f(5) == pytest.approx(0.55) and f(10) == pytest.approx(0.1) and f(50) == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: SGD([], lr=0.1), "empty parameter list"),
        (lambda: SGD([Value(1.0)], lr=-1.0), "learning rate"),
        (lambda: SGD([Value(1.0)], lr=math.nan), "learning rate"),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=1.0), "momentum"),
        (lambda: SGD([Value(1.0)], lr=0.1, nesterov=True), "nesterov"),
        (lambda: Adam([Value(1.0)], betas=(1.0, 0.9)), "betas"),
        (lambda: Adam([Value(1.0)], eps=0.0), "eps"),
        (lambda: SGD([1.0], lr=0.1), "need .data and .grad"),
    ],
)
def test_bad_arguments_are_refused(build, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build()


def test_a_parameter_given_twice_is_refused():
    # SGD([p, p]) stepped p twice per step(): twice the learning rate, without a word.
    from autograd_core import Tensor

    for p in (Value(1.0), Tensor([1.0, 2.0], requires_grad=True)):
        for opt in (SGD, Adam):
            with pytest.raises(ValueError, match="parameter 1 is the same object as parameter 0"):
                opt([p, p], lr=0.1)
