"""``Tensor``: the vectorized engine -- one float64 numpy array is one node of the graph.

A ``Tensor`` is the scalar ``Value`` engine applied to whole arrays at once, not a second copy of
it:

* **One derivative table.** Every elementwise operation takes its forward value and its local
  derivative from :mod:`autograd_core.engine.ops`, the entries the ``Value`` engine uses, evaluated with
  the array namespace :data:`~autograd_core.engine.ops.ARRAY`. The vector-Jacobian product of an
  elementwise op is ``g * local``, summed back over the axes numpy broadcast (``unbroadcast``): that
  is how the seed's bias matrix ``B`` built from the vector ``b`` (Eq. 6) gets ``∇_b L``.
* **Emergent matmul.** ``@``, ``sum``, ``transpose`` and ``einsum`` are all one operation, a
  contraction ``out[o] = Σ_(letters not in o) Π_i operand_i[s_i]``, with one derivative rule
  written for any subscripts: the gradient with respect to operand ``i`` is the contraction of
  the upstream gradient with the *other* operands, producing operand ``i``'s subscripts
  (the table's ``EINSUM`` entry). For ``Z = W @ X`` that rule gives ``∇_W = G Xᵀ`` and ``∇_X = Wᵀ G``
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
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from ..engine import graph, ops
from ..engine.contraction import (
    Plan,
    axis_index,
    is_int,
    normalize_axes,
    parse,
    sum_subscripts,
    transpose_subscripts,
)
from ..engine.namespaces import quiet
from ..engine.ops import Call, Function, Linear
from .checks import real_array, refuse_values

__all__ = ["Tensor"]

_FLOAT = np.float64


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
    _FRESH_GRAD = None  # what the sweep resets an intermediate grad to (engine.graph._start_pass)

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

    # Ordering comparisons read the numbers and give a bool array (no derivative), through numpy's
    # predicates; == and hash stay identity, because nodes are dict keys and set members.
    __lt__ = lambda self, other: np.less(self, other)
    __le__ = lambda self, other: np.less_equal(self, other)
    __gt__ = lambda self, other: np.greater(self, other)
    __ge__ = lambda self, other: np.greater_equal(self, other)

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
        """The operands this node was computed from, in argument order.

        ``GraphFreedError`` on a node of a graph that ``backward(retain_graph=False)`` freed.
        """
        parents = self._parents
        if parents is None:
            raise graph.graph_freed(self)
        return parents

    @property
    def _is_leaf(self) -> bool:
        return self._op is None

    # --- elementwise arithmetic (the derivative table) ----------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return _nodes.binary(ops.ADD, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _nodes.binary(ops.ADD, self, other, reflected=True)

    def __sub__(self, other: Any) -> Tensor:
        return _nodes.binary(ops.SUB, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _nodes.binary(ops.SUB, self, other, reflected=True)

    def __mul__(self, other: Any) -> Tensor:
        return _nodes.binary(ops.MUL, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _nodes.binary(ops.MUL, self, other, reflected=True)

    def __truediv__(self, other: Any) -> Tensor:
        return _nodes.binary(ops.DIV, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _nodes.binary(ops.DIV, self, other, reflected=True)

    def __pow__(self, other: Any) -> Tensor:
        exponent = _lift(other)
        return NotImplemented if exponent is None else _nodes.power(self, exponent)

    def __rpow__(self, other: Any) -> Tensor:
        base = _lift(other)
        return NotImplemented if base is None else _nodes.power(base, self)

    def _power_unchecked(self, b: Any) -> Tensor:
        """``self ** b`` for ``ops.GRAPH.power``: inside a derivative rule ``0 ** -1`` is the honest
        ``inf`` of ``sqrt'(0)``, not the user's mistake that ``x ** n`` refuses."""
        return _nodes.power(self, _lift_strict(b, "power"), checked=False)

    def __neg__(self) -> Tensor:
        return _nodes.unary(ops.NEG, self)

    def neg(self) -> Tensor:
        """-x."""
        return _nodes.unary(ops.NEG, self)

    def exp(self) -> Tensor:
        """e**x, elementwise."""
        return _nodes.unary(ops.EXP, self)

    def log(self) -> Tensor:
        """Natural logarithm; raises ``ValueError`` if any entry is <= 0."""
        return _nodes.unary(ops.LOG, self)

    def tanh(self) -> Tensor:
        """Hyperbolic tangent, elementwise."""
        return _nodes.unary(ops.TANH, self)

    def sigmoid(self) -> Tensor:
        """Logistic function 1 / (1 + e**-x), computed without overflow."""
        return _nodes.unary(ops.SIGMOID, self)

    def relu(self) -> Tensor:
        """max(x, 0); its derivative at 0 is taken as 0."""
        return _nodes.unary(ops.RELU, self)

    def sin(self) -> Tensor:
        """Sine, elementwise."""
        return _nodes.unary(ops.SIN, self)

    def cos(self) -> Tensor:
        """Cosine, elementwise."""
        return _nodes.unary(ops.COS, self)

    def sqrt(self) -> Tensor:
        """Square root; raises ``ValueError`` if any entry is < 0."""
        return _nodes.unary(ops.SQRT, self)

    def abs(self) -> Tensor:
        """|x|; its derivative at 0 is taken as 0."""
        return _nodes.unary(ops.ABS, self)

    def __abs__(self) -> Tensor:
        return _nodes.unary(ops.ABS, self)

    def softplus(self) -> Tensor:
        """log(1 + e**x), computed without overflow; its derivative is sigmoid(x)."""
        return _nodes.unary(ops.SOFTPLUS, self)

    # --- contractions: @, sum, mean, transpose ------------------------------------------------
    def __matmul__(self, other: Any) -> Tensor:
        right = _lift(other)
        return NotImplemented if right is None else _nodes.matmul(self, right)

    def __rmatmul__(self, other: Any) -> Tensor:
        left = _lift(other)
        return NotImplemented if left is None else _nodes.matmul(left, self)

    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes by default), as numpy; a contraction such as ``'ij->j'``.

        Its gradient is the upstream gradient broadcast back along the summed axes -- the
        contraction rule of the table's ``EINSUM`` entry for letters that only the operand carries.
        """
        ndim = self.data.ndim
        axes = normalize_axes(axis, ndim, "sum")
        plan = _sum_plan(ndim, axes)
        out = _node(_nodes.contracted(plan, self.data), Call(ops.EINSUM, plan, "sum"), (self,))
        if keepdims:
            out = out.reshape(tuple(1 if k in axes else n for k, n in enumerate(self.shape)))
        return out

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (all axes by default): ``sum / count``, as the seed's Eq. 26."""
        axes = normalize_axes(axis, self.ndim, "mean")
        count = math.prod(self.shape[k] for k in axes)
        return self.sum(axes, keepdims) * (1.0 / count if count else math.nan)

    def transpose(self, *axes: int | Sequence[int]) -> Tensor:
        """Permute the axes (reverse them by default), as ``np.transpose``; a contraction ``'ij->ji'``."""
        perm = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], Sequence) else axes
        if not all(is_int(a) for a in perm):
            raise TypeError(f"transpose: axes must be ints, got {perm!r}")
        perm = tuple(range(self.ndim))[::-1] if not perm else tuple(axis_index(a, self.ndim, "transpose") for a in perm)
        if sorted(perm) != list(range(self.ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of the {self.ndim} axes "
                             f"of shape {self.shape}")
        return _nodes.contraction(transpose_subscripts(perm), (self,), "transpose", checked=True)

    @staticmethod
    def einsum(subscripts: str, *operands: Any) -> Tensor:
        """The general contraction; see :func:`autograd_core.tensor.nodes.einsum`."""
        return _nodes.einsum(subscripts, *operands)

    # --- structure: reshape and indexing ------------------------------------------------------
    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """The same entries in a new shape (``-1`` infers one axis), as ``np.reshape``."""
        target = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], Sequence) else shape
        try:
            data = ops.RESHAPE.forward(target, self.data)
        except (ValueError, TypeError) as err:
            raise ValueError(f"reshape: cannot reshape a Tensor of shape {self.shape} ({self.size} entries) "
                             f"into {target}: {err}") from None
        return _node(data, Call(ops.RESHAPE, target, "reshape"), (self,))

    def __getitem__(self, index: Any) -> Tensor:
        """Indexing and slicing as numpy (basic, ``None``, ``...``, integer and boolean arrays).

        The gradient goes back to the selected entries; entries selected twice by a fancy index
        receive both contributions (``np.add.at``).
        """
        index = _nodes.plain_index(index)
        try:
            data = ops.INDEX.forward(index, self.data)
        except IndexError as err:
            raise IndexError(f"Tensor of shape {self.shape}: {err}") from None
        return _node(data, Call(ops.INDEX, index, "[]"), (self,))

    # --- reverse mode -------------------------------------------------------------------------
    def backward(self, gradient: Any = None, create_graph: bool = False, retain_graph: bool = True) -> None:
        """Fill ``grad`` of every node below this one with ``∂self/∂node`` (the chain rule, Eq. 4).

        Args:
            gradient: ``∂L/∂self`` for some scalar ``L``; needed when ``self`` has more than one
                entry (then ``backward`` computes the vector-Jacobian product ``gradientᵀ J``).
                Must have ``self``'s shape. Default: 1 for a one-entry Tensor.
            create_graph: build the gradients as ``Tensor`` graphs, so they can be
                differentiated again (second derivatives, Hessian-vector products).
            retain_graph: keep the graph, the intermediate values and the intermediate gradients
                (the default: drawings, ``explain`` and the explorer read them after ``backward``).
                ``False`` lets go of each node once it has passed its gradient on, as PyTorch's
                default does: intermediate ``grad`` are ``None`` afterwards, the values nobody holds are
                freed during the sweep (less memory, a faster step: what ``fit`` uses), and reading the
                graph again raises ``GraphFreedError``.

        Leaf gradients accumulate across calls, as in PyTorch; use ``zero_grad()`` in between.
        """
        if not self.requires_grad:
            raise RuntimeError("backward(): this Tensor does not require grad -- none of the Tensors it was "
                               "computed from was created with requires_grad=True")
        seed = self._seed(gradient)
        with quiet():  # inf / nan results are defined; once for the sweep, not per node
            graph.backward(self, Tensor._constant(seed) if create_graph else seed, create_graph, retain_graph)

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

    @staticmethod
    def _sweep(order: list[Tensor], retain_graph: bool = True) -> None:
        """The backward sweep over ``order`` (``engine.graph.backward`` hands it here): see :func:`.nodes.sweep`."""
        _nodes.sweep(order, retain_graph)

    def _propagate(self) -> None:
        # The node protocol's single step: the sweep over this one node (Tensor.backward sweeps them all).
        _nodes.sweep([self], True)

    def _vjp(self, g: Any, create_graph: bool = False) -> list[tuple[Tensor, Any]]:
        """``(parent, g · ∂self/∂parent)`` for each parent that requires grad (Tensors if ``create_graph``).

        On arrays (``graph.gradients``: ``grad``, ``jacobian``, ``gradcheck``) by the sweep's direct routes;
        a leaf's term is its own array, never one shared with another node (:func:`.nodes.owned`).
        """
        if create_graph or self._op is None or g is None:
            return [(parent, contribution) for _, parent, _, contribution in self._terms(g, create_graph)]
        with quiet():
            g = g if type(g) is np.ndarray else _nodes.as_gradient(g.data if isinstance(g, Tensor) else g, self.shape)
            return [(p, _nodes.owned(c, g) if p._op is None else c) for p, c in _nodes.array_terms(self, self._op, g)]

    def _contributions(self) -> list[tuple[int, Tensor, Any, Any]]:
        """``(position, parent, local, contribution)`` for each parent that requires grad.

        ``position`` is the operand's place among *all* the operands; ``local`` is ``None`` for the
        table's linear entries (contractions, indexing ...), which have no single local factor.
        """
        return self._terms(self.grad, False)

    def _terms(self, g: Any, create_graph: bool) -> list[tuple[int, Tensor, Any, Any]]:
        return _nodes.terms(self, g, create_graph)

    def _jvp(self, parent_tangents: list[Any]) -> Any:
        """Forward mode over this node (``graph.push_tangents``): the table's rule read forwards."""
        return _nodes.forward_terms(self, parent_tangents)

    @staticmethod
    def _apply(entry: Linear | Function, params: Any, operands: Sequence[Any], symbol: str = "") -> Tensor:
        """A linear or whole-array entry of the table on Tensors (numbers are lifted): what ``GRAPH.apply``
        records. A :class:`~autograd_core.engine.ops.Function` checks its operands first (a square matrix ...)."""
        parents = tuple(_lift_strict(x, entry.name) for x in operands)
        datas = [p.data for p in parents]
        if isinstance(entry, Function) and entry.check is not None:
            entry.check(params, *datas)
        with quiet():
            data = entry.forward(params, *datas)
        return _node(data, Call(entry, params, symbol or entry.label), parents)

    # --- conversions --------------------------------------------------------------------------
    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """``copy.deepcopy`` and ``pickle`` of a leaf (data, grad, requires_grad, label); a computed node
        is refused, as PyTorch refuses non-leaf tensors (see ``engine.graph.copy_refused``)."""
        if self._op is not None:
            raise graph.copy_refused(self, "Tensor")
        return _rebuild, (self.data, graph.grad_to_copy(self, "Tensor"), self.requires_grad, self.label)

    def detach(self) -> Tensor:
        """The same data (shared, not copied) as a new leaf that does not require grad."""
        return Tensor._constant(self.data)

    def numpy(self) -> np.ndarray:
        """The data as a numpy array, shared, not copied; read-only when the Tensor requires grad.

        A Tensor in a graph is read again by ``backward()``; writing into it in between would change
        the gradient without a word, so the view refuses writes (``t.numpy().copy()`` to get your own).
        """
        if not self.requires_grad:
            return self.data
        graph.check_conversion(self, "numpy()")
        view = self.data.view()
        view.flags.writeable = False
        return view

    def item(self) -> float:
        """The single entry as a Python float; ``ValueError`` unless the Tensor has exactly one entry."""
        if self.size != 1:
            raise ValueError(f"item(): needs a Tensor with exactly one entry, got shape {self.shape}")
        graph.check_conversion(self, "item()")
        return float(self.data.reshape(()))

    def __float__(self) -> float:
        return self.item()

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """``np.tanh(t)``, ``ndarray + t`` ...: a node from the table, or a refusal naming the ufunc."""
        return _dispatch.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """``np.sum(t, axis=0)``, ``np.stack([t, t])`` ...: see :mod:`autograd_core.tensor.dispatch`."""
        return _dispatch.array_function(func, args, kwargs)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        graph.check_conversion(self, "numpy.asarray()")
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


