"""Forward mode: dual numbers ``(primal, tangent)`` driven by the same derivative table as reverse mode.

A :class:`Dual` carries a value and its directional derivative. Every operation computes its
output with the table's ``forward`` rule and its tangent as

    ``tangent_out = Σ_i local_i · tangent_i``,   ``local_i = ∂out/∂operand_i``,

with ``local_i`` from the *same* entry of :mod:`autograd_core.engine.ops` that ``backward()`` uses
(``op.derivative`` / ``op.d_a`` / ``op.d_b``). This is the chain rule of Eq. 4 read the other way
round: reverse mode pushes ``∂L/∂y`` from the output to the inputs (a row of Eq. 2's Jacobian per
sweep), forward mode pushes ``∂y/∂x_k`` from the inputs to the outputs (a *column* per pass).
No rule is written here.

The namespace the rules are evaluated in follows the primal:

* a Python float → :data:`ops.SCALAR` (the ``Value`` engine's numbers);
* a float ``numpy`` array → :data:`ops.ARRAY` (elementwise, as the ``Tensor`` engine);
* a graph node (a ``Value``, or another ``Dual``) → :data:`ops.GRAPH`, so a dual whose primal is
  a ``Value`` can itself be differentiated in reverse mode, and duals of duals give higher
  forward derivatives.

A tangent may also be a vector of ``k`` directions for a scalar primal (shape ``(k,)``): one
forward pass then yields ``k`` Jacobian columns at once -- what :func:`jacobian_columns` does.

``Dual`` supports the operators and methods of :class:`~autograd_core.Value`, so a function
written as ``(w * x + b).tanh()`` runs on duals unchanged, and numpy object arrays of duals
work as object arrays of ``Value`` s do. A dual with an array primal also follows the linear
array operations (``@``, ``sum``, ``mean``, ``reshape``, ``T``/``transpose``, indexing) through the
table's linear entries, enough for many ``Tensor``-style functions; ``einsum``, ``stack`` and
``concatenate`` are not provided.

**Nesting.** Each ``jvp`` gives its duals a fresh ``tag``. An operation on duals of different tags
works at the newest tag and treats the older dual as a constant there (its own arithmetic then runs
at its tag), so an inner ``jvp`` that closes over an outer dual never mixes the two tangents
("perturbation confusion", Siskind & Pearlmutter): ``d/dx [x · d/dy (x + y)] = 1``, not 2.
Tangents may themselves be duals or graph nodes (``grad`` of a ``jvp`` with respect to the tangent).

**Zero tangents.** A tangent entry that is exactly 0 contributes exactly 0, also where the local
derivative is infinite: an input that does not move does not move the output. With the select of
the piecewise rules (relu's off branch passes exactly 0) this makes ``sqrt(relu(x))`` have
derivative 0 at x < 0 in forward mode, as in reverse mode.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine import graph, ops
from ..engine.contraction import matmul_subscripts, normalize_axes, parse, sum_subscripts, transpose_subscripts
from ..engine.namespaces import ARRAY, GRAPH, SCALAR
from ..engine.ops import Binary, Function, Linear, Unary, check_domain
from ..tensor.dispatch import node_function

__all__ = ["Dual", "jacobian_columns", "primal_of", "tangent_of"]


def _is_number(x: Any) -> bool:
    return type(x) is float or type(x) is int or (isinstance(x, numbers.Real) and not isinstance(x, bool))


def _namespace(*primals: Any) -> Any:
    """SCALAR for numbers, ARRAY for numeric arrays, GRAPH as soon as a graph node is involved."""
    space = SCALAR
    for p in primals:
        if _is_number(p):
            continue
        if isinstance(p, np.ndarray) and p.dtype != object:
            space = ARRAY
            continue
        return GRAPH
    return space


def _innermost(x: Any) -> Any:
    """The plain number (or array) a possibly nested dual / node stands for."""
    while isinstance(x, Dual):
        x = x.primal
    if isinstance(x, np.ndarray):  # its .data is a memoryview, not the number
        return x
    return getattr(x, "data", x)  # a Value (or Tensor) primal holds it in .data


def _check(op: Unary | Binary, *operands: Any) -> None:
    """The table's domain check on number and array primals; graph-node primals check themselves."""
    values = [_innermost(x) for x in operands]
    if all(_is_number(v) or (isinstance(v, np.ndarray) and v.dtype != object) for v in values):
        check_domain(op, *values)


