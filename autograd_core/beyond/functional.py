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

import contextlib
import contextvars
import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np

from ..engine import graph
from ..scalar.value import Value
from .forward import Dual, jacobian_columns

__all__ = ["ForwardOverReverseError", "grad", "hessian", "jacobian", "jvp", "value_and_grad", "vjp"]

Engine = Literal["auto", "value", "tensor"]
Layout = Literal["numerator", "denominator"]
Mode = Literal["auto", "reverse", "forward"]
ArgNums = int | Sequence[int]

_ENGINES = ("auto", "value", "tensor")
_CHUNK = 64  # output rows per vector-seeded reverse sweep: bounds memory at 64 floats per node
# How many transforms are evaluating ``f`` right now. Inside one, transforms keep their results
# as graph nodes, so the outer one can differentiate through them (even through closures).
_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("autograd_core_functional_depth", default=0)


@contextlib.contextmanager
def _inside_transform() -> Iterator[None]:
    token = _DEPTH.set(_DEPTH.get() + 1)
    try:
        with graph.enable_grad():  # a transform records f's graph even inside no_grad()
            yield
    finally:
        _DEPTH.reset(token)


def _tensor_class() -> Any:
    try:
        from ..tensor.tensor import Tensor
    except ImportError:  # the Tensor engine is optional at this layer
        return None
    return Tensor


def _is_tensor(x: Any) -> bool:
    cls = _tensor_class()
    return cls is not None and isinstance(x, cls)


# --- arguments ------------------------------------------------------------------------------------
class _Arg(NamedTuple):
    """One differentiated argument: what the caller passed, classified."""

    kind: str  # "float" | "array" | "value" | "value_array" | "tensor" | "dual" | "dual_array" (jvp only)
    shape: tuple[int, ...]
    data: Any  # the float / float array, or the node(s) as passed

    @property
    def nested(self) -> bool:
        return self.kind in ("value", "value_array", "tensor", "dual", "dual_array")


class ForwardOverReverseError(TypeError):
    """A reverse-mode transform was handed dual numbers (e.g. ``jvp`` of ``grad``): not supported."""


def _classify(x: Any, where: str, duals: bool = False) -> _Arg:
    """What kind of argument ``x`` is; ``duals=True`` (forward over forward) accepts dual numbers."""
    if duals and isinstance(x, Dual):
        return _Arg("dual", (), x)
    if duals and isinstance(x, np.ndarray) and x.dtype == object and any(isinstance(e, Dual) for e in x.flat):
        return _Arg("dual_array", x.shape, x)
    if isinstance(x, Dual) or (isinstance(x, np.ndarray) and x.dtype == object
                               and any(isinstance(e, Dual) for e in x.flat)):
        raise ForwardOverReverseError(
            f"{where} is a dual number: reverse mode inside forward mode (e.g. jvp of grad) is not supported, "
            "because Value holds floats; nest reverse inside reverse (hessian) instead"
        )
    if isinstance(x, Value):
        return _Arg("value", (), x)
    if _is_tensor(x):
        if x.requires_grad:
            return _Arg("tensor", tuple(x.shape), x)
        x = x.data  # a constant Tensor is just its numbers
    if isinstance(x, bool) or isinstance(x, np.bool_):
        raise TypeError(f"{where} must be a real number or a float array, got bool {x!r}")
    if isinstance(x, numbers.Real):
        return _Arg("float", (), float(x))
    arr = np.asarray(x)
    if arr.dtype == object:
        bad = [e for e in arr.flat if not (isinstance(e, Value) or _is_real(e))]  # a list: None itself can be bad
        if bad:
            raise TypeError(f"{where} holds {type(bad[0]).__name__} {bad[0]!r}; expected real numbers or Value nodes")
        if any(isinstance(e, Value) for e in arr.flat):
            return _Arg("value_array", arr.shape, arr)
        arr = arr.astype(float)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{where} must be a real number or a float array, got {type(x).__name__} "
                        f"of dtype {arr.dtype}")
    return _Arg("array", arr.shape, np.array(arr, dtype=float))


def _is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_)


