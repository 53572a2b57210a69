"""The derivative table: every primitive of every engine, its forward value and its derivative.

This is the only place a derivative rule is written. ``Value``, ``Tensor``, forward mode (``Dual``)
and gradients of gradients (``create_graph=True``) all read these entries; no engine has a rule
of its own. A rule is a small function of a *namespace* ``xp`` (:mod:`.namespaces`: floats, arrays
or graph nodes), so the same line serves every engine.

There are three kinds of entry.

* :class:`Unary` ``out = f(x)`` and :class:`Binary` ``out = f(a, b)``, elementwise. Each gives its
  **local derivative** ``∂out/∂operand`` -- the factor by which the chain rule of Eq. 4,
  ``∂L/∂x_k = Σ_i ∂L/∂y_i · ∂y_i/∂x_k``, multiplies the upstream gradient -- and its **domain**.
  Both modes are derived from the local derivative, once, by the engines:
  reverse ``∂L/∂x = unbroadcast(g · local, x.shape)``, forward ``ẏ = local · ẋ``.
  Rules receive the output ``out`` too, because several derivatives are cheapest in terms of it
  (``exp' = exp``, ``tanh' = 1 - tanh²``, ``σ' = σ(1 - σ)``).
* :class:`Linear` ``out = f(params, *operands)``, linear in each operand: the contraction
  (``einsum``; ``@``, ``sum`` and ``transpose`` are contractions) and the shape ops (reshape,
  index, scatter, stack, concatenate, broadcast). Each gives its **reverse rule** directly,
  written with other entries of this table (the gradient of indexing is a scatter, of a scatter an
  index, of broadcasting a sum). Its **forward-mode rule** needs no line: the output is linear in
  each operand, so ``ẏ = Σ_i f(params, x_0, …, ẋ_i, …, x_n)``. Its **domain** is every real input;
  shapes are checked where the parameters are built.

Non-differentiable points take one-sided choices, as PyTorch does: ``relu'(0) = 0``, ``abs'(0) = 0``.
**Piecewise rules select, they do not multiply.** An entry with ``keep`` (relu, abs, ``x ** 0``) says
where its branch is on; where it is off the engines pass exactly 0 (``select(keep, g · local)``),
even when the upstream gradient is inf or NaN, where ``g · 0`` would be NaN: ``sqrt(relu(x))`` has
gradient 0, not NaN, at x < 0.

**Adding a primitive** is one entry here, one sampler line in ``tests/test_rules.py`` and one row in
``docs/primitives.md`` (the recipe is in ``docs/architecture.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .contraction import Plan, contract, grad_spec


# --- the kinds of entry ---------------------------------------------------------------------
class Unary(NamedTuple):
    """A one-operand elementwise primitive ``out = f(x)``."""

    name: str
    forward: Callable[[Any, Any], Any]  # (xp, x) -> out
    derivative: Callable[[Any, Any, Any], Any]  # (xp, x, out) -> ∂out/∂x
    invalid: Callable[[Any], Any] | None = None  # x -> True where x is outside the domain
    domain: str = ""  # the domain, as the error message states it
    keep: Callable[[Any], Any] | None = None  # piecewise rules: x -> True where the branch is on

    @property
    def symbol(self) -> str:
        return self.name


class Binary(NamedTuple):
    """A two-operand elementwise primitive ``out = f(a, b)`` (numpy broadcasting)."""

    name: str
    symbol: str
    forward: Callable[[Any, Any, Any], Any]  # (xp, a, b) -> out
    d_a: Callable[[Any, Any, Any, Any], Any]  # (xp, a, b, out) -> ∂out/∂a
    d_b: Callable[[Any, Any, Any, Any], Any]  # (xp, a, b, out) -> ∂out/∂b
    invalid: Callable[[Any, Any], Any] | None = None  # (a, b) -> True where (a, b) is outside the domain
    domain: str = ""
    names: tuple[str, str] = ("a", "b")  # what the error message calls the operands
    culprit: int = 0  # the operand the error message points at
    # piecewise rules: (a, b) -> (where a's branch is on, where b's branch is on)
    keep: Callable[[Any, Any], tuple[Any, Any]] | None = None


class Linear(NamedTuple):
    """A primitive linear in each operand: the contraction and the shape ops.

    Forward mode needs no rule. A *jointly* linear entry (reshape, stack, concatenate ...) maps the
    tangents as it maps the values: ``ẏ = f(ẋ_0, …, ẋ_n)``. A *multilinear* one (the contraction, a
    product of its operands) is linear in each operand separately: ``ẏ = Σ_i f(x_0, …, ẋ_i, …, x_n)``.
    """

    name: str
    forward: Callable[..., Any]  # (params, *arrays) -> out
    vjp: Callable[..., Any]  # (xp, params, g, i, operands) -> ∂L/∂operand_i, given g = ∂L/∂out
    symbol: str = ""  # what drawings show; the name if empty
    multilinear: bool = False  # linear in each operand separately (a product), not jointly

    @property
    def label(self) -> str:
        return self.symbol or self.name


class Function(NamedTuple):
    """A primitive on whole arrays that is neither elementwise nor linear: det, inv, solve, max, prod ...

    It states both rules. The reverse rule ``vjp`` is written with arithmetic, ``@`` and other entries
    of the table (``xp.apply``), so that with ``create_graph`` the gradient is a graph too and a
    Hessian of ``log det X`` is exact. The forward rule ``jvp`` maps the operands' tangents (``None``
    for a constant operand) to the output's, on arrays. ``check`` refuses bad operands (a non-square
    matrix for ``det``) by name before ``forward`` runs.
    """

    name: str
    forward: Callable[..., Any]  # (params, *arrays) -> out
    vjp: Callable[..., Any]  # (xp, params, g, i, operands, out) -> ∂L/∂operand_i, given g = ∂L/∂out
    jvp: Callable[..., Any]  # (params, tangents, operands, out) -> the tangent of out (arrays)
    symbol: str = ""
    check: Callable[..., None] | None = None  # (params, *arrays) -> None, or raise ValueError naming the problem

    @property
    def label(self) -> str:
        return self.symbol or self.name


class Call(NamedTuple):
    """A :class:`Linear` or :class:`Function` entry with its parameters, as a node stores it.

    ``symbol`` is what drawings show.
    """

    entry: Linear | Function
    params: Any
    symbol: str


# --- binary operations ----------------------------------------------------------------------
#            name    symbol forward                      ∂out/∂a                      ∂out/∂b
ADD = Binary("add", "+", lambda xp, a, b: a + b, lambda xp, a, b, out: 1.0, lambda xp, a, b, out: 1.0)
SUB = Binary("sub", "-", lambda xp, a, b: a - b, lambda xp, a, b, out: 1.0, lambda xp, a, b, out: -1.0)
MUL = Binary("mul", "*", lambda xp, a, b: a * b, lambda xp, a, b, out: b, lambda xp, a, b, out: a)
DIV = Binary("div", "/", lambda xp, a, b: a / b, lambda xp, a, b, out: 1.0 / b, lambda xp, a, b, out: -out / b,
             invalid=lambda a, b: b == 0, domain="divisor != 0 (division by zero)", names=("a", "divisor"), culprit=1)
# x ** y with a differentiated exponent: ∂/∂y = x**y · ln x, defined for x > 0 only (NaN passes through).
POW = Binary(
    "pow", "**",
    lambda xp, a, b: xp.power(a, b),
    lambda xp, a, b, out: b * xp.power(a, b - 1.0),
    lambda xp, a, b, out: out * xp.log(a),
    invalid=lambda a, b: a <= 0,
    domain="x > 0 when the exponent is differentiated (its derivative in y is x**y · ln x)",
    names=("x", "y"),
)
# x ** n with a constant exponent n: the power rule; the exponent gets no gradient. For n = 0 the
# exponent n - 1 is replaced by 0 (times the mask n != 0): x**0 is constant, so its derivative is 0
# everywhere, also at x = 0, where n·x**(n-1) would be 0·inf = NaN (and x**1's second derivative too).
# Domain: 0 ** negative is infinite and negative ** fractional is not real; an inf or NaN exponent
# follows IEEE ((n - n) == 0 is False for those, so they are not refused).
POW_CONST = Binary(
    "pow_const", "**",
    lambda xp, a, n: xp.power(a, n),
    lambda xp, a, n, out: n * xp.power(a, (n - 1.0) * (n != 0)),
    lambda xp, a, n, out: 0.0,
    invalid=lambda a, n: ((a == 0) & (n < 0)) | ((a < 0) & (n % 1 != 0) & (n - n == 0)),
    domain="x != 0 for a negative n and x >= 0 for a non-integer n (else x ** n is infinite or not real)",
    names=("x", "n"),
    keep=lambda a, n: (n != 0, False),
)
#                 name        symbol      forward                    ∂out/∂a                   ∂out/∂b
# max(a, b): the larger operand's gradient passes; at a tie each gets half, as torch.maximum does.
MAXIMUM = Binary("maximum", "max", lambda xp, a, b: xp.maximum(a, b), lambda xp, a, b, out: xp.share(a, b),
                 lambda xp, a, b, out: xp.share(b, a), keep=lambda a, b: (_share(a, b) != 0, _share(b, a) != 0))
MINIMUM = Binary("minimum", "min", lambda xp, a, b: xp.minimum(a, b), lambda xp, a, b, out: xp.share(b, a),
                 lambda xp, a, b, out: xp.share(a, b), keep=lambda a, b: (_share(b, a) != 0, _share(a, b) != 0))
# The angle of the point (x, y) = (b, a): ∂/∂y = x/r², ∂/∂x = -y/r². At the origin, where the angle has
# no derivative, both are taken as 0 (as abs'(0) = 0).
ARCTAN2 = Binary("arctan2", "arctan2", lambda xp, a, b: xp.arctan2(a, b),
                 lambda xp, a, b, out: b / (a * a + b * b), lambda xp, a, b, out: -a / (a * a + b * b),
                 names=("y", "x"), keep=lambda a, b: ((a != 0) | (b != 0),) * 2)
# sqrt(a² + b²): ∂/∂a = a/out; 0 at the origin, as abs'(0) = 0.
HYPOT = Binary("hypot", "hypot", lambda xp, a, b: xp.hypot(a, b), lambda xp, a, b, out: a / out,
               lambda xp, a, b, out: b / out, keep=lambda a, b: ((a != 0) | (b != 0),) * 2)

# --- unary operations -----------------------------------------------------------------------
#             name        forward                        ∂out/∂x
NEG = Unary("neg", lambda xp, x: -x, lambda xp, x, out: -1.0)
EXP = Unary("exp", lambda xp, x: xp.exp(x), lambda xp, x, out: out)
LOG = Unary("log", lambda xp, x: xp.log(x), lambda xp, x, out: 1.0 / x,
            invalid=lambda x: x <= 0, domain="x > 0")
TANH = Unary("tanh", lambda xp, x: xp.tanh(x), lambda xp, x, out: 1.0 - out * out)
SIGMOID = Unary("sigmoid", lambda xp, x: xp.sigmoid(x), lambda xp, x, out: out * (1.0 - out))
RELU = Unary("relu", lambda xp, x: xp.relu(x), lambda xp, x, out: xp.step(x), keep=lambda x: x > 0)
SIN = Unary("sin", lambda xp, x: xp.sin(x), lambda xp, x, out: xp.cos(x))
COS = Unary("cos", lambda xp, x: xp.cos(x), lambda xp, x, out: -xp.sin(x))
SQRT = Unary("sqrt", lambda xp, x: xp.sqrt(x), lambda xp, x, out: 0.5 * xp.power(out, -1.0),
             invalid=lambda x: x < 0, domain="x >= 0")
ABS = Unary("abs", lambda xp, x: xp.abs(x), lambda xp, x, out: xp.sign(x), keep=lambda x: x != 0)
SOFTPLUS = Unary("softplus", lambda xp, x: xp.softplus(x), lambda xp, x, out: xp.sigmoid(x))
LOG1P = Unary("log1p", lambda xp, x: xp.log1p(x), lambda xp, x, out: 1.0 / (1.0 + x),
              invalid=lambda x: x <= -1, domain="x > -1")
EXPM1 = Unary("expm1", lambda xp, x: xp.expm1(x), lambda xp, x, out: out + 1.0)
LOG2 = Unary("log2", lambda xp, x: xp.log2(x), lambda xp, x, out: 1.0 / (x * 0.6931471805599453),
             invalid=lambda x: x <= 0, domain="x > 0")
LOG10 = Unary("log10", lambda xp, x: xp.log10(x), lambda xp, x, out: 1.0 / (x * 2.302585092994046),
              invalid=lambda x: x <= 0, domain="x > 0")
TAN = Unary("tan", lambda xp, x: xp.tan(x), lambda xp, x, out: 1.0 + out * out)
SINH = Unary("sinh", lambda xp, x: xp.sinh(x), lambda xp, x, out: xp.cosh(x))
COSH = Unary("cosh", lambda xp, x: xp.cosh(x), lambda xp, x, out: xp.sinh(x))
ARCSIN = Unary("arcsin", lambda xp, x: xp.arcsin(x), lambda xp, x, out: xp.power(1.0 - x * x, -0.5),
               invalid=lambda x: (x < -1) | (x > 1), domain="-1 <= x <= 1")
ARCCOS = Unary("arccos", lambda xp, x: xp.arccos(x), lambda xp, x, out: -xp.power(1.0 - x * x, -0.5),
               invalid=lambda x: (x < -1) | (x > 1), domain="-1 <= x <= 1")
ARCTAN = Unary("arctan", lambda xp, x: xp.arctan(x), lambda xp, x, out: 1.0 / (1.0 + x * x))
ARCSINH = Unary("arcsinh", lambda xp, x: xp.arcsinh(x), lambda xp, x, out: xp.power(x * x + 1.0, -0.5))
ARCCOSH = Unary("arccosh", lambda xp, x: xp.arccosh(x), lambda xp, x, out: xp.power(x * x - 1.0, -0.5),
                invalid=lambda x: x < 1, domain="x >= 1")
ARCTANH = Unary("arctanh", lambda xp, x: xp.arctanh(x), lambda xp, x, out: 1.0 / (1.0 - x * x),
                invalid=lambda x: (x <= -1) | (x >= 1), domain="-1 < x < 1")
EXP2 = Unary("exp2", lambda xp, x: xp.exp2(x), lambda xp, x, out: out * 0.6931471805599453)
SQUARE = Unary("square", lambda xp, x: x * x, lambda xp, x, out: 2.0 * x)
RECIPROCAL = Unary("reciprocal", lambda xp, x: 1.0 / x, lambda xp, x, out: -(out * out),
                   invalid=lambda x: x == 0, domain="x != 0 (division by zero)")
# Piecewise constant: the derivative is 0 wherever it exists, and taken as 0 at the jumps (PyTorch's
# choice). The branch is never on, so the engines pass exactly 0, also for an inf or NaN upstream.
_NEVER = lambda x: x > x  # False for every number, NaN and inf included
SIGN = Unary("sign", lambda xp, x: xp.signum(x), lambda xp, x, out: 0.0, keep=_NEVER)
FLOOR = Unary("floor", lambda xp, x: xp.floor(x), lambda xp, x, out: 0.0, keep=_NEVER)
CEIL = Unary("ceil", lambda xp, x: xp.ceil(x), lambda xp, x, out: 0.0, keep=_NEVER)
ROUND = Unary("round", lambda xp, x: xp.rint(x), lambda xp, x, out: 0.0, keep=_NEVER)


def _share(a: Any, b: Any) -> Any:
    """``a``'s share of ``max(a, b)``'s gradient, on numbers: 1 where a > b, 1/2 at a tie, else 0."""
    return (a > b) + 0.5 * (a == b)


# --- contraction and shape operations ---------------------------------------------------------
def _contraction_vjp(xp: Any, plan: Plan, g: Any, i: int, operands: Any) -> Any:
    """``∂L/∂A_i`` for ``out[o] = Σ Π_j A_j[s_j]``: contract ``g`` with every *other* operand into ``s_i``.

    ``out`` is linear in ``A_i`` and ``∂out[o]/∂A_i[s_i] = Π_(j≠i) A_j[s_j]``, so
    ``∂L/∂A_i[s_i] = Σ g[o] Π_(j≠i) A_j[s_j]``: one more contraction. For the matrix product
    ``'ik,kj->ij'`` (``Z = A B``, the seed's ``W X``) it reads

    >>> grad_spec(("ik", "kj"), "ij", 0).subscripts   # ∇_A = G Bᵀ  (Eq. 29 without the 1/m)
    'ij,kj->ik'
    >>> grad_spec(("ik", "kj"), "ij", 1).subscripts   # ∇_B = Aᵀ G  (Eq. 30 without the 1/m)
    'ij,ik->kj'

    A letter repeated in ``s_i`` (a diagonal, ``'ii->'``) is renamed and tied back with an identity
    matrix ``δ``; a letter only ``A_i`` carries was summed out, so the gradient is constant along it
    and is broadcast back (:func:`unbroadcast`).
    """
    spec = grad_spec(plan.inputs, plan.output, i)
    shape = operands[i].shape
    deltas = [np.eye(shape[axis]) for axis in spec.delta_axes]
    r = xp.apply(EINSUM, spec.plan, g, *(operands[j] for j in spec.others), *deltas)
    if spec.lonely_axes:
        sizes = iter(r.shape)
        r = xp.apply(RESHAPE, tuple(1 if k in spec.lonely_axes else next(sizes) for k in range(len(shape))), r)
    return unbroadcast(xp, r, shape)


def unbroadcast(xp: Any, g: Any, shape: tuple[int, ...]) -> Any:
    """Bring a gradient ``g`` back to an operand's ``shape``: the reverse rule of broadcasting.

    Sum over the axes broadcasting created: ``b_i`` feeds every column of the seed's ``B`` (Eq. 6),
    so ``∂L/∂b_i = Σ_k ∂L/∂B_ik``. Along an axis where the operand is longer than ``g`` (an axis a
    contraction summed away), ``g`` is broadcast instead. Works on arrays and on graph nodes.
    """
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead > 0:
        g = g.sum(axis=tuple(range(lead)))
    elif lead < 0:
        g = xp.apply(RESHAPE, (1,) * -lead + g.shape, g)
    ones = tuple(k for k, n in enumerate(shape) if n == 1 and g.shape[k] != 1)
    if ones:
        g = g.sum(axis=ones, keepdims=True)
    if g.shape != shape:
        g = xp.apply(BROADCAST_TO, shape, g)
    return g


def _broadcast(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``x`` repeated along the axes of ``shape`` it lacks or has as 1, as a new array: the same numbers as
    ``np.broadcast_to`` (a read-only view), made several times faster for the small arrays of a network."""
    out = np.empty(shape)
    out[...] = x
    return out


def _scatter(g: np.ndarray, params: tuple[Any, tuple[int, ...]]) -> np.ndarray:
    """Zeros of ``shape`` with ``g`` added at ``index``; an entry picked twice gets both (``np.add.at``)."""
    index, shape = params
    out = np.zeros(shape)
    if _is_advanced(index):
        np.add.at(out, index, g)
    else:
        out[index] += g
    return out


def _is_advanced(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, list | np.ndarray) for p in parts)


