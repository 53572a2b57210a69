"""Forward mode for the transforms: arguments lifted to dual numbers, ``f`` run once per direction.

``jvp`` and ``jacobian(..., mode="forward")`` push tangents through ``f`` with
:class:`~autograd_core.beyond.forward.Dual` numbers (the derivative table, read the other way round);
:func:`jacobians` picks forward or reverse mode for a Jacobian.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..scalar.value import Value
from .forward import Dual, jacobian_columns, new_tag
from .tracing import (
    DEPTH,
    Arg,
    ForwardOverReverseError,
    call,
    classify,
    flat_objects,
    is_real,
    reverse_jacobians,
    trace,
)


def forward_jacobians(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                       nums: tuple[int, ...], engine: str, fname: str) -> tuple[tuple[int, ...], list[Any]]:
    """Per argument, the Jacobian ``(outputs, entries)`` by forward mode: a column per input direction.

    With the Value engine and plain numbers, every scalar dual carries a vector tangent with one
    slot per input entry, so a single pass gives every column.
    """
    classified = [classify(args[n], f"{fname}: argument {n}") for n in nums]
    nested = any(a.nested for a in classified) or DEPTH.get() > 0
    sizes = [int(np.prod(a.shape, dtype=int)) for a in classified]
    N = sum(sizes)
    if engine == "value" and not nested:
        tag = new_tag()
        offsets = np.cumsum([0, *sizes])
        lifted = []
        for a, arg in enumerate(classified):
            values = [arg.data] if arg.shape == () else list(np.asarray(arg.data, dtype=float).flat)
            duals = []
            for k, x in enumerate(values):
                e = np.zeros(N)
                e[offsets[a] + k] = 1.0
                duals.append(Dual(float(x), e, tag))
            lifted.append(duals[0] if arg.kind == "float" else object_array(duals, arg.shape))
        out = call(f, args, kwargs, nums, lifted)
        shape, entries = dual_outputs(out, fname)
        J = jacobian_columns(entries, N, tag)
        return shape, [J[:, offsets[a]:offsets[a + 1]] for a in range(len(sizes))]
    # one pass per direction: tensor engine (array duals) or nested (duals of graph nodes)
    columns: list[list[Any]] = []
    shape: tuple[int, ...] = ()
    for a, arg in enumerate(classified):
        for k in range(sizes[a]):
            tangents = [np.zeros(b.shape) if b.shape != () else 0.0 for b in classified]
            if arg.shape == ():
                tangents[a] = 1.0
            else:
                tangents[a].flat[k] = 1.0
            _, (shape, tangent_out) = jvp_pass(f, args, kwargs, nums, classified, tangents, engine, fname)
            columns.append(tangent_out)
    M = int(np.prod(shape, dtype=int))
    J = np.empty((M, N), dtype=object if nested else float)
    for j, col in enumerate(columns):
        J[:, j] = flat_objects(col) if nested else np.asarray(col, dtype=float).reshape(-1)
    offsets = np.cumsum([0, *sizes])
    return shape, [J[:, offsets[a]:offsets[a + 1]] for a in range(len(sizes))]


def object_array(items: list[Any], shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out.reshape(shape)


def dual_outputs(out: Any, fname: str) -> tuple[tuple[int, ...], list[Any]]:
    if isinstance(out, Dual):
        return out.shape, [out]
    if is_real(out):
        return (), [out]
    arr = np.asarray(out, dtype=object)
    for index in np.ndindex(arr.shape):
        entry = arr[index]
        if not (isinstance(entry, Dual | Value) or is_real(entry)):
            raise TypeError(f"{fname}: entry {index} of f's output is {type(entry).__name__} {entry!r}; "
                            "expected dual numbers or numbers")
    return arr.shape, list(arr.flat)


def lift_dual(arg: Arg, tangent: Any, engine: str, tag: int) -> Any:
    """The argument as dual numbers of this pass's ``tag``: one dual, or an object array of them."""
    if arg.kind == "tensor":
        raise TypeError("forward mode does not take Tensor nodes as inputs; use reverse mode (mode='reverse')")
    if engine == "tensor" or arg.kind == "value" or (arg.shape == () and not arg.kind.endswith("_array")):
        return Dual(arg.data, tangent, tag)
    t = tangent if isinstance(tangent, np.ndarray) and tangent.shape == arg.shape else _entries(tangent, arg.shape)
    out = np.empty(arg.shape, dtype=object)
    for index in np.ndindex(arg.shape):
        out[index] = Dual(arg.data[index], t[index], tag)
    return out


