"""Containers (pytrees) in the functional API, and ``has_aux``.

Differentiated arguments may be tuples, lists and dicts (nested) of numbers and arrays; results
come back in the same structure, on both engines. Checked against closed forms and central
differences; the refusals are checked by their messages.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
import pytest

from autograd_core import Tensor, Value, grad, hessian, jacobian, jvp, value_and_grad, vjp
from autograd_core.beyond.containers import LEAF, flatten, map_leaves, unflatten

RNG = np.random.default_rng(13)
W = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]]) / 3
B = np.array([0.5, -1.0])
X3 = np.array([0.3, -0.7, 1.1])
ENGINES = ["value", "tensor"]


def layer_loss(p, engine="value"):
    """Σ tanh(W x + b) on either engine (a Tensor has no np.tanh route through object arrays)."""
    z = p["W"] @ (X3 if engine == "value" else Tensor(X3)) + p["b"]
    return np.sum(np.tanh(z)) if engine == "value" else z.tanh().sum()


def central(f, tree, eps=1e-6):
    """Central differences of a scalar f of a container of floats/arrays: a container like ``tree``."""
    leaves, structure = flatten(tree)
    grads = []
    for i, leaf in enumerate(leaves):
        leaf = np.asarray(leaf, dtype=float)
        g = np.zeros(leaf.shape)
        for index in np.ndindex(leaf.shape):
            up, down = leaf.copy(), leaf.copy()
            up[index] += eps
            down[index] -= eps
            at = lambda v, i=i: unflatten(structure, [v if j == i else leaves[j] for j in range(len(leaves))])
            g[index] = (f(at(up if up.ndim else float(up))) - f(at(down if down.ndim else float(down)))) / (2 * eps)
        grads.append(g if leaf.ndim else float(g))
    return unflatten(structure, grads)


def float_model(p):
    """The nested model of the tests below, on plain floats (for central differences)."""
    (W1, b1), (W2, b2) = p["layers"]
    h = np.tanh(W1 @ X3 + b1)
    return float(p["scale"] * np.sum((W2 @ h + b2) ** 2))


def node_model(p):
    (W1, b1), (W2, b2) = p["layers"]
    h = np.tanh(W1 @ X3 + b1)
    return p["scale"] * np.sum((W2 @ h + b2) ** 2)


def nested_params():
    return {"layers": [(RNG.normal(size=(2, 3)), RNG.normal(size=2)), (RNG.normal(size=(1, 2)), RNG.normal(size=1))],
            "scale": 0.7}


# --- flatten / unflatten ----------------------------------------------------------------------------
def test_flatten_visits_dict_keys_sorted_and_rebuilds_every_kind():
    Pair = namedtuple("Pair", "left right")
    tree = {"b": [1.0, (2.0, 3.0)], "a": Pair(np.ones(2), {"z": 4.0, "y": 5.0})}
    leaves, structure = flatten(tree)
    assert [float(np.sum(leaf)) for leaf in leaves] == [2.0, 5.0, 4.0, 1.0, 2.0, 3.0]
    assert str(structure) == "{'a': Pair(*, {'y': *, 'z': *}), 'b': [*, (*, *)]}"
    rebuilt = unflatten(structure, leaves)
    assert isinstance(rebuilt["a"], Pair) and isinstance(rebuilt["b"], list) and isinstance(rebuilt["b"][1], tuple)
    assert rebuilt["b"] == [1.0, (2.0, 3.0)] and rebuilt["a"].right == {"y": 5.0, "z": 4.0}
    assert structure.paths("x") == ["x['a'][0]", "x['a'][1]['y']", "x['a'][1]['z']", "x['b'][0]", "x['b'][1][0]",
                                    "x['b'][1][1]"]
    assert flatten(np.ones(3))[1] == LEAF and str(flatten((1.0,))[1]) == "(*,)"
    assert map_leaves(lambda v: v * 2, {"a": [1, 2]}) == {"a": [2, 4]}


def test_two_dicts_with_the_same_keys_have_one_structure_whatever_their_order():
    assert flatten({"a": 1.0, "b": 2.0})[1] == flatten({"b": 2.0, "a": 1.0})[1]
    assert flatten({"a": 1.0})[1] != flatten({"b": 1.0})[1]
    assert flatten([1.0, 2.0])[1] != flatten((1.0, 2.0))[1]


def test_deep_nesting_is_fine():
    tree = 1.5
    for _ in range(300):
        tree = [tree]
    g = grad(lambda t: _innermost(t) ** 3)(tree)
    assert _innermost(g) == pytest.approx(3 * 1.5**2)


def _innermost(t):
    while isinstance(t, list):
        t = t[0]
    return t


# --- grad, value_and_grad ---------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ENGINES)
def test_grad_of_a_dict_of_parameters_is_a_dict_of_gradients(engine):
    g = grad(lambda p: layer_loss(p, engine), engine=engine)({"W": W, "b": B})
    assert set(g) == {"W", "b"} and g["W"].shape == W.shape and g["b"].shape == B.shape
    d = 1 - np.tanh(W @ X3 + B) ** 2  # ∂/∂z Σ tanh(z)
    np.testing.assert_allclose(g["b"], d, rtol=1e-14)
    np.testing.assert_allclose(g["W"], np.outer(d, X3), rtol=1e-14)  # Eq. 19's ∇_W = δ xᵀ


@pytest.mark.parametrize("engine", ENGINES)
def test_the_issue_example_matmul_plus_bias(engine):
    x = RNG.normal(size=3)
    if engine == "value":
        f = lambda p: np.sum(p["W"] @ x) + np.sum(p["b"])
    else:
        f = lambda p: (p["W"] @ Tensor(x)).sum() + p["b"].sum()
    g = grad(f, engine=engine)({"W": W, "b": B})
    np.testing.assert_allclose(g["W"], np.outer(np.ones(2), x), rtol=1e-15)
    np.testing.assert_array_equal(g["b"], np.ones(2))


def test_grad_of_nested_containers_matches_central_differences():
    p = nested_params()
    g = grad(node_model)(p)
    assert isinstance(g["layers"], list) and isinstance(g["layers"][0], tuple) and isinstance(g["scale"], float)
    fd = central(float_model, p)
    for got, want in zip(flatten(g)[0], flatten(fd)[0], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    assert g["scale"] == pytest.approx(float_model(p) / p["scale"], rel=1e-13)  # ∂(s·u)/∂s = u


@pytest.mark.parametrize("engine", ENGINES)
def test_value_and_grad_with_a_container_and_a_plain_argument(engine):
    def f(p, x):
        z = p[0] @ x + p[1]
        return np.sum(z * z) if engine == "value" else (z * z).sum()

    value, (gp, gx) = value_and_grad(f, argnums=(0, 1), engine=engine)([W, B], X3)
    z = W @ X3 + B
    assert value == pytest.approx(float(z @ z), rel=1e-14)
    assert isinstance(gp, list) and len(gp) == 2
    np.testing.assert_allclose(gp[0], 2 * np.outer(z, X3), rtol=1e-14)
    np.testing.assert_allclose(gp[1], 2 * z, rtol=1e-14)
    np.testing.assert_allclose(gx, 2 * W.T @ z, rtol=1e-14)


def test_grad_of_a_tuple_of_floats_is_a_tuple_of_floats():
    g = grad(lambda t: t[0] * t[1].sin())((2.0, 0.5))
    assert isinstance(g, tuple) and all(isinstance(e, float) for e in g)
    assert g == pytest.approx((math.sin(0.5), 2.0 * math.cos(0.5)), rel=1e-15)


def test_grad_of_grad_through_a_container():
    # inner gradient wrt a dict, used by the outer one: d/dy of ∂(x·y²)/∂x = 2y
    assert grad(lambda y: grad(lambda p: p["x"] * y * y)({"x": 1.0})["x"])(3.0) == pytest.approx(6.0)


# --- jacobian, hessian ------------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_of_a_container_input_is_a_container_of_jacobians(engine, mode):
    J = jacobian(lambda p: p["W"] @ p["x"], mode=mode, engine=engine)({"W": W, "x": X3})
    np.testing.assert_allclose(J["x"], W, rtol=1e-15)  # Eq. 22
    assert J["W"].shape == (2, 3, 2)  # numerator: out + in[::-1]
    for i in range(2):
        for k in range(2):
            np.testing.assert_allclose(J["W"][i, :, k], X3 if i == k else 0.0)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_of_a_container_output_is_a_container_of_jacobians(engine, mode):
    def f(x):
        y = x * x
        return {"square": y, "pair": (x.sum() if engine == "tensor" else np.sum(x), y * 2.0)}

    J = jacobian(f, mode=mode, engine=engine)(X3)
    assert set(J) == {"square", "pair"} and isinstance(J["pair"], tuple)
    np.testing.assert_allclose(J["square"], np.diag(2 * X3), rtol=1e-15)
    np.testing.assert_allclose(J["pair"][0], np.ones(3))
    np.testing.assert_allclose(J["pair"][1], np.diag(4 * X3), rtol=1e-15)


def test_jacobian_of_container_to_container_is_nested_output_first():
    J = jacobian(lambda p: [p["a"] * p["b"], p["a"].exp()])({"a": 0.5, "b": 2.0})
    assert J == [{"a": 2.0, "b": 0.5}, {"a": pytest.approx(math.exp(0.5)), "b": 0.0}]


@pytest.mark.parametrize("engine", ENGINES)
def test_hessian_of_a_dict_is_a_dict_of_dicts(engine):
    p = {"W": W, "b": B}
    f = lambda q: layer_loss(q, engine)
    H = hessian(f, engine=engine)(p)
    assert H["W"]["W"].shape == (2, 3, 2, 3) and H["W"]["b"].shape == (2, 3, 2) and H["b"]["W"].shape == (2, 2, 3)
    t = np.tanh(W @ X3 + B)
    second = -2 * t * (1 - t * t)  # tanh''
    np.testing.assert_allclose(H["b"]["b"], np.diag(second), rtol=1e-13)
    np.testing.assert_allclose(H["b"]["W"], np.einsum("ik,l->ikl", np.diag(second), X3), rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(H["W"]["b"], np.transpose(H["b"]["W"], (1, 2, 0)), rtol=1e-13, atol=1e-16)
    eps = 1e-6  # the W-W block against central differences of the gradient
    for index in np.ndindex(W.shape):
        up, down = W.copy(), W.copy()
        up[index] += eps
        down[index] -= eps
        fd = (grad(f, engine=engine)({"W": up, "b": B})["W"] - grad(f, engine=engine)({"W": down, "b": B})["W"]) / (
            2 * eps)
        np.testing.assert_allclose(H["W"]["W"][index], fd, rtol=1e-6, atol=1e-9)


# --- vjp, jvp ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ENGINES)
def test_vjp_with_container_primals_and_outputs(engine):
    def f(p):
        z = p["W"] @ p["x"]
        return (z, z * z)

    v = (np.array([1.0, -2.0]), np.array([0.5, 3.0]))
    out, cot = vjp(f, {"W": W, "x": X3}, v, engine=engine)
    z = W @ X3
    np.testing.assert_allclose(out[0], z, rtol=1e-15)
    np.testing.assert_allclose(out[1], z * z, rtol=1e-15)
    u = v[0] + 2 * z * v[1]  # the cotangent reaching z
    np.testing.assert_allclose(cot["x"], W.T @ u, rtol=1e-14)
    np.testing.assert_allclose(cot["W"], np.outer(u, X3), rtol=1e-14)


@pytest.mark.parametrize("engine", ENGINES)
def test_jvp_with_container_primals_and_tangents(engine):
    def f(p):
        z = p["W"] @ p["x"]
        return {"z": z, "zz": z * z}

    tW, tx = RNG.normal(size=(2, 3)), RNG.normal(size=3)
    out, tan = jvp(f, {"W": W, "x": X3}, {"x": tx, "W": tW}, engine=engine)
    z, dz = W @ X3, tW @ X3 + W @ tx
    np.testing.assert_allclose(out["z"], z, rtol=1e-15)
    np.testing.assert_allclose(tan["z"], dz, rtol=1e-14)
    np.testing.assert_allclose(tan["zz"], 2 * z * dz, rtol=1e-14)


def test_jvp_of_grad_with_a_container_is_the_hessian_vector_product():
    p = {"W": W, "b": B}
    t = {"W": RNG.normal(size=(2, 3)), "b": RNG.normal(size=2)}
    _, hv = jvp(grad(layer_loss), p, t)
    H = hessian(layer_loss)(p)
    for a in ("W", "b"):
        expected = sum(np.tensordot(H[a][b], t[b], axes=t[b].ndim) for b in ("W", "b"))
        np.testing.assert_allclose(hv[a], expected, rtol=1e-12, atol=1e-15)


def test_vjp_and_jvp_with_a_mismatched_structure_name_both():
    f = lambda p: (p["a"] * 2.0, p["a"])
    with pytest.raises(ValueError, match=r"vjp: v has structure \[\*, \*\] but f's output has structure \(\*, \*\)"):
        vjp(f, {"a": X3}, [np.ones(3), np.ones(3)])
    with pytest.raises(ValueError, match=r"vjp: v has structure \* but f's output has structure \(\*, \*\)"):
        vjp(f, {"a": X3}, np.ones(3))
    with pytest.raises(ValueError, match=r"vjp: v\[1\] has shape \(2,\) but f's output\[1\] has shape \(3,\)"):
        vjp(f, {"a": X3}, (np.ones(3), np.ones(2)))
    with pytest.raises(ValueError, match=r"jvp: v has structure \{'b': \*\} but x has structure \{'a': \*\}"):
        jvp(f, {"a": X3}, {"b": np.ones(3)})
    with pytest.raises(ValueError, match=r"jvp: v\[0\] has structure \(\*, \*\) but x\[0\] has structure \[\*, \*\]"):
        jvp(lambda p, q: p[0] * q, ([1.0, 2.0], 3.0), ((1.0, 0.0), 1.0))
    with pytest.raises(ValueError, match=r"jvp: v\['a'\] has shape \(2,\) but x\['a'\] has shape \(3,\)"):
        jvp(f, {"a": X3}, {"a": np.ones(2)})


# --- refusals ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("arg", "message"), [
    ({"W": W, "name": "layer"}, r"grad: args\[0\]\['name'\] is a str 'layer'; only numbers"),
    ({"W": W, "b": None}, r"grad: args\[0\]\['b'\] is None, which has no derivative"),
    ([W, {1.0, 2.0}], r"grad: args\[0\]\[1\] is a set: a set has no order"),
    ({"W": [W, object()]}, r"grad: args\[0\]\['W'\]\[1\] holds object <object"),
    ({"W": True}, r"grad: args\[0\]\['W'\] must be a real number or a float array, got bool"),
])
def test_unsupported_leaves_are_refused_by_path(arg, message):
    with pytest.raises(TypeError, match=message):
        grad(lambda p: 0.0)(arg)


def test_refusals_name_the_argument_position_and_the_transform():
    with pytest.raises(TypeError, match=r"jacobian: args\[1\]\[0\] is None"):
        jacobian(lambda a, b: a, argnums=(0, 1))(1.0, [None])
    with pytest.raises(TypeError, match=r"vjp: x\['s'\] is a str"):
        vjp(lambda p: p["a"], {"a": 1.0, "s": "text"}, 1.0)
    with pytest.raises(TypeError, match=r"jvp: x\[1\] is None"):
        jvp(lambda a, b: a, (1.0, None), (1.0, None))
    with pytest.raises(ValueError, match=r"grad: args\[0\] is an empty container \{\}"):
        grad(lambda p: 0.0)({})


def test_a_container_that_is_not_differentiated_passes_untouched():
    seen = {}

    def f(x, config):
        seen.update(config)
        return x * config["scale"]

    assert grad(f)(2.0, {"scale": 3.0, "name": "anything", "none": None}) == 3.0
    assert seen == {"scale": 3.0, "name": "anything", "none": None}


def test_grad_of_a_container_output_says_use_has_aux_or_jacobian():
    with pytest.raises(ValueError, match=r"grad: f must return a scalar, got a container \(\*, \*\).*has_aux=True"):
        grad(lambda x: (x * x, x))(1.0)


# --- has_aux ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ENGINES)
def test_grad_with_aux_returns_the_gradient_and_aux_as_plain_numbers(engine):
    def f(x):
        z = x * x
        loss = np.sum(z) if engine == "value" else z.sum()
        return loss, {"z": z, "first": z[0], "note": "squares", "count": 3}

    g, aux = grad(f, engine=engine, has_aux=True)(X3)
    np.testing.assert_allclose(g, 2 * X3, rtol=1e-15)
    assert isinstance(aux["z"], np.ndarray) and aux["z"].dtype == float  # no Value / Tensor left
    np.testing.assert_allclose(aux["z"], X3 * X3, rtol=1e-15)
    assert not isinstance(aux["first"], Value | Tensor) and float(aux["first"]) == pytest.approx(X3[0] ** 2)
    assert aux["note"] == "squares" and aux["count"] == 3

    (value, aux2), g2 = value_and_grad(f, engine=engine, has_aux=True)(X3)
    assert value == pytest.approx(float(X3 @ X3), rel=1e-15)
    np.testing.assert_allclose(g2, g)
    np.testing.assert_allclose(aux2["z"], aux["z"])


def test_aux_with_containers_and_argnums():
    def f(p, x):
        pred = p["w"] * x
        return (pred - 1.0) ** 2, pred

    (gp, gx), pred = grad(f, argnums=(0, 1), has_aux=True)({"w": 2.0}, 3.0)
    assert pred == 6.0 and isinstance(pred, float)
    assert gp == {"w": 2 * 5.0 * 3.0} and gx == 2 * 5.0 * 2.0


def test_aux_stays_a_node_inside_an_outer_transform():
    # the inner aux x·y (at x = 1) is differentiated by the outer grad: d/dy (1·y) = 1
    assert grad(lambda y: grad(lambda x: (x * y, x * y), has_aux=True)(1.0)[1])(3.0) == pytest.approx(1.0)


@pytest.mark.parametrize("returned", [lambda x: x * x, lambda x: (x * x,), lambda x: (x, x, x)])
def test_has_aux_without_a_pair_is_a_type_error(returned):
    with pytest.raises(TypeError, match=r"has_aux=True, so f must return a pair \(output, aux\); it returned"):
        grad(returned, has_aux=True)(1.0)
    with pytest.raises(TypeError, match="must return a pair"):
        value_and_grad(returned, has_aux=True)(np.ones(2))
