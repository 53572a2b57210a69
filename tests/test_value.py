"""The scalar engine: every rule against central differences, accumulation, scale, errors."""

from __future__ import annotations

import math

import pytest
from finite_differences import central_difference
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_core import Value
from autograd_core.engine.graph import topological_order


def grad_of(f, x: float) -> float:
    v = Value(x)
    f(v).backward()
    return v.grad


# Operators and reflected forms on a Value (the table's entries themselves are driven by tests/test_rules.py)
UNARY_CASES = [
    ("abs_builtin", lambda v: abs(v), [-2.0, 0.5]),
    ("pow_int", lambda v: v**3, [-2.0, -0.5, 0.0, 1.5]),
    ("pow_neg", lambda v: v**-2, [-2.0, 0.5, 3.0]),
    ("pow_frac", lambda v: v**0.5, [0.1, 2.0]),
    ("rpow", lambda v: 2.0**v, [-1.0, 0.0, 3.0]),
    ("add_const", lambda v: v + 2, [-1.0, 3.0]),
    ("radd_const", lambda v: 2 + v, [-1.0, 3.0]),
    ("sub_const", lambda v: v - 2, [1.0]),
    ("rsub_const", lambda v: 1 - v, [1.0, -4.0]),
    ("mul_const", lambda v: v * 3, [1.0, -2.0]),
    ("rmul_const", lambda v: 2 * v, [1.0, -2.0]),
    ("div_const", lambda v: v / 4, [1.0, -2.0]),
    ("rdiv_const", lambda v: 3 / v, [0.5, -2.0]),
]


@pytest.mark.parametrize("name,f,points", UNARY_CASES, ids=[c[0] for c in UNARY_CASES])
def test_unary_rules_match_central_differences(name, f, points):
    for x in points:
        expected = central_difference(lambda t: f(Value(t)).data, x)
        assert grad_of(f, x) == pytest.approx(expected, rel=1e-6, abs=1e-7), (name, x)


def test_worked_example_tanh_neuron():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    y = (w * x + b).tanh()
    y.backward()
    local = 1 - math.tanh(-5.0) ** 2
    assert y.data == pytest.approx(math.tanh(-5.0))
    assert (x.grad, w.grad, b.grad) == pytest.approx((-3.0 * local, 2.0 * local, local))


def test_node_fields():
    x = Value(2, label="x")
    assert isinstance(x.data, float) and x.data == 2.0
    assert (x.grad, x.label, x.op, x.parents) == (0.0, "x", "", ())
    y = x * 3
    assert y.op == "*" and y.parents[0] is x and y.parents[1].data == 3.0
    assert (2 - x).parents[1] is x  # argument order is kept
    assert x.tanh().op == "tanh" and x.tanh().parents == (x,)
    assert "data=2" in repr(x) and "grad=0" in repr(x) and "'x'" in repr(x)


def test_fan_out_accumulates():
    # y = x * x: two edges from x, each contributes x; the sum 2x only appears with +=.
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0


def test_diamond_and_reused_intermediate():
    # a = x * 2 (a non-leaf used twice); y = a * a + a → dy/dx = (2a + 1) * 2
    x = Value(1.5)
    a = x * 2
    y = a * a + a
    y.backward()
    assert a.grad == pytest.approx(2 * 3.0 + 1)
    assert x.grad == pytest.approx((2 * 3.0 + 1) * 2)


def test_builtin_sum():
    xs = [Value(float(i)) for i in range(5)]
    s = sum(x * x for x in xs)
    s.backward()
    assert s.data == 30.0
    assert [x.grad for x in xs] == [0.0, 2.0, 4.0, 6.0, 8.0]


def test_second_backward_accumulates_on_leaves_only():
    x = Value(2.0)
    a = x * x
    y = a * 3
    y.backward()
    y.backward()
    assert x.grad == pytest.approx(2 * 12.0)  # leaves accumulate
    assert a.grad == 3.0  # intermediates show the latest pass, not 6
    y.zero_grad()
    assert (x.grad, a.grad, y.grad) == (0.0, 0.0, 0.0)
    y.backward()
    assert x.grad == 12.0


def test_one_sided_choices_at_kinks():
    assert grad_of(lambda v: v.relu(), 0.0) == 0.0
    assert grad_of(lambda v: v.abs(), 0.0) == 0.0


def test_nan_and_inf_propagate():
    assert math.isnan((Value(math.nan) * 2).data)
    assert Value(1000.0).exp().data == math.inf
    assert math.isnan(Value(math.inf).sin().data)
    assert Value(math.inf).tanh().data == 1.0
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).softplus().data == 1000.0
    assert math.isnan(Value(math.nan).log().data)


def test_comparisons_use_data_but_equality_is_identity():
    a, b = Value(1.0), Value(1.0)
    assert a < 2 and b <= a and a >= b and not a > b and Value(3) > a
    assert a != b and a == a
    assert len({a, b, a}) == 2
    d = {a: "a"}
    assert d[a] == "a"


