"""Every entry of the derivative table, on every engine that reads it, against central differences.

``CASES`` has one sampler per entry of ``autograd_core.engine.ops.TABLE``: where to draw inputs (inside
the entry's domain, away from kinks) and, for the linear entries, how to call it. The tests run each
case through each engine it declares:

* ``value``  -- the scalar engine: ``Value.backward()``;
* ``tensor`` -- the array engine: ``Tensor.backward()``, with broadcasting for binary entries, so that
  ``unbroadcast`` is exercised;
* ``forward`` -- forward mode: dual numbers (``jvp``, and the linear entries' tangent rule);
* ``second`` -- second derivatives through ``create_graph`` (``hessian``), on Value and on Tensor,
  against central differences of the engine's own gradient.

An entry without a case fails ``test_every_entry_has_a_case``; an entry with a domain is checked to
refuse a point outside it on every engine. **To add a primitive**: one entry in the table, one line
in ``CASES``, one row in ``docs/primitives.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest

from autograd_core import Dual, Tensor, Value, concatenate, einsum, grad, hessian, jvp, stack
from autograd_core.beyond.forward import _linear
from autograd_core.engine import ops
from autograd_core.engine.contraction import parse

EPS = 1e-6
RTOL, ATOL = 1e-6, 1e-8
ELEMENTWISE_ENGINES = ("value", "tensor", "forward", "second")
LINEAR_ENGINES = ("tensor", "forward", "second")


class Case(NamedTuple):
    """How to exercise one entry: ``sample(rng)`` gives its operands (float arrays), ``call`` applies it."""

    sample: Callable[[np.random.Generator], list[np.ndarray]]
    call: Callable[..., Any]  # on nodes (Value/Tensor/Dual), one per operand
    engines: tuple[str, ...] = ELEMENTWISE_ENGINES
    bad: list[float] | None = None  # a point outside the domain, for entries that have one
    dual: Callable[..., Any] | None = None  # linear entries: the forward-mode call on duals


def u(low: float, high: float, away: float = 0.0) -> Callable[[np.random.Generator], list[np.ndarray]]:
    """One operand in [low, high], at least ``away`` from 0 (kinks, singularities)."""
    def sample(rng: np.random.Generator) -> list[np.ndarray]:
        x = rng.uniform(low, high, size=4)
        return [np.where(np.abs(x) < away, np.copysign(away, x) + x, x)]
    return sample


def uu(first: tuple[float, float], second: tuple[float, float], away: float = 0.0) -> Callable[..., Any]:
    """Two operands (the second away from 0 by ``away``)."""
    def sample(rng: np.random.Generator) -> list[np.ndarray]:
        return [*u(*first)(rng), *u(*second, away)(rng)]
    return sample


KEEP = np.array([[True, False, True], [False, True, True]])


def _einsum(subscripts: str, *duals: Any) -> Any:
    """A contraction on duals: the einsum entry's tangent follows from multilinearity."""
    return _linear(ops.EINSUM, parse(subscripts, tuple(d.primal.ndim for d in duals)), *duals)


def method(name: str) -> Callable[[Any], Any]:
    return lambda x: getattr(x, name)()


