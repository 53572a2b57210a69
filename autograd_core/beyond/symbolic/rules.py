"""The derivative table, read symbolically: each entry's forward value and reverse rule as expressions.

The engines evaluate :mod:`autograd_core.engine.ops` on numbers; :func:`autograd_core.derive` reads the
same entries and writes what they compute in matrix notation. Two dicts keyed by the table's entries,
as the table is:

* :data:`FORWARD` -- the expression of a node's value from its operands' (``tanh(Z)``, ``WX``, ``det(X)``);
* :data:`REVERSE` -- the expression of ``∂L/∂operand_i`` from the upstream gradient ``G = ∂L/∂out``: the
  symbolic vector-Jacobian product. Elementwise entries give ``G ⊙ f'(Z)`` (:data:`LOCAL` holds
  ``f'`` written as an expression: ``tanh' = 1 − tanh²``, the seed's per-sample gradient of the tanh loss);
  the contraction gives ``G Bᵀ`` and ``Aᵀ G`` for ``'ik,kj->ij'`` (Eq. 29-30 without the ``1/m``), through
  the table's own ``grad_spec``; broadcasting's reverse rule is a sum, written as a product with a ones
  vector (``G 1ₘ``, the bias gradient of Eq. 19 summed over the batch); ``det`` gives ``det(X) X⁻ᵀ``
  (Cookbook eq. 49).

Shapes: numpy shapes are mapped to matrices (:func:`matrix_shape`: a scalar is 1×1, a vector ``(n,)`` a
column ``n×1``). numpy's broadcasting of a vector along rows and its reductions are written with ones
vectors (:func:`broadcast`, :func:`unbroadcast`). An operation outside these (more than two axes,
indexing, max ...) is refused by name with :class:`NotDerivable`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from ...engine import ops
from ...engine.contraction import Plan, grad_spec
from .expr import Det, Expr, Identity, LogAbsDet, LogSumExp, Map, Number, Shape, Softmax, as_scalar_number
from .simplify import add, hadamard, inverse, matmul, neg, ones, power, scale, trace, transpose

NpShape = tuple[int, ...]


class NotDerivable(ValueError):
    """``f`` uses an operation that has no matrix formula here; the message names the table entry."""


class Operand(NamedTuple):
    """A node's value as an expression, with its numpy shape."""

    expr: Expr
    shape: NpShape


def refuse(what: str, why: str = "") -> NotDerivable:
    return NotDerivable(f"derive: {what} has no matrix formula here{': ' + why if why else ''}. derive writes "
                        "scalars, vectors and matrices with products, transposes, ⊙, elementwise maps, sums, "
                        "traces, inverses and determinants")


# --- shapes --------------------------------------------------------------------------------------
def matrix_shape(shape: NpShape, what: str = "a value") -> Shape:
    """A numpy shape as a matrix: ``()`` is 1×1, ``(n,)`` a column ``n×1``, ``(r, c)`` itself."""
    if len(shape) == 0:
        return (1, 1)
    if len(shape) == 1:
        return (shape[0], 1)
    if len(shape) == 2:
        return (shape[0], shape[1])
    raise refuse(f"{what} of shape {shape}", "matrix notation covers scalars, vectors and matrices (at most 2 axes)")


def _aligned(src: NpShape, dst: NpShape) -> NpShape:
    """``src`` padded with leading 1s to ``dst``'s number of axes, as numpy's broadcasting aligns them."""
    return (1,) * (len(dst) - len(src)) + tuple(src)


def broadcast(e: Expr, src: NpShape, dst: NpShape) -> Expr:
    """``e`` (numpy shape ``src``) repeated to ``dst``, as numpy broadcasts: ``b 1ₘᵀ``, ``1ₚ vᵀ``, ``s 1ₚ1ₘᵀ``."""
    if tuple(src) == tuple(dst):
        return e
    matrix_shape(dst)
    if isinstance(e, Number) and e.is_scalar:
        return Number(e.value, matrix_shape(dst))
    a = _aligned(src, dst)
    if len(dst) == 1:  # () or (1,) to (n,): a column of copies
        return matmul(ones(dst[0]), e)
    r, c = dst
    row = e if len(src) == 2 else transpose(e)  # a vector (n,) broadcasts as a row
    if a == (1, 1):
        return matmul(ones(r), e, transpose(ones(c)))
    if a[0] == 1:  # (1, c) or (c,): a row repeated down
        return matmul(ones(r), row)
    return matmul(e, transpose(ones(c)))  # (r, 1): a column repeated across