def _argnums(argnums: ArgNums, nargs: int, fname: str) -> tuple[tuple[int, ...], bool]:
    """The positions to differentiate, and whether a single int was given (results unwrapped)."""
    single = isinstance(argnums, int | np.integer) and not isinstance(argnums, bool)
    nums = (int(argnums),) if single else tuple(argnums)  # type: ignore[arg-type]
    if not nums:
        raise ValueError(f"{fname}: argnums is empty; give the position(s) of the argument(s) to differentiate")
    for n in nums:
        if isinstance(n, bool) or not isinstance(n, int | np.integer):
            raise TypeError(f"{fname}: argnums must be an int or a tuple of ints, got {argnums!r}")
        if not -nargs <= n < nargs:
            raise ValueError(f"{fname}: argnums {n} is out of range for f called with {nargs} positional "
                             f"argument{'s' if nargs != 1 else ''}")
    nums = tuple(int(n) % nargs for n in nums)
    if len(set(nums)) != len(nums):
        raise ValueError(f"{fname}: argnums {argnums!r} repeats a position")
    return nums, single


# --- evaluating f on a graph ------------------------------------------------------------------------
class _Traced(NamedTuple):
    """``f`` evaluated on lifted arguments, with what reverse mode needs."""

    engine: str  # "value" | "tensor"
    args: list[_Arg]  # the differentiated arguments, in argnums order
    leaves: list[Any]  # per argument: a flat list of Value leaves, or the one Tensor
    out: Any  # what f returned
    out_shape: tuple[int, ...]
    out_nodes: list[Any]  # value engine: the output entries (Value or number), flat
    create_graph: bool


def _lift_value(arg: _Arg) -> tuple[Any, list[Any]]:
    if arg.kind == "tensor":
        raise TypeError("engine 'value' got a Tensor argument; use engine='tensor' (or 'auto')")
    if arg.kind == "value":
        return arg.data, [arg.data]
    if arg.kind == "float":
        leaf = Value(arg.data)
        return leaf, [leaf]
    if arg.kind == "value_array":
        lifted = np.empty(arg.shape, dtype=object)
        for index in np.ndindex(arg.shape):
            entry = arg.data[index]
            lifted[index] = entry if isinstance(entry, Value) else Value(float(entry))
        return lifted, list(lifted.flat)
    lifted = np.empty(arg.shape, dtype=object)
    for index in np.ndindex(arg.shape):
        lifted[index] = Value(float(arg.data[index]))
    return lifted, list(lifted.flat)


def _lift_tensor(arg: _Arg) -> tuple[Any, list[Any]]:
    Tensor = _tensor_class()
    if Tensor is None:
        raise ImportError("engine 'tensor' needs autograd_core.tensor.tensor, which is not available")
    if arg.kind in ("value", "value_array"):
        raise TypeError("engine 'tensor' got Value arguments; use engine='value' (or 'auto')")
    if arg.kind == "tensor":
        return arg.data, [arg.data]
    t = Tensor(arg.data, requires_grad=True)
    return t, [t]


def _value_outputs(out: Any, fname: str) -> tuple[tuple[int, ...], list[Any]]:
    if isinstance(out, Value) or _is_real(out):
        return (), [out]
    if _is_tensor(out) or isinstance(out, Dual):
        raise TypeError(f"{fname}: f returned a {type(out).__name__} from Value inputs; one engine per function")
    try:
        arr = np.asarray(out, dtype=object)
    except ValueError as err:
        raise TypeError(f"{fname}: f returned {type(out).__name__}, which is not a Value, a number or an array: "
                        f"{err}") from None
    for index in np.ndindex(arr.shape):
        entry = arr[index]
        if not (isinstance(entry, Value) or _is_real(entry)):
            raise TypeError(f"{fname}: entry {index} of f's output is {type(entry).__name__} {entry!r}; "
                            "expected Value nodes or numbers")
    return arr.shape, list(arr.flat)


def _tensor_outputs(out: Any, fname: str) -> tuple[tuple[int, ...], list[Any]]:
    if _is_tensor(out):
        return tuple(out.shape), [out]
    if _is_real(out) or (isinstance(out, np.ndarray) and out.dtype.kind in "iuf"):
        return np.shape(out), []  # a constant: no input reached it
    raise TypeError(f"{fname}: f returned {type(out).__name__} from Tensor inputs; expected a Tensor")