def _along(axis: int, part: Any) -> tuple[Any, ...]:
    """The index that takes ``part`` along ``axis`` and everything along the axes before it."""
    return (slice(None),) * axis + (part,)


#                name            forward (params, *arrays)              reverse rule (xp, params, g, i, operands)
EINSUM = Linear("einsum", lambda plan, *xs: contract(plan.subscripts, list(xs)), _contraction_vjp, multilinear=True)
RESHAPE = Linear("reshape", lambda shape, x: x.reshape(shape),
                 lambda xp, shape, g, i, xs: xp.apply(RESHAPE, xs[0].shape, g))
INDEX = Linear("index", lambda index, x: x[index],
               lambda xp, index, g, i, xs: xp.apply(SCATTER, (index, xs[0].shape), g), symbol="[]")
SCATTER = Linear("scatter", lambda params, g: _scatter(g, params),
                 lambda xp, params, g, i, xs: xp.apply(INDEX, params[0], g))
STACK = Linear("stack", lambda axis, *xs: np.stack(xs, axis=axis),
               lambda xp, axis, g, i, xs: xp.apply(INDEX, _along(axis, i), g))
CONCATENATE = Linear("concatenate", lambda params, *xs: np.concatenate(xs, axis=params[0]),
                     lambda xp, params, g, i, xs: xp.apply(
                         INDEX, _along(params[0], slice(params[1][i], params[1][i + 1])), g))