@lru_cache(maxsize=256)
def _sum_plan(ndim: int, axes: tuple[int, ...]) -> Plan:
    """The contraction that sums ``axes`` of an ``ndim``-axis array (``'ab->b'`` ...), made once per shape."""
    return parse(sum_subscripts(ndim, axes), (ndim,))


# --- making nodes -------------------------------------------------------------------------------
def _node(data: Any, op: Any, parents: tuple[Tensor, ...]) -> Tensor:
    """The result of ``op`` on ``parents``: a graph node if any parent requires grad, else a constant."""
    if type(data) is not np.ndarray:
        data = np.asarray(data, dtype=_FLOAT)
    out = _new(Tensor)
    out.data, out.grad, out.label = data, None, ""
    if recording():  # not inside no_grad()
        for p in parents:
            if p.requires_grad:
                out.requires_grad, out._op, out._parents = True, op, parents
                return out
    out.requires_grad, out._op, out._parents = False, None, ()  # a constant
    return out


_new, recording = object.__new__, graph.recording  # bound once: _node runs for every operation


def _rebuild(data: np.ndarray, grad: Any, requires_grad: bool, label: str) -> Tensor:
    out = Tensor(data, requires_grad=requires_grad, label=label)
    out.grad = None if grad is None else np.array(grad, dtype=_FLOAT)
    return out


