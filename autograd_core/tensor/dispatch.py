"""numpy's dispatch protocols on ``Tensor``: ``np.tanh(t)``, ``np.sum(t, axis=0)``, ``np.stack([t, t])``.

numpy hands every call that involves a ``Tensor`` to ``Tensor.__array_ufunc__`` (ufuncs such as
``np.exp``, ``np.add``, ``np.matmul``) or ``Tensor.__array_function__`` (``np.sum``, ``np.stack``,
``np.einsum`` ...). The rule of this module:

* a numpy function with an entry in the derivative table returns a ``Tensor`` on the graph, exactly
  what the Tensor method gives (``np.tanh(t)`` is ``t.tanh()``);
* numpy's keyword arguments are honoured (``axis``, ``keepdims``) or refused by name: ``out=`` would
  write the result into an array outside the graph, and ``dtype=``, ``where=`` ... have no rule;
* predicates (``np.isnan``, ``np.greater``, ``np.allclose`` ...) have no derivative and read the numbers;
* every other numpy function raises a ``TypeError`` naming it and saying how to go on. Never a
  detached ndarray, never numpy's own "does not support ufuncs".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine import ops
from . import functions, nodes
from .tensor import Tensor, _lift_strict

# --- ufuncs -----------------------------------------------------------------------------------
_UNARY: dict[Any, ops.Unary] = {  # numpy's ufunc of an entry's name (np.exp ...), and a few of other names
    **{getattr(np, name): op for name, op in ops.UNARY.items() if isinstance(getattr(np, name, None), np.ufunc)},
    np.negative: ops.NEG, np.absolute: ops.ABS, np.fabs: ops.ABS, np.rint: ops.ROUND,
}
_BINARY: dict[Any, ops.Binary] = {
    np.add: ops.ADD, np.subtract: ops.SUB, np.multiply: ops.MUL, np.true_divide: ops.DIV,
    **{getattr(np, name): ops.BINARY[name] for name in ops.NAMED_BINARY},
}
# No derivative (a predicate, or a piecewise-constant function): computed on the numbers.
_PREDICATES = {
    np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,
    np.isnan, np.isinf, np.isfinite, np.signbit, np.logical_and, np.logical_or, np.logical_not,
}


def array_ufunc(ufunc: Any, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``Tensor.__array_ufunc__``: a Tensor node for a ufunc with a table entry, a clear refusal otherwise."""
    name = f"numpy.{ufunc.__name__}"
    if method != "__call__":
        raise TypeError(f"{name}.{method} on a Tensor has no derivative rule in autograd-core; use the Tensor "
                        "methods (t.sum(axis), t.mean(axis)) or apply it to t.numpy() for a constant result")
    _refuse_keywords(name, kwargs)
    if ufunc in _PREDICATES:
        return ufunc(*(_numbers(x) for x in inputs))
    if ufunc in _UNARY and len(inputs) == 1:
        return nodes.unary(_UNARY[ufunc], _lift_strict(inputs[0], name))
    if len(inputs) == 2 and (ufunc in _BINARY or ufunc in (np.power, np.matmul)):
        a, b = (_lift_strict(x, name) for x in inputs)
        if ufunc is np.power:
            return nodes.power(a, b)
        if ufunc is np.matmul:
            return nodes.matmul(a, b)
        return nodes.binary(_BINARY[ufunc], a, b)
    raise _no_rule(name)


# --- functions ------------------------------------------------------------------------------
def _sum(a: Any, axis: Any = None, keepdims: bool = False, **kwargs: Any) -> Tensor:
    _refuse_keywords("numpy.sum", kwargs)
    return _lift_strict(a, "numpy.sum").sum(axis, keepdims)


def _mean(a: Any, axis: Any = None, keepdims: bool = False, **kwargs: Any) -> Tensor:
    _refuse_keywords("numpy.mean", kwargs)
    return _lift_strict(a, "numpy.mean").mean(axis, keepdims)


def _transpose(a: Any, axes: Any = None) -> Tensor:
    t = _lift_strict(a, "numpy.transpose")
    return t.transpose() if axes is None else t.transpose(tuple(axes))


def _reshape(a: Any, *args: Any, **kwargs: Any) -> Tensor:
    shape = args[0] if args else kwargs.pop("shape", kwargs.pop("newshape", None))
    if kwargs.pop("order", "C") != "C":
        raise TypeError("numpy.reshape on a Tensor: only order='C' is supported")
    _refuse_keywords("numpy.reshape", kwargs)
    return _lift_strict(a, "numpy.reshape").reshape(shape)


