"""``Tensor``: the vectorized engine -- one float64 numpy array is one node of the graph.

A ``Tensor`` is the scalar ``Value`` engine applied to whole arrays at once, not a second copy of
it:

* **One derivative table.** Every elementwise operation takes its forward value and its local
  derivative from :mod:`autograd_core.engine.ops`, the entries the ``Value`` engine uses, evaluated with
  the array namespace :data:`~autograd_core.engine.ops.ARRAY`. The vector-Jacobian product of an
  elementwise op is ``g * local``, summed back over the axes numpy broadcast (:func:`_fit`): that
  is how the seed's bias matrix ``B`` built from the vector ``b`` (Eq. 6) gets ``∇_b L``.
* **Emergent matmul.** ``@``, ``sum``, ``transpose`` and ``einsum`` are all one operation, a
  contraction ``out[o] = Σ_(letters not in o) Π_i operand_i[s_i]``, with one derivative rule
  written for any subscripts: the gradient with respect to operand ``i`` is the contraction of
  the upstream gradient with the *other* operands, producing operand ``i``'s subscripts
  (:meth:`_Einsum.vjp`). For ``Z = W @ X`` that rule gives ``∇_W = G Xᵀ`` and ``∇_X = Wᵀ G``
  (Eq. 29–30 without the ``1/m``) although nobody wrote those formulas down.
* **One sweep.** Reverse mode is :func:`autograd_core.engine.graph.backward`, shared with ``Value``; a
  node only says how to pass its gradient to its parents (``_vjp``). No recursion anywhere.
* **Only what needs a gradient.** An operation whose operands do not require grad records no
  graph at all (its result is a constant leaf), and parents that do not require grad are
  skipped, so constant inputs such as the data ``X`` cost nothing in ``backward()``.
* ``backward(create_graph=True)`` evaluates the same table rules on ``Tensor`` nodes instead of
  arrays, so gradients are graphs themselves and can be differentiated again (Hessians).
"""

from __future__ import annotations

import math
import numbers
import string
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from ..engine import graph, ops
from ..engine.ops import ARRAY, Binary, Unary
from ..scalar.value import Value

__all__ = ["Tensor", "concatenate", "einsum", "stack"]

_FLOAT = np.float64
_ELEMENTWISE = (Unary, Binary)
_MIX_HINT = (
    "use one engine: lift the numbers with autograd_core.values(t.numpy(), label) to stay "
    "scalar-level, or build the other operand as a Tensor"
)


