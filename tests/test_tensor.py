"""The vectorized engine: every rule against central differences on arrays, broadcasting, the seed's
layer against its closed forms (Eq. 29–30) and against the scalar Value graph, errors, create_graph."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from finite_differences import numeric_gradient
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core
from autograd_core import Tensor, Value, concatenate, stack
from autograd_core.engine.graph import backward_steps, gradients

RNG = np.random.default_rng(20190803)


def tensor_gradients(f, *arrays: np.ndarray) -> list[np.ndarray]:
    """∇ of the scalar Tensor function f at arrays, by the engine."""
    leaves = [Tensor(a, requires_grad=True) for a in arrays]
    out = f(*leaves)
    assert out.size == 1
    out.backward()
    return [leaf.grad for leaf in leaves]


def value_of(f, *arrays: np.ndarray) -> float:
    return f(*[Tensor(a) for a in arrays]).item()


def check_against_numeric(f, *arrays: np.ndarray, rtol: float = 1e-5, atol: float = 1e-7) -> None:
    analytic = tensor_gradients(f, *arrays)
    for k, a in enumerate(arrays):
        def partial(x, k=k):
            args = list(arrays)
            args[k] = x
            return value_of(f, *args)

        np.testing.assert_allclose(analytic[k], numeric_gradient(partial, a), rtol=rtol, atol=atol,
                                   err_msg=f"operand {k}")


# --- elementwise rules ------------------------------------------------------------------------
# name, function, sampler of points inside the domain (kept away from kinks)
UNARY = [
    ("neg_method", lambda x: x.neg(), lambda s: RNG.normal(size=s)),
    ("abs_builtin", lambda x: abs(x), lambda s: RNG.choice([-1, 1], size=s) * RNG.uniform(0.1, 2, size=s)),
    ("square", lambda x: x**2, lambda s: RNG.normal(size=s)),
    ("cube", lambda x: x**3, lambda s: RNG.normal(size=s)),
    ("pow_neg", lambda x: x**-2, lambda s: RNG.uniform(0.5, 2.0, size=s)),
    ("pow_half", lambda x: x**0.5, lambda s: RNG.uniform(0.5, 2.0, size=s)),
    ("rpow", lambda x: 2.0**x, lambda s: RNG.normal(size=s)),
    ("rdiv", lambda x: 1.5 / x, lambda s: RNG.uniform(0.5, 2.0, size=s)),
    ("rsub", lambda x: 1.5 - x, lambda s: RNG.normal(size=s)),
]


@pytest.mark.parametrize(("name", "f", "sample"), UNARY, ids=[c[0] for c in UNARY])
def test_unary_gradient_matches_central_differences(name, f, sample):
    x = sample((3, 4))
    weights = RNG.normal(size=(3, 4))  # so that each entry's gradient differs: f'(x) * w
    check_against_numeric(lambda t: (f(t) * weights).sum(), x)


SHARED_WITH_VALUE = [c for c in UNARY if c[0] != "neg_method"]  # Value has -v, not v.neg()


@pytest.mark.parametrize(("name", "f", "sample"), SHARED_WITH_VALUE, ids=[c[0] for c in SHARED_WITH_VALUE])
def test_unary_forward_and_gradient_equal_the_scalar_engine(name, f, sample):
    """One derivative table: the Tensor entries are the Value engine's numbers, entry by entry."""
    x = sample((5,))
    t = Tensor(x, requires_grad=True)
    out = f(t)
    out.backward(np.ones(5))
    for k in range(5):
        v = Value(float(x[k]))
        y = f(v)
        y.backward()
        assert out.data[k] == pytest.approx(y.data, rel=1e-14, abs=1e-300)
        assert t.grad[k] == pytest.approx(v.grad, rel=1e-12, abs=1e-300)


BINARY = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b),
    ("pow", lambda a, b: a**b),
]
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, -3.0, 1e-320, 1e308, -1e308, np.inf, -np.inf, np.nan]


