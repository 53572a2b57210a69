"""Forward mode: Dual numbers on the shared derivative table vs reverse mode vs central differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_core import Dual, Value, grad, jacobian, jvp
from autograd_core.engine import ops
from autograd_core.engine.graph import gradients

# name, function (on Value or Dual alike), points away from kinks and singularities
CASES = [
    ("abs_builtin", lambda v: abs(v), [-2.0]),
    ("pow_int", lambda v: v**3, [-2.0, 1.5]),
    ("pow_neg", lambda v: v**-2, [-2.0, 0.5]),
    ("pow_frac", lambda v: v**0.5, [0.1, 2.0]),
    ("pow_self", lambda v: v**v, [0.4, 1.7]),
    ("rpow", lambda v: 2.0**v, [-1.0, 3.0]),
    ("add", lambda v: v + v * 2 + 1, [1.0]),
    ("sub", lambda v: 1 - v - v * v, [1.0]),
    ("mul", lambda v: v * v * 3, [-2.0]),
    ("div", lambda v: (v + 1) / v / 4, [0.5, -2.0]),
    ("rdiv", lambda v: 3 / v, [0.5]),
    ("mix", lambda v: ((v * v).sin() + v.exp()).tanh() * v.sigmoid() - (v * v + 1).log(), [0.3, -1.1]),
]


def central_difference(f, x: float, eps: float = 1e-6) -> float:
    return (f(Value(x + eps)).data - f(Value(x - eps)).data) / (2 * eps)


@pytest.mark.parametrize("name,f,points", CASES, ids=[c[0] for c in CASES])
def test_forward_equals_reverse_and_central_differences(name, f, points):
    for x in points:
        d = f(Dual(x, 1.0))
        v = Value(x)
        out = f(v)
        (reverse,) = gradients(out, [v])
        assert d.primal == out.data
        assert d.tangent == pytest.approx(reverse, rel=1e-14, abs=1e-300), (name, x)
        assert d.tangent == pytest.approx(central_difference(f, x), rel=1e-6, abs=1e-8), (name, x)


def test_forward_mode_reads_the_same_table(monkeypatch):
    wrong = ops.TANH._replace(derivative=lambda xp, x, out: 42.0)
    monkeypatch.setattr(ops, "TANH", wrong)
    assert Dual(0.3, 1.0).tanh().tangent == 42.0  # no second copy of the rule


def test_two_operand_function_with_a_tangent_per_operand():
    w, x = Dual(0.5, 1.0), Dual(2.0, 0.0)
    d = (w * x + 0.25).tanh()
    t = math.tanh(0.5 * 2.0 + 0.25)
    assert d.tangent == pytest.approx(2.0 * (1 - t * t), rel=1e-15)


def test_vector_tangent_gives_every_column_in_one_pass():
    x = Dual(0.7, np.array([1.0, 0.0]))
    y = Dual(-0.4, np.array([0.0, 1.0]))
    z = (x * y).exp() + y.sin()
    np.testing.assert_allclose(z.tangent, [-0.4 * math.exp(-0.28), 0.7 * math.exp(-0.28) + math.cos(-0.4)],
                               rtol=1e-15)


def test_duals_of_duals_give_second_derivatives():
    x = Dual(Dual(2.0, 1.0), Dual(1.0, 0.0))
    y = x**5
    assert y.tangent.tangent == pytest.approx(5 * 4 * 2.0**3)  # f''(2) = 160
    assert y.data == 32.0


def test_dual_with_a_value_primal_is_differentiable_in_reverse_mode():
    v = Value(0.8)
    d = (Dual(v, 1.0) * Dual(v, 1.0)).sin()  # d/dx sin(x²) = 2x cos(x²), as a Value
    assert isinstance(d.tangent, Value)
    (second,) = gradients(d.tangent, [v])
    assert second == pytest.approx(2 * math.cos(0.64) - 4 * 0.64 * math.sin(0.64), rel=1e-14)


def test_numpy_ufuncs_and_object_arrays_of_duals():
    A = np.array([[1.0, 2.0], [3.0, -1.0]])
    x = np.array([Dual(0.5, 1.0), Dual(-0.2, 0.0)], dtype=object)
    z = np.tanh(A @ x)
    assert z.dtype == object and z.shape == (2,)
    expected = (1 - np.tanh(A @ [0.5, -0.2]) ** 2) * A[:, 0]
    np.testing.assert_allclose([e.tangent for e in z], expected, rtol=1e-15)
    scaled = np.array([2.0, 3.0]) * Dual(1.0, 1.0)
    assert [e.tangent for e in scaled] == [2.0, 3.0]
    assert np.exp(Dual(0.0, 2.0)).tangent == 2.0


def test_array_primal_duals_follow_linear_maps():
    A = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    x = Dual(np.array([0.3, -0.6]), np.array([1.0, 2.0]))
    y = (A @ x).tanh().sum()
    expected = np.sum((1 - np.tanh(A @ x.primal) ** 2) * (A @ x.tangent))
    assert y.tangent == pytest.approx(expected, rel=1e-14)
    M = Dual(np.eye(2), np.ones((2, 2)))
    assert (M.T @ x).tangent.tolist() == (np.ones((2, 2)) @ x.primal + x.tangent).tolist()
    assert x[1].tangent == 2.0 and x.reshape(2, 1).shape == (2, 1) and x.mean().tangent == 1.5


def test_domain_errors_match_the_value_engine():
    with pytest.raises(ValueError, match=r"log: needs x > 0, got x = -1.0"):
        Dual(-1.0, 1.0).log()
    with pytest.raises(ValueError, match="division by zero"):
        Dual(1.0, 1.0) / 0.0
    with pytest.raises(ValueError, match="not real"):
        Dual(-2.0, 1.0) ** 0.5
    with pytest.raises(ValueError, match="needs x > 0"):
        (-2.0) ** Dual(1.0, 1.0)
    with pytest.raises(ValueError, match=r"sqrt: needs x >= 0.*x\[1\]"):
        Dual(np.array([1.0, -1.0]), np.ones(2)).sqrt()
    with pytest.raises(TypeError, match="Dual needs"):
        Dual("x", 1.0)


def test_comparisons_and_conversions_use_the_value():
    d = Dual(1.5, 3.0)
    assert d > 1 and d <= 1.5 and float(d) == 1.5 and d.data == 1.5
    assert "tangent=3.0" in repr(d)


def test_array_primal_duals_read_their_array_not_its_buffer():
    """``ndarray.data`` is a memoryview: an array primal is its own number, for .data, comparisons
    and the divisor check (which the Tensor engine also makes)."""
    d = Dual(np.array([1.0, 2.0]), np.zeros(2))
    assert isinstance(d.data, np.ndarray) and d.data.tolist() == [1.0, 2.0]
    assert (d < 1.5).tolist() == [True, False]
    with pytest.raises(ValueError, match=r"division by zero.*divisor\[0\]"):
        Dual(np.array([1.0]), np.ones(1)) / Dual(np.array([0.0]), np.ones(1))
    with pytest.raises(ValueError, match="division by zero"):
        jvp(lambda x: 1.0 / x, np.array([0.0, 1.0]), np.ones(2), engine="tensor")


def test_functional_jvp_and_forward_jacobian_vs_reverse_vs_differences():
    A = np.array([[1.0, -2.0], [0.5, 3.0], [2.0, 1.0], [-1.0, 0.25]])
    f = lambda x: np.tanh(A @ x) * x[0]
    f_float = lambda x: np.tanh(A @ x) * x[0]
    x0 = np.array([0.4, -0.3])
    Jf = jacobian(f, mode="forward")(x0)
    Jr = jacobian(f, mode="reverse")(x0)
    eps = 1e-6
    Jd = np.stack([(f_float(x0 + eps * e) - f_float(x0 - eps * e)) / (2 * eps) for e in np.eye(2)], axis=1)
    np.testing.assert_allclose(Jf, Jr, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(Jf, Jd, rtol=1e-7, atol=1e-9)
    _, t = jvp(f, x0, np.array([1.0, -1.0]))
    np.testing.assert_allclose(t, Jr @ [1.0, -1.0], rtol=1e-13)


def test_forward_over_forward_through_jvp():
    f = lambda x: (x * x * x).sin()
    second = jvp(lambda x: jvp(f, x, 1.0)[1], 0.6, 1.0)[1]
    assert second == pytest.approx(grad(grad(f))(0.6), rel=1e-13)


def test_tensor_style_functions_run_on_array_duals():
    from autograd_core import Tensor

    A = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    f = lambda x: (Tensor(A) @ x).tanh().transpose().sum()  # a constant Tensor inside f is its numbers
    x0, v = np.array([0.3, -0.6]), np.array([1.0, 2.0])
    out, t = jvp(f, x0, v, engine="tensor")
    assert out == pytest.approx(np.tanh(A @ x0).sum(), rel=1e-15)
    assert t == pytest.approx(np.sum((1 - np.tanh(A @ x0) ** 2) * (A @ v)), rel=1e-14)
    M = Dual(np.arange(6.0).reshape(1, 2, 3), np.ones((1, 2, 3)))
    assert M.transpose(2, 0, 1).shape == (3, 1, 2) and M.transpose((1, 0, 2)).tangent.shape == (2, 1, 3)
