"""Replay: record a ``Tensor`` graph once, then re-run its forward and backward into preallocated buffers.

A training step rebuilds the same graph every time: the same operations on arrays of the same shapes,
only the numbers change. :class:`Replay` records that graph once, as a flat program (the topological
order, each node's table entry, its parameters and its operands' slots), allocates one buffer per
forward value and one per gradient, and then each :meth:`Replay.step` evaluates the program again with
numpy's ``out=`` arguments: no graph is built, no array is allocated.

>>> import numpy as np
>>> from autograd_core import Tensor, replay
>>> W = Tensor(np.full((2, 3), 0.5), requires_grad=True)
>>> X = Tensor(np.ones((3, 4)))
>>> loss = (W @ X).tanh().sum()
>>> step = replay(loss)                    # records, and checks itself against loss.backward()
>>> for _ in range(3):
...     value = step()                     # forward and backward on the current W.data and X.data
...     W.data -= 0.1 * W.grad             # the update, in place
>>> round(value, 6)
5.972537

**What "the same graph" means.** The recorded program repeats the recorded operations exactly, as a
captured CUDA graph or a ``torch.jit.trace`` does: whatever Python decided while building the loss
(an ``if`` on a value, a loop count, which layers ran) is frozen. Each step reads the *current* ``.data``
of every leaf -- parameters updated in place (``p.data -= lr * p.grad``) and inputs the caller
overwrites in place or rebinds to a new array with a new batch -- and checks that it is still a float64
array of the recorded shape; if not it raises :class:`ReplayError` naming the leaf, its recorded shape
and its new one. A different shape is a different program: build the loss again and record it again.

A leaf is what the graph holds as a leaf. Operations on Tensors that do not require grad record no node
(the engine computes them once, to a constant), so ``Xn = (X - mu) / sd`` with a constant ``X`` is a leaf
of the loss's graph, and writing a new batch into ``X.data`` does not reach it: write into ``Xn.data``.
Declare what changes between steps (``replay(loss, inputs=[X, Y])``) and a Tensor the loss does not read
is refused by name when recording, instead of being silently ignored at every step.

**Gradients.** Each step *sets* every parameter's ``.grad`` to this step's gradient (as ``zero_grad()``
then ``backward()`` would; it does not add to a gradient left from before). The ``.grad`` arrays are the
replay's own buffers, reused by every step: a reference kept across steps changes with them, so copy
(``p.grad.copy()``) what you want to keep. The recorded graph's nodes are rebound to the buffers as
well, so ``loss.item()``, ``z.data`` and ``z.grad`` of an intermediate node show the latest step.

**The table stays the one source of truth.** Only a small whitelist of entries is replayed: the
elementwise ``add``, ``sub``, ``mul``, ``div``, ``neg``, ``exp``, ``log`` and ``tanh``, and the
contraction entry (``einsum``) where it is a 2-D matrix product or a sum over axes. For each of them
:data:`KERNELS` spells the table's forward value and its local derivative with ``out=`` buffers, in the
operations and the order the ``Tensor`` sweep uses, so the numbers are the same bit for bit. That is not
taken on trust: recording replays once and compares every forward value and every gradient (leaves and
intermediate nodes) with a fresh ``backward()`` on a copy of the graph re-evaluated by the table's own
entries, and the forward values with the graph's own, bit for bit (NaN equal to NaN, the sign of zeros
compared); any difference raises :class:`ReplayError` and no replay is made.

**Refused, by name** (:class:`ReplayError`; ``loss.backward()`` still works for these graphs): every
other entry; entries whose parameters or branches come from the data, which a recording would freeze
or which the replay does not evaluate (the masks of ``where``, ``clip``, ``tril``; indexing and
scattering; ``max`` / ``min`` and their ties; piecewise rules such as ``relu``, ``abs``, ``maximum``,
``x ** n``); user primitives (their rule is not the table's); a graph whose gradients were built with
``backward(create_graph=True)``; a loss that is not a one-entry Tensor; a graph freed by
``backward(retain_graph=False)`` (the engine's ``GraphFreedError``).

**Domains are still checked** on every step: ``log`` of a non-positive entry or a division by zero
raises the engine's own ``ValueError`` (the entry's ``invalid``, through ``ops.check_domain``); a step
that raises has left the buffers half-written and the parameters untouched. numpy's floating-point
warnings are off during a step, as in every Tensor operation (``engine.namespaces.quiet``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..engine import graph, ops
from ..engine.namespaces import ARRAY, quiet
from ..engine.ops import Binary, Call, Unary, check_domain
from .nodes import MATRIX_PRODUCT, summed_axes
from .tensor import _FLOAT, Tensor

__all__ = ["KERNELS", "Replay", "ReplayError", "replay"]

Instruction = Callable[[list[Any]], None]  # one step of the program, on the slots' current arrays
_BACKWARD = "use loss.backward() for this graph"


class ReplayError(RuntimeError):
    """A graph the replay cannot repeat exactly, a leaf that no longer fits it, or a failed self-check."""


# --- the whitelist: the table's entries spelled with out= -----------------------------------------------
class Kernel(NamedTuple):
    """One elementwise entry of the table evaluated into preallocated buffers.

    ``forward(*operands, out=buffer)`` writes the entry's value. ``terms[i](g, operands, value, dest)``
    writes ``g · ∂value/∂operand_i`` at the node's shape into ``dest`` -- the operations of the table's
    local derivative and of ``ops.chain``, in the ``Tensor`` sweep's order -- or is ``None`` where the
    table's local derivative is the constant 1.0, so the sweep passes ``g`` itself on.
    """

    forward: Callable[..., Any]
    terms: tuple[Callable[..., Any] | None, ...]


def _negated(g: Any, xs: Sequence[Any], value: Any, dest: Any) -> None:
    """Local -1.0: the sweep passes ``-g``."""
    np.negative(g, out=dest)


def _times_second(g: Any, xs: Sequence[Any], value: Any, dest: Any) -> None:
    """mul's ∂/∂a = b: ``g * b``."""
    np.multiply(g, xs[1], out=dest)


