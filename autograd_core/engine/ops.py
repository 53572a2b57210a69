"""The derivative table: every primitive's forward value and local derivative(s), side by side.

This is the only place a derivative rule is written. Each rule is a small function of a
*namespace* ``xp`` (which supplies ``exp``, ``log``, ``cos`` ...) and the operands, so the same
line serves every engine:

* ``SCALAR`` (below) evaluates it on Python floats -- the :class:`~autograd_core.Value` engine;
* ``numpy`` evaluates it on arrays -- the :class:`~autograd_core.Tensor` engine;
* a namespace of differentiable operations evaluates it on graph nodes, so the derivative is
  itself a graph and gradients of gradients come for free (``create_graph=True``);
* dual numbers evaluate it for forward mode.

A local derivative is ``∂out/∂operand``: the factor that the chain rule of Eq. 4,
``∂L/∂x_k = Σ_i ∂L/∂y_i · ∂y_i/∂x_k``, multiplies the upstream gradient by.
Rules receive the operation's output ``out`` too, because several derivatives are cheapest
in terms of it (``exp' = exp``, ``tanh' = 1 - tanh²``, ``σ' = σ(1 - σ)``).

Non-differentiable points take one-sided choices, as PyTorch does: ``relu'(0) = 0`` and
``abs'(0) = 0``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np


class Unary(NamedTuple):
    """A one-operand primitive ``out = f(x)``."""

    name: str
    forward: Callable[[Any, Any], Any]  # (xp, x) -> out
    derivative: Callable[[Any, Any, Any], Any]  # (xp, x, out) -> ∂out/∂x
    invalid: Callable[[Any], Any] | None = None  # x -> True where x is outside the domain
    domain: str = ""  # how the error message states the domain

    @property
    def symbol(self) -> str:
        return self.name


class Binary(NamedTuple):
    """A two-operand primitive ``out = f(a, b)``."""

    name: str
    symbol: str
    forward: Callable[[Any, Any, Any], Any]  # (xp, a, b) -> out
    d_a: Callable[[Any, Any, Any, Any], Any]  # (xp, a, b, out) -> ∂out/∂a
    d_b: Callable[[Any, Any, Any, Any], Any]  # (xp, a, b, out) -> ∂out/∂b


# --- binary operations ----------------------------------------------------------------------
#            name    symbol forward                      ∂out/∂a                      ∂out/∂b
ADD = Binary("add", "+", lambda xp, a, b: a + b, lambda xp, a, b, out: 1.0, lambda xp, a, b, out: 1.0)
SUB = Binary("sub", "-", lambda xp, a, b: a - b, lambda xp, a, b, out: 1.0, lambda xp, a, b, out: -1.0)
MUL = Binary("mul", "*", lambda xp, a, b: a * b, lambda xp, a, b, out: b, lambda xp, a, b, out: a)
DIV = Binary("div", "/", lambda xp, a, b: a / b, lambda xp, a, b, out: 1.0 / b, lambda xp, a, b, out: -out / b)
# x ** y with a graph-node exponent: ∂/∂y = x**y · ln x, defined for x > 0 only.
POW = Binary(
    "pow", "**",
    lambda xp, a, b: xp.power(a, b),
    lambda xp, a, b, out: b * xp.power(a, b - 1.0),
    lambda xp, a, b, out: out * xp.log(a),
)
# x ** n with a constant exponent n: the power rule; the exponent gets no gradient. For n = 0 the
# exponent n - 1 is replaced by 0 (times the mask n != 0): x**0 is constant, so its derivative is 0
# everywhere, also at x = 0, where n·x**(n-1) would be 0·inf = NaN (and x**1's second derivative too).
POW_CONST = Binary(
    "pow_const", "**",
    lambda xp, a, n: xp.power(a, n),
    lambda xp, a, n, out: n * xp.power(a, (n - 1.0) * (n != 0)),
    lambda xp, a, n, out: 0.0,
)

# --- unary operations -----------------------------------------------------------------------
#             name        forward                        ∂out/∂x
NEG = Unary("neg", lambda xp, x: -x, lambda xp, x, out: -1.0)
EXP = Unary("exp", lambda xp, x: xp.exp(x), lambda xp, x, out: out)
LOG = Unary("log", lambda xp, x: xp.log(x), lambda xp, x, out: 1.0 / x,
            invalid=lambda x: x <= 0, domain="x > 0")
TANH = Unary("tanh", lambda xp, x: xp.tanh(x), lambda xp, x, out: 1.0 - out * out)
SIGMOID = Unary("sigmoid", lambda xp, x: xp.sigmoid(x), lambda xp, x, out: out * (1.0 - out))
RELU = Unary("relu", lambda xp, x: xp.relu(x), lambda xp, x, out: xp.step(x))
SIN = Unary("sin", lambda xp, x: xp.sin(x), lambda xp, x, out: xp.cos(x))
COS = Unary("cos", lambda xp, x: xp.cos(x), lambda xp, x, out: -xp.sin(x))
SQRT = Unary("sqrt", lambda xp, x: xp.sqrt(x), lambda xp, x, out: 0.5 * xp.power(out, -1.0),
             invalid=lambda x: x < 0, domain="x >= 0")
ABS = Unary("abs", lambda xp, x: xp.abs(x), lambda xp, x, out: xp.sign(x))
SOFTPLUS = Unary("softplus", lambda xp, x: xp.softplus(x), lambda xp, x, out: xp.sigmoid(x))

UNARY: dict[str, Unary] = {op.name: op for op in (NEG, EXP, LOG, TANH, SIGMOID, RELU, SIN, COS, SQRT, ABS, SOFTPLUS)}
BINARY: dict[str, Binary] = {op.name: op for op in (ADD, SUB, MUL, DIV, POW, POW_CONST)}


# --- the float namespace --------------------------------------------------------------------
class _Scalar:
    """Math on Python floats with numpy's IEEE semantics: overflow gives inf, NaN propagates.

    ``math.exp(1000)`` raises ``OverflowError`` and ``math.sin(inf)`` raises ``ValueError``;
    numpy returns ``inf`` and ``nan``. The engines promise the latter, so wrap the former.
    """

    @staticmethod
    def exp(x: float) -> float:
        try:
            return math.exp(x)
        except OverflowError:
            return math.inf

    @staticmethod
    def log(x: float) -> float:
        return math.log(x) if x > 0 else (math.nan if x != x else -math.inf)

    @staticmethod
    def power(a: float, b: float) -> float:
        try:
            return a**b
        except (OverflowError, ZeroDivisionError):
            # Overflow, or 0 ** negative (reached only from a derivative rule): IEEE's signed inf,
            # e.g. (-1e308) ** 3 = -inf and (-0.0) ** -1 = -inf, exactly as the array engine gives.
            with np.errstate(all="ignore"):
                return float(np.power(a, b))

    @staticmethod
    def sin(x: float) -> float:
        return math.sin(x) if math.isfinite(x) else math.nan

    @staticmethod
    def cos(x: float) -> float:
        return math.cos(x) if math.isfinite(x) else math.nan

    @staticmethod
    def sqrt(x: float) -> float:
        return math.sqrt(x) if x >= 0 else math.nan

    tanh = staticmethod(math.tanh)
    abs = staticmethod(abs)

    @staticmethod
    def sigmoid(x: float) -> float:
        # Two branches so that exp never overflows: σ(x) = 1/(1+e^-x) = e^x/(1+e^x).
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = _Scalar.exp(x)
        return e / (1.0 + e)

    @staticmethod
    def softplus(x: float) -> float:
        # log(1 + e^x) = max(x, 0) + log1p(e^-|x|), which never overflows.
        if x != x:
            return x
        return max(x, 0.0) + math.log1p(_Scalar.exp(-abs(x)))

    @staticmethod
    def relu(x: float) -> float:
        return x if x > 0 else 0.0

    @staticmethod
    def step(x: float) -> float:
        """d relu/dx: 1 for x > 0, else 0 (the one-sided choice relu'(0) = 0)."""
        return 1.0 if x > 0 else 0.0

    @staticmethod
    def sign(x: float) -> float:
        """d|x|/dx: ±1, and 0 at x = 0 (the choice abs'(0) = 0)."""
        return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


SCALAR = _Scalar()


# --- the array namespace (the Tensor engine) ------------------------------------------------
# Appended after the scalar and graph namespaces so that the rules above read first; numpy is a
# hard dependency of the package, imported here because only this namespace needs it.
class _Array:
    """The same rules evaluated elementwise on float64 numpy arrays: the ``Tensor`` engine.

    Each function agrees with :data:`SCALAR` entry by entry (NaN and the one-sided choices
    included), so a ``Tensor`` and the scalar ``Value`` graph of the same expression give the
    same numbers. Overflow gives ``inf`` as in IEEE arithmetic; the engine silences numpy's
    ``RuntimeWarning`` where such a result is the defined answer.
    """

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    tanh = staticmethod(np.tanh)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    sqrt = staticmethod(np.sqrt)
    abs = staticmethod(np.abs)
    power = staticmethod(np.power)

    @staticmethod
    def sigmoid(x: Any) -> Any:
        # σ(x) = 1/(1+e^-x) for x >= 0 and e^x/(1+e^x) otherwise: e^-|x| never overflows.
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    @staticmethod
    def softplus(x: Any) -> Any:
        """log(1 + e^x) = logaddexp(0, x), which never overflows."""
        return np.logaddexp(0.0, x)

    @staticmethod
    def relu(x: Any) -> Any:
        # where(x > 0, x, 0) rather than maximum(x, 0): NaN maps to 0, as SCALAR.relu does.
        return np.where(x > 0, x, 0.0)

    @staticmethod
    def step(x: Any) -> Any:
        """d relu/dx: 1.0 where x > 0, else 0.0 (relu'(0) = 0)."""
        return (x > 0).astype(np.float64)

    @staticmethod
    def sign(x: Any) -> Any:
        """d|x|/dx: ±1.0, and 0.0 at 0 (abs'(0) = 0) and at NaN, as SCALAR.sign."""
        return (x > 0).astype(np.float64) - (x < 0)


ARRAY = _Array()


# --- the graph-node namespace (gradients of gradients) --------------------------------------
class _Graph:
    """The same rules evaluated on graph nodes (``Value`` or ``Tensor``) instead of numbers.

    With ``create_graph=True`` the engines evaluate each local derivative through this
    namespace, so ``1 - out * out`` for tanh becomes new nodes of the graph and the gradient
    can itself be differentiated. ``step`` and ``sign`` are piecewise constant: their own
    derivative is zero, so they return plain numbers (or arrays), not nodes.
    """

    exp = staticmethod(lambda x: x.exp())
    log = staticmethod(lambda x: x.log())
    tanh = staticmethod(lambda x: x.tanh())
    sigmoid = staticmethod(lambda x: x.sigmoid())
    softplus = staticmethod(lambda x: x.softplus())
    relu = staticmethod(lambda x: x.relu())
    sin = staticmethod(lambda x: x.sin())
    cos = staticmethod(lambda x: x.cos())
    sqrt = staticmethod(lambda x: x.sqrt())
    abs = staticmethod(lambda x: x.abs())

    @staticmethod
    def power(a: Any, b: Any) -> Any:
        # Engines give their nodes an unchecked power: inside a derivative rule 0 ** -1 is the
        # honest inf of sqrt'(0), as SCALAR.power and ARRAY.power say, not a user's mistake to refuse.
        unchecked = getattr(a, "_power_unchecked", None)
        return a**b if unchecked is None else unchecked(b)

    @staticmethod
    def step(x: Any) -> Any:
        return _numbers(x.data).step(x.data)

    @staticmethod
    def sign(x: Any) -> Any:
        return _numbers(x.data).sign(x.data)


def _numbers(data: Any) -> Any:
    """The namespace for a node's data: SCALAR for a float, ARRAY for an array."""
    return SCALAR if isinstance(data, float) else ARRAY


GRAPH = _Graph()