class Dual:
    """A dual number ``primal + tangent·ε`` (ε² = 0): a value and its derivative along one direction.

    Attributes:
        primal: the value -- a float, a float numpy array, or a graph node (``Value``, ``Dual``).
        tangent: its derivative along the chosen direction; same shape as ``primal``, or for a
            scalar primal a vector of ``k`` directions (shape ``(k,)``).
    """

    __slots__ = ("primal", "tangent", "tag")

    def __init__(self, primal: Any, tangent: Any = 0.0, tag: int = 0) -> None:
        if _is_number(primal):
            primal = float(primal)
        elif isinstance(primal, np.ndarray) and primal.dtype != object:
            primal = np.asarray(primal, dtype=float)
        elif not (hasattr(primal, "exp") and hasattr(primal, "tanh")):
            raise TypeError(f"Dual needs a real number, a float array or a graph node as primal, "
                            f"got {type(primal).__name__} {primal!r}")
        self.primal = primal
        self.tangent = tangent
        self.tag = tag

    # --- what the dual stands for -----------------------------------------------------------
    @property
    def data(self) -> Any:
        """The plain number (or array) this dual stands for, like ``Value.data``."""
        return _innermost(self)

    @property
    def shape(self) -> tuple[int, ...]:
        """The primal's shape: ``()`` for a scalar."""
        return np.shape(self.data)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @staticmethod
    def _apply(entry: Linear | Function, params: Any, operands: Any, symbol: str = "") -> Dual:
        """A linear or whole-array entry on duals (what the array functions call, as on ``Tensor``)."""
        return _linear(entry, params, *operands)

    # --- applying the table -------------------------------------------------------------------
    def _unary(self, op: Unary) -> Dual:
        x = self.primal
        _check(op, x)
        xp = _namespace(x)
        out = op.forward(xp, x)
        local = op.derivative(xp, x, out)
        return Dual(out, ops.chain_forward(xp, op, self.tangent, local, (_innermost(x),)), self.tag)

    # --- binary arithmetic (a Dual and a constant, or two Duals) ------------------------------
    def __add__(self, other: Any) -> Any:
        return _binary(ops.ADD, self, other)

    def __radd__(self, other: Any) -> Any:
        return _binary(ops.ADD, other, self)

    def __sub__(self, other: Any) -> Any:
        return _binary(ops.SUB, self, other)

    def __rsub__(self, other: Any) -> Any:
        return _binary(ops.SUB, other, self)

    def __mul__(self, other: Any) -> Any:
        return _binary(ops.MUL, self, other)

    def __rmul__(self, other: Any) -> Any:
        return _binary(ops.MUL, other, self)

    def __truediv__(self, other: Any) -> Any:
        return _binary(ops.DIV, self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return _binary(ops.DIV, other, self)

    def __pow__(self, other: Any) -> Any:
        return _binary(ops.POW, self, other)

    def __rpow__(self, other: Any) -> Any:
        return _binary(ops.POW, other, self)

    # --- unary operations (the same names as Value) -------------------------------------------
    def __neg__(self) -> Dual:
        return self._unary(ops.NEG)

    def exp(self) -> Dual:
        """e**x."""
        return self._unary(ops.EXP)

    def log(self) -> Dual:
        """Natural logarithm; raises ``ValueError`` for x <= 0."""
        return self._unary(ops.LOG)

    def tanh(self) -> Dual:
        """Hyperbolic tangent."""
        return self._unary(ops.TANH)

    def sigmoid(self) -> Dual:
        """Logistic function."""
        return self._unary(ops.SIGMOID)

    def relu(self) -> Dual:
        """max(x, 0), with relu'(0) = 0."""
        return self._unary(ops.RELU)

    def sin(self) -> Dual:
        """Sine."""
        return self._unary(ops.SIN)

    def cos(self) -> Dual:
        """Cosine."""
        return self._unary(ops.COS)

    def sqrt(self) -> Dual:
        """Square root; raises ``ValueError`` for x < 0."""
        return self._unary(ops.SQRT)

    def abs(self) -> Dual:
        """|x|, with abs'(0) = 0."""
        return self._unary(ops.ABS)

    def __abs__(self) -> Dual:
        return self._unary(ops.ABS)

    def softplus(self) -> Dual:
        """log(1 + e**x)."""
        return self._unary(ops.SOFTPLUS)

    # --- linear array operations (for array primals): the table's linear entries -------------
    def __matmul__(self, other: Any) -> Any:
        return _matmul(self, other)

    def __rmatmul__(self, other: Any) -> Any:
        return _matmul(other, self)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Dual:
        """Sum of the entries (over ``axis``): the contraction that sums those axes away."""
        self._need_array("sum")
        axes = normalize_axes(axis, self.primal.ndim, "sum")
        out = _linear(ops.EINSUM, parse(sum_subscripts(self.primal.ndim, axes), (self.primal.ndim,)), self)
        if keepdims:
            out = out.reshape(tuple(1 if k in axes else n for k, n in enumerate(self.primal.shape)))
        return out

    def mean(self, axis: Any = None, keepdims: bool = False) -> Dual:
        """Mean of the entries (over ``axis``): ``sum / count``."""
        self._need_array("mean")
        axes = normalize_axes(axis, self.primal.ndim, "mean")
        count = math.prod(self.primal.shape[k] for k in axes)
        return self.sum(axes, keepdims) * (1.0 / count if count else math.nan)

    def reshape(self, *shape: Any) -> Dual:
        """The same entries in another shape."""
        self._need_array("reshape")
        target = tuple(shape[0]) if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return _linear(ops.RESHAPE, target, self)

    @property
    def T(self) -> Dual:
        """Transpose (all axes reversed, as numpy's ``.T``)."""
        return self.transpose()

    def transpose(self, *axes: Any) -> Dual:
        """Permute the axes (reverse them when none are given), as numpy's ``transpose``."""
        self._need_array("transpose")
        ndim = self.primal.ndim
        order = axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else axes
        perm = tuple(order) if order else tuple(range(ndim))[::-1]
        return _linear(ops.EINSUM, parse(transpose_subscripts(perm), (ndim,)), self)

    def __getitem__(self, index: Any) -> Dual:
        self._need_array("indexing")
        return _linear(ops.INDEX, index, self)

    def __len__(self) -> int:
        self._need_array("len()")
        return len(self.primal)

    def _need_array(self, what: str) -> None:
        if not (isinstance(self.primal, np.ndarray) and self.primal.dtype != object):
            raise TypeError(f"{what} needs a Dual with an array primal, got primal {self.primal!r}")

    def _full_tangent(self) -> Any:
        """The tangent with the primal's shape (a scalar tangent broadcast); nodes and duals as they are."""
        t = self.tangent
        if _is_number(t) or (isinstance(t, np.ndarray) and t.dtype != object):
            return np.broadcast_to(np.asarray(t, dtype=float), self.primal.shape)
        return t

    # --- numpy interplay ----------------------------------------------------------------------
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """``np.tanh(d)``, ``array * d`` ...: route numpy's ufuncs to the table.

        With a scalar primal (or an object array among the operands) the result is an object
        array computed entry by entry, exactly as numpy treats ``Value`` s; with an array primal
        the dual's own elementwise rules apply.
        """
        if method != "__call__" or kwargs:
            return NotImplemented
        if ufunc in _UNARY_UFUNCS and len(inputs) == 1:
            return getattr(inputs[0], _UNARY_UFUNCS[ufunc])()
        if ufunc not in _BINARY_UFUNCS or len(inputs) != 2:
            return NotImplemented
        name = _BINARY_UFUNCS[ufunc]
        if any(_needs_entrywise(x) for x in inputs):
            return np.frompyfunc(_BINARY_BY_NAME[name], 2, 1)(*[_boxed(x) for x in inputs])
        if name == "matmul":
            return _matmul(*inputs)
        return _binary(ops.BINARY[name], *inputs)  # not `a + b`: ndarray + Dual would come back here

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """``np.linalg.det(d)``, ``np.max(d, axis=0)`` ...: the library's array functions, as for ``Tensor``;
        any other numpy function as numpy evaluates it on objects."""
        handler = node_function(func)
        if handler is not None:
            return handler(*args, **kwargs)
        return func._implementation(*args, **kwargs)

    # --- comparisons and conversions (on the value, as Value does) ----------------------------
    def __lt__(self, other: Any) -> Any:
        return self.data < _innermost(other)

    def __le__(self, other: Any) -> Any:
        return self.data <= _innermost(other)

    def __gt__(self, other: Any) -> Any:
        return self.data > _innermost(other)

    def __ge__(self, other: Any) -> Any:
        return self.data >= _innermost(other)

    __eq__ = object.__eq__  # identity, as Value
    __hash__ = object.__hash__

    def __float__(self) -> float:
        """The number; inside a derivative transform this would drop the tangent, so it refuses."""
        graph.check_conversion(self, "float()")
        return float(self.data)

    def __repr__(self) -> str:
        tag = f", tag={self.tag}" if self.tag else ""
        return f"Dual(primal={self.primal!r}, tangent={self.tangent!r}{tag})"



ops.add_unary_methods(Dual, Dual._unary, lambda d, op, other: _binary(op, d, other))

_TAGS = itertools.count(1)


def new_tag() -> int:
    """A tag no dual has yet: one per forward-mode transform, so nested transforms stay apart."""
    return next(_TAGS)


def _level(*operands: Any) -> int:
    """The newest tag among the operands: the derivative this operation is computed for."""
    return max(x.tag for x in operands if isinstance(x, Dual))




def _operand(x: Any) -> Any:
    """A Dual, or a constant the table can take; None for what a Dual cannot combine with."""
    if isinstance(x, Dual):
        return x
    if _is_number(x):
        return float(x)
    if isinstance(x, np.ndarray) and x.dtype != object:
        return np.asarray(x, dtype=float)
    if getattr(x, "requires_grad", None) is False and isinstance(getattr(x, "data", None), np.ndarray):
        return np.asarray(x.data, dtype=float)  # a constant Tensor (e.g. Tensor(W) in f) is just its numbers
    if hasattr(x, "exp") and hasattr(x, "tanh"):  # a graph node taking part as a constant
        return x
    return None


def _binary(op: Binary, a: Any, b: Any) -> Any:
    """``op(a, b)`` with at least one Dual operand; the other may be a constant."""
    a, b = _operand(a), _operand(b)
    if a is None or b is None:
        return NotImplemented
    level = _level(a, b)  # a dual of an older tag is a constant at this level
    a_dual, b_dual = isinstance(a, Dual) and a.tag == level, isinstance(b, Dual) and b.tag == level
    pa = a.primal if a_dual else a
    pb = b.primal if b_dual else b
    if _scalar_meets_array(pa, pb, a_dual, b_dual):
        return _entrywise(op, a, b)
    if op is ops.POW and not b_dual:
        op = ops.POW_CONST  # a constant exponent: the power rule, as Value's x ** number
        if isinstance(pb, Dual) or hasattr(pb, "exp"):
            op = ops.POW
    _check(op, pa, pb)
    xp = _namespace(pa, pb)
    out = op.forward(xp, pa, pb)
    data = (_innermost(pa), _innermost(pb))  # which branch a piecewise rule is on
    tangent: Any = 0.0
    if a_dual:
        tangent = ops.chain_forward(xp, op, a.tangent, op.d_a(xp, pa, pb, out), data)
    if b_dual:
        term = ops.chain_forward(xp, op, b.tangent, op.d_b(xp, pa, pb, out), data, 1)
        tangent = term if not a_dual else tangent + term
    return Dual(out, tangent, level)


def _scalar_meets_array(pa: Any, pb: Any, a_dual: bool, b_dual: bool) -> bool:
    """A scalar dual meeting a constant numeric array: computed entry by entry, as numpy does for Value."""

    def is_array(p: Any) -> bool:
        return isinstance(p, np.ndarray) and p.ndim > 0

    return (a_dual and not b_dual and _is_number(pa) and is_array(pb)) or (
        b_dual and not a_dual and _is_number(pb) and is_array(pa)
    )


def _entrywise(op: Binary, a: Any, b: Any) -> np.ndarray:
    operation = _BINARY_BY_NAME[op.name]
    return np.frompyfunc(operation, 2, 1)(_boxed(a), _boxed(b))


def _needs_entrywise(x: Any) -> bool:
    if isinstance(x, np.ndarray) and x.dtype == object:
        return True
    return isinstance(x, Dual) and not isinstance(x.primal, np.ndarray)


def _boxed(x: Any) -> Any:
    """A Dual as a 0-d object array, so that numpy broadcasts it without calling back into Dual."""
    if isinstance(x, Dual):
        box = np.empty((), dtype=object)
        box[()] = x
        return box
    return x


def _linear(entry: Linear | Function, params: Any, *operands: Any) -> Dual:
    """A linear or whole-array entry of the table on duals: the tangent is ``ops.call_tangent``'s.

    A linear entry's tangent follows from linearity: ``d(A B) = dA · B + A · dB`` for the matrix product
    (multilinear), ``d stack(a, b) = stack(da, db)``; a whole-array function (det, inv ...) states its own.
    """
    level = _level(*operands)
    if any(isinstance(x, Dual) and x.tag != level for x in operands):
        raise TypeError(f"{entry.name}: array duals of two nested forward-mode transforms cannot meet in one "
                        "linear operation here; differentiate the inner function in reverse mode (grad, vjp)")
    primals = [x.primal if isinstance(x, Dual) else x for x in operands]
    tangents = [x._full_tangent() if isinstance(x, Dual) else None for x in operands]
    if isinstance(entry, Function):
        primals = [_constant_array(p) for p in primals]
        if not all(isinstance(p, np.ndarray) and p.dtype != object for p in primals):
            kinds = ", ".join(type(p).__name__ for p in primals)
            raise TypeError(f"{entry.name} in forward mode needs float array primals, got {kinds}; nested forward "
                            "mode of a whole-array function is not supported: use reverse mode (grad, vjp) inside")
        if entry.check is not None:
            entry.check(params, *primals)
    with np.errstate(all="ignore"):
        out = entry.forward(params, *primals)
        return Dual(out, ops.call_tangent(entry, params, primals, tangents, out), level)


def _constant_array(x: Any) -> Any:
    """A constant operand of an array entry as a float array (a constant Tensor's numbers)."""
    if isinstance(x, np.ndarray) and x.dtype != object:
        return np.asarray(x, dtype=float)
    if _is_number(x):
        return np.asarray(float(x))
    operand = _operand(x)
    return operand if operand is not None else x


def _matmul(a: Any, b: Any) -> Any:
    a, b = _operand(a), _operand(b)
    if a is None or b is None:
        return NotImplemented
    pa = a.primal if isinstance(a, Dual) else a
    pb = b.primal if isinstance(b, Dual) else b
    if not (isinstance(pa, np.ndarray) and isinstance(pb, np.ndarray)):
        kinds = " @ ".join(type(_innermost(p)).__name__ for p in (pa, pb))
        raise TypeError(f"@ needs array operands, got {kinds}")
    plan = parse(matmul_subscripts(pa.ndim > 1, pb.ndim > 1), (pa.ndim, pb.ndim))
    return _linear(ops.EINSUM, plan, a, b)


_UNARY_UFUNCS: dict[Any, str] = {  # numpy's ufunc of an entry's name, and two of other names
    **{getattr(np, name): name for name in ops.UNARY if isinstance(getattr(np, name, None), np.ufunc)},
    np.negative: "__neg__", np.absolute: "abs",
}
_BINARY_BY_NAME: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a**b, "pow_const": lambda a, b: a**b,
    "matmul": lambda a, b: a @ b,
    **{name: (lambda a, b, _name=name: _binary(ops.BINARY[_name], a, b)) for name in ops.NAMED_BINARY},
}
_BINARY_UFUNCS: dict[Any, str] = {
    np.add: "add", np.subtract: "sub", np.multiply: "mul", np.true_divide: "div", np.power: "pow",
    np.matmul: "matmul", **{getattr(np, name): name for name in ops.NAMED_BINARY},
}