def _call(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], nums: tuple[int, ...],
          lifted: list[Any]) -> Any:
    call_args = list(args)
    for n, x in zip(nums, lifted, strict=True):
        call_args[n] = x
    with _inside_transform():
        return f(*call_args, **kwargs)


def _trace(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], nums: tuple[int, ...],
           engine: str, fname: str) -> _Traced:
    """Run ``f`` on graph leaves made from ``args[n]`` for ``n`` in ``nums``, with the chosen engine."""
    if engine not in _ENGINES:
        raise ValueError(f"{fname}: engine must be one of {_ENGINES}, got {engine!r}")
    classified = [_classify(args[n], f"{fname}: argument {n}") for n in nums]
    kinds = {a.kind for a in classified}
    if engine == "auto":
        if kinds & {"value", "value_array"}:
            engine = "value"
        elif "tensor" in kinds:
            engine = "tensor"
    create_graph = any(a.nested for a in classified) or _DEPTH.get() > 0
    if engine != "auto":
        return _trace_with(engine, f, args, kwargs, nums, classified, create_graph, fname)
    try:
        return _trace_with("value", f, args, kwargs, nums, classified, create_graph, fname)
    except (TypeError, AttributeError) as value_error:
        if _tensor_class() is None:
            raise
        try:
            return _trace_with("tensor", f, args, kwargs, nums, classified, create_graph, fname)
        except (TypeError, AttributeError) as tensor_error:
            raise TypeError(
                f"{fname}: f runs on neither engine. On Value inputs: {type(value_error).__name__}: {value_error}. "
                f"On Tensor inputs: {type(tensor_error).__name__}: {tensor_error}"
            ) from tensor_error


def _trace_with(engine: str, f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                nums: tuple[int, ...], classified: list[_Arg], create_graph: bool, fname: str) -> _Traced:
    lift = _lift_value if engine == "value" else _lift_tensor
    pairs = [lift(a) for a in classified]
    out = _call(f, args, kwargs, nums, [p[0] for p in pairs])
    shape, nodes = (_value_outputs if engine == "value" else _tensor_outputs)(out, fname)
    return _Traced(engine, classified, [p[1] for p in pairs], out, shape, nodes, create_graph)


# --- reverse mode on a trace ------------------------------------------------------------------------
class _Outputs:
    """A virtual root above several outputs: one reverse sweep seeds output ``i`` with ``seeds[i]``.

    It speaks the node protocol of :mod:`autograd_core.engine.graph`, so the shared sweep
    (:func:`graph.gradients`) does the work. With one-hot vectors as seeds, every gradient in the
    sweep is a vector and one sweep yields several rows of the Jacobian.
    """

    __slots__ = ("parents", "_seeds")
    _is_leaf = False

    def __init__(self, parents: Sequence[Any], seeds: Sequence[Any]) -> None:
        self.parents = tuple(parents)
        self._seeds = tuple(seeds)

    def _vjp(self, g: Any, create_graph: bool = False) -> list[tuple[Any, Any]]:
        return list(zip(self.parents, self._seeds, strict=True))


def _zeros(arg: _Arg) -> Any:
    return 0.0 if arg.shape == () else np.zeros(arg.shape)


def _shaped(values: list[Any], arg: _Arg, create_graph: bool) -> Any:
    """Per-entry results laid out like the argument: a float / float array, or nodes when nested."""
    if create_graph:
        if arg.shape == () and arg.kind != "value_array":
            return values[0]
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out.reshape(arg.shape)
    if arg.shape == () and arg.kind == "float":
        return float(values[0])
    return np.array([float(v) for v in values]).reshape(arg.shape)


def _pullback(tr: _Traced, cotangent: Any) -> list[Any]:
    """``cotangentᵀ J`` for each differentiated argument, shaped like it (∇ when f is scalar)."""
    if tr.engine == "tensor":
        return _pullback_tensor(tr, cotangent)
    seeds, parents = [], []
    for node, c in zip(tr.out_nodes, np.asarray(cotangent, dtype=object).reshape(-1), strict=True):
        if isinstance(node, Value):
            parents.append(node)
            seeds.append(c if isinstance(c, Value) else float(c))
    if not parents:
        return [_zeros(a) for a in tr.args]
    flat = [leaf for leaves in tr.leaves for leaf in leaves]
    grads = graph.gradients(_Outputs(parents, seeds), flat, seed=1.0, create_graph=tr.create_graph)
    results, start = [], 0
    for arg, leaves in zip(tr.args, tr.leaves, strict=True):
        results.append(_shaped(grads[start:start + len(leaves)], arg, tr.create_graph))
        start += len(leaves)
    return results