# entry name: Case(sample, call, engines, bad point)
CASES: dict[str, Case] = {
    "neg": Case(u(-3, 3), lambda x: -x),
    "exp": Case(u(-3, 3), method("exp")),
    "log": Case(u(0.1, 4), method("log"), bad=[-1.0]),
    "tanh": Case(u(-3, 3), method("tanh")),
    "sigmoid": Case(u(-6, 6), method("sigmoid")),
    "relu": Case(u(-3, 3, away=0.1), method("relu")),
    "sin": Case(u(-4, 4), method("sin")),
    "cos": Case(u(-4, 4), method("cos")),
    "sqrt": Case(u(0.1, 4), method("sqrt"), bad=[-1.0]),
    "abs": Case(u(-3, 3, away=0.1), method("abs")),
    "softplus": Case(u(-6, 6), method("softplus")),
    "log1p": Case(u(-0.9, 3), method("log1p"), bad=[-2.0]),
    "add": Case(uu((-3, 3), (-3, 3)), lambda a, b: a + b),
    "sub": Case(uu((-3, 3), (-3, 3)), lambda a, b: a - b),
    "mul": Case(uu((-3, 3), (-3, 3)), lambda a, b: a * b),
    "div": Case(uu((-3, 3), (-3, 3), away=0.3), lambda a, b: a / b, bad=[1.0, 0.0]),
    "pow": Case(uu((0.2, 3), (-2, 2)), lambda a, b: a**b, bad=[-1.0, 2.0]),
    "pow_const": Case(u(0.2, 3), lambda x: x**2.5 + x**3 + x**-1 + x**0 + x**1 + x**2, bad=[0.0]),
    # linear entries: operands, the call on Tensors, and the same on duals (forward mode)
    "einsum": Case(lambda rng: [rng.normal(size=(2, 3)), rng.normal(size=(3, 4))],
                   lambda a, b: einsum("ij,jk->ik", a, b) + einsum("ii->", a[:, :2]) + einsum("ij->j", b),
                   LINEAR_ENGINES, dual=lambda a, b: a @ b + _einsum("ii->", a[:, :2]) + _einsum("ij->j", b)),
    "reshape": Case(lambda rng: [rng.normal(size=(2, 3))], lambda x: x.reshape(3, 2), LINEAR_ENGINES,
                    dual=lambda x: x.reshape(3, 2)),
    "index": Case(lambda rng: [rng.normal(size=(4, 3))], lambda x: x[[0, 2, 2], 1:], LINEAR_ENGINES,
                  dual=lambda x: x[[0, 2, 2], 1:]),
    "scatter": Case(lambda rng: [rng.normal(size=(3, 2))],
                    lambda g: Tensor._apply(ops.SCATTER, (([0, 2, 2], slice(1, None)), (4, 3)), [g]),
                    LINEAR_ENGINES, dual=lambda g: _linear(ops.SCATTER, (([0, 2, 2], slice(1, None)), (4, 3)), g)),
    "stack": Case(lambda rng: [rng.normal(size=(2, 3)), rng.normal(size=(2, 3))],
                  lambda a, b: stack([a, b], axis=1), LINEAR_ENGINES, dual=lambda a, b: _linear(ops.STACK, 1, a, b)),
    "concatenate": Case(lambda rng: [rng.normal(size=(2, 3)), rng.normal(size=(1, 3))],
                        lambda a, b: concatenate([a, b], axis=0), LINEAR_ENGINES,
                        dual=lambda a, b: _linear(ops.CONCATENATE, (0, (0, 2, 3)), a, b)),
    "broadcast_to": Case(lambda rng: [rng.normal(size=(2, 1))],
                         lambda x: Tensor._apply(ops.BROADCAST_TO, (3, 2, 4), [x]), LINEAR_ENGINES,
                         dual=lambda x: _linear(ops.BROADCAST_TO, (3, 2, 4), x)),
    "mask": Case(lambda rng: [rng.normal(size=(2, 3))], lambda x: Tensor._apply(ops.MASK, KEEP, [x]),
                 LINEAR_ENGINES, dual=lambda x: _linear(ops.MASK, KEEP, x)),
}
ELEMENTWISE = [n for n, e in ops.TABLE.items() if not isinstance(e, ops.Linear)]
LINEAR = [n for n, e in ops.TABLE.items() if isinstance(e, ops.Linear)]


# --- helpers -------------------------------------------------------------------------------------------
def numeric_gradient(f: Callable[[list[np.ndarray]], float], xs: list[np.ndarray]) -> list[np.ndarray]:
    """Central differences of a scalar function of several arrays, entry by entry."""
    grads = []
    for k, x in enumerate(xs):
        g = np.zeros_like(x)
        for j in range(x.size):
            moved = []
            for step in (EPS, -EPS):
                trial = [y.copy() for y in xs]
                trial[k].flat[j] += step
                moved.append(f(trial))
            g.flat[j] = (moved[0] - moved[1]) / (2 * EPS)
        grads.append(g)
    return grads


