"""The shared sweep: topological order, gradients() without side effects, create_graph, steps."""

from __future__ import annotations

import math

import pytest

from autograd_core import Value
from autograd_core.engine.graph import backward_steps, gradients, topological_order


def test_topological_order_puts_parents_first_and_is_deterministic():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    a = x * y
    b = a + x
    out = b * a
    order = topological_order(out)
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for p in node.parents:
            assert position[id(p)] < position[id(node)]
    assert order[-1] is out and len(order) == 5
    assert [n.label for n in order[:2]] == ["x", "y"]  # first argument explored first
    assert [id(n) for n in topological_order(out)] == [id(n) for n in order]


def test_gradients_leaves_grad_untouched():
    x = Value(3.0)
    y = x * x + x
    (g,) = gradients(y, [x])
    assert g == 7.0 and x.grad == 0.0 and y.grad == 0.0


def test_gradients_of_unused_input_is_zero():
    x, z = Value(1.0), Value(5.0)
    assert gradients(x * 2, [x, z]) == [2.0, 0.0]


def test_third_derivative_of_x_to_the_fifth():
    x = Value(2.0)
    (d1,) = gradients(x**5, [x], create_graph=True)
    (d2,) = gradients(d1, [x], create_graph=True)
    (d3,) = gradients(d2, [x])
    assert (d1.data, d2.data, d3) == pytest.approx((80.0, 160.0, 240.0))


def test_hessian_of_tanh_neuron_matches_closed_form():
    w, x, b = Value(0.3), Value(-1.2), Value(0.5)
    first = gradients((w * x + b).tanh(), [w, x, b], create_graph=True)
    hessian = [[gradients(g, [v])[0] for v in (w, x, b)] for g in first]
    t = math.tanh(0.3 * -1.2 + 0.5)
    s = -2 * t * (1 - t * t)  # d²tanh(u)/du²
    du = [-1.2, 0.3, 1.0]  # ∂u/∂(w, x, b) for u = w x + b
    expected = [[s * du[i] * du[j] for j in range(3)] for i in range(3)]
    expected[0][1] += 1 - t * t  # ∂²u/∂w∂x = 1
    expected[1][0] += 1 - t * t
    assert hessian == [pytest.approx(row, rel=1e-12) for row in expected]


@pytest.mark.parametrize(
    "f,x",
    [
        (lambda v: v.exp(), 0.4), (lambda v: v.log(), 1.7), (lambda v: v.sigmoid(), -0.8),
        (lambda v: v.softplus(), 0.6), (lambda v: v.sin(), 1.1), (lambda v: v.cos(), 1.1),
        (lambda v: v.sqrt(), 2.0), (lambda v: v**3, -1.5), (lambda v: 2.0**v, 0.5),
        (lambda v: 1 / v, 0.7), (lambda v: v.relu() * v, 1.3), (lambda v: v.abs() * v, -1.3),
        (lambda v: v**v, 1.4),
    ],
)
def test_second_derivatives_match_differences_of_first(f, x):
    v = Value(x)
    (g,) = gradients(f(v), [v], create_graph=True)
    (second,) = gradients(g, [v])

    def first(t: float) -> float:
        u = Value(t)
        return gradients(f(u), [u])[0]

    eps = 1e-5
    assert second == pytest.approx((first(x + eps) - first(x - eps)) / (2 * eps), rel=1e-5, abs=1e-7)


def test_backward_create_graph_makes_grad_a_value():
    x = Value(3.0)
    (x * x * x).backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 27.0


def test_backward_steps_match_backward_and_sum_to_grad():
    x, w = Value(2.0, label="x"), Value(-1.0, label="w")
    y = (x * w + x).tanh()
    steps = list(backward_steps(y))
    assert [s.index for s in steps] == list(range(len(steps)))
    into_x = sum(s.contribution for s in steps if s.parent is x)
    assert into_x == pytest.approx(x.grad)
    assert x.grad == pytest.approx((1 - math.tanh(0.0) ** 2) * (w.data + 1))
    for s in steps:
        assert s.contribution == pytest.approx(s.upstream * s.local)


@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_constant_power_rule_at_zero_base_is_exact(engine):
    """x**0 is constant (derivative 0 everywhere) and x**1 is linear (second derivative 0), also at
    x = 0, where the power rule read naively gives 0·0**-1 = NaN."""
    from autograd_core import Tensor

    def leaf() -> Value | Tensor:
        return Value(0.0) if engine == "value" else Tensor(0.0, requires_grad=True)

    x = leaf()
    assert float(gradients(x**0, [x])[0]) == 0.0
    x = leaf()
    (d1,) = gradients(x**0, [x], create_graph=True)
    assert float(getattr(d1, "data", d1)) == 0.0  # the x**0 mask's off branch: constant 0 (Value: no node)
    x = leaf()
    (d1,) = gradients(x**1, [x], create_graph=True)
    (d2,) = gradients(d1, [x])
    assert (float(d1.data), float(d2)) == (1.0, 0.0)