def _run_binary(make, f, x, y, constant_b):
    """``(out, ∂out/∂a, ∂out/∂b)`` as strings (so NaN equals NaN, and -0.0 differs from 0.0 only
    in sign, which is not compared), or the error's type if the engine refuses."""
    try:
        a = make(x)
        b = y if constant_b else make(y)
        out = f(a, b)
        out.backward()
    except (ValueError, ArithmeticError) as err:
        return type(err).__name__
    numbers = (out.data, a.grad) if constant_b else (out.data, a.grad, b.grad)
    return tuple(repr(abs(float(v))) + ("-" if float(v) < 0 else "") for v in numbers)


@pytest.mark.parametrize(("name", "f"), BINARY, ids=[c[0] for c in BINARY])
def test_binary_ops_at_special_values_equal_the_scalar_engine(name, f):
    """Zeros of both signs, overflow, subnormals, ±inf and NaN: the same value, the same derivatives
    and the same refusals on both engines."""
    for x in SPECIAL:
        for y in SPECIAL:
            for constant_b in (False, True):
                scalar = _run_binary(Value, f, x, y, constant_b)
                array = _run_binary(lambda v: Tensor(v, requires_grad=True), f, x, y, constant_b)
                assert scalar == array, f"{x!r} {name} {y!r} (constant b: {constant_b}): Value {scalar}, Tensor {array}"


SHAPE_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((), (2, 3)), ((2, 1, 3), (4, 1))]


@pytest.mark.parametrize(("name", "f"), BINARY, ids=[c[0] for c in BINARY])
@pytest.mark.parametrize(("shape_a", "shape_b"), SHAPE_PAIRS, ids=str)
def test_binary_gradient_with_broadcasting(name, f, shape_a, shape_b):
    a = RNG.uniform(0.5, 2.0, size=shape_a)  # positive: a**b needs a > 0 when b requires grad
    b = RNG.uniform(0.5, 2.0, size=shape_b)
    out_shape = np.broadcast_shapes(shape_a, shape_b)
    weights = RNG.normal(size=out_shape)
    check_against_numeric(lambda x, y: (f(x, y) * weights).sum(), a, b)
    ga, gb = tensor_gradients(lambda x, y: (f(x, y) * weights).sum(), a, b)
    assert ga.shape == shape_a and gb.shape == shape_b


def test_numbers_and_arrays_on_either_side():
    x = RNG.normal(size=(2, 3))
    c = RNG.uniform(1, 2, size=(3,))
    exprs = [
        lambda t: 2.0 * t + 1 - t / 4.0,
        lambda t: c * t + t * c - c / (t * t + 1.0) + (c - t),
        lambda t: (c + t) / c + 3 - (2 - t) ** 2,
        lambda t: np.float64(2.0) * t + np.ones((2, 3)) @ np.ones((3, 3)) * t,
    ]
    for f in exprs:
        check_against_numeric(lambda t, f=f: f(t).sum(), x)
    out = c + Tensor(x)
    assert isinstance(out, Tensor) and out.shape == (2, 3)
    np.testing.assert_array_equal(out.data, c + x)


