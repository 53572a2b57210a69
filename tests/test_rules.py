"""Every entry of the derivative table, on every engine that reaches it, against central differences.

What this module proves, for each entry of ``ops.TABLE`` (``autograd_core/engine/ops.py``):

* **first order** -- ``Value.backward()`` (elementwise entries, at several scalar points),
  ``Tensor.backward()`` (a weighted sum of the output, so every output entry counts with its own
  weight; binary entries broadcast a ``(3,)`` operand against a ``(2, 3)`` one, so ``unbroadcast``
  is exercised) and forward mode (``jvp`` on float and on array duals) agree with central
  differences of the same engine's forward values (float64, ε = 1e-6, rel. tolerance 1e-6);
* **second order** -- the gradient built with ``create_graph=True`` and differentiated again (the
  full Hessian: ``f''`` or the 2×2 Hessian on ``Value``, ``∂²/∂x∂x`` of ``Σ W·out²`` on ``Tensor``)
  agrees with central differences of the engine's own first derivative;
* **shapes** -- binary entries under several broadcasting shape pairs, and more ways to reach each
  linear entry (``VARIANTS``: einsum diagonals and ``...``, every kind of index, repeated scatter
  indices ...), on the same checks;
* **domains** -- an entry with ``invalid`` refuses a sample outside its domain on ``Value``,
  ``Tensor`` and forward mode, with the ``ValueError`` that ``ops.domain_error`` formats (it names
  the op, the rule and the culprit);
* **completeness** -- every entry has a case here (and every elementwise case runs on all four
  engines), and a row in ``docs/primitives.md``.

**Adding a case.** A new entry of ``ops.TABLE`` makes ``test_every_entry_has_a_case`` fail, naming
it. Add one line to ``CASES``: for an elementwise entry ``unary(call, sampler)`` or
``binary(call, sampler_a, sampler_b)``, where ``call`` reaches the entry with the operations that
``Value``, ``Tensor`` and ``Dual`` share (``lambda x: x.exp()``, ``lambda a, b: a / b``) and the
samplers draw inside the domain, away from kinks and singularities (``real``, ``positive``,
``nonzero``); give ``outside=`` samples if the entry has a domain. For a linear entry
``linear(call, *operand_shapes)``, with ``forward=True`` when ``Dual`` supports the call. Then add
the entry's row to ``docs/primitives.md``.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest
from finite_differences import central_difference, numeric_gradient

from autograd_core import Dual, Tensor, Value, concatenate, einsum, jvp, stack
from autograd_core.beyond.forward import _linear
from autograd_core.engine import ops
from autograd_core.engine.contraction import parse
from autograd_core.engine.graph import gradients
from autograd_core.engine.namespaces import SCALAR
from autograd_core.tensor import functions as fn

EPS = 1e-6  # central differences, first and second order
RTOL, ATOL = 1e-6, 1e-8
POINTS = 5  # scalar points per entry (and per constant) on Value and on float duals
ENGINES = ("value", "tensor", "forward", "second")  # what every elementwise case must declare

Shape = tuple[int, ...]
Sampler = Callable[..., np.ndarray]  # (rng, shape, *consts) -> float64 array inside the domain


# --- samplers ------------------------------------------------------------------------------------
def real(lo: float = -2.0, hi: float = 2.0) -> Sampler:
    return lambda rng, shape, *_: rng.uniform(lo, hi, shape)


def positive(lo: float = 0.2, hi: float = 2.0) -> Sampler:
    return real(lo, hi)


def nonzero(lo: float = 0.2, hi: float = 2.0) -> Sampler:
    """Either sign, at least ``lo`` away from 0 (the kink of relu and abs, the pole of 1/x)."""
    return lambda rng, shape, *_: rng.choice((-1.0, 1.0), shape) * rng.uniform(lo, hi, shape)


def invertible(rng: np.random.Generator, shape: Shape, *_: Any) -> np.ndarray:
    """A random square matrix kept away from singular: the identity times 3 plus entries in [-1, 1]."""
    return rng.uniform(-1.0, 1.0, shape) + 3.0 * np.eye(shape[-1])


def base_for(rng: np.random.Generator, shape: Shape, n: Any) -> np.ndarray:
    """A valid base of ``x ** n``: either sign away from 0 for an integer ``n``, positive otherwise."""
    return (nonzero() if np.all(np.asarray(n) % 1 == 0) else positive())(rng, shape)


# --- the cases -----------------------------------------------------------------------------------
class Case(NamedTuple):
    """How to reach one entry of the table and where to sample it.

    ``call(*operands, *consts)`` reaches the entry; ``inputs`` draws the differentiated operands;
    ``shapes`` are their shapes on the Tensor engine; each tuple of ``consts`` is a variant (a
    constant exponent); ``outside`` lists ``(*operands, *consts)`` outside the entry's domain.
    """

    call: Callable[..., Any]
    inputs: tuple[Sampler, ...]
    engines: tuple[str, ...]
    shapes: tuple[Shape, ...]
    consts: tuple[tuple[Any, ...], ...] = ((),)
    outside: tuple[tuple[float, ...], ...] = ()


def unary(call: Callable[..., Any], x: Sampler | None = None, **kw: Any) -> Case:
    return Case(call, (x or real(),), ENGINES, ((2, 3),), **kw)


def binary(call: Callable[..., Any], a: Sampler | None = None, b: Sampler | None = None, **kw: Any) -> Case:
    return Case(call, (a or real(), b or real()), ENGINES, ((2, 3), (3,)), **kw)  # b broadcasts


def linear(call: Callable[..., Any], *shapes: Shape, forward: bool = False) -> Case:
    engines = ("tensor", "forward", "second") if forward else ("tensor", "second")
    return Case(call, tuple(real() for _ in shapes), engines, shapes)


def whole(call: Callable[..., Any], *shapes: Shape, inputs: tuple[Sampler, ...] | None = None) -> Case:
    """A whole-array function (det, max ...): reverse, forward (its own jvp) and second order."""
    return Case(call, inputs or tuple(real() for _ in shapes), ("tensor", "forward", "second"), shapes)


KEEP = np.array([[True, False, True], [False, True, True]])  # the constant mask of `mask`
PICK = ([0, 2, 0], slice(1, None))  # a fancy index that picks row 0 twice (np.add.at)
EXPONENTS = tuple((n,) for n in (0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, 1.5))  # the constants of pow_const

CASES: dict[str, Case] = {
    "neg": unary(lambda x: -x),
    "exp": unary(lambda x: x.exp()),
    "log": unary(lambda x: x.log(), positive(), outside=((0.0,), (-1.5,))),
    "tanh": unary(lambda x: x.tanh()),
    "sigmoid": unary(lambda x: x.sigmoid(), real(-4.0, 4.0)),
    "relu": unary(lambda x: x.relu(), nonzero()),
    "sin": unary(lambda x: x.sin(), real(-3.0, 3.0)),
    "cos": unary(lambda x: x.cos(), real(-3.0, 3.0)),
    "sqrt": unary(lambda x: x.sqrt(), positive(), outside=((-0.5,),)),
    "abs": unary(lambda x: x.abs(), nonzero()),
    "softplus": unary(lambda x: x.softplus(), real(-4.0, 4.0)),
    "log1p": unary(lambda x: x.log1p(), real(-0.9, 3.0), outside=((-1.0,), (-2.0,))),
    "expm1": unary(lambda x: x.expm1()),
    "log2": unary(lambda x: x.log2(), positive(), outside=((0.0,), (-1.0,))),
    "log10": unary(lambda x: x.log10(), positive(), outside=((0.0,), (-1.0,))),
    "tan": unary(lambda x: x.tan(), real(-1.2, 1.2)),
    "sinh": unary(lambda x: x.sinh()),
    "cosh": unary(lambda x: x.cosh()),
    "arcsin": unary(lambda x: x.arcsin(), real(-0.9, 0.9), outside=((1.5,), (-1.5,))),
    "arccos": unary(lambda x: x.arccos(), real(-0.9, 0.9), outside=((1.5,),)),
    "arctan": unary(lambda x: x.arctan()),
    "arcsinh": unary(lambda x: x.arcsinh()),
    "arccosh": unary(lambda x: x.arccosh(), real(1.2, 3.0), outside=((0.5,),)),
    "arctanh": unary(lambda x: x.arctanh(), real(-0.9, 0.9), outside=((1.0,), (-1.0,))),
    "exp2": unary(lambda x: x.exp2()),
    "square": unary(lambda x: x.square()),
    "reciprocal": unary(lambda x: x.reciprocal(), nonzero(), outside=((0.0,),)),
    "sign": unary(lambda x: x.sign(), nonzero()),
    "floor": unary(lambda x: x.floor()),  # uniform samples: never at a jump
    "ceil": unary(lambda x: x.ceil()),
    "round": unary(lambda x: x.round()),
    "add": binary(lambda a, b: a + b),
    "sub": binary(lambda a, b: a - b),
    "mul": binary(lambda a, b: a * b),
    "div": binary(lambda a, b: a / b, b=nonzero(0.5), outside=((1.0, 0.0),)),
    "pow": binary(lambda x, y: x**y, a=positive(0.3), outside=((0.0, 1.5), (-2.0, 2.0))),
    "pow_const": Case(lambda x, n: x**n, (base_for,), ENGINES, ((2, 3),), consts=EXPONENTS,
                      outside=((0.0, -1.0), (-2.0, 0.5))),
    "maximum": binary(lambda a, b: a.maximum(b)),  # uniform samples: never a tie
    "minimum": binary(lambda a, b: a.minimum(b)),
    "arctan2": binary(lambda y, x: y.arctan2(x)),
    "hypot": binary(lambda a, b: a.hypot(b)),
    "einsum": linear(lambda a, b: (a.transpose() @ b).sum(axis=1), (4, 3), (4, 2), forward=True),
    "reshape": linear(lambda x: x.reshape(3, 4), (2, 6), forward=True),
    "index": linear(lambda x: x[PICK], (3, 4), forward=True),
    "scatter": linear(lambda g: Tensor._apply(ops.SCATTER, (PICK, (3, 4)), [g]), (3, 3)),
    "stack": linear(lambda a, b: stack([a, b], axis=1), (2, 3), (2, 3)),
    "concatenate": linear(lambda a, b: concatenate([a, b], axis=1), (2, 3), (2, 2)),
    "broadcast_to": linear(lambda x: Tensor._apply(ops.BROADCAST_TO, (4, 2, 3), [x]), (2, 1)),
    "mask": linear(lambda x: Tensor._apply(ops.MASK, KEEP, [x]), (2, 3)),
    "transpose": linear(lambda x: fn.swapaxes(x, 0, 2), (2, 3, 4), forward=True),
    "cumsum": linear(lambda x: fn.cumsum(x, axis=1), (2, 4), forward=True),
    "amax": whole(lambda x: fn.max(x, axis=1), (3, 4)),
    "amin": whole(lambda x: fn.min(x, axis=0, keepdims=True), (3, 4)),
    "prod": whole(lambda x: fn.prod(x, axis=1), (3, 4)),
    "cumprod": whole(lambda x: fn.cumprod(x, axis=1), (2, 4)),
    "det": whole(fn.det, (3, 3), inputs=(invertible,)),
    "logabsdet": whole(lambda x: fn.slogdet(x)[1], (3, 3), inputs=(invertible,)),
    "inv": whole(fn.inv, (3, 3), inputs=(invertible,)),
    "solve": whole(fn.solve, (3, 3), (3, 2), inputs=(invertible, real())),
    "eigvalsh": whole(lambda a: fn.eigvalsh(a + a.T), (3, 3)),
    "eigvecs": whole(lambda a: fn.eigh(a + a.T)[1], (3, 3)),
    "cholesky": whole(lambda a: fn.cholesky(a @ a.T + 3.0 * np.eye(3)), (3, 3)),
}


# --- helpers -------------------------------------------------------------------------------------
def rng_for(*key: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32("/".join(key).encode()))


def is_elementwise(name: str) -> bool:
    return isinstance(ops.TABLE[name], ops.Unary | ops.Binary)


def entry_of(node: Any) -> Any:
    op = node._op
    return op.entry if isinstance(op, ops.Call) else op


def draw(case: Case, rng: np.random.Generator, shapes: tuple[Shape, ...], consts: tuple[Any, ...]) -> list[Any]:
    return [np.asarray(s(rng, shape, *consts), dtype=float) for s, shape in zip(case.inputs, shapes, strict=True)]


def points(case: Case, rng: np.random.Generator) -> list[tuple[list[float], tuple[Any, ...]]]:
    """``POINTS`` scalar points per variant: ``(operands, consts)``."""
    scalar = tuple(() for _ in case.inputs)
    return [([float(x) for x in draw(case, rng, scalar, consts)], consts) for consts in case.consts
            for _ in range(POINTS)]


def shifted(xs: list[Any], k: int, t: Any) -> list[Any]:
    return [t if j == k else x for j, x in enumerate(xs)]


def dense(g: Any, shape: Shape) -> np.ndarray:
    """A gradient as an array of ``shape`` (``gradients`` gives 0.0 for an input it did not reach)."""
    data = g.data if isinstance(g, Tensor) else g
    return np.broadcast_to(np.asarray(data, dtype=float), shape)


def close(actual: Any, expected: Any, what: str) -> None:
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=what)


def with_consts(case: Case, consts: tuple[Any, ...], *operands: Any) -> Any:
    """The case's call on ``operands`` with the variant's constants: the function the transforms see."""
    return case.call(*operands, *consts)


# --- the engines ---------------------------------------------------------------------------------
def check_value(name: str, case: Case, rng: np.random.Generator) -> None:
    """``Value.backward()`` at scalar points vs central differences of the Value forward."""
    for xs, consts in points(case, rng):
        nodes = [Value(x) for x in xs]
        out = case.call(*nodes, *consts)
        assert entry_of(out) is ops.TABLE[name]
        out.backward()
        for k, node in enumerate(nodes):
            fd = central_difference(partial(value_at, case, xs, k, consts), xs[k], EPS)
            close(node.grad, fd, f"{name}: ∂/∂x{k} at {xs} {consts}")


def value_at(case: Case, xs: list[float], k: int, consts: tuple[Any, ...], t: float) -> float:
    """The Value forward with operand ``k`` moved to ``t``."""
    return case.call(*map(Value, shifted(xs, k, t)), *consts).data


def tensor_loss(case: Case, arrays: list[np.ndarray], consts: tuple[Any, ...], weights: np.ndarray,
                requires_grad: bool, square: bool = False) -> tuple[list[Tensor], Tensor, Any]:
    """``Σ W·out`` (``Σ W·out²`` when ``square``): every output entry counts with its own weight."""
    ts = [Tensor(a, requires_grad=requires_grad) for a in arrays]
    out = case.call(*ts, *consts)
    return ts, out, ((weights * out * out) if square else (weights * out)).sum()


def check_tensor(name: str, case: Case, rng: np.random.Generator, shapes: tuple[Shape, ...] | None = None) -> None:
    """``Tensor.backward()`` of a weighted sum vs central differences, operand by operand."""
    shapes = shapes or case.shapes
    for consts in case.consts:
        arrays = draw(case, rng, shapes, consts)
        out_shape = case.call(*map(Tensor, arrays), *consts).shape
        weights = rng.normal(size=out_shape)
        ts, out, loss = tensor_loss(case, arrays, consts, weights, True)
        assert entry_of(out) is ops.TABLE[name]
        loss.backward()
        for k, t in enumerate(ts):
            assert t.grad.shape == t.shape, f"{name}: grad of operand {k} has shape {t.grad.shape}, not {t.shape}"
            fd = numeric_gradient(partial(loss_at, case, arrays, k, consts, weights), arrays[k], EPS)
            close(t.grad, fd, f"{name}: ∂/∂x{k}, shapes {shapes}, {consts}")


def loss_at(case: Case, arrays: list[np.ndarray], k: int, consts: tuple[Any, ...], weights: np.ndarray,
            a: np.ndarray) -> float:
    """The Tensor forward of ``Σ W·out`` with operand ``k`` replaced by ``a``."""
    return tensor_loss(case, shifted(arrays, k, a), consts, weights, False)[2].item()


def check_forward(name: str, case: Case, rng: np.random.Generator, shapes: tuple[Shape, ...] | None = None) -> None:
    """``jvp`` on float duals (elementwise) and on array duals vs directional central differences."""
    runs = []
    if is_elementwise(name) and shapes is None:
        runs += [("value", xs, [float(v) for v in rng.normal(size=len(xs))], consts)
                 for xs, consts in points(case, rng)]
    for consts in case.consts:
        arrays = draw(case, rng, shapes or case.shapes, consts)
        runs.append(("tensor", arrays, [rng.normal(size=a.shape) for a in arrays], consts))
    for engine, xs, vs, consts in runs:
        f = partial(with_consts, case, consts)
        _, tangent = jvp(f, tuple(xs), tuple(vs), engine=engine)
        up, down = (jvp(f, tuple(x + step * v for x, v in zip(xs, vs, strict=True)), tuple(vs), engine=engine)[0]
                    for step in (EPS, -EPS))
        close(tangent, (up - down) / (2 * EPS), f"{name} ({engine} duals): J·v at {xs} {consts}")


def check_second(name: str, case: Case, rng: np.random.Generator) -> None:
    """``create_graph=True`` Hessians vs central differences of the engine's own first derivative.

    A first derivative that comes back as a constant (a float, a Tensor that requires no grad) counts
    as a zero second derivative; if it should have depended on the inputs, the differences disagree.
    """
    if is_elementwise(name):
        for xs, consts in points(case, rng):
            nodes = [Value(x) for x in xs]
            first = gradients(case.call(*nodes, *consts), nodes, create_graph=True)
            hessian = [[gradients(g, [x])[0] if isinstance(g, Value) else 0.0 for x in nodes] for g in first]
            fd = [(value_grads(case, shifted(xs, j, xs[j] + EPS), consts)
                   - value_grads(case, shifted(xs, j, xs[j] - EPS), consts)) / (2 * EPS) for j in range(len(xs))]
            close(hessian, np.transpose(fd), f"{name} (Value): Hessian at {xs} {consts}")
    for consts in case.consts:
        arrays = draw(case, rng, case.shapes, consts)
        weights = rng.normal(size=case.call(*map(Tensor, arrays), *consts).shape)
        ts, _, loss = tensor_loss(case, arrays, consts, weights, True, square=True)
        rows = []
        for g, t in zip(gradients(loss, ts, create_graph=True), ts, strict=True):
            for e in np.ndindex(t.shape):
                unit = np.zeros(t.shape)
                unit[e] = 1.0
                linked = isinstance(g, Tensor) and g.requires_grad
                rows.append(flat(gradients((g * unit).sum(), ts), ts) if linked else np.zeros(sum(map(np.size, ts))))
        columns = []
        for j, a in enumerate(arrays):
            for e in np.ndindex(a.shape):
                up, down = a.copy(), a.copy()
                up[e] += EPS
                down[e] -= EPS
                columns.append((tensor_grads(case, shifted(arrays, j, up), consts, weights)
                                - tensor_grads(case, shifted(arrays, j, down), consts, weights)) / (2 * EPS))
        close(rows, np.transpose(columns), f"{name} (Tensor): Hessian of Σ W·out², shapes {case.shapes}, {consts}")


def value_grads(case: Case, xs: list[float], consts: tuple[Any, ...]) -> np.ndarray:
    """The Value engine's first derivatives at ``xs``."""
    nodes = [Value(x) for x in xs]
    return np.array(gradients(case.call(*nodes, *consts), nodes), dtype=float)