def _times_first(g: Any, xs: Sequence[Any], value: Any, dest: Any) -> None:
    """mul's ∂/∂b = a: ``g * a``."""
    np.multiply(g, xs[0], out=dest)


def _over_divisor(g: Any, xs: Sequence[Any], value: Any, dest: Any) -> None:
    """div's ∂/∂a = 1.0 / b: ``g * (1.0 / b)``."""
    np.divide(1.0, xs[1], out=dest)
    np.multiply(g, dest, out=dest)


def _div_divisor(g: Any, xs: Sequence[Any], value: Any, dest: Any) -> None:
    """div's ∂/∂b = -out / b: ``g * ((-out) / b)``."""
    np.negative(value, out=dest)
    np.divide(dest, xs[1], out=dest)
    np.multiply(g, dest, out=dest)


def _times_value(g: Any, xs: Sequence[Any], value: Any, dest: Any) -> None:
    """exp's ∂/∂x = out: ``g * out``."""
    np.multiply(g, value, out=dest)


def _log_term(g: Any, xs: Sequence[Any], value: Any, dest: Any) -> None:
    """log's ∂/∂x = 1.0 / x: ``g * (1.0 / x)``."""
    np.divide(1.0, xs[0], out=dest)
    np.multiply(g, dest, out=dest)


def _tanh_term(g: Any, xs: Sequence[Any], value: Any, dest: Any) -> None:
    """tanh's ∂/∂x = 1.0 - out * out, times ``g``: the sweep's ``nodes._tanh_term``, step for step."""
    np.multiply(value, value, out=dest)
    np.subtract(1.0, dest, out=dest)
    np.multiply(dest, g, out=dest)