BROADCAST_TO = Linear("broadcast_to", lambda shape, x: _broadcast(x, shape),
                      lambda xp, shape, g, i, xs: unbroadcast(xp, g, xs[0].shape))
# where(keep, y, 0) with a constant mask: linear in y. The select of the piecewise rules, as a node
# when gradients are themselves graphs (create_graph), so that second derivatives are masked too.
MASK = Linear("mask", lambda keep, y: np.where(keep, y, 0.0),
              lambda xp, keep, g, i, xs: unbroadcast(xp, xp.apply(MASK, keep, g), xs[0].shape))

TRANSPOSE = Linear("transpose", lambda perm, x: np.transpose(x, perm),
                   lambda xp, perm, g, i, xs: xp.apply(TRANSPOSE, tuple(np.argsort(perm).tolist()), g))
# Running sums along an axis (params: (axis, reverse)); the reverse rule is the running sum from the other end.
CUMSUM = Linear("cumsum", lambda params, x: _cumsum(x, *params),
                lambda xp, params, g, i, xs: xp.apply(CUMSUM, (params[0], not params[1]), g))


def _cumsum(x: np.ndarray, axis: int, reverse: bool) -> np.ndarray:
    if not reverse:
        return np.cumsum(x, axis=axis)
    return np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis)


