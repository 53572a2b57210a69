"""Forward mode nested in forward mode, and forward over reverse, on both engines.

Duals carry a tag per transform, so an inner ``jvp`` that closes over an outer dual never mixes the
two tangents; tangents may be duals or graph nodes; a reverse transform handed duals (``jvp(grad(f))``)
records on graph leaves and pushes the tangents through the recorded graph.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_core import Dual, grad, hessian, jacobian, jvp, vjp


def test_nested_jvp_through_a_closure_keeps_the_inner_tangent():
    # The inner tangent is the outer dual: d/dv [cos(0.5) v] = cos(0.5). Was 0.0 (the tangent was cast to float).
    primal, tangent = jvp(lambda v: jvp(lambda x: x.sin(), 0.5, v)[1], 1.3, 1.0)
    assert primal == pytest.approx(math.cos(0.5) * 1.3) and tangent == pytest.approx(math.cos(0.5))


def test_no_perturbation_confusion():
    # d/dx [x · d/dy (x + y)] = d/dx [x · 1] = 1; untagged duals add both tangents and give 2.
    assert jvp(lambda x: x * jvp(lambda y: x + y, 2.0, 1.0)[1], 3.0, 1.0) == (3.0, 1.0)


def test_grad_of_a_jvp_with_respect_to_the_tangent():
    assert grad(lambda v: jvp(lambda x: x.sin(), 0.5, v)[1])(1.0) == pytest.approx(math.cos(0.5))


def test_a_scalar_dual_times_a_float_array():
    primal, tangent = jvp(lambda x: x * np.array([1.0, 2.0]), 1.5, 1.0)
    np.testing.assert_array_equal(primal, [1.5, 3.0])
    np.testing.assert_array_equal(tangent, [1.0, 2.0])


def test_nested_power_with_a_constant_base():
    # d/dz [d/dy 2^(y z)]_{y=1} = ln2 · 2^z (1 + z ln2); the nested 2.0 ** z raised AttributeError.
    z = 0.5
    _, tangent = jvp(lambda z: jvp(lambda y: 2.0 ** (y * z), 1.0, 1.0)[1], z, 1.0)
    assert tangent == pytest.approx(math.log(2) * 2**z * (1 + z * math.log(2)))


def test_a_0d_array_tangent_is_a_number():
    primal, tangent = jvp(lambda x: x * x, 3.0, np.array(1.0))
    assert (primal, tangent) == (9.0, 6.0) and type(tangent) is float


def test_array_duals_keep_their_shape_when_nested():
    # The outer dual is an array; inside, the inner jvp must see shape (2,), not ().
    v0, direction = np.array([1.0, 1.0]), np.array([1.0, 0.0])
    primal, tangent = jvp(lambda v: jvp(lambda x: (x * x).sum(), np.array([1.0, 2.0]), v)[1], v0, direction)
    assert (primal, tangent) == (6.0, 2.0)


def test_forward_mode_passes_zero_through_an_off_branch():
    assert jvp(lambda x: x.relu().sqrt(), -1.0, 1.0) == (0.0, 0.0)
    assert jvp(lambda x: x.relu(), -1.0, math.inf) == (0.0, 0.0)


def quartic(x):
    return (x * x * x).sum() + (x[0] * x[1]).sin()


X = np.array([0.3, -0.7])
V = np.array([1.0, 2.0])


@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_jvp_of_grad_is_the_hessian_vector_product(engine):
    H = hessian(quartic, engine=engine)(X)
    g, hv = jvp(grad(quartic, engine=engine), X, V, engine=engine)
    np.testing.assert_allclose(g, grad(quartic, engine=engine)(X), rtol=1e-14)
    np.testing.assert_allclose(hv, H @ V, rtol=1e-12)


def test_jvp_of_vjp_and_forward_jacobian_of_grad():
    H = hessian(quartic)(X)
    np.testing.assert_allclose(jvp(lambda y: vjp(quartic, y, 1.0)[1], X, V)[1], H @ V, rtol=1e-12)
    np.testing.assert_allclose(jacobian(grad(quartic), mode="forward")(X), H, rtol=1e-12)


def test_a_reverse_transform_returns_duals_of_the_callers_tag():
    d = Dual(2.0, 1.0, tag=7)
    out = grad(lambda x: x**3)(d)
    assert isinstance(out, Dual) and out.tag == 7 and (out.primal, out.tangent) == (12.0, 12.0)