# The entries the replay evaluates, by name; a node's entry must be the table's own (``is``), so an entry
# replaced later (tests break rules on purpose) is refused rather than replayed with the old rule.
_ENTRIES: dict[str, Unary | Binary] = {op.name: op for op in (ops.ADD, ops.SUB, ops.MUL, ops.DIV, ops.NEG, ops.EXP,
                                                              ops.LOG, ops.TANH)}
KERNELS: dict[str, Kernel] = {
    "add": Kernel(np.add, (None, None)),
    "sub": Kernel(np.subtract, (None, _negated)),
    "mul": Kernel(np.multiply, (_times_second, _times_first)),
    "div": Kernel(np.divide, (_over_divisor, _div_divisor)),
    "neg": Kernel(np.negative, (_negated,)),
    "exp": Kernel(np.exp, (_times_value,)),
    "log": Kernel(np.log, (_log_term,)),
    "tanh": Kernel(np.tanh, (_tanh_term,)),
}


# --- refusals -----------------------------------------------------------------------------------------
_DATA_DEPENDENT = {
    "mask": "its mask (where, clip, tril, triu ...) was computed from the data when the graph was built, and a "
            "recording would apply it unchanged to new data",
    "index": "its index may have been computed from the data when the graph was built (a boolean mask, argmax "
             "...), and a recording would apply it unchanged to new data",
    "scatter": "its index may have been computed from the data when the graph was built, and a recording would "
               "apply it unchanged to new data",
    "amax": "its gradient goes to the entries that reach the maximum (split at ties): the data decides which",
    "amin": "its gradient goes to the entries that reach the minimum (split at ties): the data decides which",
}


def _refusal(node: Tensor, reason: str) -> ReplayError:
    return ReplayError(f"replay: cannot replay op {node.op!r}: {reason}; {_BACKWARD}")


def _check_elementwise(node: Tensor) -> Kernel:
    """The kernel of an elementwise node, or the refusal naming its entry."""
    op = node._op
    if _ENTRIES.get(op.name) is op:
        return KERNELS[op.name]
    if op.name in _ENTRIES:
        return _raise(_refusal(node, f"the node's entry '{op.name}' is not the table's own (it was replaced)"))
    if op.keep is not None or op.name in ("maximum", "minimum"):
        return _raise(_refusal(node, f"'{op.name}' is piecewise: its rule picks a branch entry by entry from the "
                                     "data, which the replay does not evaluate"))
    return _raise(_refusal(node, f"'{op.name}' is not among the entries the replay evaluates ("
                                 f"{', '.join(_ENTRIES)}, matrix products and sums)"))


def _check_call(node: Tensor) -> str:
    """``"matmul"`` or ``"sum"`` for a contraction the replay evaluates; else the refusal naming the entry."""
    call, parents = node._op, node._parents
    entry = call.entry
    if entry is ops.EINSUM:
        plan = call.params
        if plan == MATRIX_PRODUCT and parents[0].data.shape[1] == parents[1].data.shape[0]:
            return "matmul"
        if summed_axes(plan.inputs, plan.output) is not None:
            return "sum"
        return _raise(_refusal(node, f"the contraction '{plan.subscripts}' is neither a 2-D matrix product nor a "
                                     "sum over axes, the only contractions the replay evaluates"))
    if entry.name in _DATA_DEPENDENT and ops.TABLE.get(entry.name) is entry:
        return _raise(_refusal(node, _DATA_DEPENDENT[entry.name]))
    if isinstance(entry, ops.Function) and ops.FUNCTIONS.get(entry.name) is not entry:
        return _raise(_refusal(node, f"'{entry.name}' is a user primitive: its rule is your code, not the table's, "
                                     "so the replay cannot check it"))
    return _raise(_refusal(node, f"'{entry.name}' is not among the entries the replay evaluates ("
                                 f"{', '.join(_ENTRIES)}, matrix products and sums)"))


def _raise(error: Exception) -> Any:
    raise error


