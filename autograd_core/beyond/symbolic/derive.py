"""``derive(f, *args, wrt=0)``: the matrix formula of a gradient, derived from ``f``'s graph and checked by it.

The seed derives ``∇_W L = (1/m)(∇_Z L)Xᵀ`` (Eq. 29) and ``∇_X L = (1/m)Wᵀ(∇_Z L)`` (Eq. 30) by hand, index
by index. Here the machine does it, in four steps:

1. **Trace** ``f`` on the Tensor engine: every float argument becomes a leaf named after ``f``'s parameter,
   so the recorded graph holds the whole computation; the example arguments give shapes only.
2. **Reverse mode, symbolically**: the graph is swept backward once, as :mod:`autograd_core.engine.graph`
   does with numbers, but each node passes an *expression* to its operands, built by the symbolic reading of
   its table entry (:mod:`.rules`). ``log Σ exp`` with its constant shift (how :func:`logsumexp`,
   :func:`softmax` and the seed's cross-entropy are written) is recognised as one operation whose gradient is
   ``softmax``; the shift is a constant, so its gradient contribution is zero.
3. **Simplify and name**: the constructors of :mod:`.simplify` simplify as they build; the layer's output
   is named ``Z = WX + b1ᵀ`` (Eq. 5-6), the compound factor of the final product ``G`` (the seed's
   ``∇_Z L``, its columns the per-sample gradients), and every subexpression that occurs twice gets a name.
4. **Check**: the formula is evaluated with numpy at fresh random inputs of the traced shapes and compared
   with the engine's gradient (``grad(f, engine="tensor")``). A disagreement raises
   :class:`DerivationError`: ``derive`` never returns a formula that disagrees with the engine.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np

from ...engine import graph, ops
from ...engine.ops import Call
from ...tensor import Tensor
from .. import tracing
from .expr import (
    PLAIN,
    Add,
    Const,
    Env,
    Expr,
    Hadamard,
    Leaf,
    Map,
    MatMul,
    Named,
    Number,
    Power,
    Scale,
    Softmax,
    Style,
    Zero,
)
from .rules import (
    NotDerivable,
    Operand,
    forward,
    logsumexp_forward,
    logsumexp_vjp,
    matrix_shape,
    reverse,
    softmax_of,
)
from .simplify import add, name_repeated, scale, transpose

__all__ = ["CheckReport", "Derivation", "DerivationError", "NotDerivable", "derive"]

Layout = Literal["gradient", "numerator"]


class DerivationError(AssertionError):
    """The derived formula disagrees with the engine's gradient (a bug in a symbolic rule): never returned."""


class CheckReport(NamedTuple):
    """The formula against the engine at some inputs: the largest entry of ``|formula − engine|``."""

    max_error: float
    scale: float  # max(1, max |engine|): the error is compared with tol · scale
    ok: bool

    def __str__(self) -> str:
        verdict = "agrees with" if self.ok else "DISAGREES with"
        return f"max |formula − engine| = {self.max_error:.3g}: the formula {verdict} the engine's gradient"


# --- tracing ---------------------------------------------------------------------------------------
def _parameter_names(f: Callable[..., Any], count: int) -> list[str]:
    try:
        params = [p for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params[:count]]
    return names + [f"x{k}" for k in range(len(names), count)]


def _is_float_arg(x: Any) -> bool:
    if isinstance(x, bool | np.bool_):
        return False
    if isinstance(x, float | np.floating):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind == "f"


def _trace(f: Callable[..., Any], args: tuple[Any, ...], lifted: tuple[int, ...],
           names: list[str]) -> tuple[Tensor, dict[int, Tensor]]:
    leaves = {k: Tensor(np.asarray(args[k], dtype=float), requires_grad=True, label=names[k]) for k in lifted}
    out = tracing.call(f, args, {}, tuple(leaves), list(leaves.values()))
    return out, leaves