def _pullback_tensor(tr: _Traced, cotangent: Any) -> list[Any]:
    if not tr.out_nodes or not tr.out_nodes[0].requires_grad:
        return [_zeros(a) for a in tr.args]
    seed = cotangent if _is_tensor(cotangent) else np.array(cotangent, dtype=float).reshape(tr.out_shape)
    leaves = [t for leaves in tr.leaves for t in leaves]
    grads = graph.gradients(tr.out_nodes[0], leaves, seed=seed, create_graph=tr.create_graph)
    results = []
    for arg, g in zip(tr.args, grads, strict=True):
        if isinstance(g, float) and g == 0.0:  # f does not depend on this argument
            results.append(_zeros(arg))
        elif tr.create_graph:
            results.append(g)
        else:
            value = np.array(g.data if _is_tensor(g) else g, dtype=float).reshape(arg.shape)
            results.append(float(value) if arg.kind == "float" else value)
    return results


def _reverse_jacobians(tr: _Traced) -> list[Any]:
    """Per argument, the Jacobian with shape ``(outputs, entries)`` (floats, or nodes when nested)."""
    M = int(np.prod(tr.out_shape, dtype=int))
    sizes = [len(leaves) if tr.engine == "value" else leaves[0].size for leaves in tr.leaves]
    if tr.engine == "value" and not tr.create_graph:
        return _value_jacobian_vectorized(tr, M, sizes)
    rows = []
    for i in range(M):
        onehot = np.zeros(M)
        onehot[i] = 1.0
        rows.append(_pullback(tr, onehot))
    if tr.create_graph and tr.engine == "tensor":
        from ..tensor import stack

        return [stack([r[a] for r in rows]).reshape(M, sizes[a]) if M else np.zeros((0, sizes[a]))
                for a in range(len(sizes))]
    out = []
    for a, size in enumerate(sizes):
        J = np.empty((M, size), dtype=object if tr.create_graph else float)
        for i, r in enumerate(rows):
            J[i] = np.asarray(r[a], dtype=J.dtype).reshape(-1) if not tr.create_graph else _flat_objects(r[a])
        out.append(J)
    return out


def _flat_objects(x: Any) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x.reshape(-1)
    box = np.empty(1, dtype=object)
    box[0] = x
    return box


def _value_jacobian_vectorized(tr: _Traced, M: int, sizes: list[int]) -> list[np.ndarray]:
    """Reverse mode with one-hot *vector* seeds: ``_CHUNK`` Jacobian rows per sweep, not one."""
    flat = [leaf for leaves in tr.leaves for leaf in leaves]
    J = np.zeros((M, len(flat)))
    for start in range(0, M, _CHUNK):
        stop = min(start + _CHUNK, M)
        parents, seeds = [], []
        for i in range(start, stop):
            node = tr.out_nodes[i]
            if isinstance(node, Value):
                seed = np.zeros(stop - start)
                seed[i - start] = 1.0
                parents.append(node)
                seeds.append(seed)
        if not parents:
            continue
        grads = graph.gradients(_Outputs(parents, seeds), flat, seed=1.0)
        for j, g in enumerate(grads):
            if not (isinstance(g, float) and g == 0.0):
                J[start:stop, j] = g
    bounds = np.cumsum([0, *sizes])
    return [J[:, bounds[a]:bounds[a + 1]] for a in range(len(sizes))]