def unbroadcast(g: Expr, src: NpShape, dst: NpShape) -> Expr:
    """The reverse of :func:`broadcast`: sum ``g`` (shape ``src``) over the broadcast axes (``G 1ₘ``)."""
    if tuple(src) == tuple(dst):
        return g
    a = _aligned(dst, src)
    if len(src) == 1:  # (n,) to () or (1,)
        return matmul(transpose(ones(src[0])), g)
    if len(src) == 0:
        return g
    r, c = src
    m = g
    if a[0] == 1 and r > 1:
        m = matmul(transpose(ones(r)), m)
    if a[1] == 1 and c > 1:
        m = matmul(m, ones(c))
    if len(dst) == 1:  # (c,) was a row: back to a column
        m = transpose(m)
    return m


def reshape(e: Expr, src: NpShape, dst: NpShape) -> Expr:
    """A reshape that is a matrix operation: none at all (``(p,)`` to ``(p, 1)``), or a vector turned on its
    side (``(m,)`` to ``(1, m)``). Any other reshape is refused."""
    a, b = matrix_shape(src), matrix_shape(dst)
    if a == b:
        return e
    if a == (b[1], b[0]) and 1 in a:
        return transpose(e)
    raise refuse(f"reshape from {src} to {dst}", "it is not a transpose of a vector")


# --- contraction: einsum subscripts to matrix products ---------------------------------------------
Letters = tuple[str | None, str | None]


def _letters(term: str) -> Letters:
    if len(term) > 2:
        raise refuse(f"einsum operand '{term}'", "more than two axes")
    return (term[0] if term else None, term[1] if len(term) == 2 else None)


def _orient(e: Expr, have: Letters, want: Letters) -> Expr:
    if have == want:
        return e
    if (have[1], have[0]) == want:
        return transpose(e)
    raise AssertionError(f"cannot orient {have} as {want}")


def _named(letters: Letters) -> list[str]:
    return [x for x in letters if x is not None]


def _sum_out(e: Expr, lab: Letters, needed: set[str], sizes: dict[str, int], subscripts: str) -> tuple[Expr, Letters]:
    r, c = lab
    if r is not None and r == c:
        if r in needed:
            raise refuse(f"einsum('{subscripts}')", "it keeps a diagonal (ii->i)")
        return trace(e), (None, None)
    if r is not None and r not in needed:
        e, r = matmul(transpose(ones(sizes[r])), e), None
    if c is not None and c not in needed:
        e, c = matmul(e, ones(sizes[c])), None
    if r is None and c is not None:  # a row: keep it as such, named by its letter
        return e, (None, c)
    return e, (r, c)


def _expand(e: Expr, lab: Letters, union: list[str], sizes: dict[str, int]) -> Expr:
    """``e`` repeated along the letters of ``union`` it lacks (outer products with ones vectors)."""
    have = _named(lab)
    if len(union) == 1:
        x = union[0]
        return _orient(e, lab, (x, None)) if have else matmul(ones(sizes[x]), e)
    x, y = union
    if len(have) == 2:
        return _orient(e, lab, (x, y))
    if not have:
        return matmul(ones(sizes[x]), e, transpose(ones(sizes[y])))
    column = _orient(e, lab, (have[0], None))
    if have[0] == x:
        return matmul(column, transpose(ones(sizes[y])))
    return matmul(ones(sizes[x]), transpose(column))


def _combine(a: tuple[Expr, Letters], b: tuple[Expr, Letters], needed: set[str], sizes: dict[str, int],
             subscripts: str) -> tuple[Expr, Letters]:
    (ea, la), (eb, lb) = a, b
    na, nb = _named(la), _named(lb)
    shared = [x for x in na if x in nb]
    if not shared:
        if not na or not nb:
            return hadamard(ea, eb), la if na else lb
        if len(na) == 1 and len(nb) == 1:  # the outer product u vᵀ
            return matmul(_orient(ea, la, (na[0], None)), _orient(eb, lb, (None, nb[0]))), (na[0], nb[0])
        raise refuse(f"einsum('{subscripts}')", "an intermediate product has more than two axes")
    summed = [x for x in shared if x not in needed]
    if len(shared) == 1 and summed:  # the matrix product, on the one shared letter
        s = shared[0]
        left = next((x for x in na if x != s), None)
        right = next((x for x in nb if x != s), None)
        return matmul(_orient(ea, la, (left, s)), _orient(eb, lb, (s, right))), (left, right)
    if len(shared) == 2 and len(summed) == 2 and len(na) == len(nb) == 2:  # Σ A ⊙ B = tr(AᵀB)
        return trace(matmul(transpose(ea), _orient(eb, lb, la))), (None, None)
    union = na + [x for x in nb if x not in na]
    if len(union) > 2:
        raise refuse(f"einsum('{subscripts}')", "an intermediate product has more than two axes")
    e = hadamard(_expand(ea, la, union, sizes), _expand(eb, lb, union, sizes))
    lab: Letters = (union[0], union[1] if len(union) == 2 else None)
    return _sum_out(e, lab, needed, sizes, subscripts)