def _ravel(a: Any, order: str = "C") -> Tensor:
    if order != "C":
        raise TypeError("numpy.ravel on a Tensor: only order='C' is supported")
    return _lift_strict(a, "numpy.ravel").reshape(-1)


def _expand_dims(a: Any, axis: Any) -> Tensor:
    t = _lift_strict(a, "numpy.expand_dims")
    return t.reshape(np.expand_dims(np.broadcast_to(False, t.shape), axis).shape)


def _where(condition: Any, *operands: Any) -> Any:
    if not operands:  # np.where(c) is np.nonzero(c): indices, no derivative
        return np.where(_numbers(condition))
    return functions.where(condition, *operands)


def _clip(a: Any, a_min: Any = None, a_max: Any = None, **kwargs: Any) -> Any:
    lo, hi = kwargs.pop("min", a_min), kwargs.pop("max", a_max)
    _refuse_keywords("numpy.clip", kwargs)
    return functions.clip(a, lo, hi)


def _round(a: Any, decimals: int = 0, out: Any = None) -> Any:
    _refuse_keywords("numpy.round", {"out": out})
    t = functions.node(a, "numpy.round")
    if decimals == 0:
        return t.round()
    scale = 10.0 ** decimals
    return (t * scale).round() * (1.0 / scale)


def _broadcast_to(array: Any, shape: Any, subok: bool = False) -> Any:
    t = functions.node(array, "numpy.broadcast_to")
    target = (shape,) if isinstance(shape, int) else tuple(shape)
    try:
        np.broadcast_to(np.empty(t.shape, dtype=np.int8), target)
    except ValueError as err:
        raise ValueError(f"broadcast_to: cannot broadcast shape {t.shape} to {target}: {err}") from None
    return t._apply(ops.BROADCAST_TO, target, (t,), "broadcast_to")


def _adapt(name: str, function: Callable[..., Any], keywords: tuple[str, ...] = ()) -> Callable[..., Any]:
    """numpy's ``name`` as the library's ``function``; keywords other than ``keywords`` refused by name."""

    def handler(*args: Any, **kwargs: Any) -> Any:
        _refuse_keywords(f"numpy.{name}", {k: kwargs.pop(k) for k in list(kwargs) if k not in keywords})
        return function(*args, **kwargs)

    return handler


_REDUCING = ("axis", "keepdims")
# numpy's function -> (the library's function, the keywords it honours)
_NAMED: dict[Any, tuple[Callable[..., Any], tuple[str, ...]]] = {
    np.max: (functions.max, _REDUCING), np.amax: (functions.max, _REDUCING),
    np.min: (functions.min, _REDUCING), np.amin: (functions.min, _REDUCING),
    np.argmax: (functions.argmax, ("axis",)), np.argmin: (functions.argmin, ("axis",)),
    np.prod: (functions.prod, _REDUCING), np.cumsum: (functions.cumsum, ("axis",)),
    np.cumprod: (functions.cumprod, ("axis",)),
    np.var: (functions.var, (*_REDUCING, "ddof")), np.std: (functions.std, (*_REDUCING, "ddof")),
    np.flip: (functions.flip, ("axis",)), np.roll: (functions.roll, ("shift", "axis")),
    np.repeat: (functions.repeat, ("repeats", "axis")), np.tile: (functions.tile, ("reps",)),
    np.tril: (functions.tril, ("k",)), np.triu: (functions.triu, ("k",)),
    np.pad: (functions.pad, ("pad_width", "mode", "constant_values")),
    np.squeeze: (functions.squeeze, ("axis",)), np.swapaxes: (functions.swapaxes, ("axis1", "axis2")),
    np.moveaxis: (functions.moveaxis, ("source", "destination")),
    np.diagonal: (functions.diagonal, ("offset", "axis1", "axis2")), np.diag: (functions.diag, ("k",)),
    np.trace: (functions.trace, ("offset", "axis1", "axis2")),
    np.outer: (functions.outer, ()), np.kron: (functions.kron, ()),
    np.linalg.det: (functions.det, ()), np.linalg.slogdet: (functions.slogdet, ()),
    np.linalg.inv: (functions.inv, ()), np.linalg.solve: (functions.solve, ()),
    np.linalg.norm: (functions.norm, ("ord", *_REDUCING)), np.linalg.eigh: (functions.eigh, ()),
    np.linalg.eigvalsh: (functions.eigvalsh, ()), np.linalg.cholesky: (functions.cholesky, ()),
}


