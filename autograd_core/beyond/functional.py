"""Derivatives as functions: ``grad``, ``value_and_grad``, ``jacobian``, ``hessian``, ``vjp``, ``jvp``.

Each takes a Python function ``f`` written against the library's nodes and returns numbers:

>>> from autograd_core import grad, hessian
>>> f = lambda x: (x * x * x).tanh()
>>> round(grad(f)(0.5), 6), round(grad(grad(f))(0.5), 6)
(0.738402, 2.815875)

**Inputs and outputs.** The differentiated arguments are Python floats or numpy arrays, or
tuples, lists and dicts of them, nested (*containers*, JAX's pytrees); they are lifted to graph
leaves, ``f`` runs, and the derivatives come back as floats or float arrays, with the shapes stated
below, in the argument's container: ``grad(f)({'W': W, 'b': b})`` is ``{'W': ∇_W, 'b': ∇_b}``
(dict entries in sorted key order; :mod:`autograd_core.beyond.containers`). ``f`` may return a
container too: :func:`jacobian` then gives that container of Jacobians, :func:`vjp` takes ``v`` in
it and :func:`jvp` returns the tangent in it (``f`` is evaluated once per output leaf). A leaf that
cannot be differentiated (a string, ``None``, a set, a bool) is refused with its path,
``args[0]['W']``. Other arguments (and keyword arguments) are passed to ``f`` untouched, whatever they are.

**Auxiliary results.** ``grad(f, has_aux=True)`` and ``value_and_grad(f, has_aux=True)`` take an
``f`` returning ``(loss, aux)``, as in JAX: only ``loss`` is differentiated; ``grad`` returns
``(∇, aux)``, ``value_and_grad`` returns ``((loss, aux), ∇)``. ``aux`` (predictions, metrics, any
container) comes back with its nodes turned into plain floats and arrays, no graph attached (inside
another transform it stays a graph node, like the value, so the outer transform can differentiate it).

**Engines** (``engine=``): ``"value"`` lifts a float to a :class:`~autograd_core.Value` and an
array to a numpy object array of ``Value`` s (one node per entry, the seed's Eq. 9 graph);
``"tensor"`` lifts each argument to one :class:`~autograd_core.Tensor`. ``"auto"`` (default)
tries ``"value"`` first and, if ``f`` raises ``TypeError`` / ``AttributeError`` on it, ``"tensor"``;
arguments that already are ``Value`` s or ``Tensor`` s fix the engine.

**Layouts.** :func:`jacobian` returns the seed's *numerator layout* by default (Eq. 2: rows are
outputs, columns are inputs; for a scalar ``L`` and a matrix ``A`` the derivative has the
transposed shape of Eq. 3). In general the result has shape ``out.shape + in.shape[::-1]``:
the output's axes, then the input's axes reversed, so entry ``[i, l, k]`` of a vector ``y`` by a
matrix ``A`` is ``∂y_i/∂a_kl``. The other three hold the same numbers arranged differently:

* ``layout="denominator"``: the full transpose, ``in.shape + out.shape[::-1]``; for a scalar output
  that is the gradient ∇, shaped like the input (Eq. 16, 19, 24).
* ``layout="vec"``: Magnus & Neudecker's matrix, shape ``(out.size, in.size)``, with ``vec`` stacking
  columns (Fortran order) on both sides, so that ``vec dF = J vec dX``: for ``F = A X B`` it is
  ``np.kron(B.T, A)``, for ``X ↦ Xᵀ`` the commutation matrix. Always a matrix (1×1 for scalars).
* ``layout="natural"``: ``out.shape + in.shape``, entry ``[i..., j...] = ∂out_i/∂in_j`` -- what
  ``jax.jacobian`` and ``torch.autograd.functional.jacobian`` return.

For a vector by a vector, numerator, vec and natural coincide (Eq. 2). :func:`grad` always returns
∇ (the input's shape); :func:`hessian` returns ``H[i..., j...] = ∂²f/∂x_i ∂x_j`` of shape
``in.shape + in.shape``, the natural layout of the Jacobian of ∇.

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
from typing import Any, NamedTuple

import numpy as np

from ..engine import graph
from ..scalar.value import Value
from .containers import LEAF, Structure, flatten, is_container, map_leaves, unflatten
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
)

__all__ = ["LAYOUTS", "ForwardOverReverseError", "grad", "hessian", "jacobian", "jvp", "value_and_grad", "vjp"]

LAYOUTS = ("numerator", "denominator", "vec", "natural")


# --- containers: the transforms work on a flat list of leaves ------------------------------------------
class _FlatCall(NamedTuple):
    """A call of ``f`` whose differentiated arguments are taken apart into leaves.

    ``args`` keeps the other arguments in place (a differentiated position holds ``None``) and appends
    the leaves; ``nums`` are the leaves' positions; ``f`` rebuilds the containers and calls the user's
    function. The engines only ever see leaves; :meth:`regroup` puts per-leaf results back.
    """

    f: Callable[..., Any]
    args: tuple[Any, ...]
    nums: tuple[int, ...]
    structures: list[Structure]  # per differentiated argument
    paths: list[str]  # per leaf: args[0]['W'], x[1] ...

    def regroup(self, per_leaf: Any) -> list[Any]:
        """Per-leaf results → one result per differentiated argument, in its container."""
        out, start = [], 0
        for s in self.structures:
            out.append(unflatten(s, list(per_leaf[start:start + s.size])))
            start += s.size
        return out


def _check_leaf(leaf: Any, path: str, fname: str) -> None:
    """Refuse what cannot be differentiated, naming where it sits in the arguments."""
    if leaf is None:
        raise TypeError(f"{fname}: {path} is None, which has no derivative; pass a number or a float array "
                        "(an argument that is not differentiated may be anything: leave it out of argnums)")
    if isinstance(leaf, str | bytes):
        raise TypeError(f"{fname}: {path} is a {type(leaf).__name__} {leaf!r}; only numbers, float arrays and "
                        "graph nodes can be differentiated")
    if isinstance(leaf, set | frozenset):
        raise TypeError(f"{fname}: {path} is a {type(leaf).__name__}: a set has no order, so its derivatives "
                        "could not come back in one; use a tuple or a list")
    classify(leaf, f"{fname}: {path}", duals=True)  # numbers, arrays, nodes; names anything else


def _flat_call(f: Callable[..., Any], args: tuple[Any, ...], nums: tuple[int, ...], fname: str,
               names: list[str] | None = None) -> _FlatCall:
    leaves: list[Any] = []
    structures: list[Structure] = []
    paths: list[str] = []
    for n in nums:
        base = names[n] if names is not None else f"args[{n}]"
        arg_leaves, s = flatten(args[n])
        if s.size == 0:
            raise ValueError(f"{fname}: {base} is an empty container {s}; there is nothing to differentiate")
        arg_paths = s.paths(base)
        for leaf, path in zip(arg_leaves, arg_paths, strict=True):
            _check_leaf(leaf, path, fname)
        leaves += arg_leaves
        structures.append(s)
        paths += arg_paths
    start = len(args)
    flat_args = tuple(None if i in nums else a for i, a in enumerate(args)) + tuple(leaves)

    def f_flat(*a: Any, **kwargs: Any) -> Any:
        call_args, k = list(a[:start]), start
        for n, s in zip(nums, structures, strict=True):
            call_args[n] = unflatten(s, list(a[k:k + s.size]))
            k += s.size
        return f(*call_args, **kwargs)

    f_flat.__name__ = getattr(f, "__name__", "f")
    return _FlatCall(f_flat, flat_args, tuple(range(start, start + len(leaves))), structures, paths)


class _Pick:
    """``f`` reduced to the ``k``-th leaf of its output, remembering the output's structure.

    A container output is handled one leaf at a time: the transform runs on each ``_Pick`` and the
    results are put back in the output's structure (``f`` is evaluated once per output leaf).
    ``expect`` is the structure the caller's cotangent has (``vjp``): a different one is refused.
    """

    def __init__(self, f: Callable[..., Any], k: int, fname: str, expect: Structure | None = None) -> None:
        self.f, self.k, self.fname, self.expect = f, k, fname, expect
        self.structure = LEAF
        self.__name__ = getattr(f, "__name__", "f")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        out = self.f(*args, **kwargs)
        leaves, s = flatten(out) if is_container(out) else ([out], LEAF)
        if self.expect is not None and s != self.expect:
            raise ValueError(f"{self.fname}: v has structure {self.expect} but f's output has structure {s}; "
                             "v must be a container like the output")
        if s.size == 0:
            raise ValueError(f"{self.fname}: f returned an empty container {s}; there is nothing to differentiate")
        self.structure = s
        return leaves[self.k]


def _over_outputs(f: Callable[..., Any], run: Callable[[Callable[..., Any]], Any],
                  fname: str) -> tuple[Structure, list[Any]]:
    """``run`` on each leaf of ``f``'s output: the output's structure and one result per leaf."""
    first = _Pick(f, 0, fname)
    results = [run(first)]
    structure = first.structure
    results += [run(_Pick(f, k, fname)) for k in range(1, structure.size)]
    return structure, results


def _scalar_only(f: Callable[..., Any], fname: str) -> Callable[..., Any]:
    """``f``, with a container output refused by name (grad needs one number)."""

    def checked(*args: Any, **kwargs: Any) -> Any:
        out = f(*args, **kwargs)
        if isinstance(out, dict) or (is_container(out) and flatten(out)[1].size != 1):
            raise ValueError(f"{fname}: f must return a scalar, got a container {flatten(out)[1]}; to return "
                             "extra results beside the loss use has_aux=True, for several outputs use jacobian or vjp")
        return out

    checked.__name__ = getattr(f, "__name__", "f")
    return checked


# --- has_aux --------------------------------------------------------------------------------------------
class _NotAPair(Exception):
    """f was declared has_aux=True but did not return a pair (raised past the engines' fallback)."""


class _Aux:
    """``f`` returning ``(loss, aux)``, seen by the engines as returning ``loss``; ``aux`` is kept."""

    def __init__(self, f: Callable[..., Any]) -> None:
        self.f = f
        self.aux: Any = None
        self.__name__ = getattr(f, "__name__", "f")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        out = self.f(*args, **kwargs)
        if not (isinstance(out, tuple | list) and len(out) == 2):
            got = f"a {type(out).__name__} of {len(out)}" if is_container(out) else type(out).__name__
            raise _NotAPair(got)
        self.aux = out[1]
        return out[0]

    def numbers(self, nested: bool) -> Any:
        """aux with its graph nodes as plain numbers (kept as nodes inside another transform)."""
        return self.aux if nested else map_leaves(_plain_number, self.aux)


def _plain_number(x: Any) -> Any:
    if isinstance(x, Value) or is_tensor(x) or holds_nodes(x):
        return as_numbers(x, nested=False)
    return x  # aux may hold anything: strings, ints, None pass through


# --- layouts --------------------------------------------------------------------------------------------
def _laid_out(J: Any, out_shape: tuple[int, ...], in_shape: tuple[int, ...], layout: str) -> Any:
    """``(outputs, entries)`` (row-major both ways) → the requested layout.

    numerator ``out + in[::-1]``; denominator its full transpose ``in + out[::-1]``; natural
    ``out + in``; vec the ``(out.size, in.size)`` matrix with both sides stacked column by column.
    """
    J = J.reshape(out_shape + in_shape)
    k, n = len(out_shape), len(in_shape)
    outs, ins = tuple(range(k)), tuple(range(k, k + n))
    axes = {"numerator": outs + ins[::-1], "denominator": ins + outs[::-1], "natural": outs + ins,
            "vec": outs[::-1] + ins[::-1]}[layout]  # Fortran-order vec of X is the C-order ravel of Xᵀ
    J = J.transpose(*axes) if is_tensor(J) else np.transpose(J, axes)
    if layout == "vec":
        M, N = int(np.prod(out_shape, dtype=int)), int(np.prod(in_shape, dtype=int))
        return J.reshape(M, N)
    if not is_tensor(J) and J.ndim == 0 and J.dtype != object:
        return float(J)
    if not is_tensor(J) and J.ndim == 0:
        return J[()]
    return J


# --- grad, value_and_grad -----------------------------------------------------------------------------
def _value_and_grads(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], nums: tuple[int, ...],
                     engine: str, aux: _Aux | None) -> tuple[Any, tuple[Any, ...], Any]:
    """``(f's value, ∇ per leaf, aux)`` on flat arguments."""
    if holds_duals(args):  # forward over reverse (jvp of grad): see over_reverse
        return through_duals(lambda *a, **k: _value_and_grads(f, a, k, nums, engine, aux), args, kwargs, engine)
    tr = trace(f, args, kwargs, nums, engine, "grad")
    check_scalar_output(tr, "grad")
    grads = pullback(tr, np.ones(tr.out_shape))
    value = output_value(tr)
    if not tr.create_graph and isinstance(value, np.ndarray):
        value = float(value.reshape(()))
    return value, tuple(grads), (aux.numbers(tr.create_graph) if aux is not None else None)