def contract(plan: Plan, operands: list[Operand]) -> Expr:
    """The contraction ``out[o] = Σ Π_i A_i[s_i]`` as matrix products, transposes, ⊙, traces and ones.

    ``'ij,jk->ik'`` is ``AB``; ``'ij,kj->ik'`` is ``ABᵀ``; ``'ij->j'`` is ``Aᵀ1``; ``'ii->'`` is ``tr A``;
    ``'ij,ij->'`` is ``tr(AᵀB)``; ``'i,j->ij'`` is ``abᵀ``.
    """
    subscripts = plan.subscripts
    sizes: dict[str, int] = {}
    for term, op in zip(plan.inputs, operands, strict=True):
        for letter, n in zip(term, op.shape, strict=True):
            sizes[letter] = max(sizes.get(letter, 1), n)
    items = [(op.expr, _letters(term)) for term, op in zip(plan.inputs, operands, strict=True)]
    output = set(plan.output)

    def needed_by(k: int) -> set[str]:
        return output.union(*(set(_named(lab)) for j, (_, lab) in enumerate(items) if j != k))

    items = [_sum_out(e, lab, needed_by(k), sizes, subscripts) for k, (e, lab) in enumerate(items)]
    while len(items) > 1:
        pair = next(((i, j) for i in range(len(items)) for j in range(i + 1, len(items))
                     if set(_named(items[i][1])) & set(_named(items[j][1]))), (0, 1))
        i, j = pair
        rest = [it for k, it in enumerate(items) if k not in pair]
        needed = output.union(*(set(_named(lab)) for _, lab in rest))
        items = [_combine(items[i], items[j], needed, sizes, subscripts), *rest]
    e, lab = items[0]
    want = _letters(plan.output)
    if set(_named(lab)) != set(_named(want)):
        raise refuse(f"einsum('{subscripts}')", "it repeats an operand along a new axis")
    if want == (None, None):
        return e
    if want[1] is None:
        return _orient(e, lab, (want[0], None)) if lab[0] is not None else transpose(e)
    return _orient(e, lab, want)


def contraction_vjp(plan: Plan, g: Expr, i: int, operands: list[Operand], out: Operand) -> Expr:
    """The table's contraction rule, read symbolically: contract ``G`` with the *other* operands into
    operand ``i``'s subscripts (``grad_spec``), then broadcast back along the letters only it had."""
    spec = grad_spec(plan.inputs, plan.output, i)
    shape = operands[i].shape
    parts = [Operand(g, out.shape), *(operands[j] for j in spec.others),
             *(Operand(Identity(shape[a]), (shape[a], shape[a])) for a in spec.delta_axes)]
    r = contract(spec.plan, parts)
    kept = tuple(n for k, n in enumerate(shape) if k not in spec.lonely_axes)
    if spec.lonely_axes:
        padded = tuple(1 if k in spec.lonely_axes else n for k, n in enumerate(shape))
        return broadcast(reshape(r, kept, padded), padded, shape)
    return r


# --- elementwise entries: the local derivative as an expression -----------------------------------
def _one(x: Expr) -> Expr:
    return Number(1.0, x.shape)