@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_create_graph_reaches_the_infinite_slope_of_sqrt_at_zero(engine):
    """sqrt'(0) = inf as a plain gradient, and create_graph=True must give the same, not refuse the
    derivative rule's own 0 ** -1 as if the user had written it."""
    from autograd_core import Tensor

    for f in (lambda v: v.sqrt(), lambda v: v**0.5):
        x = Value(0.0) if engine == "value" else Tensor(0.0, requires_grad=True)
        (plain,) = gradients(f(x), [x])
        (node,) = gradients(f(x), [x], create_graph=True)
        assert float(plain) == math.inf and float(node.data) == math.inf


def test_nested_transforms_reach_the_curvature_of_sqrt_at_zero():
    from autograd_core import grad, jvp

    assert grad(grad(lambda y: y.sqrt()))(0.0) == -math.inf
    assert grad(lambda x: jvp(lambda y: y.sqrt(), x, 1.0)[1])(0.0) == -math.inf


def test_no_grad_records_nothing_on_either_engine():
    import numpy as np

    from autograd_core import Tensor, enable_grad, is_grad_enabled, no_grad

    x = Value(2.0)
    t = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        y = (x * x).tanh()
        u = (t * t).sum()
        with enable_grad():
            inner = x * 3
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert y.data == pytest.approx(math.tanh(4.0)) and y.op == "" and y.parents == ()
    assert float(u.data) == 5.0 and not u.requires_grad and u.parents == ()
    assert inner.op == "*" and inner.parents[0] is x
    y.backward()
    assert x.grad == 0.0  # nothing connects y to x


def test_no_grad_is_restored_after_an_exception():
    from autograd_core import is_grad_enabled, no_grad

    with pytest.raises(RuntimeError, match="inside"), no_grad():
        raise RuntimeError("raised inside no_grad")
    assert is_grad_enabled()


def test_functional_transforms_record_inside_no_grad():
    from autograd_core import grad, no_grad

    with no_grad():
        assert grad(lambda v: v * v * v)(2.0) == pytest.approx(12.0)


def test_both_engines_follow_the_node_protocol():
    import numpy as np

    from autograd_core import Tensor
    from autograd_core.engine.node import Node

    x = Value(2.0)
    t = Tensor(np.ones(2), requires_grad=True)
    for node in (x, x * x, t, (t * t).sum()):
        assert isinstance(node, Node)
    assert not isinstance(2.0, Node) and not isinstance(np.ones(2), Node)


def test_grad_mode_is_per_thread():
    # Thread A enters no_grad, B enters, A exits, B exits: neither changes the other's mode nor the
    # main thread's (a process-wide flag ended False here, and x.grad was silently 0).
    import threading

    from autograd_core import is_grad_enabled, no_grad

    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def thread_a():
        with no_grad():
            a_in.set()
            b_in.wait(5)
            seen["a inside"] = is_grad_enabled()
        a_out.set()

    def thread_b():
        a_in.wait(5)
        with no_grad():
            b_in.set()
            a_out.wait(5)
            seen["b inside after a left"] = is_grad_enabled()
            seen["b builds a constant"] = (Value(2.0) * Value(3.0)).parents == ()
        seen["b after"] = is_grad_enabled()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for th in threads:
        th.start()
    a_in.wait(5)
    seen["main while a is inside"] = is_grad_enabled()
    for th in threads:
        th.join(5)
    assert seen == {"a inside": False, "main while a is inside": True, "b inside after a left": False,
                    "b builds a constant": True, "b after": True}
    assert is_grad_enabled()
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0


def test_grad_mode_is_per_asyncio_task():
    import asyncio

    from autograd_core import is_grad_enabled, no_grad

    async def inside(started, release):
        with no_grad():
            started.set()
            await release.wait()
            return is_grad_enabled()

    async def outside(started, release):
        await started.wait()
        mode = is_grad_enabled()
        release.set()
        return mode

    async def main():
        started, release = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(inside(started, release), outside(started, release))

    assert asyncio.run(main()) == [False, True]


def test_importing_the_package_is_lazy():
    # The public names are re-exported lazily: the scalar engine alone does not import drawing,
    # plotting, progress bars or the training code.
    import subprocess
    import sys

    code = ("import sys, autograd_core; x = autograd_core.Value(2.0); (x * x).backward(); "
            "print(sorted(m for m in ('graphviz', 'matplotlib', 'tqdm', 'autograd_core.see.draw', "
            "'autograd_core.learn.training') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    import autograd_core

    assert set(autograd_core.__all__) <= set(dir(autograd_core))
    assert all(getattr(autograd_core, name) is not None for name in autograd_core.__all__)
