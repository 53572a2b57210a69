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
    keep: Callable[[Any, Any], Any] | None = None  # piecewise rules: (a, b) -> True where the branch is on


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


class Call(NamedTuple):
    """A :class:`Linear` entry with its parameters, as a node stores it; ``symbol`` is what drawings show."""

    entry: Linear
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
    keep=lambda a, n: n != 0,
)

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
BROADCAST_TO = Linear("broadcast_to", lambda shape, x: np.broadcast_to(x, shape),
                      lambda xp, shape, g, i, xs: unbroadcast(xp, g, xs[0].shape))
# where(keep, y, 0) with a constant mask: linear in y. The select of the piecewise rules, as a node
# when gradients are themselves graphs (create_graph), so that second derivatives are masked too.
MASK = Linear("mask", lambda keep, y: np.where(keep, y, 0.0),
              lambda xp, keep, g, i, xs: unbroadcast(xp, xp.apply(MASK, keep, g), xs[0].shape))


# --- the whole table --------------------------------------------------------------------------
UNARY: dict[str, Unary] = {
    op.name: op for op in (NEG, EXP, LOG, TANH, SIGMOID, RELU, SIN, COS, SQRT, ABS, SOFTPLUS, LOG1P, EXPM1, LOG2,
                           LOG10, TAN, SINH, COSH, ARCSIN, ARCCOS, ARCTAN, ARCSINH, ARCCOSH, ARCTANH)
}
BINARY: dict[str, Binary] = {op.name: op for op in (ADD, SUB, MUL, DIV, POW, POW_CONST)}
LINEAR: dict[str, Linear] = {
    op.name: op for op in (EINSUM, RESHAPE, INDEX, SCATTER, STACK, CONCATENATE, BROADCAST_TO, MASK)
}
TABLE: dict[str, Unary | Binary | Linear] = {**UNARY, **BINARY, **LINEAR}


def add_unary_methods(cls: type, apply: Callable[[Any, Unary], Any]) -> None:
    """Give ``cls`` a method per unary entry it does not define by hand: ``x.log1p()`` is ``apply(x, LOG1P)``.

    So an entry added to :data:`UNARY` is a method of ``Value``, ``Tensor`` and ``Dual`` at once.
    """
    for op in UNARY.values():
        if not hasattr(cls, op.name):
            setattr(cls, op.name, _method(op, apply))


def _method(op: Unary, apply: Callable[[Any, Unary], Any]) -> Callable[[Any], Any]:
    def method(self: Any) -> Any:
        return apply(self, op)

    method.__name__ = op.name
    method.__doc__ = f"``{op.name}``, elementwise: the derivative table's entry (``autograd_core.engine.ops``)."
    return method


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
def chain(xp: Any, op: Unary | Binary, g: Any, local: Any, operands: tuple[Any, ...]) -> Any:
    """One term of the chain rule, ``g · local``, with the off branch of a piecewise rule exactly 0.

    ``operands`` are numbers or arrays (the node's data), which decide the branch; ``g`` and ``local``
    may be graph nodes (``xp`` is then ``GRAPH``).
    """
    product = g * local
    if op.keep is None:
        return product
    return xp.select(op.keep(*operands), product)


def chain_forward(xp: Any, op: Unary | Binary, t: Any, local: Any, operands: tuple[Any, ...]) -> Any:
    """``local · t`` for forward mode: :func:`chain`, and a tangent entry of exactly 0 contributes 0.

    An input that does not move does not move the output, also where ``local`` is infinite; with the
    piecewise select this gives ``sqrt(relu(x))`` the derivative 0 at x < 0, as reverse mode does.
    """
    if isinstance(t, float | int):
        return 0.0 if t == 0 else chain(xp, op, t, local, operands)
    product = chain(xp, op, t, local, operands)
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