def tensor_grads(case: Case, arrays: list[np.ndarray], consts: tuple[Any, ...], weights: np.ndarray) -> np.ndarray:
    """The Tensor engine's first derivatives of ``Σ W·out²`` at ``arrays``, flattened and joined."""
    ts, _, loss = tensor_loss(case, arrays, consts, weights, True, square=True)
    return flat(gradients(loss, ts), ts)


def flat(grads: list[Any], ts: list[Tensor]) -> np.ndarray:
    return np.concatenate([dense(g, t.shape).ravel() for g, t in zip(grads, ts, strict=True)])


CHECKS = {"value": check_value, "tensor": check_tensor, "forward": check_forward, "second": check_second}
PAIRS = [(name, engine) for name, case in CASES.items() for engine in case.engines]


@pytest.mark.parametrize(("name", "engine"), PAIRS, ids=[f"{n}-{e}" for n, e in PAIRS])
def test_rule_matches_central_differences(name, engine):
    CHECKS[engine](name, CASES[name], rng_for(name, engine))


# More ways to reach the linear entries, on the same engines: the general contraction (a diagonal, a
# trace-like repeated letter, three operands, '...', a size-1 axis broadcast), every kind of index,
# scatter's basic and repeated indices, more operands and negative axes.
BOOL = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
VARIANTS: list[tuple[str, Case]] = [
    ("einsum", linear(lambda a: einsum("ii->i", a), (3, 3))),
    ("einsum", linear(lambda a: einsum("iij->j", a), (2, 2, 3))),
    ("einsum", linear(lambda a, b, c: einsum("ij,jk,kl->il", a, b, c), (2, 3), (3, 4), (4, 2))),
    ("einsum", linear(lambda a, b: einsum("...ij,...jk->...ik", a, b), (2, 2, 3), (2, 3, 2))),
    ("einsum", linear(lambda a, b: einsum("ij,kj->ik", a, b), (2, 3), (1, 3))),
    ("einsum", linear(lambda a, b: einsum("ii,i", a, b), (3, 3), (3,))),
    ("einsum", linear(lambda a, b: a @ b, (2, 2, 3), (3,), forward=True)),
    ("reshape", linear(lambda x: x.reshape(3, -1, 2), (2, 6), forward=True)),
    ("index", linear(lambda x: x[1], (3, 4), forward=True)),
    ("index", linear(lambda x: x[None, 1:, ::-1], (3, 4), forward=True)),
    ("index", linear(lambda x: x[..., 2], (2, 3, 4), forward=True)),
    ("index", linear(lambda x: x[BOOL], (3, 4), forward=True)),
    ("index", linear(lambda x: x[[2, 2, 1], [0, 0, 3]], (3, 4), forward=True)),
    ("scatter", linear(lambda g: Tensor._apply(ops.SCATTER, (slice(0, 2), (3, 4)), [g]), (2, 4))),
    ("scatter", linear(lambda g: Tensor._apply(ops.SCATTER, (np.array([0, 0, 1, 2, 0]), (3,)), [g]), (5,))),
    ("scatter", linear(lambda g: Tensor._apply(ops.SCATTER, (BOOL, (3, 4)), [g]), (6,))),
    ("stack", linear(lambda a, b, c: stack([a, b, c], axis=-1), (2, 3), (2, 3), (2, 3))),
    ("concatenate", linear(lambda a, b, c: concatenate([a, b, c], axis=0), (2, 3), (1, 3), (4, 3))),
    ("broadcast_to", linear(lambda x: Tensor._apply(ops.BROADCAST_TO, (2, 3), [x]), ())),
    ("broadcast_to", linear(lambda x: Tensor._apply(ops.BROADCAST_TO, (2, 2, 3, 4), [x]), (1, 3, 1))),
    ("mask", linear(lambda x: Tensor._apply(ops.MASK, np.array([True, False, True]), [x]), (2, 3))),
]
VARIANT_RUNS = [(k, name, engine) for k, (name, case) in enumerate(VARIANTS) for engine in case.engines]