def _check_loss(loss: Any) -> None:
    if not isinstance(loss, Tensor):
        raise TypeError(f"replay: needs the loss as a Tensor, got {type(loss).__name__}")
    if loss.size != 1:
        raise ReplayError(f"replay: the loss must be a one-entry Tensor (a scalar), got shape {loss.shape}; reduce "
                          f"it first (loss.sum(), loss.mean()), or {_BACKWARD} with gradient=...")
    if loss._op is None:
        raise ReplayError("replay: the loss is a leaf, not computed from anything, so there is no graph to replay; "
                          "record a loss computed from Tensors with requires_grad=True")


def _check_nodes(order: list[Tensor]) -> None:
    """Refuse a graph whose gradients are graphs (``create_graph=True``) before anything is allocated."""
    for node in order:
        if isinstance(node.grad, Tensor):
            raise ReplayError("replay: this graph's gradients were built with backward(create_graph=True) (a node's "
                              "grad is a Tensor): the replay computes gradients as arrays only, not as graphs to "
                              "differentiate again; call zero_grad() first to replay first derivatives, or "
                              f"{_BACKWARD}")


def _check_inputs(inputs: Sequence[Tensor], order: list[Tensor]) -> None:
    """Each declared input is a leaf of the graph; else the step would keep reading what it became once."""
    leaves = {id(node) for node in order if node._op is None}
    for k, x in enumerate(inputs):
        name = f"{x.label!r}" if isinstance(x, Tensor) and x.label else f"#{k}"
        if not isinstance(x, Tensor):
            raise TypeError(f"replay: inputs must be Tensors, got {type(x).__name__} for input {name}")
        if x._op is not None:
            raise ReplayError(f"replay: input {name} is computed (op {x.op!r}), not a leaf: the replay "
                              "computes it again from its leaves at every step; declare the leaves whose .data you "
                              "change")
        if id(x) not in leaves:
            raise ReplayError(
                f"replay: input {name} is not a leaf of the recorded graph, so the loss never reads its .data: it "
                "reached the loss only through operations on Tensors that do not require grad, which the engine "
                "computed once, to a constant (e.g. Xn = (X - mu) / sd). A new batch written into it would never "
                "reach the loss. Declare the Tensor the loss does read (write each batch into Xn.data), or "
                f"{_BACKWARD}")


# --- compiling the program --------------------------------------------------------------------------------
class _Program:
    """The flat program: forward and backward instructions over slots, and the buffers they write."""

    def __init__(self, order: list[Tensor]) -> None:
        self.order = order
        self.slot = {node: k for k, node in enumerate(order)}  # Tensors hash by identity
        self.values: list[Any] = [np.empty(n.data.shape) if n._op is not None else n.data for n in order]
        self.grads: list[Any] = [np.empty(n.data.shape) if n.requires_grad else None for n in order]
        self.forward: list[Instruction] = []
        self.backward: list[Instruction] = []
        self.started: set[int] = set()  # slots whose gradient buffer has received its first contribution

    def compile(self) -> None:
        for k, node in enumerate(self.order):
            if node._op is not None:
                self._compile_forward(k, node)
        root = len(self.order) - 1
        seed = self.grads[root]
        self.backward.append(lambda v: np.copyto(seed, 1.0))  # the engine's seed, np.ones(loss.shape)
        self.started.add(root)
        for k in range(root, -1, -1):  # the sweep's order: reversed topological order, operands in order
            node = self.order[k]
            if node._op is not None:
                self._compile_backward(k, node)

    # forward
    def _compile_forward(self, k: int, node: Tensor) -> None:
        op, args = node._op, tuple(self.slot[p] for p in node._parents)
        out = self.values[k]
        if isinstance(op, Call):
            kind = _check_call(node)
            self.forward.append(_matmul_forward(args, out) if kind == "matmul" else
                                _sum_forward(args[0], summed_axes(op.params.inputs, op.params.output), out))
        elif type(op) is Unary or type(op) is Binary:
            self.forward.append(_elementwise_forward(op, _check_elementwise(node), args, out))
        else:
            raise _refusal(node, f"{type(op).__name__} nodes are not among the entries the replay evaluates")

    # backward
    def _compile_backward(self, k: int, node: Tensor) -> None:
        op, g = node._op, self.grads[k]
        args = tuple(self.slot[p] for p in node._parents)
        for i, parent in enumerate(node._parents):
            if not parent.requires_grad:
                continue
            p = args[i]
            if isinstance(op, Call) and _check_call(node) == "matmul":
                self._deliver(p, _matmul_term(args, i, g))
            elif isinstance(op, Call):
                summed = summed_axes(op.params.inputs, op.params.output)
                kept = tuple([1 if a in summed else n for a, n in enumerate(self.values[p].shape)])
                self._deliver(p, _sum_term(g, kept))
            else:
                term = _check_elementwise(node).terms[i]
                self._deliver(p, _elementwise_term(term, args, k, g, self.values[p].shape))

    def _deliver(self, p: int, write: Callable[[list[Any], Any], None]) -> None:
        """Write a contribution into slot ``p``'s gradient: the first one in place, a later one added to it
        (``old + c``, as the sweep adds), in the sweep's order."""
        grad = self.grads[p]
        if p not in self.started:
            self.started.add(p)
            self.backward.append(lambda v: write(v, grad))
            return
        scratch = np.empty(grad.shape)

        def accumulate(v: list[Any]) -> None:
            write(v, scratch)
            np.add(grad, scratch, out=grad)

        self.backward.append(accumulate)


