"""``Value``: a scalar node of the computation graph, the smallest piece of the seed's Eq. 9.

Every arithmetic operation on ``Value`` objects creates a new ``Value`` that remembers *which
rule* produced it (an entry of :mod:`autograd_core.engine.ops`) and its operands. ``backward()`` then
applies the chain rule of Eq. 4 over the graph, so that, for the seed's layer
``z_i = Σ_j w_ij x_j + b_i``, the gradient ``∂L/∂w_ij = Σ_k ∂L/∂z_i^(k) · x_j^(k)`` appears as a
sum over the paths from ``w_ij`` to ``L``: nobody writes that formula, it emerges.

Design choices, each for a measured reason (see ``benchmarks/``):

* ``__slots__`` and two operand slots ``_a``/``_b`` instead of a ``set`` of children and a
  closure: about a quarter of micrograd's memory per node, and no reference cycles, so a graph
  is freed by reference counting alone and Python's cyclic collector has nothing to untangle.
* Local derivatives are not stored: ``backward()`` evaluates the table's rule from the operands'
  data, which costs one call per node and saves a float per operand.
* ``==`` and ``hash`` are identity-based (nodes live in sets and dicts, as graph code needs);
  ``<``, ``<=``, ``>``, ``>=`` compare ``.data``.
* NaN and ±inf are accepted as data and propagate as IEEE arithmetic says; domain errors that
  are the user's mistake (``log(-1)``, ``x / 0``) raise a ``ValueError`` naming the value.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from ..engine import graph, ops
from ..engine.graph import recording as _recording
from ..engine.namespaces import GRAPH, SCALAR
from ..engine.ops import Binary, Unary, domain_error

Number = int | float


def _check_number(data: Any) -> float:
    if type(data) is float:  # the common case, without the slow abstract-class check below
        return data
    if type(data) is not int and (isinstance(data, bool) or not isinstance(data, numbers.Real)):
        raise TypeError(f"Value needs a real number, got {type(data).__name__} {data!r}")
    try:
        return float(data)
    except OverflowError:
        raise ValueError(f"Value: {data!r} is too large for a float (max about 1.8e308)") from None


class Value:
    """A scalar in a computation graph: its ``data``, and after ``backward()`` its ``grad``.

    Attributes:
        data: the number this node holds (a float).
        grad: ``∂root/∂self`` after ``root.backward()``; ``0.0`` until then.
        label: a name for drawings and messages (``"w"``, ``"W[0,1]"``); ``""`` by default.
        op: the name of the operation that produced the node, ``""`` for a leaf.
        parents: the operands of that operation, in argument order (a tuple).
    """

    __slots__ = ("data", "grad", "label", "_op", "_a", "_b")
    _FRESH_GRAD = 0.0  # what the sweep resets an intermediate grad to (engine.graph._start_pass)

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = _check_number(data)
        self.grad: Any = 0.0
        self.label = label
        self._op: Unary | Binary | None = None
        self._a: Value | None = None
        self._b: Value | None = None

    # --- graph structure ------------------------------------------------------------------
    @property
    def op(self) -> str:
        """The operation's symbol (``"+"``, ``"tanh"`` ...), or ``""`` for a leaf."""
        return self._op.symbol if self._op is not None else ""

    @property
    def parents(self) -> tuple[Value, ...]:
        """The operands this node was computed from, in argument order."""
        if self._a is None:
            return ()
        if self._b is None:
            return (self._a,)
        return (self._a, self._b)

    @property
    def _is_leaf(self) -> bool:
        return self._op is None

    # --- making nodes ---------------------------------------------------------------------
    def _unary(self, op: Unary) -> Value:
        x = self.data
        if op.invalid is not None and op.invalid(x):
            raise domain_error(op, True, x)
        return _node(op.forward(SCALAR, x), op, self)

    def _binary(self, op: Binary, other: Value) -> Value:
        a, b = self.data, other.data
        if op.invalid is not None and op.invalid(a, b):
            raise domain_error(op, True, a, b)
        return _node(op.forward(SCALAR, a, b), op, self, other)

    def _binary_unchecked(self, op: Binary, other: Value) -> Value:
        return _node(op.forward(SCALAR, self.data, other.data), op, self, other)

    # --- binary arithmetic ----------------------------------------------------------------
    def __add__(self, other: Value | Number) -> Value:
        if type(other) is not Value:
            other = _as_value(other)
            if other is None:
                return NotImplemented
        op = ops.ADD
        if op is _ADD:  # the table's own entry (no domain): its forward inline
            return _node(self.data + other.data, op, self, other)
        return self._binary(op, other)

    def __radd__(self, other: Number) -> Value:
        other = _as_value(other)
        if other is None:
            return NotImplemented
        op = ops.ADD
        if op is _ADD:
            return _node(other.data + self.data, op, other, self)
        return other._binary(op, self)

    def __sub__(self, other: Value | Number) -> Value:
        other = _as_value(other)
        return NotImplemented if other is None else self._binary(ops.SUB, other)

    def __rsub__(self, other: Number) -> Value:
        other = _as_value(other)
        return NotImplemented if other is None else other._binary(ops.SUB, self)

    def __mul__(self, other: Value | Number) -> Value:
        if type(other) is not Value:
            other = _as_value(other)
            if other is None:
                return NotImplemented
        op = ops.MUL
        if op is _MUL:  # the table's own entry (no domain): its forward inline
            return _node(self.data * other.data, op, self, other)
        return self._binary(op, other)

    def __rmul__(self, other: Number) -> Value:
        other = _as_value(other)
        if other is None:
            return NotImplemented
        op = ops.MUL
        if op is _MUL:
            return _node(other.data * self.data, op, other, self)
        return other._binary(op, self)

    def __truediv__(self, other: Value | Number) -> Value:
        other = _as_value(other)
        return NotImplemented if other is None else self._binary(ops.DIV, other)

    def __rtruediv__(self, other: Number) -> Value:
        other = _as_value(other)
        return NotImplemented if other is None else other._binary(ops.DIV, self)

    def __pow__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return self._binary(ops.POW, other)
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            return self._binary(ops.POW_CONST, Value(float(other)))
        return NotImplemented

    def __rpow__(self, other: Number) -> Value:
        base = _as_value(other)
        return NotImplemented if base is None else base._binary(ops.POW, self)

    # --- unary operations -----------------------------------------------------------------
    def __neg__(self) -> Value:
        return self._unary(ops.NEG)

    def exp(self) -> Value:
        """e**x."""
        return self._unary(ops.EXP)

    def log(self) -> Value:
        """Natural logarithm; raises ``ValueError`` for x <= 0."""
        return self._unary(ops.LOG)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        op = ops.TANH
        if op is _TANH:  # the table's own entry (no domain): its forward inline
            return _node(math.tanh(self.data), op, self)
        return self._unary(op)

    def sigmoid(self) -> Value:
        """Logistic function 1 / (1 + e**-x), computed without overflow."""
        return self._unary(ops.SIGMOID)

    def relu(self) -> Value:
        """max(x, 0); its derivative at 0 is taken as 0."""
        op = ops.RELU
        if op is _RELU:  # the table's own entry (no domain): its forward inline, NaN stays NaN
            x = self.data
            return _node(x if x > 0 or x != x else 0.0, op, self)
        return self._unary(op)

    def sin(self) -> Value:
        """Sine."""
        return self._unary(ops.SIN)

    def cos(self) -> Value:
        """Cosine."""
        return self._unary(ops.COS)

    def sqrt(self) -> Value:
        """Square root; raises ``ValueError`` for x < 0."""
        return self._unary(ops.SQRT)

    def abs(self) -> Value:
        """|x|; its derivative at 0 is taken as 0."""
        return self._unary(ops.ABS)

    def __abs__(self) -> Value:
        return self._unary(ops.ABS)

    def softplus(self) -> Value:
        """log(1 + e**x), computed without overflow; its derivative is sigmoid(x)."""
        return self._unary(ops.SOFTPLUS)

    # --- reverse mode ---------------------------------------------------------------------
    def backward(self, create_graph: bool = False) -> None:
        """Fill ``grad`` of every node below this one with ``∂self/∂node`` (Eq. 4).

        A second call *adds* to the leaves' gradients, as PyTorch does; call ``zero_grad()``
        first for a fresh pass. Intermediate nodes always show the latest pass.

        With ``create_graph=True`` every ``grad`` becomes a ``Value`` computed by graph
        operations, so it can be differentiated again (see :func:`autograd_core.engine.graph.gradients`
        for the form that leaves ``grad`` alone).
        """
        graph.backward(self, 1.0, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on this node and every node it was computed from."""
        graph.zero_grad(self)

    def _zero_grad(self) -> None:
        self.grad = 0.0

    def _accumulate(self, g: Any) -> None:
        self.grad = self.grad + g

    def _locals(self) -> tuple[Any, ...]:
        """The local derivatives ∂self/∂parent, in parent order, from the derivative table."""
        op, a, b = self._op, self._a, self._b
        if op is None:
            return ()
        if b is None:
            return (op.derivative(SCALAR, a.data, self.data),)
        return (op.d_a(SCALAR, a.data, b.data, self.data), op.d_b(SCALAR, a.data, b.data, self.data))

    def _propagate(self) -> None:
        """Add ``grad · local`` into each operand's ``grad``, the local derivative read from the table.

        Written out rather than built on _locals(), for speed. A product that is not NaN equals the
        select of a piecewise rule (ops.chain), so the select is only evaluated when NaN appears (an
        inf or NaN upstream times a local 0).
        """
        op, a, b, g, out = self._op, self._a, self._b, self.grad, self.data
        if b is None:
            c = g * op.derivative(SCALAR, a.data, out)
            if c != c and op.keep is not None:
                c = SCALAR.select(op.keep(a.data), c)
            a.grad += c
        elif op.keep is None:
            x, y = a.data, b.data
            a.grad += g * op.d_a(SCALAR, x, y, out)
            b.grad += g * op.d_b(SCALAR, x, y, out)
        else:
            for parent, contribution in self._vjp(g):
                parent.grad += contribution

    @staticmethod
    def _sweep(order: list[Value]) -> None:
        """The backward sweep over ``order`` (``engine.graph.backward`` hands it to the node class).

        Most nodes of a network are the table's own add, mul, tanh and relu: those are applied right
        here, with exactly the table's arithmetic (tests/test_rules.py compares them bit for bit), which
        saves a method call per node; every other node takes :meth:`_propagate`. An entry replaced in
        the table is not ``is`` the original, so it takes the general path too.
        """
        for node in reversed(order):
            op = node._op
            if op is None:
                continue
            g = node.grad
            if op is _ADD:
                node._a.grad += g
                node._b.grad += g
            elif op is _MUL:
                a, b = node._a, node._b
                a.grad += g * b.data
                b.grad += g * a.data
            elif op is _TANH:
                out = node.data
                node._a.grad += g * (1.0 - out * out)
            elif op is _RELU:
                a = node._a
                if a.data > 0:
                    a.grad += g
            else:
                node._propagate()

    def _contributions(self) -> list[tuple[int, Value, Any, Any]]:
        g, op, data = self.grad, self._op, self._operand_data()
        return [(k, p, local, ops.chain(SCALAR, op, g, local, data, k))
                for k, (p, local) in enumerate(zip(self.parents, self._locals(), strict=True))]

    def _jvp(self, parent_tangents: list[Any]) -> Any:
        """Forward mode over this node: ``Σ_i local_i · t_i`` (``graph.push_tangents``)."""
        op, data, total = self._op, self._operand_data(), 0.0
        for k, (local, t) in enumerate(zip(self._locals(), parent_tangents, strict=True)):
            if t is not None:
                total = total + ops.chain_forward(SCALAR, op, t, local, data, k)
        return total

    def _operand_data(self) -> tuple[float, ...]:
        return tuple(p.data for p in self.parents)

    def _graph_locals(self) -> tuple[Any, ...]:
        """The local derivatives as graph nodes: the table's rules evaluated on Values."""
        op, a, b = self._op, self._a, self._b
        if b is None:
            return (op.derivative(GRAPH, a, self),)
        # x ** n: the rule n·x**(n-1) needs the number n; as a node it would become the
        # Value-exponent power, which (rightly) refuses x <= 0.
        n = b.data if op is ops.POW_CONST else b
        return (op.d_a(GRAPH, a, n, self), op.d_b(GRAPH, a, n, self))

    def _power_unchecked(self, b: Value | float) -> Value:
        """``self ** b`` for ``ops.GRAPH.power``: inside a derivative rule ``0 ** -1`` is the honest
        ``inf`` of ``sqrt'(0)`` (what ``SCALAR.power`` gives without ``create_graph``), not the user's
        mistake that ``x ** n`` refuses."""
        if isinstance(b, Value):
            return self._binary_unchecked(ops.POW, b)
        return self._binary_unchecked(ops.POW_CONST, Value(float(b)))

    def _vjp(self, g: Any, create_graph: bool = False) -> list[tuple[Value, Any]]:
        """``(parent, g · ∂self/∂parent)`` for each parent; as Values when ``create_graph``."""
        if self._op is None:
            return []
        xp, locals_ = (GRAPH, self._graph_locals()) if create_graph else (SCALAR, self._locals())
        data = self._operand_data()
        return [(p, ops.chain(xp, self._op, g, local, data, k))
                for k, (p, local) in enumerate(zip(self.parents, locals_, strict=True))]

    # --- comparisons and conversions ------------------------------------------------------
    # Comparisons read the numbers (a comparison has no derivative). Against an array they return
    # NotImplemented, so that numpy compares entry by entry (``Value(2.0) < array`` as ``array > 2``).
    def __lt__(self, other: Value | Number) -> Any:
        other = _comparable(other)
        return NotImplemented if other is None else self.data < other

    def __le__(self, other: Value | Number) -> Any:
        other = _comparable(other)
        return NotImplemented if other is None else self.data <= other

    def __gt__(self, other: Value | Number) -> Any:
        other = _comparable(other)
        return NotImplemented if other is None else self.data > other

    def __ge__(self, other: Value | Number) -> Any:
        other = _comparable(other)
        return NotImplemented if other is None else self.data >= other

    def __bool__(self) -> bool:
        """The truth of the number, as for ``Tensor`` and floats: ``bool(Value(0.0))`` is False."""
        return bool(self.data)

    __eq__ = object.__eq__  # identity: nodes are dict keys and set members
    __hash__ = object.__hash__

    def __float__(self) -> float:
        """The number; inside a derivative transform, a traced node refuses (see ``graph.ConversionError``)."""
        graph.check_conversion(self, "float()")
        return self.data

    def item(self) -> float:
        """The number, as ``Tensor.item()`` and PyTorch's ``item()``; refused for a traced node inside a transform."""
        graph.check_conversion(self, "item()")
        return self.data

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """``copy.deepcopy`` and ``pickle`` of a leaf: its number, gradient and label; a computed node is
        refused (its graph is not copied; see ``engine.graph.copy_refused``)."""
        if self._op is not None:
            raise graph.copy_refused(self, "Value")
        return _rebuild_value, (self.data, graph.grad_to_copy(self, "Value"), self.label)

    def detach(self) -> Value:
        """The same number as a new constant leaf (no graph, no gradient), as ``Tensor.detach()``."""
        return Value(self.data, label=self.label)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={_short(self.grad)}{label})"