def value_and_grad(f: Callable[..., Any], argnums: ArgNums = 0, engine: Engine = "auto",
                   has_aux: bool = False) -> Callable[..., Any]:
    """``f`` and its gradient in one evaluation: ``value_and_grad(f)(x) == (f(x), grad(f)(x))``.

    Args:
        f: a scalar function (its result has one entry) written against ``Value`` or ``Tensor``.
        argnums: which positional argument(s) to differentiate: an int, or a tuple of ints
            (then the gradients come as a tuple, in that order). Each may be a number, an array,
            or a tuple / list / dict of them (nested): its gradient comes back in that container.
        engine: ``"auto"``, ``"value"`` or ``"tensor"`` (see the module docstring).
        has_aux: ``f`` returns a pair ``(loss, aux)``; only ``loss`` is differentiated, ``aux`` (any
            extra result: predictions, a dict of metrics) is handed back with its nodes as numbers.

    Returns:
        A function of the same arguments as ``f`` returning ``(value, gradient)`` -- with
        ``has_aux=True``, ``((value, aux), gradient)`` as in JAX. ``value`` is a float, ``gradient``
        ∇ (each shaped like its argument: a float for a float, an array for an array, a dict for a
        dict). Inside another transform value, gradient and aux are graph nodes (see the module docstring).

    Raises:
        ValueError: if ``f`` returns more than one entry (use :func:`jacobian` or :func:`vjp`).
        TypeError: if ``has_aux=True`` and ``f`` does not return a pair; if a differentiated leaf is
            not a number, an array or a node (the message names its path, e.g. ``args[0]['W']``).
    """

    def value_and_grad_f(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        nums, single = parse_argnums(argnums, len(args), "grad")
        aux = _Aux(f) if has_aux else None
        fc = _flat_call(aux if aux is not None else _scalar_only(f, "grad"), args, nums, "grad")
        try:
            value, grads, got = _value_and_grads(fc.f, fc.args, kwargs, fc.nums, engine, aux)
        except _NotAPair as err:
            raise TypeError(f"grad: has_aux=True, so f must return a pair (output, aux); it returned {err}") from None
        per_arg = fc.regroup(grads)
        g = per_arg[0] if single else tuple(per_arg)
        return ((value, got), g) if has_aux else (value, g)

    value_and_grad_f.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return value_and_grad_f


def grad(f: Callable[..., Any], argnums: ArgNums = 0, engine: Engine = "auto",
         has_aux: bool = False) -> Callable[..., Any]:
    """The gradient ∇f as a function: ``grad(f)(x)`` has the shape of ``x`` (Eq. 16/19/24's ∇).

    ``grad(grad(f))(x)`` is ``f''(x)``: the inner ``grad`` sees ``Value`` inputs and builds its
    result as a graph (``create_graph=True``), which the outer one differentiates. A container
    argument gives a container gradient: ``grad(loss)({'W': W, 'b': b})`` is ``{'W': ∇_W, 'b': ∇_b}``.
    With ``has_aux=True``, ``f`` returns ``(loss, aux)`` and ``grad`` returns ``(∇, aux)``.

    Example:
        >>> grad(lambda w, x: (w * x).tanh(), argnums=(0, 1))(0.5, 2.0)  # doctest: +ELLIPSIS
        (0.83994..., 0.20998...)

    Raises:
        ValueError: if ``f``'s output has more than one entry -- use :func:`jacobian` or :func:`vjp`.
    """
    vg = value_and_grad(f, argnums, engine, has_aux)

    def grad_f(*args: Any, **kwargs: Any) -> Any:
        out, g = vg(*args, **kwargs)
        return (g, out[1]) if has_aux else g  # with has_aux, out is (value, aux)

    grad_f.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return grad_f


# --- jacobian, hessian ----------------------------------------------------------------------------------
def _jacobians_flat(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], nums: tuple[int, ...],
                    mode: str, engine: str, layout: str) -> tuple[Any, ...]:
    if holds_duals(args):
        return through_duals(lambda *a, **k: _jacobians_flat(f, a, k, nums, mode, engine, layout), args, kwargs,
                             engine)
    out_shape, Js, shapes = jacobians(f, args, kwargs, nums, mode, engine)
    return tuple(_laid_out(J, out_shape, s, layout) for J, s in zip(Js, shapes, strict=True))


