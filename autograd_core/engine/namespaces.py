"""The namespaces the derivative table is evaluated in: floats, arrays and graph nodes.

A rule of :mod:`autograd_core.engine.ops` is written once as a function of a namespace ``xp``
(``xp.exp``, ``xp.step``, ``xp.apply`` ...). Which namespace it receives decides what the rule
computes:

* :data:`SCALAR` -- Python floats, for the ``Value`` engine;
* :data:`ARRAY` -- float64 numpy arrays, elementwise, for the ``Tensor`` engine;
* :data:`GRAPH` -- graph nodes (``Value`` or ``Tensor``), so that a derivative is itself a graph
  and can be differentiated again (``create_graph=True``, Hessians);
* dual numbers (:mod:`autograd_core.beyond.forward`) pick one of the three for their primals.

All three give the same numbers entry by entry, NaN, ±inf and the one-sided choices at kinks
included, so the engines cannot disagree about a derivative.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from .ops import MASK


# --- numpy's floating-point warnings off ---------------------------------------------------------
class quiet:
    """``with quiet():`` is ``with np.errstate(all="ignore"):``, at half the cost.

    An overflow to ``inf`` or a ``NaN`` that propagates is a defined answer here, not a reason for a
    ``RuntimeWarning``, so every Tensor operation runs with numpy's warnings off -- and at the teaching
    sizes ``np.errstate`` (about 1 µs: it rebuilds its settings on every entry) was a tenth of a training
    step. Since numpy 2 the settings are one context variable; this sets it to settings made once. On a
    numpy without that variable it falls back to ``np.errstate`` itself.
    """

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = quiet_on()

    def __exit__(self, *exc: object) -> None:
        quiet_off(self._token)


def _errstate_on() -> Any:
    """The fallback of :func:`quiet_on` (a numpy without the context variable): ``np.errstate`` itself."""
    state = np.errstate(all="ignore")
    state.__enter__()
    return state


def _errstate_off(state: Any) -> None:
    state.__exit__(None, None, None)


# quiet_on() -> token and quiet_off(token): quiet()'s entry and exit without the ``with``, for a try/finally.
# The operations every network step makes most (nodes.unary, nodes.apply2, nodes.contracted) use them: they
# are the context variable's own set and reset (C calls), a third of quiet()'s cost.
quiet_on: Callable[[], Any]
quiet_off: Callable[[Any], None]
try:  # numpy >= 2: errstate sets this context variable (thread- and asyncio-safe, as errstate is)
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj

    quiet_on, quiet_off = partial(_extobj_contextvar.set, _make_extobj(all="ignore")), _extobj_contextvar.reset
except (ImportError, AttributeError, TypeError):  # pragma: no cover - older numpy
    quiet_on, quiet_off = _errstate_on, _errstate_off


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
        return x if x > 0 or x != x else 0.0  # NaN stays NaN

    @staticmethod
    def select(keep: bool, y: float) -> float:
        """``y`` where the branch is on, exactly 0 where it is off (even when ``y`` is inf or NaN)."""
        return y if keep else 0.0

    @staticmethod
    def step(x: float) -> float:
        """d relu/dx: 1 for x > 0, else 0 (the one-sided choice relu'(0) = 0)."""
        return 1.0 if x > 0 else 0.0

    @staticmethod
    def sign(x: float) -> float:
        """d|x|/dx: ±1, and 0 at x = 0 (the choice abs'(0) = 0)."""
        return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)

    @staticmethod
    def signum(x: float) -> float:
        """numpy's sign: ±1, 0 at 0, and NaN stays NaN."""
        return x if x != x else _Scalar.sign(x)

    @staticmethod
    def floor(x: float) -> float:
        return float(math.floor(x)) if math.isfinite(x) else x

    @staticmethod
    def ceil(x: float) -> float:
        return float(math.ceil(x)) if math.isfinite(x) else x

    @staticmethod
    def rint(x: float) -> float:
        """The nearest integer, halves to even (numpy's rint, Python's round)."""
        return float(round(x)) if math.isfinite(x) else x

    @staticmethod
    def maximum(a: float, b: float) -> float:
        """The larger; NaN if either is NaN, as numpy's maximum."""
        return a if a >= b or a != a else b

    @staticmethod
    def minimum(a: float, b: float) -> float:
        """The smaller; NaN if either is NaN, as numpy's minimum."""
        return a if a <= b or a != a else b

    @staticmethod
    def share(a: float, b: float) -> float:
        """``a``'s share of ``max(a, b)``'s gradient: 1 where a > b, 1/2 at a tie, else 0."""
        return 1.0 if a > b else (0.5 if a == b else 0.0)