def _to_array(data: Any) -> np.ndarray:
    """A fresh float64 array from user data (a Tensor's is copied); ``TypeError`` for what is not real numbers."""
    return data.data.copy() if isinstance(data, Tensor) else real_array(data)


def _lift(x: Any) -> Tensor | None:
    """An operand as a Tensor: numbers and numeric arrays become constants; ``None`` if unsupported."""
    if isinstance(x, Tensor):
        return x
    if type(x) is float or type(x) is int:  # the common case first: isinstance(x, Real) is slow
        return Tensor._constant(np.asarray(float(x)))
    refuse_values(x)
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Tensor._constant(np.asarray(float(x)))
    if isinstance(x, np.ndarray | list | tuple):
        arr = np.asarray(x)
        if arr.dtype.kind in "biuf":
            # Copied: backward reads this array later, and the caller's array may change before
            # then (A[:] = 5 between forward and backward would change the gradient).
            return Tensor._constant(np.array(arr, dtype=_FLOAT))
        raise TypeError(f"cannot combine a Tensor with an array of dtype {arr.dtype}; it needs real numbers")
    return None


def _lift_strict(x: Any, where: str) -> Tensor:
    out = _lift(x)
    if out is None:
        raise TypeError(f"{where}: expected a Tensor, a numpy array or a number, got {type(x).__name__}")
    return out


# The operations (and numpy's dispatch to them) build Tensor nodes, so their modules need this class
# first: imported last.
from . import dispatch as _dispatch  # noqa: E402
from . import functions as _functions  # noqa: E402
from . import nodes as _nodes  # noqa: E402

ops.add_unary_methods(Tensor, lambda t, op: _nodes.unary(op, t), lambda t, op, other: _nodes.binary(op, t, other))

# The array functions PyTorch users look for as methods: t.max(axis=1, keepdims=True), t.softmax(-1) ...
for _name in _functions.METHODS:
    setattr(Tensor, _name, getattr(_functions, _name))