@pytest.mark.parametrize(
    "make,kind,words",
    [
        (lambda: Value("a"), TypeError, ["str"]),
        (lambda: Value(None), TypeError, ["NoneType"]),
        (lambda: Value(1 + 2j), TypeError, ["complex"]),
        (lambda: Value(-1.0).log(), ValueError, ["log", "-1.0"]),
        (lambda: Value(0.0).log(), ValueError, ["log", "0.0"]),
        (lambda: Value(-4.0).sqrt(), ValueError, ["sqrt", "-4.0"]),
        (lambda: Value(1.0) / 0, ValueError, ["division by zero"]),
        (lambda: 1 / Value(0.0), ValueError, ["division by zero"]),
        (lambda: Value(0.0) ** -1, ValueError, ["x = 0.0", "n = -1.0"]),
        (lambda: Value(-8.0) ** 0.5, ValueError, ["-8.0", "not real"]),
        (lambda: Value(-2.0) ** Value(2.0), ValueError, ["x > 0", "-2.0"]),
        (lambda: Value(0.0) ** Value(2.0), ValueError, ["x > 0", "0.0"]),
        (lambda: (-2) ** Value(1.0), ValueError, ["x > 0"]),
    ],
)
def test_bad_input_gets_a_clear_error(make, kind, words):
    with pytest.raises(kind) as info:
        make()
    for word in words:
        assert word in str(info.value)


def test_non_number_operands_are_refused():
    with pytest.raises(TypeError):
        Value(1.0) + "a"
    with pytest.raises(TypeError):
        Value(1.0) * None


def test_million_op_chain_has_no_recursion_limit():
    x, w = Value(0.5), Value(1.0)
    y = x
    for i in range(1_000_000):
        y = y * w if i % 2 else y.tanh()
    y.backward()
    # y = tanh applied 500,000 times; dy/dx = Π (1 - t_k²) along the forward iterates.
    t, expected = 0.5, 1.0
    for _ in range(500_000):
        t = math.tanh(t)
        expected *= 1 - t * t
    assert y.data == pytest.approx(t)
    assert x.grad == pytest.approx(expected, rel=1e-9)
    assert len(topological_order(y)) == 1_000_002


# --- random expression graphs ---------------------------------------------------------------
SAFE_UNARY = ["tanh", "sigmoid", "sin", "cos", "softplus", "exp_small", "square"]


def apply_unary(name: str, v):
    if name == "exp_small":
        return (v * 0.1).exp()
    if name == "square":
        return v * v
    return getattr(v, name)()


def apply_unary_float(name: str, t: float) -> float:
    return {
        "tanh": math.tanh,
        "sigmoid": lambda z: 1 / (1 + math.exp(-z)),
        "sin": math.sin,
        "cos": math.cos,
        "softplus": lambda z: math.log1p(math.exp(z)),
        "exp_small": lambda z: math.exp(0.1 * z),
        "square": lambda z: z * z,
    }[name](t)


program = st.lists(
    st.one_of(
        st.tuples(st.just("u"), st.sampled_from(SAFE_UNARY), st.integers(0, 100)),
        st.tuples(st.just("b"), st.sampled_from(["+", "-", "*"]), st.integers(0, 100), st.integers(0, 100)),
    ),
    min_size=1,
    max_size=25,
)


def run_program(steps, inputs, unary, lift):
    """Each step reads earlier nodes by index (so inner nodes are reused) and appends one."""
    nodes = list(inputs)
    for step in steps:
        if step[0] == "u":
            nodes.append(unary(step[1], nodes[step[2] % len(nodes)]))
        else:
            a, b = nodes[step[2] % len(nodes)], nodes[step[3] % len(nodes)]
            nodes.append({"+": a + b, "-": a - b, "*": a * b}[step[1]])
    return nodes[-1] + 0.1 * nodes[len(nodes) // 2]


@settings(max_examples=150, deadline=None)
@given(steps=program, xs=st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3))
def test_random_graphs_match_central_differences(steps, xs):
    leaves = [Value(x) for x in xs]
    out = run_program(steps, leaves, apply_unary, Value)
    assume(abs(out.data) < 1e6)  # repeated squaring can overflow; finite differences mean nothing there
    out.backward()
    for i, x in enumerate(xs):

        def f(t, i=i):
            args = list(xs)
            args[i] = t
            return run_program(steps, args, apply_unary_float, float)

        numeric = central_difference(f, x, eps=1e-5)
        assert leaves[i].grad == pytest.approx(numeric, rel=1e-4, abs=1e-5)


def test_an_int_too_large_for_a_float_is_named():
    with pytest.raises(ValueError, match="too large for a float"):
        Value(10**400)


def test_value_compares_with_arrays_entry_by_entry_and_has_the_truth_of_its_number():
    import numpy as np

    np.testing.assert_array_equal(Value(2.0) < np.array([1.0, 3.0]), [False, True])
    np.testing.assert_array_equal(Value(2.0) >= np.array([1.0, 3.0]), [True, False])
    np.testing.assert_array_equal(np.array([1.0, 3.0]) > Value(2.0), [False, True])
    assert (Value(2.0) < 3) is True and (Value(2.0) > Value(1.0)) is True
    assert bool(Value(0.0)) is False and bool(Value(-1.5)) is True
    with pytest.raises(TypeError):
        _ = Value(1.0) < "2"


def test_item_and_detach_as_tensor_and_pytorch():
    from autograd_core import grad
    from autograd_core.engine.graph import ConversionError

    x = Value(2.0, label="x")
    y = x * x
    assert y.item() == 4.0 and isinstance(y.item(), float)
    d = y.detach()
    assert d.data == 4.0 and d.parents == () and d is not y
    (d * x).backward()  # the detached factor is a constant: d/dx (4 · x) = 4
    assert x.grad == 4.0
    with pytest.raises(ConversionError, match=r"item\(\) of a Value"):
        grad(lambda v: v * v.item())(3.0)
    assert grad(lambda v: v * v.detach())(3.0) == 3.0  # the detached copy carries no gradient