_new = object.__new__  # a node without __init__'s checks: engine-computed data is always a float


def _node(data: float, op: Unary | Binary, a: Value, b: Value | None = None) -> Value:
    """The result of ``op`` on ``a`` (and ``b``): a graph node, or a constant leaf inside ``no_grad()``.

    Skips ``__init__``'s type check: data computed by the engine is always a float. A module function,
    not a method: it runs for every node, and ``Value._node`` cost an attribute lookup each time.
    """
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if _recording():
        out._op, out._a, out._b = op, a, b
    else:  # inside no_grad(): a constant leaf
        out._op = out._a = out._b = None
    return out


# The table's own entries, as imported: the fast paths above apply to these objects only, so an entry
# replaced in the table (ops.TANH = a broken rule, as tests do on purpose) takes effect everywhere.
_ADD, _MUL, _TANH, _RELU = ops.ADD, ops.MUL, ops.TANH, ops.RELU


def _binary_method(self: Value, op: Binary, other: Any) -> Value:
    operand = _as_value(other)
    if operand is None:
        raise TypeError(f"{op.name}: expected a Value or a real number, got {type(other).__name__}")
    return self._binary(op, operand)


ops.add_unary_methods(Value, Value._unary, _binary_method)

def _rebuild_value(data: float, grad: Any, label: str) -> Value:
    out = Value(data, label)
    out.grad = grad
    return out


def _short(g: Any) -> str:
    return f"{g:.6g}" if isinstance(g, float) else repr(g)


def _as_value(x: Any) -> Value | None:
    """Turn a Python number into a constant leaf; ``None`` for what we cannot combine with."""
    if isinstance(x, Value):
        return x
    if type(x) is float or type(x) is int or (isinstance(x, numbers.Real) and not isinstance(x, bool)):
        return Value(x)
    return None


def _comparable(x: Any) -> float | None:
    """The number to compare with; None for what a Value does not compare with itself (arrays)."""
    if isinstance(x, Value):
        return x.data
    if type(x) is float or type(x) is int or (isinstance(x, numbers.Real) and not isinstance(x, bool)):
        return float(x)
    return None