SCALAR = _Scalar()


# --- the array namespace (the Tensor engine) ------------------------------------------------
class _Array:
    """The same rules evaluated elementwise on float64 numpy arrays: the ``Tensor`` engine.

    Each function agrees with :data:`SCALAR` entry by entry (NaN and the one-sided choices
    included), so a ``Tensor`` and the scalar ``Value`` graph of the same expression give the
    same numbers. Overflow gives ``inf`` as in IEEE arithmetic; the engine silences numpy's
    ``RuntimeWarning`` where such a result is the defined answer.
    """

    records = False  # rules compute numbers here, not graph nodes

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
        """max(x, 0); NaN stays NaN (``np.maximum`` propagates it), as SCALAR.relu does."""
        return np.maximum(x, 0.0)

    @staticmethod
    def select(keep: Any, y: Any) -> Any:
        """``y`` where the branch is on, exactly 0 where it is off (even when ``y`` is inf or NaN)."""
        return np.where(keep, y, 0.0)

    @staticmethod
    def step(x: Any) -> Any:
        """d relu/dx: 1.0 where x > 0, else 0.0 (relu'(0) = 0)."""
        return (x > 0).astype(np.float64)

    @staticmethod
    def sign(x: Any) -> Any:
        """d|x|/dx: ±1.0, and 0.0 at 0 (abs'(0) = 0) and at NaN, as SCALAR.sign."""
        return (x > 0).astype(np.float64) - (x < 0)

    signum = staticmethod(np.sign)
    floor = staticmethod(np.floor)
    ceil = staticmethod(np.ceil)
    rint = staticmethod(np.rint)
    maximum = staticmethod(np.maximum)
    minimum = staticmethod(np.minimum)

    @staticmethod
    def share(a: Any, b: Any) -> Any:
        """``a``'s share of ``max(a, b)``'s gradient: 1.0 where a > b, 0.5 at a tie, else 0.0."""
        return (a > b) + 0.5 * (a == b)

    @staticmethod
    def apply(entry: Any, params: Any, *operands: Any) -> Any:
        """A structural entry of the table (contraction, reshape, index ...) on arrays: its forward."""
        return entry.forward(params, *operands)




ARRAY = _Array()