def jacobian(f: Callable[..., Any], argnums: ArgNums = 0, layout: Layout = "numerator", mode: Mode = "auto",
             engine: Engine = "auto") -> Callable[..., Any]:
    """The Jacobian of ``f`` as a function, in one of four layouts (the seed's numerator layout by default).

    For ``y = f(x)`` with ``y ∈ ℝᵐ``, ``x ∈ ℝⁿ`` the numerator layout is the ``m×n`` matrix of
    Eq. 2, rows = outputs, columns = inputs; for ``z = W x + b`` it is ``W`` (Eq. 21–22), and
    ``layout="denominator"`` gives ``Wᵀ``. For matrices the four layouts differ (module docstring):

    * ``"numerator"``: ``out.shape + in.shape[::-1]`` (a scalar by a matrix is Eq. 3's transposed shape);
    * ``"denominator"``: its full transpose, ``in.shape + out.shape[::-1]`` (a scalar's ∇);
    * ``"vec"``: Magnus & Neudecker's ``(out.size, in.size)`` matrix with ``vec dF = J vec dX``, vec
      stacking columns (Fortran order): for ``F = A X B`` it is ``np.kron(B.T, A)``;
    * ``"natural"``: ``out.shape + in.shape``, what ``jax.jacobian`` and
      ``torch.autograd.functional.jacobian`` return.

    Args:
        f: a function written against ``Value`` / ``Tensor``, returning a scalar, an array, or a
            tuple / list / dict of them (then the result is that container of Jacobians; ``f`` is
            evaluated once per output leaf).
        argnums: an int, or a tuple of ints (then a tuple of Jacobians, one per argument). An
            argument may be a container: its Jacobian is a container of the leaves' Jacobians.
        layout: ``"numerator"`` (default), ``"denominator"``, ``"vec"`` or ``"natural"``.
        mode: ``"reverse"`` (a row per output), ``"forward"`` (dual numbers: a column per input),
            or ``"auto"``: forward when ``f`` has fewer input entries than output entries.
        engine: ``"auto"``, ``"value"`` or ``"tensor"``.

    Returns:
        A function of ``f``'s arguments returning the Jacobian as a float array (a float when both
        sides are scalars, except in the vec layout, which is always a matrix).
    """
    if layout not in LAYOUTS:
        raise ValueError(f"jacobian: layout must be one of {', '.join(map(repr, LAYOUTS))}, got {layout!r}")
    if mode not in ("auto", "reverse", "forward"):
        raise ValueError(f"jacobian: mode must be 'auto', 'reverse' or 'forward', got {mode!r}")

    def jacobian_f(*args: Any, **kwargs: Any) -> Any:
        nums, single = parse_argnums(argnums, len(args), "jacobian")
        fc = _flat_call(f, args, nums, "jacobian")

        def one_output(g: Callable[..., Any]) -> Any:
            per_arg = fc.regroup(_jacobians_flat(g, fc.args, kwargs, fc.nums, mode, engine, layout))
            return per_arg[0] if single else tuple(per_arg)

        structure, results = _over_outputs(fc.f, one_output, "jacobian")
        return unflatten(structure, results)

    jacobian_f.__name__ = f"jacobian({getattr(f, '__name__', 'f')})"
    return jacobian_f