def _trace_lifting_what_f_accepts(f: Callable[..., Any], args: tuple[Any, ...], wrt: int,
                                  names: list[str]) -> tuple[Tensor, dict[int, Tensor]]:
    """Trace with every float argument a leaf; if ``f`` refuses some as Tensors (targets it wants as
    plain numbers), keep those as constants, read from the arguments when the formula is evaluated."""
    floats = tuple(k for k, x in enumerate(args) if _is_float_arg(x))
    try:
        return _trace(f, args, floats, names)
    except (TypeError, graph.ConversionError):
        pass
    accepted = [wrt]
    for k in floats:
        if k == wrt:
            continue
        try:
            _trace(f, args, tuple(sorted([*accepted, k])), names)
        except (TypeError, graph.ConversionError):
            continue
        accepted.append(k)
    return _trace(f, args, tuple(sorted(accepted)), names)


# --- the graph, read as expressions ----------------------------------------------------------------
class _LogSumExp(NamedTuple):
    x: Tensor
    axis: int | None
    keep_shape: tuple[int, ...]
    internal: frozenset[int]


def _is_constant(t: Tensor) -> bool:
    return t._op is None and not t.requires_grad


def _match_logsumexp(node: Tensor) -> _LogSumExp | None:
    """``log Σ exp(x − c) + c`` with one constant shift ``c`` (functions.logsumexp, the seed's cross-entropy)."""
    if node._op is not ops.ADD or not _is_constant(node._parents[1]):
        return None
    shift, internal, n = node._parents[1], [], node._parents[0]

    def skip_reshapes(t: Tensor) -> Tensor:
        while isinstance(t._op, Call) and t._op.entry is ops.RESHAPE:
            internal.append(id(t))
            t = t._parents[0]
        return t

    n = skip_reshapes(n)
    if n._op is not ops.LOG:
        return None
    internal.append(id(n))
    n = skip_reshapes(n._parents[0])
    if not (isinstance(n._op, Call) and n._op.entry is ops.EINSUM and len(n._parents) == 1):
        return None
    plan = n._op.params
    internal.append(id(n))
    n = n._parents[0]
    if n._op is not ops.EXP:
        return None
    internal.append(id(n))
    n = n._parents[0]
    if n._op is not ops.SUB or not _is_constant(n._parents[1]):
        return None
    internal.append(id(n))
    x, shift2 = n._parents
    if shift2.shape != shift.shape or not np.array_equal(shift2.data, shift.data):
        return None
    term, out = plan.inputs[0], plan.output
    if len(set(term)) != len(term) or out != "".join(c for c in term if c in out) or x.ndim > 2:
        return None
    summed = tuple(k for k, c in enumerate(term) if c not in out)
    if not summed:
        return None
    axis = None if len(summed) == 2 else 0 if (summed == (0,)) else 1
    if x.ndim == 1:
        axis = 0
    keep = tuple(1 if k in summed else s for k, s in enumerate(x.shape))
    return _LogSumExp(x, axis, keep, frozenset([*internal, id(shift), id(shift2)]))


def _one_hot(a: np.ndarray) -> bool:
    return a.ndim == 2 and bool(np.all((a == 0) | (a == 1))) and (
        bool(np.all(a.sum(axis=0) == 1)) or bool(np.all(a.sum(axis=1) == 1)))