@settings(max_examples=60, deadline=None)
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    op=st.sampled_from(["add", "sub", "mul", "div"]),
    unary=st.sampled_from(["tanh", "sin", "exp", "sigmoid", "softplus"]),
    reduce=st.sampled_from(["sum", "mean"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_broadcast_expressions_match_central_differences(shapes, op, unary, reduce, seed):
    rng = np.random.default_rng(seed)
    shape_a, shape_b = shapes.input_shapes
    a = rng.uniform(0.5, 1.5, size=shape_a)
    b = rng.uniform(0.5, 1.5, size=shape_b)
    binary = dict(BINARY)[op]

    def f(x, y):
        z = getattr(binary(x, y), unary)()
        return getattr(z * z + x, reduce)()

    check_against_numeric(f, a, b, rtol=1e-5, atol=1e-8)


# --- reductions, shapes, indexing -------------------------------------------------------------
STRUCTURAL = [
    ("sum_all", lambda t: t.sum()),
    ("sum_axis0", lambda t: (t.sum(axis=0) ** 2).sum()),
    ("sum_axis_neg", lambda t: (t.sum(axis=-1) ** 2).sum()),
    ("sum_axes", lambda t: (t.sum(axis=(0, 2)) ** 2).sum()),
    ("sum_keepdims", lambda t: (t.sum(axis=1, keepdims=True) * t).sum()),
    ("mean_all", lambda t: (t * t).mean()),
    ("mean_axis", lambda t: (t.mean(axis=1) ** 2).sum()),
    ("mean_keepdims", lambda t: ((t - t.mean(axis=0, keepdims=True)) ** 2).sum()),
    ("reshape", lambda t: (t.reshape(6, 4) ** 2 * np.arange(24.0).reshape(6, 4)).sum()),
    ("reshape_tuple_infer", lambda t: (t.reshape((4, -1)).tanh()).sum()),
    ("transpose_default", lambda t: (t.transpose() * np.arange(24.0).reshape(4, 3, 2)).sum()),
    ("transpose_axes", lambda t: (t.transpose(1, 0, 2) ** 3).sum()),
    ("T", lambda t: (t.reshape(6, 4).T @ np.ones((6, 2))).tanh().sum()),
    ("int_index", lambda t: (t[1] ** 2).sum()),
    ("slice", lambda t: (t[:, 1:, ::2] ** 2).sum()),
    ("negative_step", lambda t: (t[::-1, :, 0] * np.arange(6.0).reshape(2, 3)).sum()),
    ("ellipsis_newaxis", lambda t: (t[..., None, 1] * np.ones((1, 1, 5))).sum()),
    ("fancy_repeated", lambda t: (t[[0, 1, 0, 0]] ** 2).sum()),
    ("fancy_pairs", lambda t: (t[[0, 1, 1], [2, 0, 2]] ** 2).sum()),
    ("bool_mask", lambda t: (t[t.data > 0] ** 2).sum()),
    ("tensor_index", lambda t: (t[Tensor([1, 0, 1])] ** 2).sum()),
    ("single_entry", lambda t: t[1, 2, 0] * t[0, 0, 1]),
]


@pytest.mark.parametrize(("name", "f"), STRUCTURAL, ids=[c[0] for c in STRUCTURAL])
def test_structural_gradients_match_central_differences(name, f):
    x = RNG.normal(size=(2, 3, 4))
    check_against_numeric(f, x)


def test_fancy_index_accumulates_repeated_entries():
    x = Tensor(np.arange(4.0), requires_grad=True)
    x[[0, 0, 3, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 0.0, 1.0])


def test_stack_and_concatenate_gradients():
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    w = RNG.normal(size=(2, 2, 3))
    check_against_numeric(lambda x, y: (stack([x, y], axis=1) * w).sum(), a, b)
    c = RNG.normal(size=(2, 5))
    check_against_numeric(lambda x, y: (concatenate([x, y.tanh(), x], axis=-1) ** 2).sum(), a, c)
    np.testing.assert_array_equal(stack([Tensor(a), b]).data, np.stack([a, b]))


# --- the seed's layer ---------------------------------------------------------------------------
def layer_inputs(p: int = 3, n: int = 4, m: int = 5):
    rng = np.random.default_rng(7)
    return rng.normal(size=(p, n)), rng.normal(size=(n, m)), rng.normal(size=p), rng.normal(size=(p, m))


def test_seed_layer_gradients_equal_the_closed_forms():
    """Z = W X + B with B = b 1ᵀ (Eq. 6), L = (1/m) Σ_k L^(k), L^(k) = ‖z^(k) − y^(k)‖²: Eq. 29–30."""
    W0, X0, b0, Y = layer_inputs()
    m = X0.shape[1]
    W, X, b = (Tensor(a, requires_grad=True) for a in (W0, X0, b0))
    Z = W @ X + b[:, None]
    per_sample = ((Z - Y) ** 2).sum(axis=0)  # L^(k), one per column
    L = per_sample.mean()
    L.backward()
    G = 2 * (W0 @ X0 + b0[:, None] - Y)  # the seed's ∇_Z L: per-sample gradients as columns, no 1/m
    np.testing.assert_allclose(W.grad, G @ X0.T / m, rtol=1e-13, atol=1e-14)  # Eq. 29
    np.testing.assert_allclose(X.grad, W0.T @ G / m, rtol=1e-13, atol=1e-14)  # Eq. 30
    np.testing.assert_allclose(b.grad, G.sum(axis=1) / m, rtol=1e-13, atol=1e-14)  # Σ_k of Eq. 19
    assert W.grad.shape == W0.shape and X.grad.shape == X0.shape and b.grad.shape == b0.shape


def test_seed_layer_tensor_equals_the_scalar_value_graph_entry_by_entry():
    W0, X0, b0, Y = layer_inputs()
    m = X0.shape[1]
    lift = np.vectorize(lambda v: Value(float(v)), otypes=[object])
    Wv, Xv, bv = lift(W0), lift(X0), lift(b0)
    Zv = Wv @ Xv + bv[:, None]  # numpy object arrays: every w_ij · x_j^(k) is its own Value node
    Lv = ((Zv - Y) ** 2).sum() * (1.0 / m)
    Lv.backward()

    W, X, b = (Tensor(a, requires_grad=True) for a in (W0, X0, b0))
    L = ((W @ X + b[:, None] - Y) ** 2).sum(axis=0).mean()
    L.backward()

    assert L.item() == pytest.approx(Lv.data, rel=1e-14)
    for tensor, values in ((W, Wv), (X, Xv), (b, bv)):
        scalar = np.vectorize(lambda v: v.grad, otypes=[float])(values)
        np.testing.assert_allclose(tensor.grad, scalar, rtol=1e-12, atol=1e-15)


def test_seed_layer_tanh_loss_against_central_differences():
    W0, X0, b0, _ = layer_inputs(4, 3, 6)
    check_against_numeric(lambda W, X, b: (W @ X + b[:, None]).tanh().sum(axis=0).mean(), W0, X0, b0)


# --- graph structure and bookkeeping ------------------------------------------------------------
def test_node_attributes():
    W = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, label="W")
    x = Tensor([1.0, -1.0], label="x")
    z = W @ x
    y = z.tanh() + 1.0
    assert (W.shape, W.ndim, W.size, W.dtype, len(W)) == ((2, 2), 2, 4, np.float64, 2)
    assert W.op == "" and W.parents == () and W.label == "W"
    assert z.op == "@" and z.parents == (W, x)
    assert y.op == "+" and y.parents[0].op == "tanh" and y.parents[1].data == 1.0
    assert y.requires_grad and not x.requires_grad
    np.testing.assert_array_equal(W.T.data, [[1.0, 3.0], [2.0, 4.0]])
    np.testing.assert_array_equal(np.asarray(z), [-1.0, -1.0])
    assert "op='@'" in repr(z) and "requires_grad=True" in repr(z)
    assert "label='W'" in repr(W) and "[3., 4.]" in repr(W)


def test_constants_record_no_graph_and_get_no_gradient():
    x = Tensor(RNG.normal(size=3))  # requires_grad=False
    c = (x * 2.0).exp().sum()
    assert c.op == "" and c.parents == () and not c.requires_grad
    w = Tensor(RNG.normal(size=3), requires_grad=True)
    y = (w * (x * 2.0).exp()).sum()
    y.backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad, np.exp(2 * x.data))
    with pytest.raises(RuntimeError, match="does not require grad"):
        c.backward()