def _stack(arrays: Any, axis: int = 0, **kwargs: Any) -> Tensor:
    _refuse_keywords("numpy.stack", kwargs)
    return nodes.stack(arrays, axis)


def _concatenate(arrays: Any, axis: int = 0, **kwargs: Any) -> Tensor:
    _refuse_keywords("numpy.concatenate", kwargs)
    return nodes.concatenate(arrays, axis)


def _einsum(subscripts: Any, *operands: Any, **kwargs: Any) -> Tensor:
    kwargs.pop("optimize", None)  # how numpy orders the work; the result is the same
    _refuse_keywords("numpy.einsum", kwargs)
    return nodes.einsum(subscripts, *operands)


def _dot(a: Any, b: Any, out: Any = None) -> Tensor:
    _refuse_keywords("numpy.dot", {"out": out})
    x, y = _lift_strict(a, "numpy.dot"), _lift_strict(b, "numpy.dot")
    if x.ndim == 0 or y.ndim == 0:
        return x * y
    if x.ndim > 2 or y.ndim > 2:
        raise TypeError(f"numpy.dot on Tensors of shapes {x.shape} and {y.shape}: only up to 2 axes are supported "
                        "(for more, numpy.dot is not matmul); use @ or autograd_core.einsum")
    return nodes.matmul(x, y)


def _on_numbers(func: Callable[..., Any]) -> Callable[..., Any]:
    """A function without a derivative (a shape, a comparison): evaluated on the numbers."""
    return lambda *args, **kwargs: func(*(_numbers(x) for x in args), **{k: _numbers(v) for k, v in kwargs.items()})


_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.sum: _sum, np.mean: _mean, np.transpose: _transpose, np.reshape: _reshape, np.ravel: _ravel,
    np.expand_dims: _expand_dims, np.stack: _stack, np.concatenate: _concatenate,
    np.where: _where, np.clip: _clip, np.round: _round, np.around: _round, np.broadcast_to: _broadcast_to,
    **{func: _adapt(func.__name__, function, keywords) for func, (function, keywords) in _NAMED.items()},
    np.einsum: _einsum, np.dot: _dot, np.matmul: lambda a, b: array_ufunc(np.matmul, "__call__", (a, b), {}),
    **{f: _on_numbers(f) for f in (np.shape, np.ndim, np.size, np.allclose, np.isclose, np.array_equal)},
}


# The handlers written on any graph node (Tensor or forward-mode Dual), not only on Tensors.
_ON_NODES = {*_NAMED, np.where, np.clip, np.round, np.around, np.broadcast_to}


def node_function(func: Any) -> Callable[..., Any] | None:
    """The handler of a numpy function that works on any node with ``_apply`` (a ``Dual`` too), or ``None``."""
    return _FUNCTIONS[func] if func in _ON_NODES else None


def array_function(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``Tensor.__array_function__``: the handler of ``func``, or a ``TypeError`` naming it."""
    handler = _FUNCTIONS.get(func)
    if handler is None:
        raise _no_rule(f"{_module_of(func)}.{func.__name__}")
    return handler(*args, **kwargs)


# --- helpers -----------------------------------------------------------------------------------
def _refuse_keywords(name: str, kwargs: dict[str, Any]) -> None:
    """Refuse, by name, a numpy keyword the Tensor cannot honour (``out=`` above all)."""
    for key, value in kwargs.items():
        if value is None or (key == "where" and value is True):
            continue
        if key == "out":
            raise TypeError(f"{name}(..., out=...) on a Tensor: the result would be written into an array outside "
                            "the graph and its gradient lost; use the returned Tensor instead")
        if key == "dtype" and np.dtype(value) == np.float64:
            continue
        raise TypeError(f"{name}: the keyword {key}={value!r} is not supported on a Tensor (float64 only, no masks)")


def _numbers(x: Any) -> Any:
    """A Tensor's array (also inside a list or tuple of operands); anything else as it is."""
    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, list | tuple):
        return type(x)(e.data if isinstance(e, Tensor) else e for e in x)
    return x


def _module_of(func: Any) -> str:
    module = getattr(func, "__module__", None) or "numpy"
    return "numpy" if module.startswith("numpy.core") or module.startswith("numpy._core") else module


def _no_rule(name: str) -> TypeError:
    return TypeError(
        f"{name} has no derivative rule in autograd-core, so it cannot take a Tensor without dropping the graph. "
        "Write it with Tensor operations (the derivative table: docs/primitives.md), or call it on t.numpy() "
        "if you want a constant"
    )