def _hessian_flat(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], nums: tuple[int, ...],
                  engine: str) -> tuple[tuple[Any, ...], ...]:
    """Blocks ``H[i][j] = ∂²f/∂leaf_i ∂leaf_j`` over the flat leaves, each ``leaf_i.shape + leaf_j.shape``."""
    if holds_duals(args):
        return through_duals(lambda *a, **k: _hessian_flat(f, a, k, nums, engine), args, kwargs, engine)

    def gradients(*a: Any, **k: Any) -> tuple[Any, ...]:
        return _value_and_grads(f, a, k, nums, engine, None)[1]

    blocks = []
    for i in range(len(nums)):
        out_shape, Js, shapes = jacobians(_component(gradients, i), args, kwargs, nums, "reverse", engine)
        blocks.append(tuple(_laid_out(J, out_shape, s, "natural") for J, s in zip(Js, shapes, strict=True)))
    return tuple(blocks)


def hessian(f: Callable[..., Any], argnums: ArgNums = 0, engine: Engine = "auto") -> Callable[..., Any]:
    """The Hessian ``H[i..., j...] = ∂²f/∂x_i ∂x_j`` of a scalar ``f``, shape ``x.shape + x.shape``.

    Reverse over reverse: the Jacobian of :func:`grad`, whose graph was built with
    ``create_graph=True``. For ``tanh(w·x + b)`` it reproduces the closed form
    ``tanh''(u) ∂u/∂x_i ∂u/∂x_j + tanh'(u) ∂²u/∂x_i∂x_j``; for softmax cross-entropy it is
    ``diag(p) − p pᵀ``. With a tuple ``argnums`` the result is a tuple of tuples: ``H[a][b]`` is
    the block ``∂²f/∂x_a ∂x_b``. A container argument gives a container of containers, as in JAX:
    ``hessian(f)({'W': W, 'b': b})['W']['b']`` is the block ``∂²f/∂W ∂b``, shape ``W.shape + b.shape``.
    """

    def hessian_f(*args: Any, **kwargs: Any) -> Any:
        nums, single = parse_argnums(argnums, len(args), "hessian")
        fc = _flat_call(_scalar_only(f, "hessian"), args, nums, "hessian")
        flat = _hessian_flat(fc.f, fc.args, kwargs, fc.nums, engine)
        S = fc.structures
        bounds = np.cumsum([0, *(s.size for s in S)])

        def block(a: int, b: int) -> Any:  # ∂²f/∂x_a ∂x_b: a container (like x_a) of containers (like x_b)
            return unflatten(S[a], [unflatten(S[b], list(flat[i][bounds[b]:bounds[b + 1]]))
                                    for i in range(bounds[a], bounds[a + 1])])

        H = tuple(tuple(block(a, b) for b in range(len(nums))) for a in range(len(nums)))
        return H[0][0] if single else H

    hessian_f.__name__ = f"hessian({getattr(f, '__name__', 'f')})"
    return hessian_f