# --- whole-array functions: reductions and linear algebra ----------------------------------------
# Helpers the rules share. They work on arrays and on graph nodes alike (``xp`` says which).
def _data(x: Any) -> Any:
    """The array a graph node holds, or the array itself: which branch a rule takes is read from numbers."""
    return x if isinstance(x, np.ndarray) else x.data


def _mT(xp: Any, a: Any) -> Any:
    """The transpose of each matrix of a stack (its last two axes swapped): ``Xᵀ``."""
    perm = (*range(a.ndim - 2), a.ndim - 1, a.ndim - 2)
    return xp.apply(TRANSPOSE, perm, a)


def _kept(xp: Any, g: Any, params: tuple[tuple[int, ...], bool]) -> Any:
    """A reduction's output (or its gradient) with the reduced axes back as size-1 axes, to broadcast."""
    axes, keepdims = params
    if keepdims:
        return g
    shape = list(g.shape)
    for axis in sorted(axes):
        shape.insert(axis, 1)
    return xp.apply(RESHAPE, tuple(shape), g)


# max / min: the gradient goes to the entries equal to the extreme, split evenly at ties (torch.amax).
def _ties(params: tuple[tuple[int, ...], bool], x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The weight of each entry in ``max``'s gradient: 1/count where it equals the maximum, else 0."""
    axes, keepdims = params
    hit = x == (out if keepdims else np.expand_dims(out, axes))
    return hit / hit.sum(axis=axes, keepdims=True)


def _extreme(name: str, pick: Callable[..., Any]) -> Function:
    return Function(
        name,
        lambda params, x: pick(x, axis=params[0], keepdims=params[1]),
        lambda xp, params, g, i, xs, out: _kept(xp, g, params) * _ties(params, _data(xs[0]), _data(out)),
        lambda params, ts, xs, out: (ts[0] * _ties(params, xs[0], out)).sum(axis=params[0], keepdims=params[1]),
    )


AMAX = _extreme("amax", np.max)
AMIN = _extreme("amin", np.min)


# prod: ∂/∂x_k = the product of the *other* entries, computed without dividing (exact at zeros).
def _others(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """Each entry's product of the other entries along ``axes``: prefix times suffix products, no division."""
    moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0)))
    lines = moved.reshape(*moved.shape[: moved.ndim - len(axes)], -1)
    ones = np.ones((*lines.shape[:-1], 1))
    before = np.cumprod(np.concatenate([ones, lines[..., :-1]], axis=-1), axis=-1)
    after = np.flip(np.cumprod(np.concatenate([ones, np.flip(lines, -1)[..., :-1]], axis=-1), axis=-1), -1)
    return np.moveaxis((before * after).reshape(moved.shape), tuple(range(-len(axes), 0)), axes)