# --- the Tensor ---------------------------------------------------------------------------------
class Tensor:
    """A float64 array in a computation graph, with reverse-mode ``backward()``.

    Args:
        data: anything ``np.array(data, dtype=float64)`` accepts (numbers, nested lists, arrays);
            it is copied, so later changes to the caller's array do not reach the graph.
        requires_grad: whether ``backward()`` should compute ``∂root/∂self`` into ``grad``.
        label: a name for drawings and messages.

    Attributes:
        data: the float64 ``np.ndarray``.
        grad: ``∂root/∂self``, an array of ``data``'s shape, after ``root.backward()``; ``None``
            before (and after ``zero_grad()``). With ``create_graph=True`` it is a ``Tensor``.
        requires_grad: see above; results of operations require grad when an operand does.
        label, op, parents: the node's name, its operation's symbol (``""`` for a leaf) and its
            operands in argument order.
    """

    __slots__ = ("data", "grad", "label", "requires_grad", "_op", "_parents", "__weakref__")
    # numpy defers to us: `ndarray + Tensor` calls Tensor.__radd__ instead of looping over entries.
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False, label: str = "") -> None:
        if not isinstance(requires_grad, bool | np.bool_):
            raise TypeError(f"Tensor: requires_grad must be True or False, got {type(requires_grad).__name__} "
                            f"{requires_grad!r}")
        self.data = _to_array(data)
        self.grad: Any = None
        self.label = label
        self.requires_grad = bool(requires_grad)
        self._op: Any = None
        self._parents: tuple[Tensor, ...] = ()

    # --- array attributes ---------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def T(self) -> Tensor:
        """The transpose (all axes reversed), as a contraction ``'ij->ji'``."""
        return self.transpose()

    def __len__(self) -> int:
        return len(self.data)

    def __bool__(self) -> bool:
        """The entry's truth for a one-entry Tensor; ambiguous for more, as numpy says (not ``len``)."""
        if self.size != 1:
            raise ValueError(f"the truth value of a Tensor of shape {self.shape} is ambiguous; "
                             "reduce it first (t.sum(), t.item()) or compare t.numpy()")
        return bool(self.data.reshape(()))

    # --- graph structure ----------------------------------------------------------------------
    @property
    def op(self) -> str:
        """The operation's symbol (``"+"``, ``"tanh"``, ``"@"``, ``"sum"`` ...), ``""`` for a leaf."""
        return "" if self._op is None else self._op.symbol

    @property
    def parents(self) -> tuple[Tensor, ...]:
        """The operands this node was computed from, in argument order."""
        return self._parents

    @property
    def _is_leaf(self) -> bool:
        return self._op is None

    # --- elementwise arithmetic (the derivative table) ----------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return _binary(ops.ADD, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _binary(ops.ADD, self, other, reflected=True)

    def __sub__(self, other: Any) -> Tensor:
        return _binary(ops.SUB, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _binary(ops.SUB, self, other, reflected=True)

    def __mul__(self, other: Any) -> Tensor:
        return _binary(ops.MUL, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _binary(ops.MUL, self, other, reflected=True)

    def __truediv__(self, other: Any) -> Tensor:
        return _binary(ops.DIV, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _binary(ops.DIV, self, other, reflected=True)

    def __pow__(self, other: Any) -> Tensor:
        exponent = _lift(other)
        return NotImplemented if exponent is None else _power(self, exponent)

    def __rpow__(self, other: Any) -> Tensor:
        base = _lift(other)
        return NotImplemented if base is None else _power(base, self)

    def _power_unchecked(self, b: Any) -> Tensor:
        """``self ** b`` for ``ops.GRAPH.power``: inside a derivative rule ``0 ** -1`` is the honest
        ``inf`` of ``sqrt'(0)``, not the user's mistake that ``x ** n`` refuses."""
        return _power(self, _lift_strict(b, "power"), checked=False)

    def __neg__(self) -> Tensor:
        return _unary(ops.NEG, self)

    def neg(self) -> Tensor:
        """-x."""
        return _unary(ops.NEG, self)

    def exp(self) -> Tensor:
        """e**x, elementwise."""
        return _unary(ops.EXP, self)

    def log(self) -> Tensor:
        """Natural logarithm; raises ``ValueError`` if any entry is <= 0."""
        return _unary(ops.LOG, self)

    def tanh(self) -> Tensor:
        """Hyperbolic tangent, elementwise."""
        return _unary(ops.TANH, self)

    def sigmoid(self) -> Tensor:
        """Logistic function 1 / (1 + e**-x), computed without overflow."""
        return _unary(ops.SIGMOID, self)

    def relu(self) -> Tensor:
        """max(x, 0); its derivative at 0 is taken as 0."""
        return _unary(ops.RELU, self)

    def sin(self) -> Tensor:
        """Sine, elementwise."""
        return _unary(ops.SIN, self)

    def cos(self) -> Tensor:
        """Cosine, elementwise."""
        return _unary(ops.COS, self)

    def sqrt(self) -> Tensor:
        """Square root; raises ``ValueError`` if any entry is < 0."""
        return _unary(ops.SQRT, self)

    def abs(self) -> Tensor:
        """|x|; its derivative at 0 is taken as 0."""
        return _unary(ops.ABS, self)

    def __abs__(self) -> Tensor:
        return _unary(ops.ABS, self)

    def softplus(self) -> Tensor:
        """log(1 + e**x), computed without overflow; its derivative is sigmoid(x)."""
        return _unary(ops.SOFTPLUS, self)

    # --- contractions: @, sum, mean, transpose ------------------------------------------------
    def __matmul__(self, other: Any) -> Tensor:
        right = _lift(other)
        return NotImplemented if right is None else _matmul(self, right)

    def __rmatmul__(self, other: Any) -> Tensor:
        left = _lift(other)
        return NotImplemented if left is None else _matmul(left, self)

    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes by default), as numpy; a contraction such as ``'ij->j'``.

        Its gradient is the upstream gradient broadcast back along the summed axes -- the
        contraction rule of :meth:`_Einsum.vjp` for letters that only the operand carries.
        """
        axes = _normalize_axes(axis, self.ndim, "sum")
        letters = _letters(self.ndim, "sum")
        kept = "".join(c for k, c in enumerate(letters) if k not in axes)
        out = _contraction(f"{letters}->{kept}", (self,), "sum", checked=True)
        if keepdims:
            out = out.reshape(tuple(1 if k in axes else n for k, n in enumerate(self.shape)))
        return out

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (all axes by default): ``sum / count``, as the seed's Eq. 26."""
        axes = _normalize_axes(axis, self.ndim, "mean")
        count = math.prod(self.shape[k] for k in axes)
        return self.sum(axes, keepdims) * (1.0 / count if count else math.nan)

    def transpose(self, *axes: int | Sequence[int]) -> Tensor:
        """Permute the axes (reverse them by default), as ``np.transpose``; a contraction ``'ij->ji'``."""
        perm = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], Sequence) else axes
        if not all(_is_int(a) for a in perm):
            raise TypeError(f"transpose: axes must be ints, got {perm!r}")
        perm = tuple(range(self.ndim))[::-1] if not perm else tuple(_axis(a, self.ndim, "transpose") for a in perm)
        if sorted(perm) != list(range(self.ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of the {self.ndim} axes "
                             f"of shape {self.shape}")
        letters = _letters(self.ndim, "transpose")
        return _contraction(f"{letters}->{''.join(letters[k] for k in perm)}", (self,), "transpose", checked=True)

    @staticmethod
    def einsum(subscripts: str, *operands: Any) -> Tensor:
        """The general contraction; see :func:`autograd_core.tensor.tensor.einsum`."""
        return einsum(subscripts, *operands)

    # --- structure: reshape and indexing ------------------------------------------------------
    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """The same entries in a new shape (``-1`` infers one axis), as ``np.reshape``."""
        target = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], Sequence) else shape
        try:
            data = self.data.reshape(target)
        except (ValueError, TypeError) as err:
            raise ValueError(f"reshape: cannot reshape a Tensor of shape {self.shape} ({self.size} entries) "
                             f"into {target}: {err}") from None
        return _node(data, _RESHAPE, (self,))

    def __getitem__(self, index: Any) -> Tensor:
        """Indexing and slicing as numpy (basic, ``None``, ``...``, integer and boolean arrays).

        The gradient goes back to the selected entries; entries selected twice by a fancy index
        receive both contributions (``np.add.at``).
        """
        index = _plain_index(index)
        try:
            data = self.data[index]
        except IndexError as err:
            raise IndexError(f"Tensor of shape {self.shape}: {err}") from None
        return _node(data, _Index(index), (self,))

    # --- reverse mode -------------------------------------------------------------------------
    def backward(self, gradient: Any = None, create_graph: bool = False) -> None:
        """Fill ``grad`` of every node below this one with ``∂self/∂node`` (the chain rule, Eq. 4).

        Args:
            gradient: ``∂L/∂self`` for some scalar ``L``; needed when ``self`` has more than one
                entry (then ``backward`` computes the vector-Jacobian product ``gradientᵀ J``).
                Must have ``self``'s shape. Default: 1 for a one-entry Tensor.
            create_graph: build the gradients as ``Tensor`` graphs, so they can be
                differentiated again (second derivatives, Hessian-vector products).

        Leaf gradients accumulate across calls, as in PyTorch; use ``zero_grad()`` in between.
        """
        if not self.requires_grad:
            raise RuntimeError("backward(): this Tensor does not require grad -- none of the Tensors it was "
                               "computed from was created with requires_grad=True")
        seed = self._seed(gradient)
        graph.backward(self, Tensor._constant(seed) if create_graph else seed, create_graph=create_graph)

    def _seed(self, gradient: Any) -> np.ndarray:
        if gradient is None:
            if self.size != 1:
                raise ValueError(
                    f"backward(): this Tensor has shape {self.shape}, not a single entry, so ∂self/∂x is a "
                    f"Jacobian, not a gradient. Pass gradient=<array of shape {self.shape}> (∂L/∂self for the "
                    f"scalar L you mean; np.ones({self.shape}) gives the gradient of self.sum()), or reduce "
                    "to a scalar first, e.g. self.sum().backward()"
                )
            return np.ones(self.shape)
        if isinstance(gradient, Tensor):
            gradient = gradient.data
        seed = _to_array(gradient)  # a copy: the caller's array must not become a node's grad
        if seed.shape != self.shape:
            raise ValueError(f"backward(): gradient has shape {seed.shape} but the Tensor has shape {self.shape}; "
                             "they must be equal (the gradient is ∂L/∂self, one entry per entry of self)")
        return seed

    def zero_grad(self) -> None:
        """Set ``grad`` to ``None`` on this Tensor and every Tensor it was computed from."""
        graph.zero_grad(self)

    def _zero_grad(self) -> None:
        self.grad = None

    def _accumulate(self, g: Any) -> None:
        # Never in place: a first contribution may be another node's array (the engine never
        # copies needlessly), so adding into it would change that node's gradient as well.
        grad = g if self.grad is None else self.grad + g
        # 0-d arrays add up to a numpy scalar; grad stays an array of data's shape (writable).
        self.grad = np.array(grad) if type(grad) is np.float64 else grad

    def _propagate(self) -> None:
        for parent, _, contribution in self._terms(self.grad, False):
            parent._accumulate(contribution)

    def _vjp(self, g: Any, create_graph: bool = False) -> list[tuple[Tensor, Any]]:
        """``(parent, g · ∂self/∂parent)`` for each parent that requires grad (Tensors if ``create_graph``)."""
        return [(parent, contribution) for parent, _, contribution in self._terms(g, create_graph)]

    def _contributions(self) -> list[tuple[Tensor, Any, Any]]:
        """``(parent, local, contribution)``; ``local`` is ``None`` for contractions and indexing."""
        return self._terms(self.grad, False)

    def _terms(self, g: Any, create_graph: bool) -> list[tuple[Tensor, Any, Any]]:
        if self._op is None or g is None:
            return []
        if create_graph:
            g = g if isinstance(g, Tensor) else Tensor._constant(_as_gradient(g, self.shape))
        elif type(g) is not np.ndarray:  # a numpy scalar from 0-d arithmetic, a float seed, a Tensor
            g = _as_gradient(g.data if isinstance(g, Tensor) else g, self.shape)
        with np.errstate(all="ignore"):  # inf / nan results are defined; they propagate
            if isinstance(self._op, _ELEMENTWISE):
                terms = _elementwise_terms(self, g, create_graph)
            else:
                terms = [(p, None, self._op.vjp(self, g, i, create_graph))
                         for i, p in enumerate(self._parents) if p.requires_grad]
        if not create_graph:
            terms = [(p, local, _owned(c, g) if p._op is None else c) for p, local, c in terms]
        return terms

    # --- conversions --------------------------------------------------------------------------
    def detach(self) -> Tensor:
        """The same data (shared, not copied) as a new leaf that does not require grad."""
        return Tensor._constant(self.data)

    def numpy(self) -> np.ndarray:
        """The data array itself (shared, not copied)."""
        return self.data

    def item(self) -> float:
        """The single entry as a Python float; ``ValueError`` unless the Tensor has exactly one entry."""
        if self.size != 1:
            raise ValueError(f"item(): needs a Tensor with exactly one entry, got shape {self.shape}")
        return float(self.data.reshape(()))

    def __float__(self) -> float:
        return self.item()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", prefix="Tensor(")
        extras = [f"op={self.op!r}"] if self._op is not None else []
        if self.requires_grad:
            extras.append("requires_grad=True")
        if self.label:
            extras.append(f"label={self.label!r}")
        return f"Tensor({', '.join([body, *extras])})"

    @staticmethod
    def _constant(data: np.ndarray) -> Tensor:
        """A leaf that does not require grad, around ``data`` as is (no copy)."""
        out = Tensor.__new__(Tensor)
        out.data, out.grad, out.label, out.requires_grad, out._op, out._parents = data, None, "", False, None, ()
        return out


# --- making nodes -------------------------------------------------------------------------------
def _node(data: Any, op: Any, parents: tuple[Tensor, ...]) -> Tensor:
    """The result of ``op`` on ``parents``: a graph node if any parent requires grad, else a constant."""
    if type(data) is not np.ndarray:
        data = np.asarray(data, dtype=_FLOAT)
    out = Tensor._constant(data)
    if not graph.RECORDING.enabled:  # inside no_grad(): a constant
        return out
    for p in parents:
        if p.requires_grad:
            out.requires_grad, out._op, out._parents = True, op, parents
            break
    return out


def _as_gradient(g: Any, shape: tuple[int, ...]) -> np.ndarray:
    g = np.asarray(g, dtype=_FLOAT)
    return g if g.shape == shape else np.broadcast_to(g, shape)


def _to_array(data: Any) -> np.ndarray:
    """A fresh float64 array from user data; ``TypeError`` for what is not real numbers."""
    if isinstance(data, Tensor):
        return data.data.copy()
    try:
        arr = np.asarray(data)
    except (TypeError, ValueError) as err:
        raise TypeError(f"Tensor needs real numbers, got {type(data).__name__} {data!r:.80}: {err}") from None
    _refuse_values(arr)
    # Checked before converting: np.array(..., dtype=float) would turn None into NaN, parse strings
    # and drop imaginary parts without a word.
    if arr.dtype.kind not in "biuf" and not (arr.dtype == object and all(_is_real(e) for e in arr.flat)):
        raise TypeError(f"Tensor needs real numbers, got {type(data).__name__} {data!r:.80} (dtype {arr.dtype})")
    return np.array(arr, dtype=_FLOAT)


def _is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_)