def _component(g: Callable[..., Any], a: int) -> Callable[..., Any]:
    def g_a(*args: Any, **kwargs: Any) -> Any:
        return g(*args, **kwargs)[a]

    return g_a


# --- vjp, jvp -------------------------------------------------------------------------------------------
def _arguments(x: Any) -> tuple[tuple[Any, ...], bool, list[str]]:
    """vjp/jvp's ``x``: a tuple is several arguments, anything else one; and their names."""
    if isinstance(x, tuple) and not hasattr(x, "_fields"):
        return x, False, [f"x[{n}]" for n in range(len(x))]
    return (x,), True, ["x"]


def _vjp_flat(f: Callable[..., Any], args: tuple[Any, ...], nums: tuple[int, ...], v: Any, engine: str,
              v_name: str, out_name: str) -> tuple[Any, tuple[Any, ...]]:
    if holds_duals(args):
        return through_duals(lambda *a: _vjp_flat(f, a, nums, v, engine, v_name, out_name), args, {}, engine)
    tr = trace(f, args, {}, nums, engine, "vjp")
    cot = v if isinstance(v, Value) or is_tensor(v) else np.asarray(v, dtype=object if holds_nodes(v) else float)
    v_shape = tuple(cot.shape) if hasattr(cot, "shape") else ()
    if v_shape != tr.out_shape:
        raise ValueError(f"vjp: {v_name} has shape {v_shape} but {out_name} has shape {tr.out_shape}; "
                         "v must be shaped like the output")
    return output_value(tr), tuple(pullback(tr, cot))