def _prod_vjp(xp: Any, params: Any, g: Any, i: int, xs: Any, out: Any) -> Any:
    x = xs[0]
    if xp.records and np.any(_data(x) == 0):
        raise NotImplementedError("prod: second derivatives at an input with a zero entry are not implemented "
                                  "(the first derivative is); perturb the zero or use reverse mode once")
    if xp.records:
        return _kept(xp, g, params) * _kept(xp, out, params) / x
    return _kept(xp, g, params) * _others(x, params[0])


PROD = Function("prod", lambda params, x: np.prod(x, axis=params[0], keepdims=params[1]), _prod_vjp,
                lambda params, ts, xs, out: (ts[0] * _others(xs[0], params[0])).sum(axis=params[0],
                                                                                     keepdims=params[1]))


# cumprod along an axis: out_j = Π_(k<=j) x_k, so ∂out_j/∂x_i = Π_(k<=j, k≠i) x_k for j >= i.
def _cumprod_partials(x: np.ndarray, axis: int) -> np.ndarray:
    """``P[..., i, j] = ∂out_j/∂x_i`` along ``axis`` (moved last), exact at zeros; n² entries per line."""
    lines = np.moveaxis(x, axis, -1)
    n = lines.shape[-1]
    partials = np.zeros((*lines.shape, n))
    for i in range(n):
        others = lines.copy()
        others[..., i] = 1.0
        partials[..., i, :] = np.cumprod(others, axis=-1) * (np.arange(n) >= i)
    return partials


def _cumprod_vjp(xp: Any, axis: int, g: Any, i: int, xs: Any, out: Any) -> Any:
    x = xs[0]
    if not np.any(_data(x) == 0):  # Σ_(j>=i) g_j out_j / x_i: a running sum from the end
        return xp.apply(CUMSUM, (axis, True), g * out) / x
    if xp.records:
        raise NotImplementedError("cumprod: second derivatives at an input with a zero entry are not implemented "
                                  "(the first derivative is)")
    partials = _cumprod_partials(x, axis)
    return np.moveaxis(np.einsum("...ij,...j->...i", partials, np.moveaxis(g, axis, -1)), -1, axis)


def _cumprod_jvp(axis: int, ts: Any, xs: Any, out: np.ndarray) -> np.ndarray:
    partials = _cumprod_partials(xs[0], axis)
    return np.moveaxis(np.einsum("...ij,...i->...j", partials, np.moveaxis(ts[0], axis, -1)), -1, axis)


CUMPROD = Function("cumprod", lambda axis, x: np.cumprod(x, axis=axis), _cumprod_vjp, _cumprod_jvp)


# --- linear algebra (Matrix Cookbook equation numbers: the version of November 15, 2012) ----------
def _square(name: str) -> Callable[..., None]:
    def check(params: Any, x: np.ndarray, *rest: Any) -> None:
        if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
            raise ValueError(f"{name}: needs a square matrix (or a stack of them, shape (..., n, n)), "
                             f"got shape {x.shape}")
    return check