def _elementwise_forward(op: Unary | Binary, kernel: Kernel, args: tuple[int, ...], out: np.ndarray) -> Instruction:
    forward = kernel.forward
    if op.invalid is None:
        if len(args) == 1:
            (i,) = args
            return lambda v: forward(v[i], out=out)
        i, j = args
        return lambda v: forward(v[i], v[j], out=out)

    def checked(v: list[Any]) -> None:  # the engine's domain check, the engine's error
        operands = [v[i] for i in args]
        check_domain(op, *operands)
        forward(*operands, out=out)

    return checked


def _matmul_forward(args: tuple[int, ...], out: np.ndarray) -> Instruction:
    i, j = args
    return lambda v: np.matmul(v[i], v[j], out=out)


def _sum_forward(i: int, axes: tuple[int, ...], out: np.ndarray) -> Instruction:
    """``x.sum(axis=axes)``; over no axes the contraction returns ``x`` itself (a sum would turn -0.0 into 0.0)."""
    if not axes:
        return lambda v: np.copyto(out, v[i])
    return lambda v: np.sum(v[i], axis=axes, out=out)


def _matmul_term(args: tuple[int, ...], i: int, g: np.ndarray) -> Callable[[list[Any], Any], None]:
    """``Z = A B``: ``∇A = G Bᵀ``, ``∇B = Aᵀ G``, as the sweep's matrix-product route computes them."""
    a, b = args
    if i == 0:
        return lambda v, dest: np.matmul(g, v[b].T, out=dest)
    return lambda v, dest: np.matmul(v[a].T, g, out=dest)


def _sum_term(g: np.ndarray, kept: tuple[int, ...]) -> Callable[[list[Any], Any], None]:
    """A sum over axes: ``g`` repeated along them (the sweep's ``BROADCAST_TO`` of ``g``, the summed axes kept
    as size 1)."""
    shaped = g.reshape(kept)  # a view of the (contiguous) gradient buffer: it follows every step's g
    if not np.shares_memory(shaped, g):
        raise ReplayError("replay: internal: a sum's gradient could not be viewed with its axes kept")
    return lambda v, dest: np.copyto(dest, shaped)