class _Reader:
    """Turns the recorded Tensor graph into expressions: the value of each node, then the gradients."""

    def __init__(self, root: Tensor, leaves: dict[int, Tensor], args: tuple[Any, ...], names: list[str]) -> None:
        self.root, self.args, self.names = root, args, names
        self.leaf_of = {id(t): k for k, t in leaves.items()}
        self.order = graph.topological_order(root)
        self.by_id = {id(t): t for t in self.order}
        self.exprs: dict[int, Operand] = {}
        self.lse: dict[int, _LogSumExp] = {}
        self.baked: list[str] = []
        self.taken = set(names)
        for t in self.order:
            match = _match_logsumexp(t)
            if match is not None:
                self.lse[id(t)] = match
        self.internal = set().union(*(m.internal for m in self.lse.values())) if self.lse else set()
        self.consumers: dict[int, list[Tensor]] = {}
        for t in self.order:
            for p in t._parents:
                self.consumers.setdefault(id(p), []).append(t)

    def fresh_name(self, preferred: list[str]) -> str:
        for name in [*preferred, "U", "H", "A", "B", "C", "D", "E", "F"] + [f"C{k}" for k in range(2, 99)]:
            if name not in self.taken:
                self.taken.add(name)
                return name
        raise AssertionError("out of names")

    # forward: the value of every node as an expression
    def value(self, t: Tensor) -> Operand:
        key = id(t)
        if key not in self.exprs:
            e = self._value(t)
            name = self._layer_output_name(t)
            self.exprs[key] = Operand(e if name is None else Named(name, e), t.shape)
        return self.exprs[key]

    def read_forward(self) -> None:
        for t in self.order:
            if id(t) not in self.internal:
                self.value(t)

    def _value(self, t: Tensor) -> Expr:
        if id(t) in self.leaf_of:
            k = self.leaf_of[id(t)]
            return Leaf(self.names[k], matrix_shape(t.shape, f"argument {self.names[k]}"), k)
        if t._op is None:
            return self._constant(t)
        if id(t) in self.lse:
            m = self.lse[id(t)]
            return logsumexp_forward(self.value(m.x), m.axis, m.keep_shape, t.shape)
        if t._op is ops.EXP:
            sub = t._parents[0]
            lse = self.lse.get(id(sub._parents[1])) if sub._op is ops.SUB else None
            if lse is not None and lse.x is sub._parents[0]:  # exp(x − logsumexp(x)) = softmax(x)
                return softmax_of(self.value(lse.x).expr, lse.axis)
        operands = [self.value(p) for p in t._parents]
        entry, params = (t._op.entry, t._op.params) if isinstance(t._op, Call) else (t._op, None)
        return forward(entry, params, operands, t.shape)

    def _constant(self, t: Tensor) -> Expr:
        data = t.data
        shape = matrix_shape(data.shape, "a constant")
        for k, x in enumerate(self.args):
            if _is_float_arg(x) or (isinstance(x, np.ndarray) and x.dtype.kind in "iu"):
                if np.shape(x) == data.shape and np.array_equal(np.asarray(x, dtype=float), data):
                    return Const(self.names[k], shape, index=k)
        if data.size and np.all(data == data.flat[0]):
            return Number(float(data.flat[0]), shape)
        name = self.fresh_name(["Y", "E"] if _one_hot(data) else ["C"])
        self.baked.append(name)
        return Const(name, shape, value=np.asarray(data, dtype=float).reshape(shape))

    def _layer_output_name(self, t: Tensor) -> str | None:
        """A name for the output of a product that feeds a nonlinearity: the seed's ``Z = WX + B`` (Eq. 5),
        attention's scores ``S``; ``None`` for any other node."""
        if t._op is None or t.ndim != 2 or id(t) in self.lse or id(t) in self.internal:
            return None
        users = self.consumers.get(id(t), [])
        if not users:
            return None

        def is_product(u: Tensor) -> bool:
            return isinstance(u._op, Call) and u._op.entry is ops.EINSUM and len(u._parents) == 2

        feeds_lse = any(id(u) in self.internal or id(u) in self.lse for u in users)
        rows = any(m.axis == 1 and m.x is t for m in self.lse.values())
        nonlinear = all(isinstance(u._op, ops.Unary) or id(u) in self.internal for u in users)
        after_product = t._op in (ops.ADD, ops.SUB, ops.MUL, ops.DIV) and any(map(is_product, t._parents))
        if after_product and not any(map(is_product, users)) and (feeds_lse or t._op is ops.ADD):
            return self.fresh_name(["S"] if rows else ["Z"])
        if is_product(t) and (nonlinear or feeds_lse or all(u._op is ops.SUB for u in users)):
            return self.fresh_name(["S"] if rows else ["Z"])
        return None

    # reverse: the gradient of every node, from the root down
    def gradient(self, wrt: Tensor) -> Expr:
        reaches = self._reaching(wrt)
        cot: dict[int, Expr] = {id(self.root): Number(1.0, matrix_shape(self.root.shape))}
        for t in reversed(self.order):
            g = cot.get(id(t))
            if g is None or t._op is None:
                continue
            if id(t) in self.lse:
                m = self.lse[id(t)]
                if id(m.x) in reaches:
                    self._accumulate(cot, m.x, logsumexp_vjp(g, self.value(m.x), m.axis, m.keep_shape, t.shape))
                continue
            entry, params = (t._op.entry, t._op.params) if isinstance(t._op, Call) else (t._op, None)
            if isinstance(entry, ops.Unary | ops.Binary) or entry in _REVERSIBLE:
                operands = [self.value(p) for p in t._parents]
                for i, p in enumerate(t._parents):
                    if p.requires_grad and id(p) in reaches:
                        self._accumulate(cot, p, reverse(entry, params, g, i, operands, self.value(t)))
            else:
                raise NotDerivable(f"derive: the table entry '{entry.name}' has no symbolic reverse rule")
        return cot.get(id(wrt), Zero(matrix_shape(wrt.shape)))

    def _accumulate(self, cot: dict[int, Expr], node: Tensor, contribution: Expr) -> None:
        previous = cot.get(id(node))
        cot[id(node)] = contribution if previous is None else add(previous, contribution)

    def _reaching(self, wrt: Tensor) -> set[int]:
        """The nodes with a path to ``wrt``: only their gradients are needed."""
        reaches = {id(wrt)}
        for t in self.order:
            if any(id(p) in reaches for p in t._parents):
                reaches.add(id(t))
            m = self.lse.get(id(t))
            if m is not None and id(m.x) in reaches:
                reaches.add(id(t))
        return reaches