def _entries(x: Any, shape: tuple[int, ...]) -> Any:
    """Something indexable entry by entry: an array as it is, an array dual split into entry duals."""
    if isinstance(x, Dual):
        return x  # Dual[index] is the entry's dual
    return np.asarray(x, dtype=object).reshape(shape)


def jvp_pass(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], nums: tuple[int, ...],
              classified: list[Arg], tangents: list[Any], engine: str, fname: str) -> tuple[Any, Any]:
    """One forward pass: ``(f(x) as nodes-or-numbers, (shape, tangent of f))``."""
    tag = new_tag()  # this pass's duals: an inner pass inside f gets another tag, so they never mix
    lifted = [lift_dual(a, t, engine, tag) for a, t in zip(classified, tangents, strict=True)]
    out = call(f, args, kwargs, nums, lifted)
    shape, entries = dual_outputs(out, fname)
    primal, tangent = split_duals(out, shape, entries, tag)
    return primal, (shape, tangent)


def split_duals(out: Any, shape: tuple[int, ...], entries: list[Any], tag: int) -> tuple[Any, Any]:
    """``(primal, tangent)`` of ``f``'s output at ``tag``; what this pass's duals did not reach has tangent 0."""
    ours = lambda e: isinstance(e, Dual) and e.tag == tag
    if ours(out) and isinstance(out.primal, np.ndarray):
        t = out._full_tangent()
        return out.primal, t.copy() if isinstance(t, np.ndarray) else t
    if shape == () and not isinstance(out, np.ndarray):
        e = entries[0]
        return (e.primal, e.tangent) if ours(e) else (e, 0.0)
    primals = object_array([e.primal if ours(e) else e for e in entries], shape)
    tangents = object_array([e.tangent if ours(e) else 0.0 for e in entries], shape)
    return primals, tangents


# --- presenting results -----------------------------------------------------------------------------
def jacobians(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], nums: tuple[int, ...],
               mode: str, engine: str) -> tuple[tuple[int, ...], list[Any], list[tuple[int, ...]]]:
    """``(out_shape, [J per argument as (outputs, entries)], [argument shapes])``."""
    if mode == "forward":
        classified = [classify(args[n], f"jacobian: argument {n}") for n in nums]
        chosen = engine
        if chosen == "auto":
            chosen = forward_engine(f, args, kwargs, nums)
        out_shape, Js = forward_jacobians(f, args, kwargs, nums, chosen, "jacobian")
        return out_shape, Js, [a.shape for a in classified]
    tr = trace(f, args, kwargs, nums, engine, "jacobian")
    shapes = [a.shape for a in tr.args]
    M = int(np.prod(tr.out_shape, dtype=int))
    N = sum(int(np.prod(s, dtype=int)) for s in shapes)
    if mode == "auto" and N < M and not tr.create_graph:
        try:
            out_shape, Js = forward_jacobians(f, args, kwargs, nums, tr.engine, "jacobian")
            return out_shape, Js, shapes
        except (TypeError, AttributeError):
            # f differentiates internally (a Hessian's grad: reverse inside forward is not supported)
            # or uses something dual numbers lack: the reverse sweep over the graph we have is exact too.
            pass
    return tr.out_shape, reverse_jacobians(tr), shapes


def forward_engine(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                    nums: tuple[int, ...]) -> str:
    """For ``engine="auto"`` in forward mode: scalar duals (Value-style) unless ``f`` only runs on arrays."""
    classified = [classify(args[n], "jacobian") for n in nums]
    if any(a.kind == "tensor" for a in classified):
        return "tensor"
    try:
        tangents = [np.zeros(a.shape) if a.shape != () else 0.0 for a in classified]
        jvp_pass(f, args, kwargs, nums, classified, tangents, "value", "jacobian")
        return "value"
    except ForwardOverReverseError:
        raise
    except (TypeError, AttributeError):
        return "tensor"


