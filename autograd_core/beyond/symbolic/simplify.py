"""Simplification: smart constructors that build every expression in a simplified form, and naming.

Nothing here is an algebra system; each constructor applies a few rules a person applies by eye:

* **scalars are collected**: numbers move to the front of a product and multiply (``(1/m)·2 = 2/m``),
  like terms add (``G ⊙ R + G ⊙ R = 2 G ⊙ R``) and a factor common to every term of a sum comes out
  (``(2/m)Z − (2/m)Y = (2/m)(Z − Y)``);
* **transposes go to the leaves**: ``(AB)ᵀ = BᵀAᵀ``, ``(Aᵀ)ᵀ = A``, ``(X⁻¹)ᵀ`` stays ``X⁻ᵀ``;
* **identity and ones products are removed**: ``I`` in a product, the all-ones matrix ``1ₚ1ₘᵀ`` in a
  Hadamard product (the gradient of a sum, broadcast back), ``1ₙᵀ1ₙ = n``;
* a 1×1 factor of a product is a scalar and moves to the front (``det(X) X⁻ᵀ``);
* :func:`name_repeated` gives a name to each subexpression that occurs more than once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from .expr import (
    Add,
    Det,
    Expr,
    Hadamard,
    Identity,
    Inverse,
    LogAbsDet,
    LogSumExp,
    Map,
    MatMul,
    Named,
    Number,
    Ones,
    Power,
    Scale,
    Softmax,
    Trace,
    Transpose,
    Zero,
    as_scalar_number,
    is_ones_matrix,
)


def ones(n: int) -> Expr:
    """``1ₙ``; for ``n = 1`` just the number 1."""
    return Number(1.0) if n == 1 else Ones(n)


def split(e: Expr) -> tuple[float, Expr]:
    """``(c, A)`` with ``e = c A``."""
    if isinstance(e, Scale):
        return e.coef, e.operand
    if isinstance(e, Number) and e.value != 0:
        return e.value, Number(1.0, e.shape)
    return 1.0, e


def scale(c: float, e: Expr) -> Expr:
    """``c e``: numbers multiply, ``1 e = e``, ``0 e = 0``."""
    c = float(c)
    if c == 0 or isinstance(e, Zero):
        return Zero(e.shape)
    if isinstance(e, Scale):
        c, e = c * e.coef, e.operand
    if isinstance(e, Number):
        return Number(c * e.value, e.shape)
    return e if c == 1 else Scale(c, e)


def neg(e: Expr) -> Expr:
    return scale(-1.0, e)


def add(*terms: Expr) -> Expr:
    """``A + B + ...`` with like terms collected and a common factor taken out."""
    shape = terms[0].shape
    order: list[Expr] = []
    coefs: dict[Expr, float] = {}
    stack = list(reversed(terms))
    while stack:
        t = stack.pop()
        if isinstance(t, Add):
            stack.extend(reversed(t.terms))
            continue
        if isinstance(t, Scale) and isinstance(t.operand, Add):
            stack.extend(reversed([scale(t.coef, u) for u in t.operand.terms]))
            continue
        if isinstance(t, Zero):
            continue
        c, rest = split(t)
        if rest not in coefs:
            order.append(rest)
            coefs[rest] = 0.0
        coefs[rest] += c
    kept = [(coefs[r], r) for r in order if coefs[r] != 0]
    # "1 − tanh²(Z)", "softmax(Z) − Y": numbers first, then the positive terms
    kept.sort(key=lambda cr: (not isinstance(cr[1], Number), cr[0] < 0))
    if not kept:
        return Zero(shape)
    if len(kept) == 1:
        return scale(*kept[0])
    common = abs(kept[0][0])
    if common != 1 and all(abs(c) == common for c, _ in kept):
        return scale(common, add(*[scale(c / common, r) for c, r in kept]))
    chains = [list(r.factors) if isinstance(r, MatMul) else [r] for _, r in kept]
    if all(len(ch) > 1 for ch in chains):  # a common factor on the left or right: BᵀX + BX = (Bᵀ + B)X
        coefs = [c for c, _ in kept]
        if all(ch[0] == chains[0][0] for ch in chains):
            rests = [scale(c, matmul(*ch[1:])) for c, ch in zip(coefs, chains, strict=True)]
            return matmul(chains[0][0], add(*rests))
        if all(ch[-1] == chains[0][-1] for ch in chains):
            rests = [scale(c, matmul(*ch[:-1])) for c, ch in zip(coefs, chains, strict=True)]
            return matmul(add(*rests), chains[0][-1])
    return Add(tuple(scale(c, r) for c, r in kept))


def matmul(*factors: Expr) -> Expr:
    """The product ``A B C``: numbers and 1×1 factors to the front, ``I`` dropped, ``1ₙᵀ1ₙ = n``."""
    shape = (factors[0].shape[0], factors[-1].shape[1])
    coef, scalars, chain = 1.0, [], []
    stack = list(reversed(factors))
    while stack:
        f = stack.pop()
        c, f = split(f) if not isinstance(f, Number) else (1.0, f)
        coef *= c
        if isinstance(f, MatMul):
            stack.extend(reversed(f.factors))
        elif isinstance(f, Zero):
            return Zero(shape)
        elif isinstance(f, Identity):
            continue
        elif f.is_scalar:
            v = as_scalar_number(f)
            if v is None:
                scalars.append(f)
            else:
                coef *= v
        elif isinstance(f, Number):  # v 1ᵣ1꜀ᵀ
            coef *= f.value
            stack.extend(reversed([x for x in (ones(f.shape[0]), transpose(ones(f.shape[1])))
                                   if not x.is_scalar]))
        elif isinstance(f, Hadamard) and sum(not g.is_scalar for g in f.factors) == 1:
            scalars.extend(g for g in f.factors if g.is_scalar)
            stack.extend(g for g in f.factors if not g.is_scalar)
        else:
            chain.append(f)
    merged: list[Expr] = []
    for f in chain:
        if merged and isinstance(f, Ones) and isinstance(merged[-1], Transpose) and merged[-1].operand == f:
            merged.pop()  # 1ₙᵀ 1ₙ = n
            coef *= f.n
            continue
        if merged and (merged[-1] == inverse(f) or f == inverse(merged[-1])):
            merged.pop()  # A⁻¹ A = A A⁻¹ = I
            continue
        merged.append(f)
    if not merged:
        result: Expr = Identity(shape[0]) if shape != (1, 1) else Number(1.0)
    else:
        result = merged[0] if len(merged) == 1 else MatMul(tuple(merged))
    if scalars:
        result = hadamard(*scalars, result)
    return scale(coef, result)


def hadamard(*factors: Expr) -> Expr:
    """``A ⊙ B``: numbers out, the all-ones matrix dropped, ``A ⊙ A = A^∘2``; 1×1 factors are scalars."""
    coef, scalars, others, shape = 1.0, [], [], (1, 1)
    ones_matrix: Expr | None = None
    stack = list(reversed(factors))
    while stack:
        f = stack.pop()
        if not f.is_scalar:
            shape = f.shape
        if isinstance(f, Hadamard):
            stack.extend(reversed(f.factors))
            continue
        if isinstance(f, Zero):
            return Zero(shape if f.is_scalar else f.shape)
        if isinstance(f, Scale):
            coef *= f.coef
            stack.append(f.operand)
            continue
        if isinstance(f, Number):
            coef *= f.value
            if not f.is_scalar and ones_matrix is None:
                ones_matrix = Number(1.0, f.shape)
            continue
        if is_ones_matrix(f):
            ones_matrix = ones_matrix or f
            continue
        (scalars if f.is_scalar else others).append(f)
    for group in (scalars, others):  # A ⊙ A^k = A^(k+1)
        powers: dict[Expr, float] = {}
        order: list[Expr] = []
        for f in group:
            base, k = (f.operand, f.k) if isinstance(f, Power) else (f, 1.0)
            if base not in powers:
                order.append(base)
                powers[base] = 0.0
            powers[base] += k
        group[:] = [power(b, powers[b]) for b in order if powers[b] != 0]
    if not others and shape != (1, 1):
        others = [ones_matrix if ones_matrix is not None else Number(1.0, shape)]
    parts = scalars + others
    if not parts:
        return Number(coef, shape)
    result = parts[0] if len(parts) == 1 else Hadamard(tuple(parts))
    if isinstance(result, Number):
        return Number(coef * result.value, result.shape)
    return scale(coef, result)


def transpose(e: Expr) -> Expr:
    """``eᵀ``, pushed down to the leaves (a named subexpression or an inverse keeps its ᵀ)."""
    if e.is_scalar:
        return e
    if isinstance(e, Transpose):
        return e.operand
    if isinstance(e, Identity):
        return e
    if isinstance(e, Zero):
        return Zero((e.shape[1], e.shape[0]))
    if isinstance(e, Number):
        return Number(e.value, (e.shape[1], e.shape[0]))
    if isinstance(e, Scale):
        return scale(e.coef, transpose(e.operand))
    if isinstance(e, MatMul):
        return matmul(*[transpose(f) for f in reversed(e.factors)])
    if isinstance(e, Add):
        return add(*[transpose(t) for t in e.terms])
    if isinstance(e, Hadamard):
        return hadamard(*[transpose(f) for f in e.factors])
    if isinstance(e, Map):
        return Map(e.fn, transpose(e.operand))
    if isinstance(e, Power):
        return power(transpose(e.operand), e.k)
    return Transpose(e)


def inverse(e: Expr) -> Expr:
    """``e⁻¹``; ``(Aᵀ)⁻¹`` is written ``A⁻ᵀ``."""
    if isinstance(e, Inverse):
        return e.operand
    if isinstance(e, Transpose):
        return transpose(inverse(e.operand))
    if isinstance(e, Scale):
        return scale(1.0 / e.coef, inverse(e.operand))
    if isinstance(e, Identity):
        return e
    if isinstance(e, MatMul) and all(f.shape[0] == f.shape[1] for f in e.factors):
        return matmul(*[inverse(f) for f in reversed(e.factors)])  # (AXB)⁻¹ = B⁻¹X⁻¹A⁻¹, all square
    return Inverse(e)


def power(e: Expr, k: float) -> Expr:
    """The entrywise power ``e^∘k``."""
    k = float(k)
    if k == 1:
        return e
    if k == 0:
        return Number(1.0, e.shape)
    if isinstance(e, Power):
        return power(e.operand, e.k * k)
    if isinstance(e, Number):
        return Number(e.value ** k, e.shape)
    if isinstance(e, Scale):
        return scale(e.coef ** k, power(e.operand, k))
    return Power(e, k)


def trace(e: Expr) -> Expr:
    """``tr(e)``: linear, cyclic enough to turn ``tr(u vᵀ)`` into ``vᵀu``; ``tr(I) = n``."""
    if e.is_scalar:
        return e
    if isinstance(e, Scale):
        return scale(e.coef, trace(e.operand))
    if isinstance(e, Zero):
        return Zero((1, 1))
    if isinstance(e, Identity):
        return Number(float(e.n))
    if isinstance(e, Transpose):
        return trace(e.operand)
    if isinstance(e, Add):
        return add(*[trace(t) for t in e.terms])
    if isinstance(e, Hadamard) and sum(not f.is_scalar for f in e.factors) == 1:
        return hadamard(*[f if f.is_scalar else trace(f) for f in e.factors])
    if isinstance(e, MatMul):
        if e.factors[0].shape[1] == 1:
            return matmul(*e.factors[1:], e.factors[0])
        if e.factors[-1].shape[0] == 1:
            return matmul(e.factors[-1], *e.factors[:-1])
    return Trace(e)


# --- naming --------------------------------------------------------------------------------------
def _is_trivial(e: Expr) -> bool:
    """Too small to deserve a name: a leaf, a number, ``1ₙ``, a transpose or inverse of one."""
    if not e.children():
        return True
    if isinstance(e, Transpose | Inverse | Scale):
        return _is_trivial(e.children()[0])
    if isinstance(e, Named):
        return True
    return False


def count_subexpressions(e: Expr) -> Counter[Expr]:
    counts: Counter[Expr] = Counter()
    for node in e.walk():
        if not _is_trivial(node):
            counts[node] += 1
    return counts


def replace(e: Expr, old: Expr, new: Expr) -> Expr:
    """``e`` with every occurrence of ``old`` replaced by ``new``, rebuilt through the constructors."""
    if e == old:
        return new
    kids = e.children()
    if not kids or old not in set(e.walk()):
        return e
    return rebuild(e, tuple(replace(k, old, new) for k in kids))


def rebuild(e: Expr, kids: tuple[Expr, ...]) -> Expr:
    """``e`` with new children, through the smart constructors."""
    if isinstance(e, Add):
        return add(*kids)
    if isinstance(e, MatMul):
        return matmul(*kids)
    if isinstance(e, Hadamard):
        return hadamard(*kids)
    if isinstance(e, Scale):
        return scale(e.coef, kids[0])
    if isinstance(e, Transpose):
        return transpose(kids[0])
    if isinstance(e, Inverse):
        return inverse(kids[0])
    if isinstance(e, Power):
        return power(kids[0], e.k)
    if isinstance(e, Trace):
        return trace(kids[0])
    if isinstance(e, Map):
        return Map(e.fn, kids[0])
    if isinstance(e, Softmax | LogSumExp):
        return type(e)(kids[0], e.axis)
    if isinstance(e, Det | LogAbsDet):
        return type(e)(kids[0])
    raise AssertionError(f"rebuild: unknown node {type(e).__name__}")


def name_repeated(exprs: list[Expr], names: list[str],
                  prefer: Callable[[Expr], str | None] = lambda e: None) -> tuple[list[Expr], list[Named]]:
    """Give each non-trivial subexpression that occurs twice or more (over all ``exprs``) a name from
    ``names`` (or the one ``prefer`` gives it: ``P`` for a softmax), largest first; return the rewritten
    expressions and the definitions."""
    definitions: list[Named] = []
    pool = iter(names)
    while True:
        counts: Counter[Expr] = Counter()
        for e in exprs + [d.definition for d in definitions]:
            counts.update(count_subexpressions(e))
        repeated = [e for e, k in counts.items() if k > 1]
        if not repeated:
            return exprs, definitions
        biggest = max(repeated, key=lambda e: len(e.walk()))
        name = prefer(biggest) or next(pool, None)
        if name is None:
            return exprs, definitions
        named = Named(name, biggest)
        exprs = [replace(e, biggest, named) for e in exprs]
        definitions = [Named(d.name, replace(d.definition, biggest, named)) for d in definitions]
        definitions.append(named)
        final = {d.name: d.definition for d in definitions}
        exprs = [relink(e, final) for e in exprs]


def relink(e: Expr, definitions: dict[str, Expr]) -> Expr:
    """``e`` with each :class:`Named` node pointing at its latest definition (in ``definitions``)."""
    if isinstance(e, Named):
        if e.name in definitions:
            return Named(e.name, relink(definitions[e.name], definitions))
        return e
    kids = e.children()
    if not kids:
        return e
    new = tuple(relink(k, definitions) for k in kids)
    return e if all(a is b for a, b in zip(new, kids, strict=True)) else rebuild(e, new)