_REVERSIBLE = {ops.EINSUM, ops.RESHAPE, ops.BROADCAST_TO, ops.TRANSPOSE, ops.INDEX, ops.DET, ops.LOGABSDET,
               ops.INV, ops.SOLVE}


# --- naming the compound factor ------------------------------------------------------------------
def _is_compound(e: Expr) -> bool:
    """An entrywise-built matrix worth a name: a sum, a Hadamard product, a map (not a leaf or ones)."""
    if isinstance(e, Scale):
        return _is_compound(e.operand)
    return isinstance(e, Add | Hadamard | Map | Power | Softmax) and not e.is_scalar


def _name_G(e: Expr, m: int | None, taken: set[str]) -> tuple[Expr, Named | None]:
    """``c · A M B`` with one compound factor ``M``: name it ``G``. With the seed's batch of ``m`` samples,
    ``c = (1/m)·(cm)`` and ``G`` takes ``cm``: the seed's ``∇_Z L``, whose columns are per-sample gradients."""
    coef, body = (e.coef, e.operand) if isinstance(e, Scale) else (1.0, e)
    factors = body.factors if isinstance(body, MatMul) else None
    if factors is None:
        return e, None
    compound = [f for f in factors if _is_compound(f)]
    if len(compound) != 1 or "G" in taken or not any(
            isinstance(x, Named | Map | Softmax) for x in compound[0].walk()):
        return e, None  # only the gradient at a layer's output is named (the seed's ∇_Z L)
    inner = compound[0]
    if m is not None and coef * m == round(coef * m) and abs(coef * m) > 0 and abs(coef) < 1:
        inner, coef = scale(round(coef * m), inner), 1.0 / m
    g = Named("G", inner)
    rebuilt = MatMul(tuple(g if f is compound[0] else f for f in factors))
    return scale(coef, rebuilt), g


def _definitions(e: Expr) -> list[Named]:
    """The named subexpressions ``e`` uses, each before the ones its definition uses."""
    seen: dict[str, Named] = {}
    queue = [e]
    while queue:
        node = queue.pop(0)
        for sub in node.walk():
            if isinstance(sub, Named) and sub.name not in seen:
                seen[sub.name] = sub
                queue.append(sub.definition)
    return list(seen.values())