def _refuse_values(x: Any) -> None:
    if isinstance(x, Value) or (isinstance(x, np.ndarray) and x.dtype == object
                                and any(isinstance(e, Value) for e in x.flat)):
        what = "a Value" if isinstance(x, Value) else f"an object array of Value (shape {x.shape})"
        raise TypeError(f"cannot combine a Tensor with {what}: {_MIX_HINT}")


def _lift(x: Any) -> Tensor | None:
    """An operand as a Tensor: numbers and numeric arrays become constants; ``None`` if unsupported."""
    if isinstance(x, Tensor):
        return x
    if type(x) is float or type(x) is int:  # the common case first: isinstance(x, Real) is slow
        return Tensor._constant(np.asarray(float(x)))
    _refuse_values(x)
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Tensor._constant(np.asarray(float(x)))
    if isinstance(x, np.ndarray | list | tuple):
        arr = np.asarray(x)
        if arr.dtype.kind in "biuf":
            return Tensor._constant(arr.astype(_FLOAT, copy=False))
        raise TypeError(f"cannot combine a Tensor with an array of dtype {arr.dtype}; it needs real numbers")
    return None


def _lift_strict(x: Any, where: str) -> Tensor:
    out = _lift(x)
    if out is None:
        raise TypeError(f"{where}: expected a Tensor, a numpy array or a number, got {type(x).__name__}")
    return out