def test_gradients_accumulate_and_zero_grad_resets():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])
    y.zero_grad()
    assert x.grad is None and y.grad is None
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_fan_out_sums_every_path():
    x = Tensor([0.5, -1.0], requires_grad=True)
    y = x * x.exp() + x.sin() * x
    y.sum().backward()
    expected = np.exp(x.data) * (1 + x.data) + np.cos(x.data) * x.data + np.sin(x.data)
    np.testing.assert_allclose(x.grad, expected, rtol=1e-14)


def test_leaf_gradients_are_their_own_arrays():
    """A pass-through rule (+, reshape, slicing) must not make two leaves share one grad array."""
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    c = Tensor(np.ones((3, 1)), requires_grad=True)
    (a + b + c.reshape(3)).backward(np.arange(3.0))
    a.grad *= 0.0  # an optimizer may update grads in place
    np.testing.assert_array_equal(b.grad, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(c.grad, [[0.0], [1.0], [2.0]])
    assert b.grad.flags.writeable and c.grad.flags.writeable


def test_zero_dimensional_gradients_are_arrays():
    """numpy's 0-d arithmetic returns scalars; a 0-d Tensor's grad is still a writable 0-d array."""
    t = Tensor(3.0, requires_grad=True)
    (t * t).backward()  # two contributions to t: added
    assert type(t.grad) is np.ndarray and t.grad.shape == () and t.grad == 6.0
    t.grad[...] = 0.0
    (t * t).backward()
    assert t.grad == 6.0


def test_backward_with_gradient_and_seed_copy():
    x = Tensor(RNG.normal(size=(2, 3)), requires_grad=True)
    v = RNG.normal(size=(2, 3))
    x.tanh().backward(v)
    np.testing.assert_allclose(x.grad, v * (1 - np.tanh(x.data) ** 2))
    leaf = Tensor([1.0, 2.0], requires_grad=True)
    seed = np.array([3.0, 4.0])
    leaf.backward(seed)
    seed[0] = 100.0
    np.testing.assert_array_equal(leaf.grad, [3.0, 4.0])


def test_detach_numpy_item():
    x = Tensor([[2.5]], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.data is x.data and d.op == ""
    view = x.numpy()  # requires grad: a read-only view of the same memory
    assert np.shares_memory(view, x.data) and not view.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        view[0, 0] = 1.0
    assert Tensor([1.0]).numpy().flags.writeable  # a constant's array is yours
    assert x.item() == 2.5 and float(x) == 2.5
    with pytest.raises(ValueError, match="exactly one entry"):
        Tensor([1.0, 2.0]).item()


def test_constructor_copies_and_refuses_non_numbers():
    a = np.array([1.0, 2.0])
    t = Tensor(a)
    a[0] = 9.0
    assert t.data[0] == 1.0 and t.data.dtype == np.float64
    assert Tensor(3).data.dtype == np.float64
    with pytest.raises(TypeError, match="real numbers"):
        Tensor("abc")
    with pytest.raises(TypeError, match="real numbers"):
        Tensor([1j, 2.0])


@pytest.mark.parametrize(
    "data",
    [None, [None, 1.0], "3", ["1.5", "2"], b"1", np.array([1 + 0j]), np.datetime64("2020-01-01"),
     np.array([1.0, None], dtype=object)],
)
def test_constructor_refuses_what_numpy_would_coerce(data):
    """np.array(data, dtype=float) turns None into NaN, parses strings and drops imaginary parts;
    a Tensor takes real numbers only."""
    with pytest.raises(TypeError, match="real numbers"):
        Tensor(data)


def test_constructor_refuses_a_list_of_values():
    """A list of Value nodes would be read through float() and lose its graph: refused, as mixing is."""
    with pytest.raises(TypeError, match="Value"):
        Tensor([Value(1.0), Value(2.0)])


def test_constructor_takes_numeric_object_arrays_and_lists_of_tensors():
    assert Tensor(np.array([1, 2.5], dtype=object)).data.tolist() == [1.0, 2.5]
    assert Tensor([Tensor(1.0), Tensor(2.0)]).data.tolist() == [1.0, 2.0]
    assert Tensor([np.float32(1.5), 2]).data.tolist() == [1.5, 2.0]


def test_backward_steps_walk_a_tensor_graph():
    W = Tensor(RNG.normal(size=(2, 3)), requires_grad=True)
    x = Tensor(RNG.normal(size=3))
    L = (W @ x).tanh().sum()
    steps = list(backward_steps(L, np.ones(())))
    assert [s.child.op for s in steps] == ["sum", "tanh", "@"]
    assert steps[-1].parent is W
    np.testing.assert_allclose(W.grad, np.outer(1 - np.tanh(W.data @ x.data) ** 2, x.data))


def test_no_runtime_warnings_where_results_are_defined():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = Tensor([1000.0, -1000.0, np.nan], requires_grad=True)
        y = x.exp() + x.sigmoid() + x.softplus() + x.tanh()
        y.sum().backward()
        assert np.isinf(y.data[0]) and np.isnan(y.data[2])
        assert np.isnan(x.grad[2])
        z = Tensor([0.0], requires_grad=True)
        z.sqrt().backward(np.ones(1))
        assert np.isinf(z.grad[0])
        A = Tensor([[np.inf, 1e308]], requires_grad=True)  # inf · 0 and an overflow inside products and sums
        B = Tensor([[0.0], [10.0]], requires_grad=True)
        P = A @ B
        assert np.isnan(P.data[0, 0]) and np.isinf(Tensor([[1e308, 1e308]]).sum().data)
        (P.sum() + Tensor([[1e308, 1e308]]).sum()).backward()


def test_a_100000_op_chain_backpropagates_without_recursion():
    x = Tensor([0.5, 2.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.00001**100_000] * 2, rtol=1e-9)


# --- errors ---------------------------------------------------------------------------------------
def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"matmul \(@\): shapes \(2, 3\) and \(4, 5\) do not align"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"matmul \(@\).*\(3,\) and \(4,\)"):
        Tensor(np.ones(3)) @ np.ones(4)
    with pytest.raises(ValueError, match=r"batch axes \(2,\) and \(3,\)"):
        Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((3, 4, 5)))
    with pytest.raises(ValueError, match="at least one axis"):
        Tensor(2.0) @ Tensor(np.ones(3))