#: ``f'`` of each unary entry as an expression of the operand ``x`` and the output ``out = f(x)``.
LOCAL: dict[ops.Unary, Callable[[Expr, Expr], Expr]] = {
    ops.NEG: lambda x, out: Number(-1.0, x.shape),
    ops.EXP: lambda x, out: out,
    ops.LOG: lambda x, out: power(x, -1),
    ops.TANH: lambda x, out: add(_one(x), neg(power(out, 2))),  # 1 − tanh²(Z)
    ops.SIGMOID: lambda x, out: hadamard(out, add(_one(x), neg(out))),
    ops.RELU: lambda x, out: Map("step", x),
    ops.SIN: lambda x, out: Map("cos", x),
    ops.COS: lambda x, out: neg(Map("sin", x)),
    ops.SQRT: lambda x, out: scale(0.5, power(out, -1)),
    ops.ABS: lambda x, out: Map("sign", x),
    ops.SOFTPLUS: lambda x, out: Map("sigmoid", x),
    ops.LOG1P: lambda x, out: power(add(_one(x), x), -1),
    ops.EXPM1: lambda x, out: add(out, _one(x)),
    ops.TAN: lambda x, out: add(_one(x), power(out, 2)),
    ops.SINH: lambda x, out: Map("cosh", x),
    ops.COSH: lambda x, out: Map("sinh", x),
    ops.ARCTAN: lambda x, out: power(add(_one(x), power(x, 2)), -1),
    ops.SQUARE: lambda x, out: scale(2.0, x),
    ops.RECIPROCAL: lambda x, out: neg(power(out, 2)),
}


def _unary_forward(op: ops.Unary, x: Expr) -> Expr:
    if op is ops.NEG:
        return neg(x)
    if op is ops.SQUARE:
        return power(x, 2)
    if op is ops.RECIPROCAL:
        return power(x, -1)
    return Map(op.name, x)


def _exponent(b: Operand) -> float:
    n = as_scalar_number(b.expr)
    if n is None:
        raise refuse("x ** n with an exponent that is not one number")
    return n


def _binary_forward(op: ops.Binary, a: Expr, b: Expr, b_operand: Operand) -> Expr:
    if op is ops.ADD:
        return add(a, b)
    if op is ops.SUB:
        return add(a, neg(b))
    if op is ops.MUL:
        return hadamard(a, b)
    if op is ops.DIV:
        return hadamard(a, power(b, -1))
    if op is ops.POW_CONST:
        return power(a, _exponent(b_operand))
    raise refuse(f"the table entry '{op.name}' ({op.symbol})")


def _binary_local(op: ops.Binary, i: int, a: Expr, b: Expr, b_operand: Operand) -> Expr:
    if op is ops.ADD:
        return Number(1.0, a.shape)
    if op is ops.SUB:
        return Number(1.0 if i == 0 else -1.0, a.shape)
    if op is ops.MUL:
        return b if i == 0 else a
    if op is ops.DIV:
        return power(b, -1) if i == 0 else neg(hadamard(a, power(b, -2)))
    if op is ops.POW_CONST:
        n = _exponent(b_operand)
        return scale(n, power(a, n - 1)) if i == 0 else Number(0.0, a.shape)
    raise refuse(f"the table entry '{op.name}' ({op.symbol})")


# --- the two dicts -----------------------------------------------------------------------------------
Forward = Callable[[Any, list[Operand], NpShape], Expr]
Reverse = Callable[[Any, Expr, int, list[Operand], Operand], Expr]


def _mT(e: Expr) -> Expr:
    return transpose(e)