def _elementwise_term(term: Callable[..., Any] | None, args: tuple[int, ...], k: int, g: np.ndarray,
                      shape: tuple[int, ...]) -> Callable[[list[Any], Any], None]:
    """``unbroadcast(g · local, shape)``: the kernel's term at the node's shape, then the sums over the axes
    broadcasting created, as ``ops.unbroadcast`` takes them (leading axes first, then the size-1 ones)."""
    lead = tuple(range(g.ndim - len(shape)))
    ones = tuple(a for a, n in enumerate(shape) if n == 1 and g.shape[len(lead) + a] != 1)
    full = np.empty(g.shape) if term is not None and (lead or ones) else None
    middle = np.empty(g.shape[len(lead):]) if lead and ones else None

    def write(v: list[Any], dest: Any) -> None:
        if term is None:
            c = g
        else:
            c = dest if full is None else full
            term(g, [v[i] for i in args], v[k], c)
        if lead:
            np.sum(c, axis=lead, out=dest if middle is None else middle)
            c = dest if middle is None else middle
        if ones:
            np.sum(c, axis=ones, keepdims=True, out=dest)
        elif c is not dest:
            np.copyto(dest, c)

    return write


# --- the record-time check ---------------------------------------------------------------------------------
def _same(a: Any, b: Any) -> bool:
    """Bit for bit, NaN-aware: the same shape, the same numbers (NaN equal to NaN) and the same zeros' signs."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
        return False
    zeros = a == 0
    return bool(np.array_equal(np.signbit(a[zeros]), np.signbit(b[zeros])))


def _table_copy(order: list[Tensor]) -> list[Tensor]:
    """The graph again, each value evaluated by the table's own entry on the leaves' current data, then a
    fresh ``backward()`` on it: what an ordinary ``Tensor`` step computes."""
    copies: dict[Tensor, Tensor] = {}
    with quiet():
        for node in order:
            parents = tuple(copies[p] for p in node._parents)
            copy = Tensor._constant(node.data if node._op is None else _evaluate(node._op, parents))
            copy.requires_grad, copy._op, copy._parents = node.requires_grad, node._op, parents
            copies[node] = copy
    result = [copies[node] for node in order]
    result[-1].backward()
    return result


def _evaluate(op: Any, parents: tuple[Tensor, ...]) -> np.ndarray:
    datas = [p.data for p in parents]
    if isinstance(op, Call):
        data = op.entry.forward(op.params, *datas)
    else:
        data = op.forward(ARRAY, *datas)
    return data if type(data) is np.ndarray else np.asarray(data, dtype=_FLOAT)


def _verify(program: _Program) -> None:
    """Raise unless the replayed values and gradients are the table's, and the graph's values its leaves'."""
    table = _table_copy(program.order)
    where = lambda k: f"node {k} of {len(table)} (op {table[k].op!r}, shape {table[k].shape})"
    for k, copy in enumerate(table):  # the values first: a wrong value makes every gradient below it wrong
        if copy._op is not None and not _same(program.values[k], copy.data):
            raise _mismatch("value", where(k), program.values[k], copy.data)
    for k in range(len(table) - 1, -1, -1):  # then the gradients, in the order the sweep computes them
        if program.grads[k] is not None and not _same(program.grads[k], table[k].grad):
            raise _mismatch("gradient", where(k), program.grads[k], table[k].grad)
    for k, (node, copy) in enumerate(zip(program.order, table, strict=True)):
        if not _same(node.data, copy.data):
            raise ReplayError(f"replay: the graph's value at node {k} (op {node.op!r}) is not what its leaves give "
                              "now: a leaf's .data changed after the loss was built (an update in place?). Record "
                              "a loss right after building it, before changing any leaf")


def _mismatch(what: str, where: str, got: Any, want: Any) -> ReplayError:
    got, want = np.asarray(got), np.asarray(want)
    first = ""
    if got.shape == want.shape:
        differs = ~((got == want) | (np.isnan(got) & np.isnan(want))) | (np.signbit(got) != np.signbit(want))
        index = tuple(int(i) for i in np.argwhere(differs)[0]) if differs.ndim else ()
        first = f"; the first difference is at {index}: replayed {got[index]!r}, table {want[index]!r}"
    return ReplayError(f"replay: the replayed {what} at {where} is not the table's bit for bit{first}. This is a "
                       f"bug in the replay's out= evaluation (autograd_core.tensor.replay.KERNELS); {_BACKWARD}")