def test_broadcast_mismatch_names_both_shapes_and_the_op():
    with pytest.raises(ValueError, match=r"add \(\+\): shapes \(2, 3\) and \(2,\) cannot be broadcast"):
        Tensor(np.ones((2, 3))) + Tensor(np.ones(2))
    with pytest.raises(ValueError, match=r"mul \(\*\): shapes \(3,\) and \(4,\)"):
        np.ones(3) * Tensor(np.ones(4))
    with pytest.raises(ValueError, match=r"sub \(-\): shapes \(3,\) and \(2, 2\)"):
        Tensor(np.ones(3)) - np.ones((2, 2))


def test_backward_on_a_non_scalar_explains_what_to_pass():
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2.0
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*gradient=.*self\.sum\(\)\.backward\(\)"):
        y.backward()


def test_backward_refuses_a_gradient_of_the_wrong_shape():
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2.0
    with pytest.raises(ValueError, match=r"gradient has shape \(3, 2\) but the Tensor has shape \(2, 3\)"):
        y.backward(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"gradient has shape \(\) but the Tensor has shape \(2, 3\)"):
        y.backward(1.0)


def test_mixing_with_value_nodes_is_refused():
    t = Tensor(np.ones((2, 2)), requires_grad=True)
    objects = np.array([[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]], dtype=object)
    cases = [lambda: t + objects, lambda: objects + t, lambda: objects @ t, lambda: t @ objects,
             lambda: t * Value(2.0), lambda: Value(2.0) * t, lambda: Tensor(objects),
             lambda: autograd_core.einsum("ij,jk->ik", t, objects)]
    for case in cases:
        with pytest.raises(TypeError, match="one engine") as info:
            case()
        assert "Value" in str(info.value) and "autograd_core.values" in str(info.value)