def _symmetric(name: str) -> Callable[..., None]:
    square = _square(name)

    def check(params: Any, x: np.ndarray) -> None:
        square(params, x)
        gap = np.max(np.abs(x - np.swapaxes(x, -1, -2)), initial=0.0)
        if not gap <= 1e-10 * max(1.0, np.max(np.abs(x), initial=0.0)):
            raise ValueError(f"{name}: needs a symmetric matrix (it reads only one triangle, so the other would "
                             f"be ignored without a word); the largest |X - Xᵀ| entry is {gap:.3g}. "
                             "Symmetrize first: (X + X.T) / 2")
    return check


def _invert(x: np.ndarray, what: str) -> np.ndarray:
    """``X⁻¹``, or a ``ValueError`` that says ``what`` needed it and that ``X`` is singular."""
    try:
        with np.errstate(all="ignore"):
            inverse = np.linalg.inv(x)
    except np.linalg.LinAlgError:
        inverse = None
    if inverse is None or not np.all(np.isfinite(inverse)):
        raise ValueError(f"{what} needs an invertible matrix, and this one is singular (det = 0); "
                         f"got X = {np.array2string(x, precision=4, threshold=20)}")
    return inverse


def _inverse_of(xp: Any, x: Any, what: str) -> Any:
    """``X⁻¹`` inside a rule: checked on the numbers, then an ``inv`` node when gradients are graphs."""
    inverse = _invert(_data(x), what)
    return inverse if not xp.records else xp.apply(INV, None, x)


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    _invert(a, "solve(A, B)")  # names the singular A (numpy's LinAlgError does not say which)
    return np.linalg.solve(a, b)


def _trace(m: np.ndarray) -> np.ndarray:
    return np.einsum("...ii->...", m)


# det X: ∂det(X)/∂X = det(X) X⁻ᵀ (Cookbook eq. 49); d det X = det X · tr(X⁻¹ dX), its differential.
DET = Function(
    "det", lambda params, x: np.linalg.det(x),
    lambda xp, params, g, i, xs, out: (g * out)[..., None, None] * _mT(
        xp, _inverse_of(xp, xs[0], "det: its gradient det(X)·X⁻ᵀ (Matrix Cookbook eq. 49)")),
    lambda params, ts, xs, out: out * _trace(
        _invert(xs[0], "det: its derivative det(X)·tr(X⁻¹ dX) (the differential of Matrix Cookbook eq. 49)") @ ts[0]),
    check=_square("det"),
)


# log |det X|: ∂/∂X = X⁻ᵀ (eq. 57); the sign of det X is piecewise constant and has no gradient.
LOGABSDET = Function(
    "logabsdet", lambda params, x: np.linalg.slogdet(x)[1],
    lambda xp, params, g, i, xs, out: g[..., None, None] * _mT(
        xp, _inverse_of(xp, xs[0], "slogdet: its gradient X⁻ᵀ (Matrix Cookbook eq. 57)")),
    lambda params, ts, xs, out: _trace(_invert(xs[0], "slogdet: its derivative tr(X⁻¹ dX)") @ ts[0]),
    symbol="log|det|", check=_square("slogdet"),
)
# X⁻¹: d(X⁻¹) = -X⁻¹ dX X⁻¹ (eq. 59), so ∇_X L = -X⁻ᵀ G X⁻ᵀ.
INV = Function(
    "inv", lambda params, x: _invert(x, "inv"),
    lambda xp, params, g, i, xs, out: -(_mT(xp, out) @ g @ _mT(xp, out)),
    lambda params, ts, xs, out: -(out @ ts[0] @ out),
    check=_square("inv"),
)


# solve(A, B) = A⁻¹B for a matrix B (a vector b is a one-column B): with G̃ = A⁻ᵀG, ∇_B = G̃, ∇_A = -G̃ Xᵀ.
def _solve_vjp(xp: Any, params: Any, g: Any, i: int, xs: Any, out: Any) -> Any:
    gb = xp.apply(SOLVE, None, _mT(xp, xs[0]), g)
    return unbroadcast(xp, -(gb @ _mT(xp, out)) if i == 0 else gb, xs[i].shape)


def _solve_jvp(params: Any, ts: Any, xs: Any, out: np.ndarray) -> np.ndarray:
    rhs = (0.0 if ts[1] is None else ts[1]) - (0.0 if ts[0] is None else ts[0] @ out)
    return np.linalg.solve(xs[0], np.broadcast_to(rhs, out.shape))


def _check_solve(params: Any, a: np.ndarray, b: np.ndarray) -> None:
    _square("solve")(params, a)
    if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
        raise ValueError(f"solve(A, B): B must have as many rows as A ({a.shape[-1]}), got shapes A {a.shape} "
                         f"and B {b.shape}")


SOLVE = Function("solve", lambda params, a, b: _solve(a, b), _solve_vjp, _solve_jvp, check=_check_solve)


# eigh of a symmetric X = V diag(w) Vᵀ. The rules assume *distinct* eigenvalues: where two coincide the
# eigenvectors are not unique and their derivative does not exist (the eigenvalues' gradient V diag(ḡ) Vᵀ
# needs no such assumption). The gradients are symmetric: X is symmetric, so only symmetric changes exist.
def _gaps(w: Any) -> Any:
    """``F_ij = 1/(w_j - w_i)`` off the diagonal, 0 on it; on arrays or nodes."""
    eye = np.eye(w.shape[-1])
    return (1.0 - eye) / (w[..., None, :] - w[..., :, None] + eye)