def _adds_axes(index: Any) -> bool:
    """``t[:, None]``: an index that only adds length-1 axes (a reshape), nothing picked."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or p == slice(None) for p in parts)


def _index_forward(index: Any, xs: list[Operand], shape: NpShape) -> Expr:
    if not _adds_axes(index):
        raise refuse(f"the table entry 'index' (t[{index!r}])", "it picks entries")
    return reshape(xs[0].expr, xs[0].shape, shape)


FORWARD: dict[Any, Forward] = {
    ops.INDEX: _index_forward,
    ops.EINSUM: lambda plan, xs, shape: contract(plan, xs),
    ops.RESHAPE: lambda target, xs, shape: reshape(xs[0].expr, xs[0].shape, shape),
    ops.BROADCAST_TO: lambda target, xs, shape: broadcast(xs[0].expr, xs[0].shape, shape),
    ops.TRANSPOSE: lambda perm, xs, shape: xs[0].expr if list(perm) == sorted(perm) else transpose(xs[0].expr),
    ops.DET: lambda params, xs, shape: Det(xs[0].expr),
    ops.LOGABSDET: lambda params, xs, shape: LogAbsDet(xs[0].expr),
    ops.INV: lambda params, xs, shape: inverse(xs[0].expr),
    ops.SOLVE: lambda params, xs, shape: matmul(inverse(xs[0].expr), xs[1].expr),
}

REVERSE: dict[Any, Reverse] = {
    ops.INDEX: lambda index, g, i, xs, out: reshape(g, out.shape, xs[0].shape),
    ops.EINSUM: lambda plan, g, i, xs, out: contraction_vjp(plan, g, i, xs, out),
    ops.RESHAPE: lambda target, g, i, xs, out: reshape(g, out.shape, xs[0].shape),
    ops.BROADCAST_TO: lambda target, g, i, xs, out: unbroadcast(g, out.shape, xs[0].shape),
    ops.TRANSPOSE: lambda perm, g, i, xs, out: g if list(perm) == sorted(perm) else transpose(g),
    # det: G det(X) X⁻ᵀ (Cookbook eq. 49)
    ops.DET: lambda params, g, i, xs, out: hadamard(g, out.expr, _mT(inverse(xs[0].expr))),
    # ln|det X|: G X⁻ᵀ (eq. 57)
    ops.LOGABSDET: lambda params, g, i, xs, out: hadamard(g, _mT(inverse(xs[0].expr))),
    # X⁻¹: −X⁻ᵀ G X⁻ᵀ (from eq. 59)
    ops.INV: lambda params, g, i, xs, out: neg(matmul(_mT(out.expr), g, _mT(out.expr))),
    # A⁻¹B: ∇_B = A⁻ᵀG, ∇_A = −A⁻ᵀG(A⁻¹B)ᵀ
    ops.SOLVE: lambda params, g, i, xs, out: (
        neg(matmul(_mT(inverse(xs[0].expr)), g, _mT(out.expr))) if i == 0
        else matmul(_mT(inverse(xs[0].expr)), g)),
}


def forward(entry: Any, params: Any, operands: list[Operand], shape: NpShape) -> Expr:
    """The value of a node with table entry ``entry`` (a ``Unary``/``Binary`` or a ``Call``'s entry)."""
    matrix_shape(shape, f"the result of '{getattr(entry, 'name', entry)}'")
    if isinstance(entry, ops.Unary):
        if entry not in LOCAL:
            raise refuse(f"the table entry '{entry.name}'", "no symbolic derivative is written for it")
        return _unary_forward(entry, operands[0].expr)
    if isinstance(entry, ops.Binary):
        a, b = (broadcast(op.expr, op.shape, shape) for op in operands)
        return _binary_forward(entry, a, b, operands[1])
    rule = FORWARD.get(entry)
    if rule is None:
        raise refuse(f"the table entry '{entry.name}'")
    return rule(params, operands, shape)


def reverse(entry: Any, params: Any, g: Expr, i: int, operands: list[Operand], out: Operand) -> Expr:
    """``∂L/∂operand_i`` as an expression, from ``g = ∂L/∂out``: the symbolic reverse rule of ``entry``."""
    if isinstance(entry, ops.Unary):
        return hadamard(g, LOCAL[entry](operands[0].expr, out.expr))
    if isinstance(entry, ops.Binary):
        a, b = (broadcast(op.expr, op.shape, out.shape) for op in operands)
        local = _binary_local(entry, i, a, b, operands[1])
        return unbroadcast(hadamard(g, local), out.shape, operands[i].shape)
    return REVERSE[entry](params, g, i, operands, out)


# --- log Σ exp, recognised as one operation ----------------------------------------------------------
def logsumexp_forward(x: Operand, axis: int | None, keep_shape: NpShape, shape: NpShape) -> Expr:
    """``log Σ exp`` along ``axis`` of the matrix ``x`` (0: each column, 1: each row, None: all)."""
    return reshape(LogSumExp(x.expr, axis), keep_shape, shape)


def logsumexp_vjp(g: Expr, x: Operand, axis: int | None, keep_shape: NpShape, shape: NpShape) -> Expr:
    """The gradient of ``log Σ exp`` is ``softmax``: ``G`` broadcast back, ``⊙ softmax(X)``."""
    spread = broadcast(reshape(g, shape, keep_shape), keep_shape, x.shape)
    return hadamard(spread, softmax_of(x.expr, axis))


def softmax_of(x: Expr, axis: int | None) -> Expr:
    """``softmax`` along ``axis`` (``None``: over every entry; for a vector, its one axis)."""
    if axis is None and 1 in x.shape:
        axis = 0 if x.shape[1] == 1 else 1
    return Softmax(x, axis)


__all__ = ["FORWARD", "LOCAL", "REVERSE", "NotDerivable", "Operand", "broadcast", "contract", "forward",
           "matrix_shape", "reshape", "reverse", "unbroadcast"]