def test_unsupported_operands_raise_type_error():
    with pytest.raises(TypeError):
        Tensor(np.ones(2)) + "a"
    with pytest.raises(TypeError, match="dtype"):
        Tensor(np.ones(2)) + np.array(["a", "b"])


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (lambda: Tensor([1.0, -2.0, 0.0, 3.0]).log(),
         r"log: needs x > 0, got 2 bad entries of 4; the first is x\[1\] = -2\.0"),
        (lambda: Tensor([[1.0, 4.0], [-1.0, 2.0]]).sqrt(),
         r"sqrt: needs x >= 0, got 1 bad entry of 4; the first is x\[1, 0\] = -1\.0"),
        (lambda: Tensor(-3.0).log(), r"log: needs x > 0, got x = -3\.0"),
        (lambda: Tensor([1.0, 2.0]) / Tensor([3.0, 0.0]),
         r"div \(/\): needs divisor != 0 \(division by zero\), got 1 bad entry of 2; the first is divisor\[1\] = 0\.0"),
        (lambda: Tensor([1.0, 2.0]) / 0, r"div \(/\): needs divisor != 0 \(division by zero\)"),
        (lambda: 1.0 / Tensor([[0.0, 1.0]]), r"division by zero.*divisor\[0, 0\]"),
        (lambda: Tensor([2.0, 0.0]) ** -1, r"pow_const \(\*\*\): needs x != 0.*x\[1\] = 0\.0 \(n = -1\.0\)"),
        (lambda: Tensor([-2.0, 4.0]) ** 0.5, r"pow_const \(\*\*\): .*non-integer n.*x\[0\] = -2\.0 \(n = 0\.5\)"),
        (lambda: Tensor([-2.0, 4.0]) ** Tensor(2.0, requires_grad=True), r"pow \(\*\*\): needs x > 0.*x\[0\] = -2\.0"),
        (lambda: Tensor(np.ones(2)).reshape(3), r"reshape: cannot reshape a Tensor of shape \(2,\)"),
        (lambda: Tensor(np.ones(2)).sum(axis=2), r"sum: axis 2 is out of range"),
        (lambda: Tensor(np.ones((2, 2))).transpose(0, 0), r"transpose: axes \(0, 0\) are not a permutation"),
    ],
)
def test_domain_and_shape_errors_name_the_problem(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (lambda: Tensor(np.ones((2, 2))).sum(axis=1.0), r"sum: axis must be an int or a tuple of ints, got 1\.0"),
        (lambda: Tensor(np.ones((2, 2))).mean(axis="a"), r"mean: axis must be an int or a tuple of ints, got 'a'"),
        (lambda: Tensor(np.ones((2, 2))).transpose("a", 0), r"transpose: axes must be ints, got \('a', 0\)"),
        (lambda: autograd_core.einsum(3, Tensor(1.0)), r"einsum: subscripts must be a string like 'ij,jk->ik'"),
    ],
)
def test_bad_axis_and_subscript_types_are_named(make, pattern):
    with pytest.raises(TypeError, match=pattern):
        make()