def _check_distinct(w: np.ndarray) -> None:
    gaps = np.where(np.eye(w.shape[-1], dtype=bool), np.inf, np.abs(w[..., None, :] - w[..., :, None]))
    scale = max(1.0, float(np.max(np.abs(w), initial=0.0)))
    if np.any(gaps <= 1e-12 * scale):
        raise ValueError("eigh: the eigenvectors' derivative needs distinct eigenvalues, and two coincide "
                         f"(eigenvalues {np.array2string(w, precision=6, threshold=10)}); where they coincide the "
                         "eigenvectors are not unique. The eigenvalues alone (eigvalsh) have a gradient there")


def _sym(xp: Any, a: Any) -> Any:
    return (a + _mT(xp, a)) * 0.5


def _eigvecs_vjp(xp: Any, params: Any, g: Any, i: int, xs: Any, out: Any) -> Any:
    x, v = xs[0], out
    w = xp.apply(EIGVALSH, None, x) if xp.records else np.linalg.eigvalsh(x)
    _check_distinct(_data(w))
    return _sym(xp, v @ (_gaps(w) * (_mT(xp, v) @ g)) @ _mT(xp, v))


def _eigvecs_jvp(params: Any, ts: Any, xs: Any, out: np.ndarray) -> np.ndarray:
    w = np.linalg.eigvalsh(xs[0])
    _check_distinct(w)
    return out @ (_gaps(w) * (out.swapaxes(-1, -2) @ ts[0] @ out))


EIGVALSH = Function(
    "eigvalsh", lambda params, x: np.linalg.eigvalsh(x),
    lambda xp, params, g, i, xs, out: _eigvalsh_vjp(xp, g, xs[0]),
    lambda params, ts, xs, out: _eigvalsh_jvp(ts[0], xs[0]),
    check=_symmetric("eigh"),
)