def vjp(f: Callable[..., Any], x: Any, v: Any, engine: Engine = "auto") -> tuple[Any, Any]:
    """``(f(x), vᵀ J)``: the vector-Jacobian product, one reverse sweep seeded with ``v``.

    ``x`` is the argument (a float, an array, a list or dict of them), or a tuple of arguments for a
    function of several; ``v`` must have the shape of ``f(x)`` -- the same container when ``f``
    returns a tuple / list / dict (then one sweep per output leaf, summed). The product is laid out
    like ``x``: for a scalar ``f`` and ``v = 1`` it is ∇f; for ``z = W x + b`` it is ``Wᵀ v``
    (Eq. 20/23 as a column). This is what ``backward(gradient=v)`` computes, without touching
    any ``grad``.

    Raises:
        ValueError: if ``v``'s shape is not the output's, naming both shapes; if ``v``'s container
            structure is not the output's, naming both structures.
    """
    args, single, names = _arguments(x)
    nums = tuple(range(len(args)))
    fc = _flat_call(f, args, nums, "vjp", names)
    v_leaves, v_structure = flatten(v) if is_container(v) else ([v], LEAF)
    if v_structure.size == 0:
        raise ValueError(f"vjp: v is an empty container {v_structure}; it must be shaped like f's output")
    v_paths = v_structure.paths("v")
    outs, total = [], None
    for k, (leaf, path) in enumerate(zip(v_leaves, v_paths, strict=True)):
        picked = _Pick(fc.f, k, "vjp", expect=v_structure)
        out, cot = _vjp_flat(picked, fc.args, fc.nums, leaf, engine, path, "f's output" + path[1:])
        outs.append(out)
        total = cot if total is None else tuple(a + b for a, b in zip(total, cot, strict=True))
    per_arg = fc.regroup(total)
    return unflatten(v_structure, outs), (per_arg[0] if single else tuple(per_arg))