# --- the graph-node namespace (gradients of gradients) --------------------------------------
class _Graph:
    """The same rules evaluated on graph nodes (``Value`` or ``Tensor``) instead of numbers.

    With ``create_graph=True`` the engines evaluate each local derivative through this
    namespace, so ``1 - out * out`` for tanh becomes new nodes of the graph and the gradient
    can itself be differentiated. ``step`` and ``sign`` are piecewise constant: their own
    derivative is zero, so they return plain numbers (or arrays), not nodes.
    """

    records = True  # rules build graph nodes here: a whole-array rule must use entries, not numpy

    # A rule may meet a plain number among nodes (the constant base of 2.0 ** z): numbers are
    # evaluated by the number namespaces, nodes by their own methods.
    exp = staticmethod(lambda x: _on(x, "exp"))
    log = staticmethod(lambda x: _on(x, "log"))
    tanh = staticmethod(lambda x: _on(x, "tanh"))
    sigmoid = staticmethod(lambda x: _on(x, "sigmoid"))
    softplus = staticmethod(lambda x: _on(x, "softplus"))
    relu = staticmethod(lambda x: _on(x, "relu"))
    sin = staticmethod(lambda x: _on(x, "sin"))
    cos = staticmethod(lambda x: _on(x, "cos"))
    sqrt = staticmethod(lambda x: _on(x, "sqrt"))
    abs = staticmethod(lambda x: _on(x, "abs"))

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

    @staticmethod
    def share(a: Any, b: Any) -> Any:
        """Piecewise constant, so a number (or array), not a node: read from the operands' data."""
        a, b = _data(a), _data(b)
        return _numbers(a if isinstance(a, np.ndarray) else b).share(a, b)

    @staticmethod
    def select(keep: Any, y: Any) -> Any:
        """The select of a piecewise rule on a graph node: a constant 0 where the branch is off.

        A scalar node (``Value``) gets ``y`` or the number 0 (no node: the off branch is constant); an
        array node gets the table's ``mask`` entry, linear in ``y``, so derivatives of ``y`` are masked too.
        """
        if np.all(keep):
            return y
        if not hasattr(y, "_apply") or isinstance(_data(y), float):  # a scalar node: the off branch is the number 0
            return 0.0
        return _Graph.apply(MASK, np.asarray(keep), y)

    @staticmethod
    def apply(entry: Any, params: Any, *operands: Any) -> Any:
        """A structural entry of the table on graph nodes: the node class records it as a new node.

        The engine does not know the node classes above it; a class that can hold structural
        operations (``Tensor``) offers ``_apply(entry, params, operands)``.
        """
        node = next(o for o in operands if hasattr(o, "_apply"))
        return node._apply(entry, params, operands)


def _on(x: Any, name: str) -> Any:
    """``x.name()`` for a graph node; the number namespace's function for a plain number or array."""
    if isinstance(x, float | int | np.ndarray | np.floating):
        return getattr(_numbers(float(x) if isinstance(x, int | np.floating) else x), name)(x)
    return getattr(x, name)()


def _data(x: Any) -> Any:
    """The number or array a graph node holds; a plain number or array as it is."""
    return x if isinstance(x, float | int | np.ndarray) else x.data


def _numbers(data: Any) -> Any:
    """The namespace for a node's data: SCALAR for a float, ARRAY for an array."""
    return SCALAR if isinstance(data, float) else ARRAY




GRAPH = _Graph()


# The other functions of ``math`` (log1p, expm1, cosh, erf ...), so that a new table entry can use
# them with no code here: on floats math's, with numpy's IEEE answers for its errors; on arrays the
# numpy ufunc of the same name; on graph nodes the node's method of that name. Set once here, not
# looked up through ``__getattr__``, which would slow every attribute access of the hot path.
def _ieee(function: Any) -> Any:
    def on_float(*x: float) -> float:
        try:
            return function(*x)
        except OverflowError:
            return math.inf
        except ValueError:
            return math.nan

    return on_float


# numpy's names for math's inverse functions: a table entry is named as numpy names it (np.arcsin).
_NUMPY_NAMES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "asinh": "arcsinh", "acosh": "arccosh",
                "atanh": "arctanh", "atan2": "arctan2"}

for _math_name in dir(math):
    if _math_name.startswith("_") or not callable(getattr(math, _math_name)):
        continue
    for _name in {_math_name, _NUMPY_NAMES.get(_math_name, _math_name)}:
        if hasattr(_Scalar, _name):
            continue
        _ufunc = getattr(np, _name, None)
        setattr(_Scalar, _name, staticmethod(_ieee(getattr(math, _math_name))))
        if isinstance(_ufunc, np.ufunc):
            setattr(_Array, _name, staticmethod(_ufunc))
        setattr(_Graph, _name, staticmethod(lambda x, _n=_name: _on(x, _n)))