# --- elementwise operations ---------------------------------------------------------------------
def _unary(op: Unary, x: Tensor) -> Tensor:
    if op.invalid is not None:
        bad = op.invalid(x.data)
        if bad.any():
            raise _domain_error(f"{op.name}: needs {op.domain}", bad, x.data)
    with np.errstate(all="ignore"):
        return _node(op.forward(ARRAY, x.data), op, (x,))


def _binary(op: Binary, tensor: Tensor, other: Any, reflected: bool = False) -> Tensor:
    other = _lift(other)
    if other is None:
        return NotImplemented
    a, b = (other, tensor) if reflected else (tensor, other)
    if op is ops.DIV and not np.all(b.data):  # NaN is truthy: only exact zeros are refused
        raise _domain_error(f"div (/): division by zero (numerator shape {a.shape})", b.data == 0, b.data, "divisor")
    return _apply2(op, a, b, b.data)


def _apply2(op: Binary, a: Tensor, b: Tensor, b_value: Any) -> Tensor:
    try:
        with np.errstate(all="ignore"):
            data = op.forward(ARRAY, a.data, b_value)
    except ValueError:
        raise ValueError(f"{op.name} ({op.symbol}): shapes {a.shape} and {b.shape} cannot be broadcast together "
                         "(numpy broadcasting aligns trailing axes; each pair must be equal or 1)") from None
    return _node(data, op, (a, b))


def _power(base: Tensor, exponent: Tensor, checked: bool = True) -> Tensor:
    """``base ** exponent``: the table's POW if the exponent needs a gradient, else POW_CONST.

    POW's derivative in the exponent is ``x**y · ln x``, so (as for ``Value``) it needs a positive
    base; a constant exponent only needs ``x**n`` to be real and finite.
    """
    if exponent.requires_grad:
        if checked:
            bad = base.data <= 0
            if bad.any():
                raise _domain_error("power: x ** y with a Tensor exponent that requires grad needs x > 0 "
                                    "(its derivative in y is x**y · ln x)", bad, base.data)
        return _apply2(ops.POW, base, exponent, exponent.data)
    n = exponent.data
    n_value: Any = float(n) if n.ndim == 0 else n  # the table's rule n·x**(n-1) wants a number
    # A non-negative integer exponent (x ** 2, the common case) is defined everywhere: skip the scan.
    if checked and not (n.ndim == 0 and n_value >= 0 and n_value.is_integer()):
        fractional = np.isfinite(n) & (n != np.floor(n))  # an inf / NaN exponent follows IEEE, as for Value
        bad = ((base.data == 0) & (n < 0)) | ((base.data < 0) & fractional)
        if bad.any():
            raise _domain_error(f"power: x ** {n_value!r:.40} needs x != 0 for a negative exponent and x >= 0 for a "
                                "non-integer one", bad, np.broadcast_to(base.data, bad.shape))
    return _apply2(ops.POW_CONST, base, exponent, n_value)