def weights(out_shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(99).normal(size=out_shape)


def tensor_loss(case: Case, xs: list[np.ndarray]) -> float:
    out = case.call(*[Tensor(x) for x in xs])
    return float((out * weights(out.shape)).sum().data)


def broadcast_operands(name: str, xs: list[np.ndarray]) -> list[np.ndarray]:
    """Binary entries on Tensors: a (4, 2) operand against a (2,) one, so broadcasting is exercised."""
    if len(xs) == 2 and not isinstance(ops.TABLE[name], ops.Linear):
        return [np.stack([xs[0], xs[0][::-1]], axis=1), xs[1][:2]]
    return xs


def cases_for(engine: str, names: list[str]) -> list[str]:
    return [n for n in names if engine in CASES[n].engines]


def sample(name: str) -> list[np.ndarray]:
    return CASES[name].sample(np.random.default_rng(abs(hash(name)) % 2**32))


# --- the table is covered ------------------------------------------------------------------------------
def test_every_entry_has_a_case():
    missing, extra = set(ops.TABLE) - set(CASES), set(CASES) - set(ops.TABLE)
    assert not missing, f"table entries without a case in tests/test_rules.py CASES: {sorted(missing)}"
    assert not extra, f"cases for entries the table does not have: {sorted(extra)}"


def test_every_case_runs_on_every_engine_its_kind_allows():
    for name, case in CASES.items():
        expected = LINEAR_ENGINES if isinstance(ops.TABLE[name], ops.Linear) else ELEMENTWISE_ENGINES
        assert set(expected) <= set(case.engines), f"{name}: engines {case.engines}, expected {expected}"
        assert (case.bad is not None) == (getattr(ops.TABLE[name], "invalid", None) is not None), name


def test_every_entry_has_a_row_in_the_docs():
    text = (Path(__file__).resolve().parent.parent / "docs" / "primitives.md").read_text()
    missing = [name for name in ops.TABLE if f"| `{name}` |" not in text]
    assert not missing, f"entries without a row in docs/primitives.md: {missing}"


# --- first derivatives ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", cases_for("value", ELEMENTWISE))
def test_value_engine(name):
    case, xs = CASES[name], sample(name)
    for point in zip(*xs, strict=True):
        nodes = [Value(float(p)) for p in point]
        case.call(*nodes).backward()
        f = lambda ys: case.call(*[Value(float(y[0])) for y in ys]).data
        expected = numeric_gradient(f, [np.array([p]) for p in point])
        for node, e in zip(nodes, expected, strict=True):
            np.testing.assert_allclose(node.grad, e[0], rtol=RTOL, atol=ATOL, err_msg=f"{name} at {point}")


@pytest.mark.parametrize("name", cases_for("tensor", ELEMENTWISE + LINEAR))
def test_tensor_engine(name):
    case = CASES[name]
    xs = broadcast_operands(name, sample(name))
    leaves = [Tensor(x, requires_grad=True) for x in xs]
    out = case.call(*leaves)
    (out * weights(out.shape)).sum().backward()
    for leaf, expected in zip(leaves, numeric_gradient(lambda ys: tensor_loss(case, ys), xs), strict=True):
        np.testing.assert_allclose(leaf.grad, expected, rtol=RTOL, atol=ATOL, err_msg=name)


@pytest.mark.parametrize("name", cases_for("forward", ELEMENTWISE))
def test_forward_mode_elementwise(name):
    case, xs = CASES[name], sample(name)
    rng = np.random.default_rng(7)
    for point in zip(*xs, strict=True):
        tangents = tuple(float(t) for t in rng.normal(size=len(point)))
        _, tangent = jvp(lambda *a: case.call(*a), tuple(float(p) for p in point), tangents)
        f = lambda ys: case.call(*[Value(float(y[0])) for y in ys]).data
        expected = sum(t * g[0] for t, g in zip(tangents, numeric_gradient(f, [np.array([p]) for p in point]),
                                                 strict=True))
        np.testing.assert_allclose(tangent, expected, rtol=RTOL, atol=ATOL, err_msg=f"{name} at {point}")
    # array duals (the Tensor-style forward mode) give the same tangents entry by entry
    arrays = [Dual(x, np.ones_like(x)) for x in xs]
    scalar = [jvp(lambda *a: case.call(*a), tuple(float(x[i]) for x in xs), tuple(1.0 for _ in xs))[1]
              for i in range(xs[0].size)]
    np.testing.assert_allclose(case.call(*arrays).tangent, scalar, rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("name", cases_for("forward", LINEAR))
def test_forward_mode_linear(name):
    case, xs = CASES[name], sample(name)
    tangents = [np.random.default_rng(3).normal(size=x.shape) for x in xs]
    out = case.dual(*[Dual(x, t) for x, t in zip(xs, tangents, strict=True)])
    W = weights(out.primal.shape)
    f = lambda ys: tensor_loss(case, ys)
    expected = sum(float((t * g).sum()) for t, g in zip(tangents, numeric_gradient(f, xs), strict=True))
    np.testing.assert_allclose(float((out.tangent * W).sum()), expected, rtol=RTOL, atol=ATOL, err_msg=name)
    np.testing.assert_allclose(out.primal, case.call(*[Tensor(x) for x in xs]).data, err_msg=name)


# --- second derivatives through create_graph -----------------------------------------------------------
@pytest.mark.parametrize("engine", ["value", "tensor"])
@pytest.mark.parametrize("name", cases_for("second", ELEMENTWISE))
def test_second_derivatives_elementwise(name, engine):
    case, xs = CASES[name], sample(name)
    f = lambda v: case.call(*[v[k] for k in range(len(xs))])
    for point in zip(*xs, strict=True):
        x = np.array(point, dtype=float)
        H = np.asarray(hessian(f, engine=engine)(x), dtype=float)
        g = grad(f, engine=engine)
        expected = np.array([(g(x + EPS * e) - g(x - EPS * e)) / (2 * EPS) for e in np.eye(len(x))]).T
        np.testing.assert_allclose(H, expected, rtol=1e-5, atol=1e-6, err_msg=f"{name} ({engine}) at {point}")


@pytest.mark.parametrize("name", cases_for("second", LINEAR))
def test_second_derivatives_linear(name):
    case, xs = CASES[name], sample(name)
    rest = [Tensor(x) for x in xs[1:]]
    f = lambda x: (case.call(x, *rest).tanh() * weights(case.call(Tensor(xs[0]), *rest).shape)).sum()
    H = hessian(f, engine="tensor")(xs[0])
    g = grad(f, engine="tensor")
    n = xs[0].size
    expected = np.empty((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = EPS
        expected[:, j] = ((g(xs[0] + e.reshape(xs[0].shape)) - g(xs[0] - e.reshape(xs[0].shape))) / (2 * EPS)).ravel()
    np.testing.assert_allclose(H.reshape(n, n), expected, rtol=1e-5, atol=1e-6, err_msg=name)


# --- domains -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [n for n in ELEMENTWISE if CASES[n].bad is not None])
def test_a_point_outside_the_domain_is_refused_by_every_engine(name):
    case, entry = CASES[name], ops.TABLE[name]
    call = case.call if name != "pow_const" else (lambda x: x**-1.0)
    bad = case.bad
    word = f"{entry.name}"
    attempts = {
        "value": lambda: call(*[Value(b) for b in bad]),
        "tensor": lambda: call(*[Tensor([b], requires_grad=True) for b in bad]),
        "forward": lambda: call(*[Dual(b, 1.0) for b in bad]),
    }
    for engine, attempt in attempts.items():
        with pytest.raises(ValueError, match=word) as err:
            attempt()
        assert "needs" in str(err.value), (engine, str(err.value))
