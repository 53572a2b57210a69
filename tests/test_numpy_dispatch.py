"""numpy's dispatch protocols on Tensor: every numpy function with a table entry stays on the graph;
every other one is refused by name, never a detached ndarray and never a silent constant."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import Tensor, grad


def leaf(values):
    return Tensor(np.asarray(values, dtype=float), requires_grad=True)


def grad_of(build, values):
    t = leaf(values)
    out = build(t)
    assert isinstance(out, Tensor) and out.requires_grad, f"{out!r} left the graph"
    out.sum().backward()
    return t.grad


X0 = np.array([[0.3, -1.2, 0.5], [2.0, 0.1, -0.7]])
A = np.array([[1.0, 2.0], [-1.0, 0.5], [0.25, 3.0]])


@pytest.mark.parametrize(
    ("name", "with_numpy", "with_methods"),
    [
        ("tanh", lambda t: np.tanh(t), lambda t: t.tanh()),
        ("exp", lambda t: np.exp(t), lambda t: t.exp()),
        ("sin", lambda t: np.sin(t), lambda t: t.sin()),
        ("abs", lambda t: np.abs(t), lambda t: t.abs()),
        ("negative", lambda t: np.negative(t), lambda t: -t),
        ("sqrt/log", lambda t: np.sqrt(np.log(t * t + 2.0)), lambda t: (t * t + 2.0).log().sqrt()),
        ("array + t", lambda t: X0 + t, lambda t: t + X0),
        ("array * t", lambda t: X0 * t, lambda t: t * X0),
        ("array - t", lambda t: X0 - t, lambda t: -t + X0),
        ("array / t", lambda t: 1.0 / (t * t + 1.0), lambda t: (t * t + 1.0) ** -1),
        ("power", lambda t: np.power(t, 3), lambda t: t**3),
        ("array @ t", lambda t: A @ t, lambda t: Tensor(A) @ t),
        ("matmul", lambda t: np.matmul(t, A), lambda t: t @ A),
        ("dot", lambda t: np.dot(t, A), lambda t: t @ A),
        ("sum axis keepdims", lambda t: np.sum(t, axis=0, keepdims=True) * X0, lambda t: t.sum(0, True) * X0),
        ("sum", lambda t: np.sum(t * t), lambda t: (t * t).sum()),
        ("mean", lambda t: np.mean(t, axis=1), lambda t: t.mean(axis=1)),
        ("transpose", lambda t: np.transpose(t) @ X0, lambda t: t.T @ X0),
        ("reshape", lambda t: np.reshape(t, (3, 2)) * A, lambda t: t.reshape(3, 2) * A),
        ("ravel", lambda t: np.ravel(t) * X0.ravel(), lambda t: t.reshape(-1) * X0.ravel()),
        ("expand/squeeze", lambda t: np.squeeze(np.expand_dims(t, 0)) * X0, lambda t: t * X0),
        ("stack", lambda t: np.stack([t, t * 2.0]).sum(0), lambda t: t * 3.0),
        ("concatenate", lambda t: np.concatenate([t, t * t], axis=1), lambda t: t + t * t),
        ("einsum", lambda t: np.einsum("ij,jk->ik", t, A, optimize=True), lambda t: t @ A),
    ],
)
def test_numpy_functions_with_a_rule_stay_on_the_graph(name, with_numpy, with_methods):
    np.testing.assert_allclose(grad_of(with_numpy, X0), grad_of(with_methods, X0), rtol=1e-12, atol=1e-12)


def test_np_sum_of_a_tensor_is_a_scalar_tensor():
    t = leaf([1.0, 2.0])
    s = np.sum(t)
    assert isinstance(s, Tensor) and s.shape == () and s.item() == 3.0


def test_np_stack_keeps_the_graph():
    t = leaf([1.0, 2.0])
    s = np.stack([t, t])
    assert isinstance(s, Tensor) and s.shape == (2, 2)
    s.sum().backward()
    np.testing.assert_array_equal(t.grad, [2.0, 2.0])


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda t: np.fft.rfft(t), "numpy.fft.rfft has no derivative rule in autograd-core"),
        (lambda t: np.linalg.svd(t.reshape(2, 2)), "numpy.linalg.svd has no derivative rule"),
        (lambda t: np.linalg.pinv(t.reshape(2, 2)), "numpy.linalg.pinv has no derivative rule"),
        (lambda t: np.linalg.qr(t.reshape(2, 2)), "numpy.linalg.qr has no derivative rule"),
        (lambda t: np.linalg.eig(t.reshape(2, 2)), "numpy.linalg.eig has no derivative rule"),
        (lambda t: np.sort(t), "numpy.sort has no derivative rule"),
        (lambda t: np.unwrap(t), "numpy.unwrap has no derivative rule"),
        (lambda t: np.interp(0.5, np.arange(4.0), t), "numpy.interp has no derivative rule"),
        (lambda t: np.logaddexp(t, t), "numpy.logaddexp has no derivative rule"),
        (lambda t: np.max(t, initial=0.0), "numpy.max: the keyword initial"),
        (lambda t: np.add.reduce(t), "numpy.add.reduce on a Tensor has no derivative rule"),
        (lambda t: np.tanh(t, out=np.empty(4)), r"numpy.tanh\(..., out=...\) on a Tensor"),
        (lambda t: np.sum(t, out=np.empty(())), r"numpy.sum\(..., out=...\)"),
        (lambda t: np.sum(t, dtype=np.float32), "numpy.sum: the keyword dtype"),
        (lambda t: np.dot(np.ones((2, 2, 2)), t.reshape(2, 2)), "only up to 2 axes"),
    ],
)
def test_numpy_functions_without_a_rule_are_refused_by_name(call, words):
    with pytest.raises(TypeError, match=words):
        call(leaf([1.0, 2.0, 3.0, 4.0]))


def test_in_place_ufunc_into_an_array_is_refused():
    a = np.zeros(2)
    with pytest.raises(TypeError, match="out="):
        a += leaf([1.0, 2.0])


def test_predicates_read_the_numbers():
    t = leaf([np.nan, -1.0, 2.0])
    np.testing.assert_array_equal(np.isnan(t), [True, False, False])
    np.testing.assert_array_equal(np.greater(t, 0.0), [False, False, True])
    assert np.shape(t) == (3,) and np.ndim(t) == 1 and np.allclose(leaf([1.0]), 1.0)


@pytest.mark.parametrize(
    "f",
    [
        lambda X: np.linalg.svd(X)[1].sum(),
        lambda X: np.linalg.pinv(X).sum(),
        lambda X: np.linalg.lstsq(X, np.ones(2))[0].sum(),
        lambda X: np.linalg.eig(X)[0].real.sum(),
        lambda X: np.fft.rfft(X).real.sum(),
        lambda X: np.unwrap(X).sum(),
    ],
)
def test_grad_of_a_function_without_a_rule_raises_instead_of_returning_zeros(f):
    # These returned [[0, 0], [0, 0]]: the Tensor fallback turned the trace into a constant.
    with pytest.raises(TypeError, match="has no derivative rule in autograd-core"):
        grad(f)(np.array([[2.0, 1.0], [0.5, 3.0]]))