def _domain_error(message: str, bad: np.ndarray, values: np.ndarray, name: str = "x") -> ValueError:
    """A ``ValueError`` naming the count of bad entries and the first one (index and value)."""
    count = int(np.count_nonzero(bad))
    if bad.ndim == 0:
        return ValueError(f"{message}, got {name} = {float(values)!r}")
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    where = ", ".join(map(str, index))
    entries = "entry" if count == 1 else "entries"
    return ValueError(f"{message}, got {count} bad {entries} of {bad.size}; the first is {name}[{where}] = "
                      f"{float(values[index])!r}")




def _elementwise_terms(node: Tensor, g: Any, create_graph: bool) -> list[tuple[Tensor, Any, Any]]:
    """VJP of an elementwise op: ``_fit(g * local)`` per parent, ``local`` from the derivative table."""
    op = node._op
    if create_graph:
        xp, values, out = ops.GRAPH, node._parents, node
    else:
        xp, values, out = ARRAY, [p.data for p in node._parents], node.data
    if isinstance(op, Unary):
        (a,) = node._parents
        local = op.derivative(xp, values[0], out)
        return [(a, local, _fit(_times(g, local), a.shape))]
    a, b = node._parents
    x, y = values
    if op is ops.POW_CONST:  # the exponent enters the rule as a number (or constant array), never a node
        y = float(b.data) if b.data.ndim == 0 else b.data
    terms = []
    if a.requires_grad:
        local = op.d_a(xp, x, y, out)
        terms.append((a, local, _fit(_times(g, local), a.shape)))
    if b.requires_grad:
        local = op.d_b(xp, x, y, out)
        terms.append((b, local, _fit(_times(g, local), b.shape)))
    return terms


def _times(g: Any, local: Any) -> Any:
    if type(local) is float:  # the table's constant locals: skip multiplying by ±1
        if local == 1.0:
            return g
        if local == -1.0:
            return -g
    return g * local


def _fit(x: Any, shape: tuple[int, ...]) -> Any:
    """Bring a gradient to an operand's ``shape``: sum over the axes broadcasting created, and
    broadcast along axes where the operand is longer (works on arrays and on Tensors).

    Summing is the chain rule for a broadcast operand: ``b_i`` feeds every column of the seed's
    ``B`` (Eq. 6), so ``∂L/∂b_i = Σ_k ∂L/∂B_ik``.
    """
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    if lead > 0:
        x = x.sum(axis=tuple(range(lead)))
    elif lead < 0:
        x = x.reshape((1,) * -lead + x.shape)
    ones = tuple(k for k, n in enumerate(shape) if n == 1 and x.shape[k] != 1)
    if ones:
        x = x.sum(axis=ones, keepdims=True)
    if x.shape != shape:
        x = np.broadcast_to(x, shape) if isinstance(x, np.ndarray) else x + Tensor._constant(np.zeros(shape))
    return x


def _owned(c: Any, g: Any) -> np.ndarray:
    """A leaf's gradient must be its own array: users update ``grad`` in place (``p.grad *= 0``)."""
    if not isinstance(c, np.ndarray):
        return np.asarray(c, dtype=_FLOAT)
    if c is g or c.base is not None or not c.flags.writeable:
        return c.copy()
    return c


# --- contractions: einsum, @, sum, transpose ------------------------------------------------------
class _Plan(NamedTuple):
    """Subscripts with ``...`` expanded to letters and the output made explicit."""

    inputs: tuple[str, ...]
    output: str
    ellipsis: str  # the letters standing for '...' axes (for messages)

    @property
    def subscripts(self) -> str:
        return f"{','.join(self.inputs)}->{self.output}"


def einsum(subscripts: str, *operands: Any) -> Tensor:
    """Einstein summation with reverse mode, as ``np.einsum``: ``einsum('ij,jk->ik', A, B)`` is ``A @ B``.

    ``out[o] = Σ Π_i operand_i[s_i]``, summed over the letters not in the output. Supports
    ``...`` (broadcast axes), repeated letters in one operand (diagonals: ``'ii->i'``, trace
    ``'ii->'``), the implicit output form without ``->``, any number of operands, and size-1
    axes broadcasting against longer ones. Operands may be Tensors, numeric arrays or numbers.

    The gradient rule is written once for all subscripts (see :class:`_Einsum`); matrix products,
    sums and transposes are special cases and have no rule of their own.
    """
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a string like 'ij,jk->ik', got {type(subscripts).__name__}")
    tensors = tuple(_lift_strict(x, "einsum") for x in operands)
    return _contraction(subscripts, tensors, "")


def _contraction(subscripts: str, tensors: tuple[Tensor, ...], symbol: str, checked: bool = False) -> Tensor:
    """The contraction node; ``checked`` when the caller has validated the shapes (``@``, ``sum``)."""
    shapes = tuple(t.shape for t in tensors)
    plan = _parse(subscripts.replace(" ", ""), tuple(len(s) for s in shapes))
    if not checked:
        _check_sizes(plan, shapes, subscripts)
    try:
        data = _contract(plan.subscripts, [t.data for t in tensors])
    except ValueError as err:  # _check_sizes should have caught it; keep numpy's reason if not
        raise ValueError(f"einsum('{subscripts}'): operands of shapes {_shapes(shapes)}: {err}") from None
    return _node(data, _Einsum(plan, symbol or f"einsum({subscripts})"), tensors)