@pytest.mark.parametrize(("k", "name", "engine"), VARIANT_RUNS, ids=[f"{n}{k}-{e}" for k, n, e in VARIANT_RUNS])
def test_linear_variants_match_central_differences(k, name, engine):
    CHECKS[engine](name, VARIANTS[k][1], rng_for(name, str(k), engine))


def test_mask_whose_keep_broadcasts_y_gives_a_gradient_of_ys_shape():
    # mask's reverse rule sums back over the axes its forward broadcast y along (it returned shape (2, 3)).
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    Tensor._apply(ops.MASK, np.array([[True], [False]]), [x]).sum().backward()  # out = [[1, 2, 3], [0, 0, 0]]
    assert x.grad.shape == (3,), f"the gradient of a (3,) operand has shape {x.grad.shape}"
    np.testing.assert_array_equal(x.grad, [1.0, 1.0, 1.0])


BROADCAST = [((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((3,), (2, 1)), ((2, 3), ())]


@pytest.mark.parametrize("name", [n for n in CASES if isinstance(ops.TABLE[n], ops.Binary)])
@pytest.mark.parametrize("shapes", BROADCAST, ids=str)
def test_binary_rules_broadcast(name, shapes):
    """Each operand's gradient is summed back to its own shape (``unbroadcast``), reverse and forward."""
    case = CASES[name]
    if name == "pow_const":  # the exponent is a constant array of the second shape; every base positive
        rng = rng_for(name, str(shapes))
        n = rng.choice([n for (n,) in EXPONENTS], shapes[1])
        case = case._replace(inputs=(positive(),), consts=((n,),))
        shapes = shapes[:1]
    check_tensor(name, case, rng_for(name, str(shapes)), shapes)
    check_forward(name, case, rng_for(name, "forward", str(shapes)), shapes)


# --- domains -------------------------------------------------------------------------------------
# Entries with a domain, and cases that say their entry has one (so an entry losing its check fails too).
DOMAINS = [(name, engine) for name, entry in ops.TABLE.items()
           if getattr(entry, "invalid", None) is not None or (name in CASES and CASES[name].outside)
           for engine in ("value", "tensor", "forward")]


def expected_error(entry: Any, *operands: Any) -> str:
    with np.errstate(all="ignore"):
        return str(ops.domain_error(entry, entry.invalid(*operands), *operands))


@pytest.mark.parametrize(("name", "engine"), DOMAINS, ids=[f"{n}-{e}" for n, e in DOMAINS])
def test_entry_refuses_samples_outside_its_domain(name, engine):
    entry, case = ops.TABLE[name], CASES.get(name)
    assert case is not None, f"{name} has no case in CASES"
    assert case.outside, f"{name} has a domain but CASES[{name!r}] gives no sample outside it (outside=...)"
    assert entry.invalid is not None, f"CASES[{name!r}] gives samples outside a domain, but {name} checks none"
    k = len(case.inputs)
    for sample in case.outside:
        xs, consts = list(sample[:k]), tuple(sample[k:])
        # Arrays: the bad sample at index 1 of three, the others inside the domain.
        arrays = [s(rng_for(name), (3,), *consts) for s in case.inputs]
        for a, x in zip(arrays, xs, strict=True):
            a[1] = x
        f = partial(with_consts, case, consts)
        runs = {
            "value": [(xs, partial(f, *map(Value, xs)))],
            "tensor": [(arrays, partial(f, *(Tensor(a, requires_grad=True) for a in arrays)))],
            "forward": [(xs, partial(jvp, f, tuple(xs), tuple(1.0 for _ in xs), engine="value")),
                        (arrays, partial(jvp, f, tuple(arrays), tuple(np.ones(3) for _ in arrays), engine="tensor"))],
        }[engine]
        for operands, run in runs:
            message = expected_error(entry, *operands, *consts)
            assert message.startswith(f"{name}:") or message.startswith(f"{name} (")
            with pytest.raises(ValueError) as info:
                run()
            assert str(info.value) == message


# --- completeness --------------------------------------------------------------------------------
def test_every_entry_has_a_case():
    missing = sorted(set(ops.TABLE) - set(CASES))
    stale = sorted(set(CASES) - set(ops.TABLE))
    assert not missing, f"entries of ops.TABLE without a case in tests/test_rules.py CASES: {missing}"
    assert not stale, f"CASES in tests/test_rules.py name no entry of ops.TABLE: {stale}"


def test_every_elementwise_case_runs_on_every_engine():
    short = {name: sorted(set(ENGINES) - set(CASES[name].engines)) for name in CASES if is_elementwise(name)}
    short = {name: engines for name, engines in short.items() if engines}
    assert not short, f"elementwise cases missing engines: {short}"


def test_linear_cases_run_in_reverse_and_second_order():
    short = [name for name in CASES
             if not is_elementwise(name) and not {"tensor", "second"} <= set(CASES[name].engines)]
    assert not short, f"linear cases without 'tensor' and 'second': {short}"


def test_every_entry_has_a_row_in_the_primitives_page():
    page = Path(__file__).resolve().parents[1] / "docs" / "primitives.md"
    rows = set(re.findall(r"^\| `(\w+)` \|", page.read_text(encoding="utf-8"), flags=re.MULTILINE))
    missing = sorted(set(ops.TABLE) - rows)
    unknown = sorted(rows - set(ops.TABLE))
    assert not missing, f"entries of ops.TABLE without a row in docs/primitives.md: {missing}"
    assert not unknown, f"rows of docs/primitives.md that name no entry of ops.TABLE: {unknown}"


# --- forward mode of every linear entry: its tangent follows from linearity ---------------------------
# The Dual class offers only some linear operations as methods (@, sum, reshape, transpose, indexing);
# ``forward._linear`` applies any linear entry to duals, the way forward mode derives it (ops.linear_tangent).
DUAL_CALLS: dict[str, tuple[Callable[..., Any], tuple[Shape, ...]]] = {
    "einsum": (lambda a, b: _linear(ops.EINSUM, parse("ij,jk->ik", (2, 2)), a, b), ((2, 3), (3, 4))),
    "reshape": (lambda x: _linear(ops.RESHAPE, (3, 4), x), ((2, 6),)),
    "index": (lambda x: _linear(ops.INDEX, PICK, x), ((3, 4),)),
    "scatter": (lambda g: _linear(ops.SCATTER, (PICK, (3, 4)), g), ((3, 3),)),
    "stack": (lambda a, b: _linear(ops.STACK, 1, a, b), ((2, 3), (2, 3))),
    "concatenate": (lambda a, b: _linear(ops.CONCATENATE, (1, (0, 3, 5)), a, b), ((2, 3), (2, 2))),
    "broadcast_to": (lambda x: _linear(ops.BROADCAST_TO, (4, 2, 3), x), ((2, 1),)),
    "mask": (lambda x: _linear(ops.MASK, KEEP, x), ((2, 3),)),
    "transpose": (lambda x: _linear(ops.TRANSPOSE, (1, 2, 0), x), ((2, 3, 4),)),
    "cumsum": (lambda x: _linear(ops.CUMSUM, (1, True), x), ((2, 4),)),
    # whole-array functions: their own forward rule (``jvp``), on duals
    "amax": (lambda x: _linear(ops.AMAX, ((0,), True), x), ((3, 4),)),
    "amin": (lambda x: _linear(ops.AMIN, ((0, 1), False), x), ((3, 4),)),
    "prod": (lambda x: _linear(ops.PROD, ((1,), False), x), ((3, 4),)),
    "cumprod": (lambda x: _linear(ops.CUMPROD, 0, x), ((4, 2),)),
    "det": (lambda x: _linear(ops.DET, None, x + 3.0 * np.eye(3)), ((3, 3),)),
    "logabsdet": (lambda x: _linear(ops.LOGABSDET, None, x + 3.0 * np.eye(3)), ((2, 3, 3),)),
    "inv": (lambda x: _linear(ops.INV, None, x + 3.0 * np.eye(3)), ((3, 3),)),
    "solve": (lambda a, b: _linear(ops.SOLVE, None, a + 3.0 * np.eye(3), b), ((3, 3), (3, 2))),
    "eigvalsh": (lambda x: _linear(ops.EIGVALSH, None, x + x.T), ((3, 3),)),
    "eigvecs": (lambda x: _linear(ops.EIGVECS, None, x + x.T), ((3, 3),)),
    "cholesky": (lambda x: _linear(ops.CHOLESKY, None, x @ x.T + 3.0 * np.eye(3)), ((3, 3),)),
}


def test_every_array_entry_has_a_dual_call():
    array_entries = {n for n, e in ops.TABLE.items() if isinstance(e, ops.Linear | ops.Function)}
    missing = array_entries - set(DUAL_CALLS)
    assert set(DUAL_CALLS) == array_entries, f"linear and whole-array entries without a DUAL_CALLS line: {missing}"


@pytest.mark.parametrize("name", sorted(DUAL_CALLS))
def test_forward_mode_of_every_linear_entry(name):
    # Jointly linear entries (stack, concatenate ...) map the tangents as the values; the contraction is
    # linear in each operand separately: a tangent that summed the primals in was caught here.
    call, shapes = DUAL_CALLS[name]
    rng = np.random.default_rng(len(name))
    xs = [rng.normal(size=s) for s in shapes]
    vs = [rng.normal(size=s) for s in shapes]
    out = call(*[Dual(x, v) for x, v in zip(xs, vs, strict=True)])
    plain = lambda ys: call(*[Dual(y, np.zeros_like(y)) for y in ys]).primal
    expected = (plain([x + EPS * v for x, v in zip(xs, vs, strict=True)])
                - plain([x - EPS * v for x, v in zip(xs, vs, strict=True)])) / (2 * EPS)
    np.testing.assert_allclose(out.tangent, expected, rtol=1e-6, atol=1e-8, err_msg=name)


# --- the Value engine's fast paths are the table's rules ------------------------------------------------
FAST = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "tanh": lambda a, b: a.tanh(),
        "relu": lambda a, b: a.relu()}
SPECIAL = [0.0, -0.0, 1.5, -2.0, 1e-300, float("inf"), float("-inf"), float("nan")]


@pytest.mark.parametrize("name", sorted(FAST))
def test_value_fast_paths_give_the_tables_numbers_bit_for_bit(name):
    """Value applies the table's own add, mul, tanh and relu inline; at every point, including zeros,
    infinities and NaN (upstream too), the result is the table's rule evaluated the general way."""
    for x in SPECIAL:
        for y in SPECIAL[:4]:
            for g in (1.0, -3.0, float("inf"), float("nan")):
                a, b = Value(x), Value(y)
                out = FAST[name](a, b)
                assert out._op is ops.TABLE[name]
                entry = ops.TABLE[name]
                forward = entry.forward(SCALAR, x) if isinstance(entry, ops.Unary) else entry.forward(SCALAR, x, y)
                np.testing.assert_array_equal(out.data, forward, err_msg=f"{name} forward at x={x}, y={y}")
                out.grad = g
                Value._sweep([out])  # the sweep's inline rule for this node
                fast = [a.grad, b.grad]
                a.grad = b.grad = 0.0
                expected = [0.0, 0.0]
                for parent, contribution in out._vjp(g):  # the table's chain, per operand
                    expected[[a, b].index(parent)] += contribution
                np.testing.assert_array_equal(fast, expected, err_msg=f"{name} at x={x}, y={y}, g={g}")


def test_a_replaced_entry_takes_effect_beside_the_fast_paths(monkeypatch):
    monkeypatch.setattr(ops, "MUL", ops.MUL._replace(d_a=lambda xp, a, b, out: 2.0 * b))
    a, b = Value(3.0), Value(5.0)
    (a * b).backward()
    assert (a.grad, b.grad) == (10.0, 3.0)  # the replaced rule, not the inline one
    monkeypatch.setattr(ops, "ADD", ops.ADD._replace(forward=lambda xp, a, b: a - b))
    assert (Value(3.0) + Value(5.0)).data == -2.0
    assert (2.0 + Value(5.0)).data == -3.0  # the reflected operator too: 2.0 "+" 5.0 is now 2 - 5
    monkeypatch.setattr(ops, "RELU", ops.RELU._replace(forward=lambda xp, x: -x))
    assert Value(2.0).relu().data == -2.0


# --- the Tensor sweep's direct routes are the table's rules ----------------------------------------------
def _special(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Random entries with zeros of both signs, infinities and NaN among them."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    flat = x.reshape(-1)
    flat[: len(SPECIAL)] = SPECIAL[: flat.size]
    return rng.permutation(flat).reshape(shape)


TENSOR_ROUTES = {  # name: (the node, operand shapes)
    "tanh": (lambda a, b: a.tanh(), [(4, 5)]),
    "exp": (lambda a, b: a.exp(), [(4, 5)]),
    "relu": (lambda a, b: a.relu(), [(4, 5)]),
    "add": (lambda a, b: a + b, [(4, 5), (4, 5)]),
    "add_bias_column": (lambda a, b: a + b, [(4, 5), (4, 1)]),
    "add_row": (lambda a, b: a + b, [(5,), (4, 5)]),
    "sub_broadcast": (lambda a, b: a - b, [(4, 1), (4, 5)]),
    "mul_broadcast": (lambda a, b: a * b, [(4, 5), (5,)]),
    "mul_self": (lambda a, b: a * a, [(4, 5)]),
    "div": (lambda a, b: a / b, [(4, 5), (4, 5)]),
    "maximum_piecewise": (lambda a, b: a.maximum(b), [(4, 5), (4, 5)]),
    "matmul": (lambda a, b: a @ b, [(4, 3), (3, 5)]),
    "matmul_self": (lambda a, b: a @ a, [(3, 3)]),
    "sum_all": (lambda a, b: a.sum(), [(4, 5)]),
    "sum_axis0": (lambda a, b: a.sum(axis=0), [(4, 5)]),
    "sum_axis1": (lambda a, b: a.sum(axis=1), [(4, 5)]),
    "sum_3d_middle": (lambda a, b: a.sum(axis=1), [(2, 3, 4)]),
}


@pytest.mark.parametrize("name", sorted(TENSOR_ROUTES))
def test_tensor_sweep_routes_give_the_general_routes_numbers_bit_for_bit(name, monkeypatch):
    """The sweep applies elementwise entries, the table's tanh, matrix product and sums directly; with zeros,
    infinities and NaN in the operands and the upstream gradient, every term is the one the general route
    (``elementwise_terms`` / ``linear_terms``, the table's rule as written) gives."""
    from autograd_core.tensor import nodes

    make, shapes = TENSOR_ROUTES[name]
    leaves = [Tensor(_special(s, k), requires_grad=True) for k, s in enumerate(shapes)]
    if name == "div":  # the divisor's domain: no zero
        leaves[1].data[leaves[1].data == 0] = 0.5
    with np.errstate(all="ignore"):  # inf · 0 in a product: numpy's warning, not this test's subject
        out = make(*leaves, *([None] * (2 - len(leaves))))
    for seed in range(3):
        g = _special(out.shape, 10 + seed) if out.ndim else np.asarray(SPECIAL[seed + 4])
        general = nodes.linear_terms if isinstance(out._op, ops.Call) else nodes.elementwise_terms
        with np.errstate(all="ignore"):
            expected = [(p, c) for _, p, _, c in general(out, g, False)]
            monkeypatch.setattr(nodes, "linear_terms", _forbidden)  # the direct route must not fall back
            monkeypatch.setattr(nodes, "elementwise_terms", _forbidden)
            direct = nodes.array_terms(out, out._op, g)
            monkeypatch.undo()
        assert [p for p, _ in direct] == [p for p, _ in expected]
        for (_, got), (_, want) in zip(direct, expected, strict=True):
            assert np.shape(got) == np.shape(want)
            np.testing.assert_array_equal(got, want, err_msg=f"{name}, seed {seed}")
            assert np.array_equal(np.signbit(got), np.signbit(want)), f"{name}: the sign of a zero differs"


def _forbidden(*args: Any) -> Any:
    raise AssertionError("the direct route fell back to the general one")


def test_a_replaced_entry_takes_effect_beside_the_tensor_sweeps_routes(monkeypatch):
    """Tests that break a rule on purpose must still see their rule: a replaced tanh, add or contraction
    entry is not the one the sweep's direct routes compare with, so it takes the general route."""
    x = Tensor([0.5, -1.0], requires_grad=True)
    monkeypatch.setattr(ops, "TANH", ops.TANH._replace(derivative=lambda xp, x, out: 2.0 + 0.0 * out))
    x.tanh().sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    monkeypatch.setattr(ops, "ADD", ops.ADD._replace(d_b=lambda xp, a, b, out: 3.0))
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([1.0, 1.0], requires_grad=True)
    (a + b).sum().backward()
    np.testing.assert_array_equal([a.grad, b.grad], [[1.0, 1.0], [3.0, 3.0]])
    rule = ops.EINSUM.vjp
    doubled = ops.EINSUM._replace(vjp=lambda xp, plan, g, i, xs: 2.0 * rule(xp, plan, g, i, xs))
    monkeypatch.setattr(ops, "EINSUM", doubled)
    W, v = Tensor(np.eye(2), requires_grad=True), Tensor(np.ones((2, 1)))
    (W @ v).sum().backward()
    np.testing.assert_array_equal(W.grad, 4.0 * np.ones((2, 2)))  # the sum's and the product's rules, doubled