def test_truth_value_follows_numpy_not_len():
    """``bool`` of a one-entry Tensor is its entry's; of several, ambiguous (as numpy says). By
    ``len`` alone ``Tensor([0.0])`` was True."""
    assert not Tensor([0.0]) and not Tensor(0.0) and Tensor([[2.0]])
    with pytest.raises(ValueError, match=r"truth value of a Tensor of shape \(2,\) is ambiguous"):
        bool(Tensor([1.0, 2.0]))


def test_out_of_range_index_names_the_shape():
    with pytest.raises(IndexError, match=r"Tensor of shape \(2, 3\)"):
        Tensor(np.ones((2, 3)))[5]


def test_nan_passes_domain_checks_and_propagates():
    x = Tensor([np.nan, 1.0], requires_grad=True)
    y = x.log() + x.sqrt() + 1.0 / x
    y.sum().backward()
    assert np.isnan(y.data[0]) and np.isnan(x.grad[0]) and np.isfinite(x.grad[1])


# --- create_graph: derivatives of derivatives ------------------------------------------------------
def gradient_function(f):
    """x -> ∇f(x) by the engine, as a numpy array."""
    def grad(x):
        t = Tensor(x, requires_grad=True)
        f(t).backward()
        return t.grad
    return grad


def hessian_vector(f, x: np.ndarray, v: np.ndarray) -> np.ndarray:
    t = Tensor(x, requires_grad=True)
    f(t).backward(create_graph=True)
    g = t.grad
    assert isinstance(g, Tensor) and g.requires_grad
    t.zero_grad()
    (g * v).sum().backward()
    return t.grad


SECOND_ORDER = [
    ("tanh_layer", lambda x: ((np.arange(12.0).reshape(3, 4) / 10 @ x + 0.3).tanh() ** 2).sum()),
    ("every_unary", lambda x: (x.exp() + x.sin() * x.cos() + x.sigmoid() + x.softplus() + x.tanh()).sum()),
    ("log_sqrt_div", lambda x: ((x * x + 1.0).log() + (x * x + 2.0).sqrt() + 1.0 / (x * x + 1.0)).sum()),
    ("powers", lambda x: ((x * x + 0.5) ** 1.5 + (x * x + 1.0) ** (x * 0.5) + 2.0**x).sum()),
    ("abs_relu", lambda x: (x.abs() * x + x.relu() ** 3).sum()),
    ("reductions", lambda x: (x.reshape(2, 2).sum(axis=0) ** 3).sum() * x.mean()),
    ("indexing", lambda x: (x[[0, 0, 3]] * x[1:4]).sum() ** 2 + (x[None, :2] ** 3).sum()),
    ("outer_einsum", lambda x: autograd_core.einsum("i,j,ij->", x, x.sin(), np.arange(16.0).reshape(4, 4))),
    ("broadcast", lambda x: ((x.reshape(4, 1) * x + Tensor(np.ones(4))) ** 2).sum()),
]