# --- helpers for the functional API -------------------------------------------------------------
def primal_of(x: Any) -> Any:
    """The primal of a Dual (entry by entry for an object array of Duals); numbers pass through."""
    if isinstance(x, Dual):
        return x.primal
    if isinstance(x, np.ndarray) and x.dtype == object:
        out = np.empty(x.shape, dtype=object)
        for index in np.ndindex(x.shape):
            out[index] = primal_of(x[index])
        return out
    return x


def tangent_of(x: Any, zero: Any = 0.0, tag: int | None = None) -> Any:
    """The tangent of a Dual (of ``tag``, when given); ``zero`` for a constant at that level."""
    if isinstance(x, Dual) and (tag is None or x.tag == tag):
        return x.tangent
    return zero


def jacobian_columns(entries: list[Any], directions: int, tag: int | None = None) -> np.ndarray:
    """Stack the vector tangents of output ``entries`` into an ``(outputs, directions)`` float array.

    Each entry is a Dual whose tangent holds ``directions`` derivatives (or a scalar 0 when no
    input reached it), or a constant.
    """
    J = np.zeros((len(entries), directions))
    for i, entry in enumerate(entries):
        t = tangent_of(entry, tag=tag)
        J[i] = np.broadcast_to(np.asarray(t, dtype=float), (directions,))
    return J
