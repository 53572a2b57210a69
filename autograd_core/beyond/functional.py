"""Derivatives as functions: ``grad``, ``value_and_grad``, ``jacobian``, ``hessian``, ``vjp``, ``jvp``.

Each takes a Python function ``f`` written against the library's nodes and returns numbers:

>>> from autograd_core import grad, hessian
>>> f = lambda x: (x * x * x).tanh()
>>> round(grad(f)(0.5), 6), round(grad(grad(f))(0.5), 6)
(0.738402, 2.815875)

**Inputs and outputs.** The differentiated arguments are Python floats or numpy arrays; they are
lifted to graph leaves, ``f`` runs, and the derivatives come back as floats or float arrays, with
the shapes stated below. Other arguments (and keyword arguments) are passed to ``f`` untouched.

**Engines** (``engine=``): ``"value"`` lifts a float to a :class:`~autograd_core.Value` and an
array to a numpy object array of ``Value`` s (one node per entry, the seed's Eq. 9 graph);
``"tensor"`` lifts each argument to one :class:`~autograd_core.Tensor`. ``"auto"`` (default)
tries ``"value"`` first and, if ``f`` raises ``TypeError`` / ``AttributeError`` on it, ``"tensor"``;
arguments that already are ``Value`` s or ``Tensor`` s fix the engine.

**Layouts.** :func:`jacobian` returns the seed's *numerator layout* by default (Eq. 2: rows are
outputs, columns are inputs; for a scalar ``L`` and a matrix ``A`` the derivative has the
transposed shape of Eq. 3). In general the result has shape ``out.shape + in.shape[::-1]``:
the output's axes, then the input's axes reversed, so entry ``[i, l, k]`` of a vector ``y`` by a
matrix ``A`` is ``∂y_i/∂a_kl``. ``layout="denominator"`` is its transpose (all axes reversed,
``in.shape + out.shape[::-1]``): for a scalar output that is the gradient ∇, shaped like the input
(Eq. 16, 19, 24). :func:`grad` always returns ∇ (the input's shape); :func:`hessian` returns
``H[i..., j...] = ∂²f/∂x_i ∂x_j`` of shape ``in.shape + in.shape``.

**Higher order.** Transforms nest: ``grad(grad(f))``, ``hessian(f)`` (reverse over reverse),
``grad`` of a function that calls ``jvp``. When a transform runs inside another (its inputs are
already nodes, or it is called while an outer transform evaluates ``f``), it builds its result
with ``create_graph=True`` and returns nodes instead of numbers, so the outer transform can
differentiate it. Forward over reverse (``jvp`` of ``grad``) is not supported: ``Value`` holds
floats, not dual numbers.

**Modes.** Reverse mode (the engines' ``backward`` sweep, :func:`autograd_core.engine.graph.gradients`)
gives a Jacobian row per output; forward mode (:mod:`autograd_core.beyond.forward`, dual numbers on the
same derivative table) gives a column per input. ``jacobian(..., mode="auto")`` uses forward mode
when ``f`` has fewer input entries than output entries (a tall Jacobian).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine import graph
from ..scalar.value import Value
from .dual_pass import jacobians, jvp_pass
from .forward import Dual
from .over_reverse import holds_duals, through_duals
from .tracing import (
    DEPTH,
    ArgNums,
    Engine,
    ForwardOverReverseError,
    Layout,
    Mode,
    as_numbers,
    check_scalar_output,
    classify,
    holds_nodes,
    is_tensor,
    output_value,
    parse_argnums,
    pullback,
    trace,
    unwrap,
)

__all__ = ["ForwardOverReverseError", "grad", "hessian", "jacobian", "jvp", "value_and_grad", "vjp"]


def _laid_out(J: Any, out_shape: tuple[int, ...], in_shape: tuple[int, ...], layout: str) -> Any:
    """``(outputs, entries)`` → the numerator layout ``out + in[::-1]``, or its transpose."""
    J = J.reshape(out_shape + in_shape)
    k, n = len(out_shape), len(in_shape)
    axes = tuple(range(k)) + tuple(range(k + n - 1, k - 1, -1))
    J = J.transpose(*axes) if is_tensor(J) else np.transpose(J, axes)
    if layout == "denominator":
        J = J.transpose(*reversed(range(k + n))) if is_tensor(J) else np.transpose(J)
    if not is_tensor(J) and J.ndim == 0 and J.dtype != object:
        return float(J)
    if not is_tensor(J) and J.ndim == 0:
        return J[()]
    return J


def value_and_grad(f: Callable[..., Any], argnums: ArgNums = 0, engine: Engine = "auto") -> Callable[..., Any]:
    """``f`` and its gradient in one evaluation: ``value_and_grad(f)(x) == (f(x), grad(f)(x))``.

    Args:
        f: a scalar function (its result has one entry) written against ``Value`` or ``Tensor``.
        argnums: which positional argument(s) to differentiate: an int, or a tuple of ints
            (then the gradients come as a tuple, in that order).
        engine: ``"auto"``, ``"value"`` or ``"tensor"`` (see the module docstring).

    Returns:
        A function of the same arguments as ``f`` returning ``(value, gradient)``: ``value`` a
        float, ``gradient`` ∇ (each shaped like its argument: a float for a float, an array for an
        array). Inside another transform both are graph nodes (see the module docstring).

    Raises:
        ValueError: if ``f`` returns more than one entry (use :func:`jacobian` or :func:`vjp`).
    """

    def value_and_grad_f(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        if holds_duals(args):  # forward over reverse (jvp of grad): see over_reverse
            return through_duals(value_and_grad_f, args, kwargs, engine)
        nums, single = parse_argnums(argnums, len(args), "grad")
        tr = trace(f, args, kwargs, nums, engine, "grad")
        check_scalar_output(tr, "grad")
        grads = pullback(tr, np.ones(tr.out_shape))
        value = output_value(tr)
        if not tr.create_graph and isinstance(value, np.ndarray):
            value = float(value.reshape(()))
        return value, unwrap(grads, single)

    value_and_grad_f.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return value_and_grad_f


def grad(f: Callable[..., Any], argnums: ArgNums = 0, engine: Engine = "auto") -> Callable[..., Any]:
    """The gradient ∇f as a function: ``grad(f)(x)`` has the shape of ``x`` (Eq. 16/19/24's ∇).

    ``grad(grad(f))(x)`` is ``f''(x)``: the inner ``grad`` sees ``Value`` inputs and builds its
    result as a graph (``create_graph=True``), which the outer one differentiates.

    Example:
        >>> grad(lambda w, x: (w * x).tanh(), argnums=(0, 1))(0.5, 2.0)  # doctest: +ELLIPSIS
        (0.83994..., 0.20998...)

    Raises:
        ValueError: if ``f``'s output has more than one entry -- use :func:`jacobian` or :func:`vjp`.
    """
    vg = value_and_grad(f, argnums, engine)

    def grad_f(*args: Any, **kwargs: Any) -> Any:
        return vg(*args, **kwargs)[1]

    grad_f.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return grad_f


def jacobian(f: Callable[..., Any], argnums: ArgNums = 0, layout: Layout = "numerator", mode: Mode = "auto",
             engine: Engine = "auto") -> Callable[..., Any]:
    """The Jacobian of ``f`` as a function, in the seed's numerator layout (Eq. 2) or its transpose.

    For ``y = f(x)`` with ``y ∈ ℝᵐ``, ``x ∈ ℝⁿ`` the numerator layout is the ``m×n`` matrix of
    Eq. 2, rows = outputs, columns = inputs; for ``z = W x + b`` it is ``W`` (Eq. 21–22), and
    ``layout="denominator"`` gives ``Wᵀ``. Other shapes: ``out.shape + in.shape[::-1]``
    (numerator) and its full transpose ``in.shape + out.shape[::-1]`` (denominator) -- so a scalar
    by a matrix is Eq. 3's transposed derivative in numerator layout and ∇ in denominator layout.

    Args:
        f: a function written against ``Value`` / ``Tensor``, returning a scalar or an array.
        argnums: an int, or a tuple of ints (then a tuple of Jacobians, one per argument).
        layout: ``"numerator"`` (Eq. 2, default) or ``"denominator"`` (its transpose).
        mode: ``"reverse"`` (a row per output), ``"forward"`` (dual numbers: a column per input),
            or ``"auto"``: forward when ``f`` has fewer input entries than output entries.
        engine: ``"auto"``, ``"value"`` or ``"tensor"``.

    Returns:
        A function of ``f``'s arguments returning the Jacobian as a float array (a float when both
        sides are scalars).
    """
    if layout not in ("numerator", "denominator"):
        raise ValueError(f"jacobian: layout must be 'numerator' or 'denominator', got {layout!r}")
    if mode not in ("auto", "reverse", "forward"):
        raise ValueError(f"jacobian: mode must be 'auto', 'reverse' or 'forward', got {mode!r}")

    def jacobian_f(*args: Any, **kwargs: Any) -> Any:
        if holds_duals(args):
            return through_duals(jacobian_f, args, kwargs, engine)
        nums, single = parse_argnums(argnums, len(args), "jacobian")
        out_shape, Js, shapes = jacobians(f, args, kwargs, nums, mode, engine)
        return unwrap([_laid_out(J, out_shape, s, layout) for J, s in zip(Js, shapes, strict=True)], single)

    jacobian_f.__name__ = f"jacobian({getattr(f, '__name__', 'f')})"
    return jacobian_f


def hessian(f: Callable[..., Any], argnums: ArgNums = 0, engine: Engine = "auto") -> Callable[..., Any]:
    """The Hessian ``H[i..., j...] = ∂²f/∂x_i ∂x_j`` of a scalar ``f``, shape ``x.shape + x.shape``.

    Reverse over reverse: the Jacobian of :func:`grad`, whose graph was built with
    ``create_graph=True``. For ``tanh(w·x + b)`` it reproduces the closed form
    ``tanh''(u) ∂u/∂x_i ∂u/∂x_j + tanh'(u) ∂²u/∂x_i∂x_j``; for softmax cross-entropy it is
    ``diag(p) − p pᵀ``. With a tuple ``argnums`` the result is a tuple of tuples: ``H[a][b]`` is
    the block ``∂²f/∂x_a ∂x_b``.
    """

    def hessian_f(*args: Any, **kwargs: Any) -> Any:
        if holds_duals(args):
            return through_duals(hessian_f, args, kwargs, engine)
        nums, single = parse_argnums(argnums, len(args), "hessian")
        g = grad(f, nums if not single else nums[0], engine)
        if single:
            out_shape, Js, shapes = jacobians(g, args, kwargs, nums, "reverse", engine)
            return _natural(Js[0], out_shape, shapes[0])
        blocks = []
        for a in range(len(nums)):
            g_a = _component(g, a)
            out_shape, Js, shapes = jacobians(g_a, args, kwargs, nums, "reverse", engine)
            blocks.append(tuple(_natural(J, out_shape, s) for J, s in zip(Js, shapes, strict=True)))
        return tuple(blocks)

    hessian_f.__name__ = f"hessian({getattr(f, '__name__', 'f')})"
    return hessian_f


def _component(g: Callable[..., Any], a: int) -> Callable[..., Any]:
    def g_a(*args: Any, **kwargs: Any) -> Any:
        return g(*args, **kwargs)[a]

    return g_a


def _natural(J: Any, out_shape: tuple[int, ...], in_shape: tuple[int, ...]) -> Any:
    J = J.reshape(out_shape + in_shape)
    if not is_tensor(J) and J.ndim == 0:
        return float(J) if J.dtype != object else J[()]
    return J


def vjp(f: Callable[..., Any], x: Any, v: Any, engine: Engine = "auto") -> tuple[Any, Any]:
    """``(f(x), vᵀ J)``: the vector-Jacobian product, one reverse sweep seeded with ``v``.

    ``x`` is the argument (a float or an array), or a tuple of arguments for a function of
    several; ``v`` must have the shape of ``f(x)``. The product is laid out like ``x`` (a tuple
    for a tuple): for a scalar ``f`` and ``v = 1`` it is ∇f; for ``z = W x + b`` it is ``Wᵀ v``
    (Eq. 20/23 as a column). This is what ``backward(gradient=v)`` computes, without touching
    any ``grad``.

    Raises:
        ValueError: if ``v``'s shape is not the output's, naming both shapes.
    """
    args, single = (tuple(x), False) if isinstance(x, tuple) else ((x,), True)
    if holds_duals(args):
        return through_duals(lambda *a: vjp(f, a[0] if single else a, v, engine), args, {}, engine)
    nums = tuple(range(len(args)))
    tr = trace(f, args, {}, nums, engine, "vjp")
    cot = v if isinstance(v, Value) or is_tensor(v) else np.asarray(v, dtype=object if holds_nodes(v) else float)
    v_shape = tuple(cot.shape) if hasattr(cot, "shape") else ()
    if v_shape != tr.out_shape:
        raise ValueError(f"vjp: v has shape {v_shape} but f's output has shape {tr.out_shape}; "
                         "v must be shaped like the output")
    return output_value(tr), unwrap(pullback(tr, cot), single)


def jvp(f: Callable[..., Any], x: Any, v: Any, engine: Engine = "auto") -> tuple[Any, Any]:
    """``(f(x), J v)``: the Jacobian-vector product, one forward pass with dual numbers.

    ``x`` is the argument (a float or an array) or a tuple of arguments; ``v`` has ``x``'s shape
    (a tuple of the arguments' shapes). Each input becomes a :class:`~autograd_core.beyond.forward.Dual`
    with tangent ``v``; the derivative table pushes the tangents forward (Eq. 4 column by column).
    The result has the output's shape. With ``Value`` inputs (inside ``grad``), the result is
    itself a graph, so ``grad`` of a ``jvp`` works.

    Raises:
        ValueError: if ``v``'s shape is not ``x``'s, naming both shapes.
    """
    args, single = (tuple(x), False) if isinstance(x, tuple) else ((x,), True)
    vs = (tuple(v) if isinstance(v, tuple) else (v,))
    if len(vs) != len(args):
        raise ValueError(f"jvp: x has {len(args)} arguments but v has {len(vs)} tangents")
    nums = tuple(range(len(args)))
    classified = [classify(a, f"jvp: argument {n}", duals=True) for n, a in enumerate(args)]
    tangents = []
    for n, (arg, t) in enumerate(zip(classified, vs, strict=True)):
        t_shape = t.shape if isinstance(t, Dual | Value) or is_tensor(t) else np.shape(t)
        if tuple(t_shape) != arg.shape:
            where = "x" if single else f"x[{n}]"
            raise ValueError(f"jvp: v has shape {tuple(t_shape)} but {where} has shape {arg.shape}; "
                             "v must be shaped like x")
        tangents.append(_tangent(t))
    nested = any(a.nested for a in classified) or DEPTH.get() > 0
    errors = []
    for chosen in (("value", "tensor") if engine == "auto" else (engine,)):
        try:
            primal, (_, tangent) = jvp_pass(f, args, {}, nums, classified, tangents, chosen, "jvp")
        except (TypeError, AttributeError) as err:
            if engine != "auto" or isinstance(err, (ForwardOverReverseError, graph.ConversionError)):
                raise
            errors.append(f"{chosen}: {type(err).__name__}: {err}")
            continue
        return as_numbers(primal, nested), as_numbers(tangent, nested)
    raise TypeError("jvp: f runs on neither scalar nor array dual numbers. " + " | ".join(errors))


def _tangent(t: Any) -> Any:
    """A tangent as the pass needs it: numbers as floats, nodes and duals as they are (never cast)."""
    if isinstance(t, Dual | Value) or is_tensor(t) or holds_nodes(t):
        return t
    if isinstance(t, np.ndarray) and t.dtype == object and any(isinstance(e, Dual) for e in t.flat):
        return t
    arr = np.asarray(t, dtype=float)
    return float(arr) if arr.ndim == 0 else arr