# --- the result ------------------------------------------------------------------------------------
@dataclass
class Derivation:
    """The gradient of ``f`` with respect to one argument, as a matrix formula.

    ``str()`` prints it in Unicode, :meth:`latex` in LaTeX (and Jupyter shows it rendered), in the chosen
    layout: ``"gradient"`` (``∇``, shaped like the variable: Eq. 16, 19, 24, 29, 30) or ``"numerator"`` (the
    seed's derivative ``∂L/∂W``, its transpose: Eq. 3, 10, 28). :meth:`evaluate` computes it with numpy at
    any arguments of the traced shapes, :meth:`check` compares it with the engine there.
    """

    f: Callable[..., Any]
    wrt: int
    names: list[str]
    shapes: list[tuple[int, ...] | None]
    gradient: Expr  # in the gradient layout
    definitions: list[Named]
    style: Style = PLAIN
    layout: Layout = "gradient"
    output: str = "f"
    tol: float = 1e-10
    fixed: dict[int, Any] = field(default_factory=dict)  # non-float arguments the formula was traced with
    baked: list[str] = field(default_factory=list)  # constants recorded as numbers while tracing
    lifted: tuple[int, ...] = ()  # the arguments traced as leaves (the others are constants to f)

    @property
    def variable(self) -> str:
        return self.names[self.wrt]

    @property
    def expr(self) -> Expr:
        """The formula in this derivation's layout."""
        return self.gradient if self.layout == "gradient" else transpose(self.gradient)

    def in_layout(self, layout: Layout) -> Derivation:
        """The same derivation printed (and evaluated) in another layout."""
        if layout not in ("gradient", "numerator"):
            raise ValueError(f"derive: layout must be 'gradient' or 'numerator', got {layout!r}")
        return Derivation(**{**self.__dict__, "layout": layout})

    # printing
    def _label(self, latex: bool) -> str:
        v = self.variable
        if latex:
            bold = rf"\boldsymbol{{{v}}}"
            return (rf"\nabla_{{{bold}}} {self.output}" if self.layout == "gradient"
                    else rf"\frac{{\partial {self.output}}}{{\partial {bold}}}")
        return f"∇_{v} {self.output}" if self.layout == "gradient" else f"∂{self.output}/∂{v}"

    def where(self) -> list[tuple[str, str]]:
        """``[(name, definition)]`` of the named subexpressions, in Unicode."""
        return [(d.name, d.definition.text(self.style)) for d in _definitions(self.expr)]

    def __str__(self) -> str:
        text = f"{self._label(False)} = {self.expr.text(self.style)}"
        defs = self.where()
        if defs:
            text += "\n  where " + "\n        ".join(f"{n} = {d}" for n, d in defs)
        return text

    def __repr__(self) -> str:
        return f"<Derivation {self._label(False)} = {self.expr.text(self.style)}>"

    def latex(self) -> str:
        """The formula and its definitions as LaTeX (an ``aligned`` block when there are definitions)."""
        head = f"{self._label(True)} = {self.expr.tex(self.style)}"
        defs = _definitions(self.expr)
        if not defs:
            return head
        lines = [head.replace(" = ", " &= ", 1)] + [
            rf"\boldsymbol{{{d.name}}} &= {d.definition.tex(self.style)}" for d in defs]
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"

    # numbers
    def _env(self, args: tuple[Any, ...]) -> Env:
        if len(args) != len(self.shapes):
            raise TypeError(f"derive: the formula was derived for {len(self.shapes)} arguments, got {len(args)}")
        values: list[Any] = []
        for k, (x, shape) in enumerate(zip(args, self.shapes, strict=True)):
            if shape is None:
                values.append(None)
                if self.baked and k in self.fixed and not _same(x, self.fixed[k]):
                    raise ValueError(f"derive: the formula holds {', '.join(self.baked)}, recorded from argument "
                                     f"{self.names[k]} as it was when derived; derive again for other values of "
                                     f"{self.names[k]}")
                continue
            a = np.asarray(x, dtype=float)
            if a.shape != shape:
                raise ValueError(f"derive: argument {self.names[k]} has shape {a.shape}, but the formula was derived "
                                 f"for shape {shape}")
            values.append(a.reshape(matrix_shape(shape)))
        return Env(values)

    def evaluate(self, *args: Any) -> np.ndarray:
        """The formula computed with numpy at ``args`` (of the traced shapes): shaped like the variable in the
        gradient layout, its transpose (as a matrix) in the numerator layout."""
        value = self.gradient.evaluate(self._env(args))
        shape = self.shapes[self.wrt]
        assert shape is not None
        grad = value.reshape(shape)
        return grad if self.layout == "gradient" else value.T

    def engine_gradient(self, *args: Any) -> np.ndarray:
        """The Tensor engine's gradient at ``args`` (as ``grad(f, argnums=wrt, engine="tensor")``), with the
        other arguments traced as derive traced them, so ``f`` sees the same kinds of argument."""
        return engine_gradient(self.f, args, self.lifted, self.wrt, self.names)

    def check(self, *args: Any) -> CheckReport:
        """Compare the formula with the engine's gradient at ``args``: the largest entry of the difference."""
        mine = self.in_layout("gradient").evaluate(*args)
        engine = self.engine_gradient(*args)
        error = float(np.max(np.abs(mine - engine), initial=0.0))
        size = max(1.0, float(np.max(np.abs(engine), initial=0.0)))
        return CheckReport(error, size, bool(error <= self.tol * size))


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.shape(a) == np.shape(b) and np.array_equal(a, b))
    except (TypeError, ValueError):
        return a is b