def _matmul(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` with numpy's rules (1-D promotion, broadcast batch axes), as the contraction over ``j``."""
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul (@): needs operands with at least one axis, got shapes {a.shape} and {b.shape} "
                         "(use * to scale by a scalar)")
    k_left = a.shape[-1]
    k_right = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_left != k_right:
        right_axis = "its only axis" if b.ndim == 1 else "its second-to-last axis"
        raise ValueError(f"matmul (@): shapes {a.shape} and {b.shape} do not align: the left operand's last axis "
                         f"has {k_left} entries, the right operand's {right_axis} has {k_right}")
    if a.ndim > 2 and b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"matmul (@): shapes {a.shape} and {b.shape}: the batch axes {a.shape[:-2]} and "
                             f"{b.shape[:-2]} cannot be broadcast together") from None
    return _contraction(_matmul_subscripts(a.ndim > 1, b.ndim > 1), (a, b), "@", checked=True)


@lru_cache(maxsize=4)
def _matmul_subscripts(left_matrix: bool, right_matrix: bool) -> str:
    """numpy's matmul as a contraction over ``j``: a 1-D operand is a vector, more axes are a batch."""
    left = "...ij" if left_matrix else "j"
    right = "...jk" if right_matrix else "j"
    out = ("..." if left_matrix or right_matrix else "") + ("i" if left_matrix else "") + ("k" if right_matrix else "")
    return f"{left},{right}->{out}"


class _Einsum:
    """A contraction node's operation: the parsed subscripts and the one gradient rule."""

    __slots__ = ("plan", "symbol")

    def __init__(self, plan: _Plan, symbol: str) -> None:
        self.plan, self.symbol = plan, symbol

    def vjp(self, node: Tensor, g: Any, i: int, create_graph: bool) -> Any:
        """``∂L/∂operand_i`` from ``g = ∂L/∂out``, for any subscripts.

        ``out[o] = Σ Π_j A_j[s_j]`` is linear in ``A_i``, and ``∂out[o]/∂A_i[s_i]`` is the
        product of the other operands, so ``∂L/∂A_i[s_i] = Σ g[o] Π_(j≠i) A_j[s_j]``: a
        contraction of ``g`` with the other operands producing ``s_i``. Two details make it total:
        a letter repeated in ``s_i`` (a diagonal) is renamed and tied back with an identity matrix
        ``δ``; a letter only ``A_i`` carries (summed out in the forward) does not occur on the
        right-hand side, so the result is constant along it and is broadcast back (:func:`_fit`).
        """
        parents = node._parents
        spec = _grad_spec(self.plan.inputs, self.plan.output, i)
        shape = parents[i].shape
        deltas = [np.eye(shape[axis]) for axis in spec.delta_axes]
        if create_graph:
            r = einsum(spec.subscripts, g, *(parents[j] for j in spec.others), *deltas)
        else:
            r = _contract(spec.subscripts, [g, *(parents[j].data for j in spec.others), *deltas])
        if spec.lonely_axes:
            sizes = iter(r.shape)
            r = r.reshape(tuple(1 if k in spec.lonely_axes else next(sizes) for k in range(len(shape))))
        return _fit(r, shape)


class _GradSpec(NamedTuple):
    subscripts: str  # "<output>,<other inputs>,<deltas>-><operand i, lonely letters dropped>"
    others: tuple[int, ...]  # indices of the other operands, in the order used
    delta_axes: tuple[int, ...]  # operand i's axes that repeat an earlier letter (one δ each)
    lonely_axes: tuple[int, ...]  # operand i's axes whose letter occurs nowhere else


@lru_cache(maxsize=1024)
def _grad_spec(inputs: tuple[str, ...], output: str, i: int) -> _GradSpec:
    fresh = iter(c for c in string.ascii_letters if c not in set("".join(inputs) + output))
    target, deltas, delta_axes, seen = list(inputs[i]), [], [], set()
    for axis, letter in enumerate(inputs[i]):
        if letter in seen:
            target[axis] = next(fresh)
            deltas.append(letter + target[axis])
            delta_axes.append(axis)
        seen.add(letter)
    others = tuple(j for j in range(len(inputs)) if j != i)
    available = set(output).union(*(inputs[j] for j in others), *deltas)
    lonely = tuple(axis for axis, letter in enumerate(target) if letter not in available)
    result = "".join(letter for axis, letter in enumerate(target) if axis not in lonely)
    operands = ",".join([output, *(inputs[j] for j in others), *deltas])
    return _GradSpec(f"{operands}->{result}", others, tuple(delta_axes), lonely)


@lru_cache(maxsize=1024)
def _parse(subscripts: str, ndims: tuple[int, ...]) -> _Plan:
    """Expand ``...`` into letters and make the output explicit; ``ValueError`` for bad subscripts."""
    where = f"einsum('{subscripts}')"
    bad = set(subscripts) - set(string.ascii_letters) - set(",.->")
    if bad:
        raise ValueError(f"{where}: invalid character(s) {sorted(bad)}; use letters, ',', '...' and '->'")
    lhs, arrow, output = subscripts.partition("->")
    if "->" in output or ("-" in lhs or ">" in lhs) or ("-" in output or ">" in output):
        raise ValueError(f"{where}: '->' must appear at most once, between the inputs and the output")
    terms = lhs.split(",")
    if len(terms) != len(ndims):
        raise ValueError(f"{where}: the subscripts name {len(terms)} operand(s) but {len(ndims)} were given")
    for term in [*terms, output]:
        if term.replace("...", "").count(".") or term.count("...") > 1:
            raise ValueError(f"{where}: '.' may only appear as one '...' per operand")
    used = set(lhs + output) - set(",.")
    pool = [c for c in string.ascii_letters if c not in used]
    widths = []
    for k, (term, ndim) in enumerate(zip(terms, ndims, strict=True)):
        named = len(term.replace("...", ""))
        width = ndim - named
        if width < 0 or (width > 0 and "..." not in term):
            raise ValueError(f"{where}: operand {k} has {ndim} axes but its subscripts '{term}' name {named}")
        widths.append(width)
    ell = "".join(pool[: max(widths, default=0)])
    inputs = tuple(t.replace("...", ell[len(ell) - w:]) for t, w in zip(terms, widths, strict=True))
    if arrow:
        if ell and "..." not in output:
            raise ValueError(f"{where}: the operands have '...' axes but the output has no '...' to hold them")
        output = output.replace("...", ell)
        for letter in output:
            if output.count(letter) > 1:
                raise ValueError(f"{where}: output letter '{letter}' appears more than once")
            if letter not in "".join(inputs):
                raise ValueError(f"{where}: output letter '{letter}' appears in no operand")
    else:  # numpy's implicit form: the '...' axes, then the letters used once, in sorted order
        counts = "".join(terms).replace("...", "")
        output = ell + "".join(sorted(c for c in set(counts) if counts.count(c) == 1))
    return _Plan(inputs, output, ell)


def _check_sizes(plan: _Plan, shapes: tuple[tuple[int, ...], ...], subscripts: str) -> None:
    """Each letter names one length (or 1, which broadcasts); say which operands disagree if not."""
    seen: dict[str, tuple[int, int]] = {}
    for k, (term, shape) in enumerate(zip(plan.inputs, shapes, strict=True)):
        for letter, size in zip(term, shape, strict=True):
            if letter not in seen:
                seen[letter] = (size, k)
                continue
            size0, k0 = seen[letter]
            same_operand_mismatch = k0 == k and size0 != size
            if size0 != size and (same_operand_mismatch or 1 not in (size0, size)):
                axis = "a '...' axis" if letter in plan.ellipsis else f"axis '{letter}'"
                raise ValueError(f"einsum('{subscripts}'): {axis} has length {size0} in operand {k0} "
                                 f"(shape {shapes[k0]}) but {size} in operand {k} (shape {shape}); "
                                 f"operand shapes: {_shapes(shapes)}")
            if size0 == 1:
                seen[letter] = (size, k)


def _shapes(shapes: tuple[tuple[int, ...], ...]) -> str:
    return ", ".join(map(str, shapes))


# How a contraction is computed is an implementation detail below the derivative rule: a single
# operand is np.sum + transpose (pairwise summation, accurate); two operands without diagonals
# are one np.matmul (BLAS) after transposes and reshapes, which is what makes the Tensor MLP step
# close to hand-written numpy (benchmarks/, Tensor rows); anything else is np.einsum.
class _PairPlan(NamedTuple):
    a_sum: tuple[int, ...]  # axes of a (b) summed out before the product: letters nobody else has
    b_sum: tuple[int, ...]
    a_perm: tuple[int, ...] | None  # a's remaining axes as batch + free + contracted
    b_perm: tuple[int, ...] | None  # b's remaining axes as batch + contracted + free
    n_batch: int
    n_a_free: int
    n_contracted: int
    out_perm: tuple[int, ...] | None  # batch + a_free + b_free -> output order
    shared: tuple[tuple[int, int], ...]  # (axis in a, axis in b) of letters both carry
    swap: bool  # the plan multiplies the second operand by the first


class _SumPlan(NamedTuple):
    axes: tuple[int, ...]
    perm: tuple[int, ...] | None


@lru_cache(maxsize=1024)
def _contract_plan(subscripts: str) -> _SumPlan | _PairPlan | None:
    lhs, _, out = subscripts.partition("->")
    terms = lhs.split(",")
    if any(len(set(t)) != len(t) for t in terms):
        return None
    if len(terms) == 1:
        (t,) = terms
        kept = [c for c in t if c in out]
        perm = tuple(kept.index(c) for c in out)
        summed = tuple(k for k, c in enumerate(t) if c not in out)
        return _SumPlan(summed, None if perm == tuple(range(len(out))) else perm)
    if len(terms) != 2:
        return None
    a, b = terms
    plan = _pair_plan(a, b, out)
    if plan.out_perm is not None:  # e.g. 'ik,ij->jk': computing (Xᵀ G) beats (Gᵀ X)ᵀ, a strided result
        swapped = _pair_plan(b, a, out)
        if swapped.out_perm is None:
            return swapped._replace(swap=True)
    return plan


def _pair_plan(a: str, b: str, out: str) -> _PairPlan:
    a_kept = [c for c in a if c in b or c in out]
    b_kept = [c for c in b if c in a or c in out]
    batch = [c for c in out if c in a and c in b]
    contracted = [c for c in a if c in b and c not in out]
    a_free = [c for c in a_kept if c not in b]
    b_free = [c for c in b_kept if c not in a]
    a_perm = tuple(a_kept.index(c) for c in batch + a_free + contracted)
    b_perm = tuple(b_kept.index(c) for c in batch + contracted + b_free)
    out_perm = tuple((batch + a_free + b_free).index(c) for c in out)
    identity = lambda p: p == tuple(range(len(p)))
    return _PairPlan(
        a_sum=tuple(k for k, c in enumerate(a) if c not in a_kept),
        b_sum=tuple(k for k, c in enumerate(b) if c not in b_kept),
        a_perm=None if identity(a_perm) else a_perm,
        b_perm=None if identity(b_perm) else b_perm,
        n_batch=len(batch), n_a_free=len(a_free), n_contracted=len(contracted),
        out_perm=None if identity(out_perm) else out_perm,
        shared=tuple((a.index(c), b.index(c)) for c in a if c in b),
        swap=False,
    )


def _contract(subscripts: str, arrays: list[Any]) -> np.ndarray:
    """``np.einsum(subscripts, *arrays)`` on explicit subscripts, by the fastest exact route."""
    plan = _contract_plan(subscripts)
    if isinstance(plan, _SumPlan):
        x = arrays[0]
        if plan.axes:
            x = x.sum(axis=plan.axes)
        return x if plan.perm is None else x.transpose(plan.perm)
    if isinstance(plan, _PairPlan):
        a, b = arrays[::-1] if plan.swap else arrays
        if all(a.shape[i] == b.shape[j] for i, j in plan.shared):  # size-1 broadcasting goes to np.einsum
            return _pair_product(plan, a, b)
    return np.einsum(subscripts, *arrays, optimize=len(arrays) > 2 or "greedy")


def _pair_product(p: _PairPlan, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if p.a_sum:
        a = a.sum(axis=p.a_sum)
    if p.b_sum:
        b = b.sum(axis=p.b_sum)
    if p.a_perm is not None:
        a = a.transpose(p.a_perm)
    if p.b_perm is not None:
        b = b.transpose(p.b_perm)
    nb, nf, nc = p.n_batch, p.n_a_free, p.n_contracted
    batch, m_shape, n_shape = a.shape[:nb], a.shape[nb:nb + nf], b.shape[nb + nc:]
    m, k, n = math.prod(m_shape), math.prod(a.shape[nb + nf:]), math.prod(n_shape)
    lead = (math.prod(batch),) if nb else ()
    r = np.matmul(a.reshape((*lead, m, k)), b.reshape((*lead, k, n)))
    shape = batch + m_shape + n_shape
    if r.shape != shape:  # reshape only when needed: a view would cost a leaf's grad a copy (_owned)
        r = r.reshape(shape)
    return r if p.out_perm is None else r.transpose(p.out_perm)


# --- reshape, indexing, stack, concatenate ------------------------------------------------------
class _Reshape:
    symbol = "reshape"

    @staticmethod
    def vjp(node: Tensor, g: Any, i: int, create_graph: bool) -> Any:
        return g.reshape(node._parents[0].shape)


_RESHAPE = _Reshape()


def _plain_index(index: Any) -> Any:
    """Tensors used as indices become their (integer) arrays; Values are refused."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if isinstance(index, Tensor):
        data = index.data
        return data.astype(np.intp) if np.all(data == np.round(data)) else data
    return index


def _is_advanced(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, list | np.ndarray) for p in parts)


class _Index:
    """``x[index]``; its gradient puts ``g`` back where the entries came from."""

    __slots__ = ("index",)
    symbol = "[]"

    def __init__(self, index: Any) -> None:
        self.index = index

    def vjp(self, node: Tensor, g: Any, i: int, create_graph: bool) -> Any:
        shape = node._parents[0].shape
        if create_graph:
            return _node(_scatter(g.data, self.index, shape), _Scatter(self.index, shape), (g,))
        return _scatter(g, self.index, shape)


class _Scatter:
    """The gradient of indexing, as a node (for ``create_graph``); its own gradient is indexing."""

    __slots__ = ("index", "shape")
    symbol = "scatter"

    def __init__(self, index: Any, shape: tuple[int, ...]) -> None:
        self.index, self.shape = index, shape

    def vjp(self, node: Tensor, g: Any, i: int, create_graph: bool) -> Any:
        return g[self.index]


def _scatter(g: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape)
    if _is_advanced(index):
        np.add.at(out, index, g)  # an entry picked twice gets both contributions
    else:
        out[index] += g
    return out


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join equally shaped Tensors along a new axis, as ``np.stack``."""
    parts = tuple(_lift_strict(t, "stack") for t in tensors)
    try:
        data = np.stack([t.data for t in parts], axis=axis)
    except ValueError as err:
        raise ValueError(f"stack: shapes {_shapes(tuple(t.shape for t in parts))} along axis {axis}: {err}") from None
    return _node(data, _Join("stack", _axis(axis, data.ndim, "stack"), None), parts)


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join Tensors along an existing axis, as ``np.concatenate``."""
    parts = tuple(_lift_strict(t, "concatenate") for t in tensors)
    try:
        data = np.concatenate([t.data for t in parts], axis=axis)
    except ValueError as err:
        raise ValueError(f"concatenate: shapes {_shapes(tuple(t.shape for t in parts))} along axis {axis}: "
                         f"{err}") from None
    ax = _axis(axis, data.ndim, "concatenate")
    offsets = np.cumsum([0, *(t.shape[ax] for t in parts)]).tolist()
    return _node(data, _Join("concatenate", ax, offsets), parts)


class _Join:
    """``stack`` / ``concatenate``: each operand's gradient is its own slice of ``g``."""

    __slots__ = ("symbol", "axis", "offsets")

    def __init__(self, symbol: str, axis: int, offsets: list[int] | None) -> None:
        self.symbol, self.axis, self.offsets = symbol, axis, offsets

    def vjp(self, node: Tensor, g: Any, i: int, create_graph: bool) -> Any:
        part = i if self.offsets is None else slice(self.offsets[i], self.offsets[i + 1])
        return g[(slice(None),) * self.axis + (part,)]


# --- small helpers ------------------------------------------------------------------------------
def _axis(axis: int, ndim: int, where: str) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"{where}: axis {axis} is out of range for {ndim} axes")
    return axis % ndim


def _normalize_axes(axis: int | Sequence[int] | None, ndim: int, where: str) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, numbers.Integral) else axis
    if not isinstance(axes, Sequence) or isinstance(axes, str) or not all(_is_int(a) for a in axes):
        raise TypeError(f"{where}: axis must be an int or a tuple of ints, got {axis!r}")
    out = tuple(sorted({_axis(int(a), ndim, where) for a in axes}))
    if len(out) != len(axes):
        raise ValueError(f"{where}: repeated axis in {axis}")
    return out


def _is_int(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _letters(ndim: int, where: str) -> str:
    if ndim > len(string.ascii_letters):
        raise ValueError(f"{where}: at most {len(string.ascii_letters)} axes are supported, got {ndim}")
    return string.ascii_letters[:ndim]