def _eigvalsh_jvp(t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``ẇ_i = v_iᵀ Ẋ v_i``: the diagonal of ``Vᵀ Ẋ V``."""
    v = np.linalg.eigh(x)[1]
    return np.einsum("...ji,...jk,...ki->...i", v, t, v)


def _eigvalsh_vjp(xp: Any, g: Any, x: Any) -> Any:
    v = xp.apply(EIGVECS, None, x) if xp.records else np.linalg.eigh(x)[1]
    return (v * g[..., None, :]) @ _mT(xp, v)


EIGVECS = Function("eigvecs", lambda params, x: np.linalg.eigh(x)[1], _eigvecs_vjp, _eigvecs_jvp,
                   check=_symmetric("eigh"))


# Cholesky X = L Lᵀ: dL = L Φ(L⁻¹ dX L⁻ᵀ), Φ taking the lower triangle with the diagonal halved; so
# ∇_X = sym(L⁻ᵀ Φ(Lᵀ G) L⁻¹) (I. Murray, "Differentiation of the Cholesky decomposition", 2016).
def _phi(n: int) -> np.ndarray:
    return np.tril(np.ones((n, n))) - 0.5 * np.eye(n)


def _cholesky(x: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.cholesky(x)
    except np.linalg.LinAlgError:
        raise ValueError("cholesky: needs a symmetric positive-definite matrix, and this one is not positive "
                         f"definite; got X = {np.array2string(x, precision=4, threshold=20)}") from None


def _cholesky_vjp(xp: Any, params: Any, g: Any, i: int, xs: Any, out: Any) -> Any:
    inverse = _inverse_of(xp, out, "cholesky's gradient")
    return _sym(xp, _mT(xp, inverse) @ ((_mT(xp, out) @ g) * _phi(out.shape[-1])) @ inverse)


def _cholesky_jvp(params: Any, ts: Any, xs: Any, out: np.ndarray) -> np.ndarray:
    inverse = np.linalg.inv(out)
    return out @ ((inverse @ ts[0] @ inverse.swapaxes(-1, -2)) * _phi(out.shape[-1]))


CHOLESKY = Function("cholesky", lambda params, x: _cholesky(x), _cholesky_vjp, _cholesky_jvp,
                    check=_symmetric("cholesky"))



# --- the whole table --------------------------------------------------------------------------
UNARY: dict[str, Unary] = {
    op.name: op for op in (NEG, EXP, LOG, TANH, SIGMOID, RELU, SIN, COS, SQRT, ABS, SOFTPLUS, LOG1P, EXPM1, LOG2,
                           LOG10, TAN, SINH, COSH, ARCSIN, ARCCOS, ARCTAN, ARCSINH, ARCCOSH, ARCTANH, EXP2,
                           SQUARE, RECIPROCAL, SIGN, FLOOR, CEIL, ROUND)
}
BINARY: dict[str, Binary] = {
    op.name: op for op in (ADD, SUB, MUL, DIV, POW, POW_CONST, MAXIMUM, MINIMUM, ARCTAN2, HYPOT)
}
LINEAR: dict[str, Linear] = {
    op.name: op for op in (EINSUM, RESHAPE, INDEX, SCATTER, STACK, CONCATENATE, BROADCAST_TO, MASK, TRANSPOSE,
                           CUMSUM)
}
FUNCTIONS: dict[str, Function] = {
    op.name: op for op in (AMAX, AMIN, PROD, CUMPROD, DET, LOGABSDET, INV, SOLVE, EIGVALSH, EIGVECS, CHOLESKY)
}
TABLE: dict[str, Unary | Binary | Linear | Function] = {**UNARY, **BINARY, **LINEAR, **FUNCTIONS}


# Binary entries reached by a method named after numpy's function (x.maximum(y), np.arctan2(y, x)).
NAMED_BINARY = ("maximum", "minimum", "arctan2", "hypot")


def add_unary_methods(cls: type, apply: Callable[..., Any], binary: Callable[..., Any] | None = None) -> None:
    """Give ``cls`` a method per unary entry it does not define by hand: ``x.log1p()`` is ``apply(x, LOG1P)``.

    So an entry added to :data:`UNARY` is a method of ``Value``, ``Tensor`` and ``Dual`` at once. With
    ``binary`` the named binary entries become methods too: ``x.maximum(y)`` is ``binary(x, MAXIMUM, y)``
    (numpy evaluates ``np.maximum`` ... on arrays of nodes through such methods).
    """
    for op in UNARY.values():
        if not hasattr(cls, op.name):
            setattr(cls, op.name, _method(op, apply))
    for name in NAMED_BINARY if binary is not None else ():
        if not hasattr(cls, name):
            setattr(cls, name, _method(BINARY[name], binary))


def _method(op: Unary | Binary, apply: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: Any, *other: Any) -> Any:
        return apply(self, op, *other)

    method.__name__ = op.name
    method.__doc__ = f"``{op.name}``, elementwise: the derivative table's entry (``autograd_core.engine.ops``)."
    return method


def call_tangent(entry: Linear | Function, params: Any, values: list[Any], tangents: list[Any], out: Any) -> Any:
    """The tangent of a :class:`Call` node's output: by linearity, or the :class:`Function`'s ``jvp``."""
    if isinstance(entry, Function):
        return entry.jvp(params, tangents, values, out)
    return linear_tangent(entry, params, values, tangents)


def linear_tangent(entry: Linear, params: Any, values: list[Any], tangents: list[Any]) -> Any:
    """The tangent of a linear entry's output, from its operands' tangents (``None``: constant operand).

    No rule is written for it; it follows from linearity (see :class:`Linear`).
    """
    moving = [i for i, t in enumerate(tangents) if t is not None]
    if entry.multilinear:
        terms = [entry.forward(params, *values[:i], tangents[i], *values[i + 1:]) for i in moving]
        return sum(terms[1:], terms[0])
    return entry.forward(params, *[np.zeros(np.shape(v)) if t is None else t for v, t in zip(values, tangents,
                                                                                          strict=True)])


# --- piecewise rules --------------------------------------------------------------------------
def chain(xp: Any, op: Unary | Binary, g: Any, local: Any, operands: tuple[Any, ...], i: int = 0) -> Any:
    """One term of the chain rule, ``g · local``, with the off branch of a piecewise rule exactly 0.

    ``operands`` are numbers or arrays (the node's data), which decide the branch; ``i`` is the
    operand the term is for (a binary rule's branches differ per operand: ``max(a, b)``); ``g`` and
    ``local`` may be graph nodes (``xp`` is then ``GRAPH``).
    """
    product = g * local
    if op.keep is None:
        return product
    keep = op.keep(*operands)
    return xp.select(keep[i] if isinstance(op, Binary) else keep, product)


def chain_forward(xp: Any, op: Unary | Binary, t: Any, local: Any, operands: tuple[Any, ...], i: int = 0) -> Any:
    """``local · t`` for forward mode: :func:`chain`, and a tangent entry of exactly 0 contributes 0.

    An input that does not move does not move the output, also where ``local`` is infinite; with the
    piecewise select this gives ``sqrt(relu(x))`` the derivative 0 at x < 0, as reverse mode does.
    """
    if isinstance(t, float | int):
        return 0.0 if t == 0 else chain(xp, op, t, local, operands, i)
    product = chain(xp, op, t, local, operands, i)
    if isinstance(t, np.ndarray) and t.dtype != object and isinstance(product, np.ndarray):
        return np.where(t != 0, product, 0.0)
    return product


# --- domains ----------------------------------------------------------------------------------
def check_domain(op: Unary | Binary, *operands: Any) -> None:
    """Raise :func:`domain_error` if an entry of ``operands`` (numbers or arrays) is outside ``op``'s domain."""
    if op.invalid is None:
        return
    with np.errstate(all="ignore"):
        bad = op.invalid(*operands)
    if np.any(bad):
        raise domain_error(op, bad, *operands)


def domain_error(op: Unary | Binary, bad: Any, *operands: Any) -> ValueError:
    """The ``ValueError`` for inputs outside ``op``'s domain: the rule, how many entries, the first one.

    ``log: needs x > 0, got x = -1.0`` for a number; for arrays the count of bad entries and the
    first one with its index, ``..., got 2 bad entries of 4; the first is x[1] = -2.0``.
    """
    names = ("x",) if isinstance(op, Unary) else op.names
    culprit = 0 if isinstance(op, Unary) else op.culprit
    head = f"{op.name}: needs {op.domain}" if isinstance(op, Unary) else f"{op.name} ({op.symbol}): needs {op.domain}"
    bad = np.broadcast_to(bad, np.broadcast_shapes(*(np.shape(v) for v in operands)))
    if bad.ndim == 0:
        got = ", ".join(f"{name} = {_number(v)!r}" for name, v in zip(names, operands, strict=True))
        return ValueError(f"{head}, got {got}")
    index = tuple(int(k) for k in np.argwhere(bad)[0])
    at = [_number(np.broadcast_to(v, bad.shape)[index]) for v in operands]
    where = ", ".join(map(str, index))
    count = int(np.count_nonzero(bad))
    first = f"{names[culprit]}[{where}] = {at[culprit]!r}"
    others = [f"{name} = {v!r}" for k, (name, v) in enumerate(zip(names, at, strict=True)) if k != culprit]
    entries = "entry" if count == 1 else "entries"
    return ValueError(f"{head}, got {count} bad {entries} of {bad.size}; the first is {first}"
                      + (f" ({', '.join(others)})" if others else ""))


def _number(v: Any) -> float:
    return float(v)
