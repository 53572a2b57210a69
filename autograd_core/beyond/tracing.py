"""Tracing ``f`` for the transforms: arguments lifted to graph leaves, ``f`` run, reverse mode read back.

The machinery under :mod:`autograd_core.beyond.functional`: what kind each differentiated argument is
(:func:`classify`), which engine runs ``f`` (:func:`trace`: ``Value`` leaves, one ``Tensor``, or both
tried under ``engine="auto"``), and the reverse sweep over the recorded graph (:func:`pullback`,
:func:`reverse_jacobians`). While ``f`` runs, a traced node refuses to become a plain number
(``engine.graph.tracing``): that would drop its path from the derivative without a word.
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
from ..tensor import Tensor
from .forward import Dual

Engine = Literal["auto", "value", "tensor"]
Layout = Literal["numerator", "denominator", "vec", "natural"]
Mode = Literal["auto", "reverse", "forward"]
ArgNums = int | Sequence[int]

ENGINES = ("auto", "value", "tensor")
_CHUNK = 64  # output rows per vector-seeded reverse sweep: bounds memory at 64 floats per node
# How many transforms are evaluating ``f`` right now. Inside one, transforms keep their results
# as graph nodes, so the outer one can differentiate through them (even through closures).
DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("autograd_core_functional_depth", default=0)


@contextlib.contextmanager
def inside_transform() -> Iterator[None]:
    token = DEPTH.set(DEPTH.get() + 1)
    try:
        with graph.enable_grad():  # a transform records f's graph even inside no_grad()
            yield
    finally:
        DEPTH.reset(token)


def is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


# --- arguments ------------------------------------------------------------------------------------
class Arg(NamedTuple):
    """One differentiated argument: what the caller passed, classified."""

    kind: str  # "float" | "array" | "value" | "value_array" | "tensor" | "dual" | "dual_array" (jvp only)
    shape: tuple[int, ...]
    data: Any  # the float / float array, or the node(s) as passed

    @property
    def nested(self) -> bool:
        return self.kind in ("value", "value_array", "tensor", "dual", "dual_array")


class ForwardOverReverseError(TypeError):
    """A reverse-mode transform was handed dual numbers (e.g. ``jvp`` of ``grad``): not supported."""


def classify(x: Any, where: str, duals: bool = False) -> Arg:
    """What kind of argument ``x`` is; ``duals=True`` (forward over forward) accepts dual numbers."""
    if duals and isinstance(x, Dual):
        return Arg("dual", x.shape, x)  # an array dual keeps its shape
    if duals and isinstance(x, np.ndarray) and x.dtype == object and any(isinstance(e, Dual) for e in x.flat):
        return Arg("dual_array", x.shape, x)
    if isinstance(x, Dual) or (isinstance(x, np.ndarray) and x.dtype == object
                               and any(isinstance(e, Dual) for e in x.flat)):
        raise ForwardOverReverseError(
            f"{where} is a dual number: reverse mode inside forward mode (e.g. jvp of grad) is not supported, "
            "because Value holds floats; nest reverse inside reverse (hessian) instead"
        )
    if isinstance(x, Value):
        return Arg("value", (), x)
    if is_tensor(x):
        if x.requires_grad:
            return Arg("tensor", tuple(x.shape), x)
        x = x.data  # a constant Tensor is just its numbers
    if isinstance(x, bool) or isinstance(x, np.bool_):
        raise TypeError(f"{where} must be a real number or a float array, got bool {x!r}")
    if isinstance(x, numbers.Real):
        return Arg("float", (), float(x))
    arr = np.asarray(x)
    if arr.dtype == object:
        bad = [e for e in arr.flat if not (isinstance(e, Value) or is_real(e))]  # a list: None itself can be bad
        if bad:
            raise TypeError(f"{where} holds {type(bad[0]).__name__} {bad[0]!r}; expected real numbers or Value nodes")
        if any(isinstance(e, Value) for e in arr.flat):
            return Arg("value_array", arr.shape, arr)
        arr = arr.astype(float)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{where} must be a real number or a float array, got {type(x).__name__} "
                        f"of dtype {arr.dtype}")
    return Arg("array", arr.shape, np.array(arr, dtype=float))


def is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_)


def parse_argnums(argnums: ArgNums, nargs: int, fname: str) -> tuple[tuple[int, ...], bool]:
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
class Traced(NamedTuple):
    """``f`` evaluated on lifted arguments, with what reverse mode needs."""

    engine: str  # "value" | "tensor"
    args: list[Arg]  # the differentiated arguments, in argnums order
    leaves: list[Any]  # per argument: a flat list of Value leaves, or the one Tensor
    out: Any  # what f returned
    out_shape: tuple[int, ...]
    out_nodes: list[Any]  # value engine: the output entries (Value or number), flat
    create_graph: bool


def _lift_value(arg: Arg) -> tuple[Any, list[Any]]:
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


def _lift_tensor(arg: Arg) -> tuple[Any, list[Any]]:
    if arg.kind in ("value", "value_array"):
        raise TypeError("engine 'tensor' got Value arguments; use engine='value' (or 'auto')")
    if arg.kind == "tensor":
        return arg.data, [arg.data]
    t = Tensor(arg.data, requires_grad=True)
    return t, [t]


def _value_outputs(out: Any, fname: str) -> tuple[tuple[int, ...], list[Any]]:
    if isinstance(out, Value) or is_real(out):
        return (), [out]
    if is_tensor(out) or isinstance(out, Dual):
        raise TypeError(f"{fname}: f returned a {type(out).__name__} from Value inputs; one engine per function")
    try:
        arr = np.asarray(out, dtype=object)
    except ValueError as err:
        raise TypeError(f"{fname}: f returned {type(out).__name__}, which is not a Value, a number or an array: "
                        f"{err}") from None
    for index in np.ndindex(arr.shape):
        entry = arr[index]
        if not (isinstance(entry, Value) or is_real(entry)):
            raise TypeError(f"{fname}: entry {index} of f's output is {type(entry).__name__} {entry!r}; "
                            "expected Value nodes or numbers")
    return arr.shape, list(arr.flat)


def _tensor_outputs(out: Any, fname: str) -> tuple[tuple[int, ...], list[Any]]:
    if is_tensor(out):
        return tuple(out.shape), [out]
    if is_real(out) or (isinstance(out, np.ndarray) and out.dtype.kind in "iuf"):
        return np.shape(out), []  # a constant: no input reached it
    raise TypeError(f"{fname}: f returned {type(out).__name__} from Tensor inputs; expected a Tensor")


def call(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], nums: tuple[int, ...],
          lifted: list[Any]) -> Any:
    """``f`` on the lifted arguments, recording, with conversions of the inputs to numbers refused."""
    call_args = list(args)
    for n, x in zip(nums, lifted, strict=True):
        call_args[n] = x
    inputs = [e for x in lifted for e in (x.flat if isinstance(x, np.ndarray) and x.dtype == object else (x,))]
    with inside_transform(), graph.tracing(inputs):
        return f(*call_args, **kwargs)


def trace(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], nums: tuple[int, ...],
           engine: str, fname: str) -> Traced:
    """Run ``f`` on graph leaves made from ``args[n]`` for ``n`` in ``nums``, with the chosen engine."""
    if engine not in ENGINES:
        raise ValueError(f"{fname}: engine must be one of {ENGINES}, got {engine!r}")
    classified = [classify(args[n], f"{fname}: argument {n}") for n in nums]
    kinds = {a.kind for a in classified}
    if engine == "auto":
        if kinds & {"value", "value_array"}:
            engine = "value"
        elif "tensor" in kinds:
            engine = "tensor"
    create_graph = any(a.nested for a in classified) or DEPTH.get() > 0
    if engine != "auto":
        return _trace_with(engine, f, args, kwargs, nums, classified, create_graph, fname)
    try:
        return _trace_with("value", f, args, kwargs, nums, classified, create_graph, fname)
    except (TypeError, AttributeError) as value_error:
        if isinstance(value_error, graph.ConversionError):  # f's own mistake, on any engine: say it now
            raise
        try:
            return _trace_with("tensor", f, args, kwargs, nums, classified, create_graph, fname)
        except (TypeError, AttributeError) as tensor_error:
            raise TypeError(
                f"{fname}: f runs on neither engine. On Value inputs: {type(value_error).__name__}: {value_error}. "
                f"On Tensor inputs: {type(tensor_error).__name__}: {tensor_error}"
            ) from tensor_error


def _trace_with(engine: str, f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                nums: tuple[int, ...], classified: list[Arg], create_graph: bool, fname: str) -> Traced:
    lift = _lift_value if engine == "value" else _lift_tensor
    pairs = [lift(a) for a in classified]
    out = call(f, args, kwargs, nums, [p[0] for p in pairs])
    shape, nodes = (_value_outputs if engine == "value" else _tensor_outputs)(out, fname)
    return Traced(engine, classified, [p[1] for p in pairs], out, shape, nodes, create_graph)


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


def _zeros(arg: Arg) -> Any:
    return 0.0 if arg.shape == () else np.zeros(arg.shape)


def _shaped(values: list[Any], arg: Arg, create_graph: bool) -> Any:
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


def pullback(tr: Traced, cotangent: Any) -> list[Any]:
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


def _pullback_tensor(tr: Traced, cotangent: Any) -> list[Any]:
    if not tr.out_nodes or not tr.out_nodes[0].requires_grad:
        return [_zeros(a) for a in tr.args]
    seed = cotangent if is_tensor(cotangent) else np.array(cotangent, dtype=float).reshape(tr.out_shape)
    leaves = [t for leaves in tr.leaves for t in leaves]
    grads = graph.gradients(tr.out_nodes[0], leaves, seed=seed, create_graph=tr.create_graph)
    results = []
    for arg, g in zip(tr.args, grads, strict=True):
        if isinstance(g, float) and g == 0.0:  # f does not depend on this argument
            results.append(_zeros(arg))
        elif tr.create_graph:
            results.append(g)
        else:
            value = np.array(g.data if is_tensor(g) else g, dtype=float).reshape(arg.shape)
            results.append(float(value) if arg.kind == "float" else value)
    return results


def reverse_jacobians(tr: Traced) -> list[Any]:
    """Per argument, the Jacobian with shape ``(outputs, entries)`` (floats, or nodes when nested)."""
    M = int(np.prod(tr.out_shape, dtype=int))
    sizes = [len(leaves) if tr.engine == "value" else leaves[0].size for leaves in tr.leaves]
    if tr.engine == "value" and not tr.create_graph:
        return _value_jacobian_vectorized(tr, M, sizes)
    rows = []
    for i in range(M):
        onehot = np.zeros(M)
        onehot[i] = 1.0
        rows.append(pullback(tr, onehot))
    if tr.create_graph and tr.engine == "tensor":
        from ..tensor import stack

        return [stack([r[a] for r in rows]).reshape(M, sizes[a]) if M else np.zeros((0, sizes[a]))
                for a in range(len(sizes))]
    out = []
    for a, size in enumerate(sizes):
        J = np.empty((M, size), dtype=object if tr.create_graph else float)
        for i, r in enumerate(rows):
            J[i] = np.asarray(r[a], dtype=J.dtype).reshape(-1) if not tr.create_graph else flat_objects(r[a])
        out.append(J)
    return out


def flat_objects(x: Any) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x.reshape(-1)
    box = np.empty(1, dtype=object)
    box[0] = x
    return box


def _value_jacobian_vectorized(tr: Traced, M: int, sizes: list[int]) -> list[np.ndarray]:
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

def as_numbers(x: Any, nested: bool) -> Any:
    """A node / node array as floats (unless nested, where nodes must stay nodes)."""
    if nested:
        return x
    if isinstance(x, Value):
        return x.data
    if is_tensor(x):
        return x.data.copy()
    if isinstance(x, np.ndarray) and x.dtype == object:
        return np.array([float(e.data if isinstance(e, Value) else e) for e in x.flat]).reshape(x.shape)
    if is_real(x):
        return float(x)
    return np.array(x, dtype=float)


def output_value(tr: Traced) -> Any:
    return as_numbers(tr.out, tr.create_graph)


def unwrap(results: list[Any], single: bool) -> Any:
    return results[0] if single else tuple(results)


def check_scalar_output(tr: Traced, fname: str) -> None:
    if int(np.prod(tr.out_shape, dtype=int)) != 1:
        raise ValueError(
            f"{fname}: f must return a scalar (one entry), got an output of shape {tr.out_shape}; "
            "for a non-scalar output use jacobian(f) for the full Jacobian or vjp(f, x, v) for vᵀJ"
        )


# --- the public functions ---------------------------------------------------------------------------
def holds_nodes(v: Any) -> bool:
    return isinstance(v, np.ndarray) and v.dtype == object and any(isinstance(e, Value) for e in v.flat)