@pytest.mark.parametrize(("name", "f"), SECOND_ORDER, ids=[c[0] for c in SECOND_ORDER])
def test_hessian_vector_products_match_differences_of_the_gradient(name, f):
    x = np.array([0.3, -0.7, 1.1, 0.4])
    v = np.array([0.5, -1.0, 0.25, 2.0])
    eps = 1e-6
    grad = gradient_function(f)
    numeric = (grad(x + eps * v) - grad(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hessian_vector(f, x, v), numeric, rtol=1e-6, atol=1e-7)


def test_full_hessian_of_the_seed_layer_loss_in_W():
    """∂²L/∂W² for L = (1/m) Σ_k ‖W x^(k) + b − y^(k)‖²: (2/m) X Xᵀ per row of W."""
    W0, X0, b0, Y = layer_inputs(2, 3, 4)
    m = X0.shape[1]

    def loss(W):
        return ((W @ X0 + b0[:, None] - Y) ** 2).sum(axis=0).mean()

    W = Tensor(W0, requires_grad=True)
    (g,) = gradients(loss(W), [W], np.ones(()), create_graph=True)
    rows = []
    for index in np.ndindex(W0.shape):
        (h,) = gradients(g[index], [W])
        rows.append(np.asarray(h).ravel())
    expected = np.kron(np.eye(2), 2 * X0 @ X0.T / m)
    np.testing.assert_allclose(np.array(rows), expected, rtol=1e-12, atol=1e-12)


def test_third_derivative_of_x_to_the_fifth():
    x = Tensor(2.0, requires_grad=True)
    (x**5).backward(create_graph=True)
    first = x.grad
    x.zero_grad()
    first.backward(create_graph=True)
    second = x.grad
    x.zero_grad()
    second.backward()
    assert (first.item(), second.item(), x.grad.item()) == (80.0, 160.0, 240.0)


def test_requires_grad_must_be_a_bool():
    with pytest.raises(TypeError, match="requires_grad must be True or False, got str 'no'"):
        Tensor([1.0], requires_grad="no")
    assert Tensor([1.0], requires_grad=np.True_).requires_grad is True


def test_an_array_changed_between_forward_and_backward_does_not_change_the_gradient():
    # The numpy operand is copied when it enters the graph: backward sees the ones y was computed with.
    W = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    A = np.ones(3)
    y = (W * A).sum()
    A[:] = 5.0
    y.backward()
    np.testing.assert_array_equal(W.grad, [1.0, 1.0, 1.0])


def test_ordering_comparisons_give_bool_arrays_and_equality_stays_identity():
    t = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    np.testing.assert_array_equal(t > 2, [False, False, True])
    np.testing.assert_array_equal(t <= Tensor([1.0, 1.0, 5.0]), [True, False, True])
    np.testing.assert_array_equal(t >= np.array([0.0, 3.0, 3.0]), [True, False, True])
    np.testing.assert_array_equal(2.5 > t, [True, True, False])
    assert (t == t) is True and {t: 1}[t] == 1  # identity: nodes are dict keys


def test_quiet_is_errstate_ignore_and_restores_the_callers_settings():
    from autograd_core.engine.namespaces import quiet

    before = np.geterr()
    with np.errstate(over="raise"):
        with quiet():
            assert set(np.geterr().values()) == {"ignore"}
            with quiet():  # nests
                assert np.isinf(np.exp(np.array([1000.0]))[0])
            assert set(np.geterr().values()) == {"ignore"}
        assert np.geterr()["over"] == "raise"
        with pytest.raises(ZeroDivisionError):
            with quiet():
                raise ZeroDivisionError
        assert np.geterr()["over"] == "raise"  # restored after an error too
    assert np.geterr() == before


def test_quiets_fallback_for_a_numpy_without_the_context_variable_is_errstate(monkeypatch):
    from autograd_core.engine import namespaces

    monkeypatch.setattr(namespaces, "quiet_on", namespaces._errstate_on)
    monkeypatch.setattr(namespaces, "quiet_off", namespaces._errstate_off)
    with np.errstate(over="raise"):
        with namespaces.quiet():
            assert set(np.geterr().values()) == {"ignore"}
            assert np.isinf(np.exp(np.array([1000.0]))[0])
        assert np.geterr()["over"] == "raise"