def _jvp_flat(f: Callable[..., Any], args: tuple[Any, ...], nums: tuple[int, ...], classified: list[Any],
              tangents: list[Any], engine: str) -> tuple[Any, Any]:
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


def jvp(f: Callable[..., Any], x: Any, v: Any, engine: Engine = "auto") -> tuple[Any, Any]:
    """``(f(x), J v)``: the Jacobian-vector product, one forward pass with dual numbers.

    ``x`` is the argument (a float, an array, a list or dict of them) or a tuple of arguments;
    ``v`` has ``x``'s shape and container structure (a tuple of the arguments' tangents). Each input
    becomes a :class:`~autograd_core.beyond.forward.Dual` with tangent ``v``; the derivative table
    pushes the tangents forward (Eq. 4 column by column). The result has the output's shape (its
    container, if ``f`` returns one: then one pass per output leaf). With ``Value`` inputs (inside
    ``grad``), the result is itself a graph, so ``grad`` of a ``jvp`` works.

    Raises:
        ValueError: if ``v``'s shape is not ``x``'s, naming both shapes, or its structure, naming both.
    """
    args, single, names = _arguments(x)
    vs = (v,) if single else (tuple(v) if isinstance(v, tuple) else (v,))
    if len(vs) != len(args):
        raise ValueError(f"jvp: x has {len(args)} arguments but v has {len(vs)} tangents")
    nums = tuple(range(len(args)))
    fc = _flat_call(f, args, nums, "jvp", names)
    tangents: list[Any] = []
    for n, (t, s) in enumerate(zip(vs, fc.structures, strict=True)):
        t_leaves, t_structure = flatten(t) if is_container(t) else ([t], LEAF)
        v_name = "v" if single else f"v[{n}]"
        if t_structure != s:
            raise ValueError(f"jvp: {v_name} has structure {t_structure} but {names[n]} has structure {s}; "
                             "v must be a container like x")
        tangents += zip(t_leaves, t_structure.paths(v_name), strict=True)
    classified = [classify(a, f"jvp: {p}", duals=True) for a, p in zip(fc.args[len(args):], fc.paths, strict=True)]
    flat_tangents = []
    for arg, (t, t_path), x_path in zip(classified, tangents, fc.paths, strict=True):
        t_shape = t.shape if isinstance(t, Dual | Value) or is_tensor(t) else np.shape(t)
        if tuple(t_shape) != arg.shape:
            raise ValueError(f"jvp: {t_path} has shape {tuple(t_shape)} but {x_path} has shape {arg.shape}; "
                             "v must be shaped like x")
        flat_tangents.append(_tangent(t))
    structure, results = _over_outputs(
        fc.f, lambda g: _jvp_flat(g, fc.args, fc.nums, classified, flat_tangents, engine), "jvp")
    return unflatten(structure, [r[0] for r in results]), unflatten(structure, [r[1] for r in results])


def _tangent(t: Any) -> Any:
    """A tangent as the pass needs it: numbers as floats, nodes and duals as they are (never cast)."""
    if isinstance(t, Dual | Value) or is_tensor(t) or holds_nodes(t):
        return t
    if isinstance(t, np.ndarray) and t.dtype == object and any(isinstance(e, Dual) for e in t.flat):
        return t
    arr = np.asarray(t, dtype=float)
    return float(arr) if arr.ndim == 0 else arr