# --- forward mode ---------------------------------------------------------------------------------
def _forward_jacobians(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                       nums: tuple[int, ...], engine: str, fname: str) -> tuple[tuple[int, ...], list[Any]]:
    """Per argument, the Jacobian ``(outputs, entries)`` by forward mode: a column per input direction.

    With the Value engine and plain numbers, every scalar dual carries a vector tangent with one
    slot per input entry, so a single pass gives every column.
    """
    classified = [_classify(args[n], f"{fname}: argument {n}") for n in nums]
    nested = any(a.nested for a in classified) or _DEPTH.get() > 0
    sizes = [int(np.prod(a.shape, dtype=int)) for a in classified]
    N = sum(sizes)
    if engine == "value" and not nested:
        offsets = np.cumsum([0, *sizes])
        lifted = []
        for a, arg in enumerate(classified):
            values = [arg.data] if arg.shape == () else list(np.asarray(arg.data, dtype=float).flat)
            duals = []
            for k, x in enumerate(values):
                e = np.zeros(N)
                e[offsets[a] + k] = 1.0
                duals.append(Dual(float(x), e))
            lifted.append(duals[0] if arg.kind == "float" else _object_array(duals, arg.shape))
        out = _call(f, args, kwargs, nums, lifted)
        shape, entries = _dual_outputs(out, fname)
        J = jacobian_columns(entries, N)
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
            _, (shape, tangent_out) = _jvp_pass(f, args, kwargs, nums, classified, tangents, engine, fname)
            columns.append(tangent_out)
    M = int(np.prod(shape, dtype=int))
    J = np.empty((M, N), dtype=object if nested else float)
    for j, col in enumerate(columns):
        J[:, j] = _flat_objects(col) if nested else np.asarray(col, dtype=float).reshape(-1)
    offsets = np.cumsum([0, *sizes])
    return shape, [J[:, offsets[a]:offsets[a + 1]] for a in range(len(sizes))]


def _object_array(items: list[Any], shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out.reshape(shape)


def _dual_outputs(out: Any, fname: str) -> tuple[tuple[int, ...], list[Any]]:
    if isinstance(out, Dual):
        if isinstance(out.primal, np.ndarray):
            return out.primal.shape, [out]
        return (), [out]
    if _is_real(out):
        return (), [out]
    arr = np.asarray(out, dtype=object)
    for index in np.ndindex(arr.shape):
        entry = arr[index]
        if not (isinstance(entry, Dual) or _is_real(entry)):
            raise TypeError(f"{fname}: entry {index} of f's output is {type(entry).__name__} {entry!r}; "
                            "expected dual numbers or numbers")
    return arr.shape, list(arr.flat)


def _lift_dual(arg: _Arg, tangent: Any, engine: str) -> Any:
    if engine == "tensor" or arg.kind in ("value", "dual") or (arg.shape == () and not arg.kind.endswith("_array")):
        data = arg.data
        if arg.kind == "tensor":
            raise TypeError("forward mode does not take Tensor nodes as inputs; use reverse mode (mode='reverse')")
        return Dual(data, tangent)
    t = np.asarray(tangent, dtype=object).reshape(arg.shape)
    out = np.empty(arg.shape, dtype=object)
    for index in np.ndindex(arg.shape):
        out[index] = Dual(arg.data[index], t[index])
    return out


def _jvp_pass(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], nums: tuple[int, ...],
              classified: list[_Arg], tangents: list[Any], engine: str, fname: str) -> tuple[Any, Any]:
    """One forward pass: ``(f(x) as nodes-or-numbers, (shape, tangent of f))``."""
    lifted = [_lift_dual(a, t, engine) for a, t in zip(classified, tangents, strict=True)]
    out = _call(f, args, kwargs, nums, lifted)
    shape, entries = _dual_outputs(out, fname)
    primal, tangent = _split_duals(out, shape, entries)
    return primal, (shape, tangent)


def _split_duals(out: Any, shape: tuple[int, ...], entries: list[Any]) -> tuple[Any, Any]:
    if isinstance(out, Dual) and isinstance(out.primal, np.ndarray):
        return out.primal, np.broadcast_to(np.asarray(out.tangent, dtype=float), shape).copy()
    if shape == () and not isinstance(out, np.ndarray):
        e = entries[0]
        return (e.primal, e.tangent) if isinstance(e, Dual) else (float(e), 0.0)
    primals = _object_array([e.primal if isinstance(e, Dual) else e for e in entries], shape)
    tangents = _object_array([e.tangent if isinstance(e, Dual) else 0.0 for e in entries], shape)
    return primals, tangents