# --- the public API -----------------------------------------------------------------------------------------
class Replay:
    """A recorded ``Tensor`` graph, re-run into preallocated buffers by :meth:`step` (see the module doc).

    Args:
        loss: a one-entry ``Tensor`` whose graph was just built (``backward()`` may have run, with the
            default ``retain_graph=True``); every leaf must still hold the data the graph was built from.
        inputs: the Tensors whose ``.data`` you will change between steps (the batch, the labels). Each must
            be a leaf the loss reads: one that reached the loss only through operations recording nothing
            (a constant ``X`` normalized as ``(X - mu) / sd``) is refused by name, since a new batch written
            into it would silently never reach the loss.

    Raises:
        ReplayError: an entry the replay does not evaluate, or evaluates differently from the table.
        GraphFreedError: the graph was freed by ``backward(retain_graph=False)``.
    """

    def __init__(self, loss: Tensor, *, inputs: Sequence[Tensor] = ()) -> None:
        _check_loss(loss)
        order = graph.topological_order(loss)  # GraphFreedError for a freed graph
        _check_nodes(order)
        _check_inputs(inputs, order)
        program = _Program(order)
        program.compile()
        self._leaves = [(k, n, n.data.shape) for k, n in enumerate(order) if n._op is None]
        self._program = program
        self._owned = {id(a) for n, a in zip(order, program.values, strict=True) if n._op is not None}
        self._owned |= {id(g) for g in program.grads if g is not None}  # no leaf may hold one of these
        self._run()  # once, to compare with the table
        _verify(program)
        for node, value, grad in zip(order, program.values, program.grads, strict=True):
            if node._op is not None:  # the recorded graph shows the latest step from now on
                node.data, node.grad = value, grad
        self._parameters = [(n, program.grads[k]) for k, n, _ in self._leaves if n.requires_grad]
        self._loss = program.values[-1]

    @property
    def parameters(self) -> list[Tensor]:
        """The leaves that require grad: each step sets their ``.grad``."""
        return [leaf for leaf, _ in self._parameters]

    def step(self) -> float:
        """Forward and backward on the leaves' current data; set each parameter's ``.grad``; return the loss."""
        self._run()
        for leaf, grad in self._parameters:
            leaf.grad = grad
        return self._loss.item()

    __call__ = step

    def _run(self) -> None:
        v = self._program.values
        for k, leaf, shape in self._leaves:
            data = leaf.data
            if type(data) is not np.ndarray or data.shape != shape or data.dtype != _FLOAT or id(data) in self._owned:
                raise self._leaf_error(k, leaf, shape)
            v[k] = data
        with quiet():
            for run in self._program.forward:
                run(v)
            for run in self._program.backward:
                run(v)

    def _leaf_error(self, k: int, leaf: Tensor, shape: tuple[int, ...]) -> ReplayError:
        name = f"{leaf.label!r}" if leaf.label else f"#{k} of the graph"
        kind = "parameter" if leaf.requires_grad else "input"
        data = leaf.data
        if isinstance(data, np.ndarray) and id(data) in self._owned:
            return ReplayError(f"replay: leaf {name} ({kind}) now holds one of the replay's own buffers (a value or "
                               "gradient it overwrites every step); give it its own array: .copy()")
        now = f"shape {data.shape}, {data.dtype}" if isinstance(data, np.ndarray) else f"a {type(data).__name__}"
        return ReplayError(f"replay: leaf {name} ({kind}) was recorded with shape {shape}, float64, and its .data is "
                           f"now {now}; a replay repeats the recorded shapes. Build the loss again and record a new "
                           f"replay for it, or {_BACKWARD}")


def replay(loss: Tensor, *, inputs: Sequence[Tensor] = ()) -> Replay:
    """Record ``loss``'s graph for :class:`Replay`: ``step = replay(loss, inputs=[X, Y])``, then ``step()`` per
    training step (``inputs``: the Tensors whose data changes between steps, checked to be leaves it reads)."""
    return Replay(loss, inputs=inputs)
