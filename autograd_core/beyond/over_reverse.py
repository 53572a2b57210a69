"""Forward over reverse: a reverse transform (``grad``, ``vjp``, ``jacobian``, ``hessian``) handed dual numbers.

``jvp(grad(f), x, v)`` is the Hessian-vector product ``H v``: ``jvp`` calls ``grad(f)`` with a dual
number ``x + v·ε``. The reverse engines hold plain numbers, so the dual cannot ride through them.
Instead the transform is run on graph leaves standing for the duals' primals -- a transform handed
nodes builds its result as a graph (``create_graph=True``) -- and the duals' tangents are then
pushed forward through that recorded graph (:func:`autograd_core.engine.graph.push_tangents`, the
table's local derivatives read forwards). Each number of the result comes back as a dual of the
same tag: its value, and its derivative along ``v``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine import graph
from ..scalar.value import Value
from ..tensor import Tensor
from .forward import Dual


def holds_duals(args: tuple[Any, ...]) -> bool:
    """Whether any argument is a dual number, or an object array holding one."""
    return any(_duals_in(x) for x in args)


def through_duals(transform: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                  engine: str) -> Any:
    """``transform(*args)`` where some arguments are duals: record on leaves, then push the tangents.

    Under ``engine="auto"`` an array dual is tried as an object array of ``Value`` s first and as a
    ``Tensor`` if ``f`` cannot run on those, as the transforms themselves do.
    """
    tag = max(d.tag for x in args for d in _duals_in(x))
    engines = ("value", "tensor") if engine == "auto" else (engine,)
    for k, chosen in enumerate(engines):
        leaves: list[Any] = []
        tangents: list[Any] = []
        lifted = tuple(_lift(x, tag, chosen, leaves, tangents) for x in args)
        try:
            result = transform(*lifted, **kwargs)
        except (TypeError, AttributeError) as err:
            if k + 1 == len(engines) or isinstance(err, graph.ConversionError):
                raise
            continue
        return _with_tangents(result, leaves, tangents, tag)
    raise AssertionError("unreachable")  # pragma: no cover


def _duals_in(x: Any) -> list[Dual]:
    if isinstance(x, Dual):
        return [x]
    if isinstance(x, np.ndarray) and x.dtype == object:
        return [e for e in x.flat if isinstance(e, Dual)]
    return []


def _lift(x: Any, tag: int, engine: str, leaves: list[Any], tangents: list[Any]) -> Any:
    """A dual of ``tag`` as graph leaves holding its primal (their tangents remembered); others as they are."""
    if isinstance(x, Dual) and x.tag == tag:
        primal, tangent = _plain(x.primal), x._full_tangent() if isinstance(x.primal, np.ndarray) else x.tangent
        if not isinstance(primal, np.ndarray):
            return _leaf(Value(primal), tangent, leaves, tangents)
        if engine == "tensor":
            return _leaf(Tensor(primal, requires_grad=True), np.asarray(tangent, dtype=float), leaves, tangents)
        out = np.empty(primal.shape, dtype=object)
        for index in np.ndindex(primal.shape):
            out[index] = _leaf(Value(float(primal[index])), tangent[index], leaves, tangents)
        return out
    if isinstance(x, np.ndarray) and x.dtype == object and any(isinstance(e, Dual) and e.tag == tag for e in x.flat):
        out = np.empty(x.shape, dtype=object)
        for index in np.ndindex(x.shape):
            e = x[index]
            ours = isinstance(e, Dual) and e.tag == tag
            out[index] = _leaf(Value(_plain(e.primal)), e.tangent, leaves, tangents) if ours else e
        return out
    return x


def _leaf(leaf: Any, tangent: Any, leaves: list[Any], tangents: list[Any]) -> Any:
    leaves.append(leaf)
    tangents.append(tangent)
    return leaf


def _plain(primal: Any) -> Any:
    if isinstance(primal, float | int | np.floating) or (isinstance(primal, np.ndarray) and primal.dtype != object):
        return primal
    raise TypeError("a reverse transform (grad, vjp, jacobian, hessian) was handed a dual number whose value is "
                    "itself a dual or a graph node: forward over forward over reverse is not supported; "
                    "nest reverse mode instead (hessian, grad of grad)")


def _with_tangents(result: Any, leaves: list[Any], tangents: list[Any], tag: int) -> Any:
    """The transform's result with every graph node replaced by a dual: its number and pushed tangent."""
    outputs: list[Any] = []
    _collect(result, outputs)
    pushed = dict(zip(map(id, outputs), graph.push_tangents(outputs, leaves, tangents), strict=True))
    return _rebuild(result, pushed, tag)


def _collect(x: Any, into: list[Any]) -> None:
    if isinstance(x, tuple | list):
        for e in x:
            _collect(e, into)
    elif isinstance(x, np.ndarray) and x.dtype == object:
        into.extend(e for e in x.flat if isinstance(e, Value))
    elif isinstance(x, Value | Tensor):
        into.append(x)


def _rebuild(x: Any, pushed: dict[int, Any], tag: int) -> Any:
    if isinstance(x, tuple | list):
        return type(x)(_rebuild(e, pushed, tag) for e in x)
    if isinstance(x, np.ndarray) and x.dtype == object:
        out = np.empty(x.shape, dtype=object)
        for index in np.ndindex(x.shape):
            out[index] = _rebuild(x[index], pushed, tag)
        return out
    if isinstance(x, Value | Tensor):
        t = pushed.get(id(x))
        return Dual(x.data, 0.0 if t is None else t, tag)
    return x