# --- presenting results -----------------------------------------------------------------------------
def _numbers(x: Any, nested: bool) -> Any:
    """A node / node array as floats (unless nested, where nodes must stay nodes)."""
    if nested:
        return x
    if isinstance(x, Value):
        return x.data
    if _is_tensor(x):
        return x.data.copy()
    if isinstance(x, np.ndarray) and x.dtype == object:
        return np.array([float(e.data if isinstance(e, Value) else e) for e in x.flat]).reshape(x.shape)
    if _is_real(x):
        return float(x)
    return np.array(x, dtype=float)


def _output_value(tr: _Traced) -> Any:
    return _numbers(tr.out, tr.create_graph)


def _laid_out(J: Any, out_shape: tuple[int, ...], in_shape: tuple[int, ...], layout: str) -> Any:
    """``(outputs, entries)`` → the numerator layout ``out + in[::-1]``, or its transpose."""
    J = J.reshape(out_shape + in_shape)
    k, n = len(out_shape), len(in_shape)
    axes = tuple(range(k)) + tuple(range(k + n - 1, k - 1, -1))
    J = J.transpose(*axes) if _is_tensor(J) else np.transpose(J, axes)
    if layout == "denominator":
        J = J.transpose(*reversed(range(k + n))) if _is_tensor(J) else np.transpose(J)
    if not _is_tensor(J) and J.ndim == 0 and J.dtype != object:
        return float(J)
    if not _is_tensor(J) and J.ndim == 0:
        return J[()]
    return J


def _unwrap(results: list[Any], single: bool) -> Any:
    return results[0] if single else tuple(results)


def _check_scalar_output(tr: _Traced, fname: str) -> None:
    if int(np.prod(tr.out_shape, dtype=int)) != 1:
        raise ValueError(
            f"{fname}: f must return a scalar (one entry), got an output of shape {tr.out_shape}; "
            "for a non-scalar output use jacobian(f) for the full Jacobian or vjp(f, x, v) for vᵀJ"
        )


# --- the public functions ---------------------------------------------------------------------------
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
        nums, single = _argnums(argnums, len(args), "grad")
        tr = _trace(f, args, kwargs, nums, engine, "grad")
        _check_scalar_output(tr, "grad")
        grads = _pullback(tr, np.ones(tr.out_shape))
        value = _output_value(tr)
        if not tr.create_graph and isinstance(value, np.ndarray):
            value = float(value.reshape(()))
        return value, _unwrap(grads, single)

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
        nums, single = _argnums(argnums, len(args), "jacobian")
        out_shape, Js, shapes = _jacobians(f, args, kwargs, nums, mode, engine)
        return _unwrap([_laid_out(J, out_shape, s, layout) for J, s in zip(Js, shapes, strict=True)], single)

    jacobian_f.__name__ = f"jacobian({getattr(f, '__name__', 'f')})"
    return jacobian_f


def _jacobians(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], nums: tuple[int, ...],
               mode: str, engine: str) -> tuple[tuple[int, ...], list[Any], list[tuple[int, ...]]]:
    """``(out_shape, [J per argument as (outputs, entries)], [argument shapes])``."""
    if mode == "forward":
        classified = [_classify(args[n], f"jacobian: argument {n}") for n in nums]
        chosen = engine
        if chosen == "auto":
            chosen = _forward_engine(f, args, kwargs, nums)
        out_shape, Js = _forward_jacobians(f, args, kwargs, nums, chosen, "jacobian")
        return out_shape, Js, [a.shape for a in classified]
    tr = _trace(f, args, kwargs, nums, engine, "jacobian")
    shapes = [a.shape for a in tr.args]
    M = int(np.prod(tr.out_shape, dtype=int))
    N = sum(int(np.prod(s, dtype=int)) for s in shapes)
    if mode == "auto" and N < M and not tr.create_graph:
        try:
            out_shape, Js = _forward_jacobians(f, args, kwargs, nums, tr.engine, "jacobian")
            return out_shape, Js, shapes
        except (TypeError, AttributeError):
            # f differentiates internally (a Hessian's grad: reverse inside forward is not supported)
            # or uses something dual numbers lack: the reverse sweep over the graph we have is exact too.
            pass
    return tr.out_shape, _reverse_jacobians(tr), shapes