def engine_gradient(f: Callable[..., Any], args: tuple[Any, ...], lifted: tuple[int, ...], wrt: int,
                    names: list[str]) -> np.ndarray:
    """One reverse sweep of the Tensor engine: ``∂f/∂args[wrt]``, shaped like the argument."""
    out, leaves = _trace(f, args, lifted, names)
    if not isinstance(out, Tensor) or not out.requires_grad:
        return np.zeros(np.shape(args[wrt]))
    out.backward()
    grad = leaves[wrt].grad
    return np.zeros(np.shape(args[wrt])) if grad is None else np.asarray(grad, dtype=float)


def fresh_arguments(args: tuple[Any, ...], rng: np.random.Generator, f: Callable[..., Any],
                    lifted: tuple[int, ...], wrt: int, names: list[str]) -> tuple[Any, ...]:
    """New float arguments of the same shapes (other arguments as given), inside ``f``'s domain: standard
    normal entries, or, where ``f`` refuses those (a logarithm of a negative ...), the examples perturbed."""
    def draw(how: str) -> tuple[Any, ...]:
        out = []
        for x in args:
            if not _is_float_arg(x):
                out.append(x)
                continue
            a = np.asarray(x, dtype=float)
            noise = rng.normal(size=a.shape)
            out.append(noise if how == "normal" else a * np.exp(0.2 * noise))
        return tuple(float(v) if isinstance(x, float | np.floating) else v for v, x in zip(out, args, strict=True))

    for how in ("normal", "perturbed"):
        candidate = draw(how)
        try:
            if np.all(np.isfinite(engine_gradient(f, candidate, lifted, wrt, names))):
                return candidate
        except (ValueError, ArithmeticError):
            continue
    return draw("perturbed")