def _forward_engine(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                    nums: tuple[int, ...]) -> str:
    """For ``engine="auto"`` in forward mode: scalar duals (Value-style) unless ``f`` only runs on arrays."""
    classified = [_classify(args[n], "jacobian") for n in nums]
    if any(a.kind == "tensor" for a in classified):
        return "tensor"
    try:
        tangents = [np.zeros(a.shape) if a.shape != () else 0.0 for a in classified]
        _jvp_pass(f, args, kwargs, nums, classified, tangents, "value", "jacobian")
        return "value"
    except ForwardOverReverseError:
        raise
    except (TypeError, AttributeError):
        return "tensor"


def hessian(f: Callable[..., Any], argnums: ArgNums = 0, engine: Engine = "auto") -> Callable[..., Any]:
    """The Hessian ``H[i..., j...] = ∂²f/∂x_i ∂x_j`` of a scalar ``f``, shape ``x.shape + x.shape``.

    Reverse over reverse: the Jacobian of :func:`grad`, whose graph was built with
    ``create_graph=True``. For ``tanh(w·x + b)`` it reproduces the closed form
    ``tanh''(u) ∂u/∂x_i ∂u/∂x_j + tanh'(u) ∂²u/∂x_i∂x_j``; for softmax cross-entropy it is
    ``diag(p) − p pᵀ``. With a tuple ``argnums`` the result is a tuple of tuples: ``H[a][b]`` is
    the block ``∂²f/∂x_a ∂x_b``.
    """

    def hessian_f(*args: Any, **kwargs: Any) -> Any:
        nums, single = _argnums(argnums, len(args), "hessian")
        g = grad(f, nums if not single else nums[0], engine)
        if single:
            out_shape, Js, shapes = _jacobians(g, args, kwargs, nums, "reverse", engine)
            return _natural(Js[0], out_shape, shapes[0])
        blocks = []
        for a in range(len(nums)):
            g_a = _component(g, a)
            out_shape, Js, shapes = _jacobians(g_a, args, kwargs, nums, "reverse", engine)
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
    if not _is_tensor(J) and J.ndim == 0:
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
    nums = tuple(range(len(args)))
    tr = _trace(f, args, {}, nums, engine, "vjp")
    cot = v if isinstance(v, Value) or _is_tensor(v) else np.asarray(v, dtype=object if _holds_nodes(v) else float)
    v_shape = tuple(cot.shape) if hasattr(cot, "shape") else ()
    if v_shape != tr.out_shape:
        raise ValueError(f"vjp: v has shape {v_shape} but f's output has shape {tr.out_shape}; "
                         "v must be shaped like the output")
    return _output_value(tr), _unwrap(_pullback(tr, cot), single)


def _holds_nodes(v: Any) -> bool:
    return isinstance(v, np.ndarray) and v.dtype == object and any(isinstance(e, Value) for e in v.flat)


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
    classified = [_classify(a, f"jvp: argument {n}", duals=True) for n, a in enumerate(args)]
    tangents = []
    for n, (arg, t) in enumerate(zip(classified, vs, strict=True)):
        t_shape = np.shape(t) if not isinstance(t, Value) else ()
        if tuple(t_shape) != arg.shape:
            where = "x" if single else f"x[{n}]"
            raise ValueError(f"jvp: v has shape {tuple(t_shape)} but {where} has shape {arg.shape}; "
                             "v must be shaped like x")
        tangents.append(t if isinstance(t, Value) or _holds_nodes(np.asarray(t, dtype=object))
                        else (float(t) if arg.shape == () else np.asarray(t, dtype=float)))
    nested = any(a.nested for a in classified) or _DEPTH.get() > 0
    errors = []
    for chosen in (("value", "tensor") if engine == "auto" else (engine,)):
        if chosen == "tensor" and _tensor_class() is None and engine == "auto":
            break
        try:
            primal, (_, tangent) = _jvp_pass(f, args, {}, nums, classified, tangents, chosen, "jvp")
        except (TypeError, AttributeError) as err:
            if engine != "auto" or isinstance(err, ForwardOverReverseError):
                raise
            errors.append(f"{chosen}: {type(err).__name__}: {err}")
            continue
        return _numbers(primal, nested), _numbers(tangent, nested)
    raise TypeError("jvp: f runs on neither scalar nor array dual numbers. " + " | ".join(errors))