def derive(f: Callable[..., Any], *args: Any, wrt: int = 0, layout: Layout = "gradient", seed: int = 20190803,
           tol: float = 1e-10) -> Derivation:
    """The matrix formula of ``∇_{args[wrt]} f``, derived from ``f``'s graph and checked against the engine.

    Args:
        f: a scalar function of arrays, written with Tensor operations (``@``, ``.T``, ``sum``, ``mean``,
            ``tanh``, ``det``, ``softmax`` ...); its parameter names name the leaves (``W``, ``X``, ``b``).
        args: example arguments; only their shapes are used (and non-float arguments, e.g. labels, as given).
        wrt: the position of the argument to differentiate.
        layout: ``"gradient"`` (∇, shaped like the argument; default) or ``"numerator"`` (the seed's ∂f/∂W).
        seed: the seed of the fresh random inputs of the check (default: the date of the seed notes, 2019-08-03).
        tol: the check's tolerance, relative to ``max(1, max |gradient|)``.

    Returns:
        A :class:`Derivation`: print it, ``.latex()`` it, ``.evaluate(*args)`` or ``.check(*args)`` it.

    Raises:
        NotDerivable: ``f`` uses an operation with no matrix formula here (the message names the table entry).
        DerivationError: the formula disagrees with the engine at fresh inputs (never returned).
    """
    if not callable(f):
        raise TypeError(f"derive: f must be a function, got {type(f).__name__}")
    if not isinstance(wrt, int) or isinstance(wrt, bool) or not -len(args) <= wrt < len(args):
        raise ValueError(f"derive: wrt must be the position of one of the {len(args)} arguments, got {wrt!r}")
    wrt %= len(args)
    args = tuple(np.asarray(x, dtype=float) if k == wrt and not _is_float_arg(x) else x for k, x in enumerate(args))
    names = _parameter_names(f, len(args))
    out, leaves = _trace_lifting_what_f_accepts(f, args, wrt, names)
    if not isinstance(out, Tensor) or out.size != 1:
        shape = getattr(out, "shape", type(out).__name__)
        raise ValueError(f"derive: f must return one number (a scalar loss), got {shape}")
    reader = _Reader(out, leaves, args, names)
    reader.read_forward()
    grad_expr = reader.gradient(leaves[wrt])
    shapes = [tuple(np.shape(x)) if k in leaves or _is_float_arg(x) else None for k, x in enumerate(args)]
    derivation = _present(f, wrt, names, shapes, grad_expr, reader, tol)
    derivation.layout = layout if layout in ("gradient", "numerator") else derivation.in_layout(layout).layout
    derivation.fixed = {k: x for k, x in enumerate(args) if shapes[k] is None}
    derivation.lifted = tuple(leaves)
    fresh = fresh_arguments(args, np.random.default_rng(seed), f, derivation.lifted, wrt, names)
    for inputs in (args, fresh):
        report = derivation.check(*inputs)
        if not report.ok:
            formula = derivation.expr.text(derivation.style)
            raise DerivationError(f"derive: the derived formula {formula} disagrees with the engine's gradient "
                                  f"({report}). Either f computes a constant from its inputs' numbers (x.data, "
                                  "which the graph records as a number, not as a function of x), or a symbolic rule "
                                  "is wrong: please report it")
    return derivation


def _present(f: Callable[..., Any], wrt: int, names: list[str], shapes: list[Any], e: Expr, reader: _Reader,
             tol: float) -> Derivation:
    """Name things as the seed does: ``Z``, ``G``, the sizes ``p, n, m`` and ``L`` for the seed's layer."""
    m: int | None = None
    style = PLAIN
    seed_layer = "Z" in reader.taken and "W" in names and "X" in names
    if seed_layer:
        W, X = shapes[names.index("W")], shapes[names.index("X")]
        if W is not None and X is not None and len(W) == 2 and len(X) == 2 and W[1] == X[0]:
            p, n, m = W[0], W[1], X[1]
            if len({p, n, m}) == 3:
                style = Style(((m, "m"), (p, "p"), (n, "n")))
        else:
            seed_layer = False
    pool = [n for n in ("D", "E", "H", "M", "N", "R", "T") if n not in reader.taken]
    exprs, _ = name_repeated([e], pool, lambda x: "P" if isinstance(x, Softmax) and "P" not in reader.taken else None)
    e, _ = _name_G(exprs[0], m if seed_layer else None, reader.taken)
    return Derivation(f, wrt, names, shapes, e, _definitions(e), style, "gradient", "L" if seed_layer else "f",
                      tol, baked=list(reader.baked))

