"""Contraction: ``out[o] = Σ Π_i A_i[s_i]`` in einsum notation -- parsing, checking, computing.

This module holds the numbers-only half of the table's contraction entry
(:data:`autograd_core.engine.ops.EINSUM`): turning subscripts such as ``'...ij,...jk->...ik'`` into
an explicit plan, naming a shape mismatch, building the subscripts of the gradient (:func:`grad_spec`),
and computing a contraction by the fastest exact route (:func:`contract`). The rule itself -- the
gradient with respect to one operand is the contraction of the upstream gradient with all the
*other* operands -- is written in the table, not here.

Matrix products, sums over axes and transposes are contractions with particular subscripts
(:func:`matmul_subscripts`, :func:`sum_subscripts`, :func:`transpose_subscripts`); nothing
here knows about graph nodes.
"""

from __future__ import annotations

import math
import numbers
import string
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np


class Plan(NamedTuple):
    """Subscripts with ``...`` expanded to letters and the output made explicit."""

    inputs: tuple[str, ...]
    output: str
    ellipsis: str  # the letters standing for '...' axes (for messages)
    subscripts: str  # "<inputs>-><output>", explicit (made once: every forward and backward reads it)


def make_plan(inputs: tuple[str, ...], output: str, ellipsis: str = "") -> Plan:
    return Plan(inputs, output, ellipsis, f"{','.join(inputs)}->{output}")


@lru_cache(maxsize=4)
def matmul_subscripts(left_matrix: bool, right_matrix: bool) -> str:
    """numpy's matmul as a contraction over ``j``: a 1-D operand is a vector, more axes are a batch."""
    left = "...ij" if left_matrix else "j"
    right = "...jk" if right_matrix else "j"
    out = ("..." if left_matrix or right_matrix else "") + ("i" if left_matrix else "") + ("k" if right_matrix else "")
    return f"{left},{right}->{out}"


class GradSpec(NamedTuple):
    """How to contract the gradient of operand ``i``: see the table's contraction rule."""

    plan: Plan  # "<output>,<other inputs>,<deltas>-><operand i, lonely letters dropped>"
    others: tuple[int, ...]  # indices of the other operands, in the order used
    delta_axes: tuple[int, ...]  # operand i's axes that repeat an earlier letter (one δ each)
    lonely_axes: tuple[int, ...]  # operand i's axes whose letter occurs nowhere else

    @property
    def subscripts(self) -> str:
        return self.plan.subscripts


@lru_cache(maxsize=1024)
def grad_spec(inputs: tuple[str, ...], output: str, i: int) -> GradSpec:
    """The contraction giving ``∂L/∂operand_i`` from ``g = ∂L/∂out`` and the other operands."""
    fresh = iter(c for c in string.ascii_letters if c not in set("".join(inputs) + output))
    target, deltas, delta_axes, seen = list(inputs[i]), [], [], set()
    for axis, letter in enumerate(inputs[i]):
        if letter in seen:
            target[axis] = next(fresh)
            deltas.append(letter + target[axis])
            delta_axes.append(axis)
        seen.add(letter)
    others = tuple(j for j in range(len(inputs)) if j != i)
    available = set(output).union(*(inputs[j] for j in others), *deltas)
    lonely = tuple(axis for axis, letter in enumerate(target) if letter not in available)
    result = "".join(letter for axis, letter in enumerate(target) if axis not in lonely)
    terms = (output, *(inputs[j] for j in others), *deltas)
    return GradSpec(make_plan(terms, result), others, tuple(delta_axes), lonely)


@lru_cache(maxsize=1024)
def parse(subscripts: str, ndims: tuple[int, ...]) -> Plan:
    """Expand ``...`` into letters and make the output explicit; ``ValueError`` for bad subscripts."""
    where = f"einsum('{subscripts}')"
    bad = set(subscripts) - set(string.ascii_letters) - set(",.->")
    if bad:
        raise ValueError(f"{where}: invalid character(s) {sorted(bad)}; use letters, ',', '...' and '->'")
    lhs, arrow, output = subscripts.partition("->")
    if "->" in output or ("-" in lhs or ">" in lhs) or ("-" in output or ">" in output):
        raise ValueError(f"{where}: '->' must appear at most once, between the inputs and the output")
    terms = lhs.split(",")
    if len(terms) != len(ndims):
        raise ValueError(f"{where}: the subscripts name {len(terms)} operand(s) but {len(ndims)} were given")
    for term in [*terms, output]:
        if term.replace("...", "").count(".") or term.count("...") > 1:
            raise ValueError(f"{where}: '.' may only appear as one '...' per operand")
    used = set(lhs + output) - set(",.")
    pool = [c for c in string.ascii_letters if c not in used]
    widths = []
    for k, (term, ndim) in enumerate(zip(terms, ndims, strict=True)):
        named = len(term.replace("...", ""))
        width = ndim - named
        if width < 0 or (width > 0 and "..." not in term):
            raise ValueError(f"{where}: operand {k} has {ndim} axes but its subscripts '{term}' name {named}")
        widths.append(width)
    ell = "".join(pool[: max(widths, default=0)])
    inputs = tuple(t.replace("...", ell[len(ell) - w:]) for t, w in zip(terms, widths, strict=True))
    if arrow:
        if ell and "..." not in output:
            raise ValueError(f"{where}: the operands have '...' axes but the output has no '...' to hold them")
        output = output.replace("...", ell)
        for letter in output:
            if output.count(letter) > 1:
                raise ValueError(f"{where}: output letter '{letter}' appears more than once")
            if letter not in "".join(inputs):
                raise ValueError(f"{where}: output letter '{letter}' appears in no operand")
    else:  # numpy's implicit form: the '...' axes, then the letters used once, in sorted order
        counts = "".join(terms).replace("...", "")
        output = ell + "".join(sorted(c for c in set(counts) if counts.count(c) == 1))
    return make_plan(inputs, output, ell)


def check_sizes(plan: Plan, shapes: tuple[tuple[int, ...], ...], subscripts: str) -> None:
    """Each letter names one length (or 1, which broadcasts); say which operands disagree if not."""
    seen: dict[str, tuple[int, int]] = {}
    for k, (term, shape) in enumerate(zip(plan.inputs, shapes, strict=True)):
        for letter, size in zip(term, shape, strict=True):
            if letter not in seen:
                seen[letter] = (size, k)
                continue
            size0, k0 = seen[letter]
            same_operand_mismatch = k0 == k and size0 != size
            if size0 != size and (same_operand_mismatch or 1 not in (size0, size)):
                axis = "a '...' axis" if letter in plan.ellipsis else f"axis '{letter}'"
                raise ValueError(f"einsum('{subscripts}'): {axis} has length {size0} in operand {k0} "
                                 f"(shape {shapes[k0]}) but {size} in operand {k} (shape {shape}); "
                                 f"operand shapes: {shapes_text(shapes)}")
            if size0 == 1:
                seen[letter] = (size, k)


def shapes_text(shapes: tuple[tuple[int, ...], ...]) -> str:
    return ", ".join(map(str, shapes))


# How a contraction is computed is an implementation detail below the derivative rule: a single
# operand is np.sum + transpose (pairwise summation, accurate); two operands without diagonals
# are one np.matmul (BLAS) after transposes and reshapes, which is what makes the Tensor MLP step
# close to hand-written numpy (benchmarks/, Tensor rows); anything else is np.einsum.
class _PairPlan(NamedTuple):
    a_sum: tuple[int, ...]  # axes of a (b) summed out before the product: letters nobody else has
    b_sum: tuple[int, ...]
    a_perm: tuple[int, ...] | None  # a's remaining axes as batch + free + contracted
    b_perm: tuple[int, ...] | None  # b's remaining axes as batch + contracted + free
    n_batch: int
    n_a_free: int
    n_contracted: int
    out_perm: tuple[int, ...] | None  # batch + a_free + b_free -> output order
    shared: tuple[tuple[int, int], ...]  # (axis in a, axis in b) of letters both carry
    swap: bool  # the plan multiplies the second operand by the first
    plain: bool  # one free axis each, one contracted, no batch, nothing summed: a @ b needs no reshape


class _SumPlan(NamedTuple):
    axes: tuple[int, ...]
    perm: tuple[int, ...] | None


@lru_cache(maxsize=1024)
def _contract_plan(subscripts: str) -> _SumPlan | _PairPlan | None:
    lhs, _, out = subscripts.partition("->")
    terms = lhs.split(",")
    if any(len(set(t)) != len(t) for t in terms):
        return None
    if len(terms) == 1:
        (t,) = terms
        kept = [c for c in t if c in out]
        perm = tuple(kept.index(c) for c in out)
        summed = tuple(k for k, c in enumerate(t) if c not in out)
        return _SumPlan(summed, None if perm == tuple(range(len(out))) else perm)
    if len(terms) != 2:
        return None
    a, b = terms
    plan = _pair_plan(a, b, out)
    if plan.out_perm is not None:  # e.g. 'ik,ij->jk': computing (Xᵀ G) beats (Gᵀ X)ᵀ, a strided result
        swapped = _pair_plan(b, a, out)
        if swapped.out_perm is None:
            return swapped._replace(swap=True)
    return plan


def _pair_plan(a: str, b: str, out: str) -> _PairPlan:
    a_kept = [c for c in a if c in b or c in out]
    b_kept = [c for c in b if c in a or c in out]
    batch = [c for c in out if c in a and c in b]
    contracted = [c for c in a if c in b and c not in out]
    a_free = [c for c in a_kept if c not in b]
    b_free = [c for c in b_kept if c not in a]
    a_perm = tuple(a_kept.index(c) for c in batch + a_free + contracted)
    b_perm = tuple(b_kept.index(c) for c in batch + contracted + b_free)
    out_perm = tuple((batch + a_free + b_free).index(c) for c in out)
    identity = lambda p: p == tuple(range(len(p)))
    return _PairPlan(
        a_sum=tuple(k for k, c in enumerate(a) if c not in a_kept),
        b_sum=tuple(k for k, c in enumerate(b) if c not in b_kept),
        a_perm=None if identity(a_perm) else a_perm,
        b_perm=None if identity(b_perm) else b_perm,
        n_batch=len(batch), n_a_free=len(a_free), n_contracted=len(contracted),
        out_perm=None if identity(out_perm) else out_perm,
        shared=tuple((a.index(c), b.index(c)) for c in a if c in b),
        swap=False,
        plain=(len(batch), len(a_free), len(contracted), len(b_free)) == (0, 1, 1, 1)
        and len(a_kept) == len(a) and len(b_kept) == len(b),
    )


def contract(subscripts: str, arrays: list[Any]) -> np.ndarray:
    """``np.einsum(subscripts, *arrays)`` on explicit subscripts, by the fastest exact route."""
    plan = _contract_plan(subscripts)
    if isinstance(plan, _SumPlan):
        x = arrays[0]
        if plan.axes:
            x = x.sum(axis=plan.axes)
        return x if plan.perm is None else x.transpose(plan.perm)
    if isinstance(plan, _PairPlan):
        a, b = arrays[::-1] if plan.swap else arrays
        if _same_sizes(plan.shared, a.shape, b.shape):  # size-1 broadcasting goes to np.einsum
            return _pair_product(plan, a, b)
    return np.einsum(subscripts, *arrays, optimize=len(arrays) > 2 or "greedy")


def _same_sizes(shared: tuple[tuple[int, int], ...], a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    for i, j in shared:
        if a[i] != b[j]:
            return False
    return True


def _pair_product(p: _PairPlan, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if p.plain:  # a matrix product as it stands (after transposes): the reshapes below would be no-ops
        a = a if p.a_perm is None else a.transpose(p.a_perm)
        b = b if p.b_perm is None else b.transpose(p.b_perm)
        r = np.matmul(a, b)
        return r if p.out_perm is None else r.transpose(p.out_perm)
    if p.a_sum:
        a = a.sum(axis=p.a_sum)
    if p.b_sum:
        b = b.sum(axis=p.b_sum)
    if p.a_perm is not None:
        a = a.transpose(p.a_perm)
    if p.b_perm is not None:
        b = b.transpose(p.b_perm)
    nb, nf, nc = p.n_batch, p.n_a_free, p.n_contracted
    batch, m_shape, n_shape = a.shape[:nb], a.shape[nb:nb + nf], b.shape[nb + nc:]
    m, k, n = math.prod(m_shape), math.prod(a.shape[nb + nf:]), math.prod(n_shape)
    lead = (math.prod(batch),) if nb else ()
    r = np.matmul(a.reshape((*lead, m, k)), b.reshape((*lead, k, n)))
    shape = batch + m_shape + n_shape
    if r.shape != shape:  # reshape only when needed: a view would cost a leaf's grad a copy (_owned)
        r = r.reshape(shape)
    return r if p.out_perm is None else r.transpose(p.out_perm)


# --- small helpers ------------------------------------------------------------------------------
def axis_index(axis: int, ndim: int, where: str) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"{where}: axis {axis} is out of range for {ndim} axes")
    return axis % ndim


def normalize_axes(axis: int | Sequence[int] | None, ndim: int, where: str) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int:  # the common case, without the general checks below
        return (axis_index(axis, ndim, where),)
    axes = (axis,) if isinstance(axis, numbers.Integral) else axis
    if not isinstance(axes, Sequence) or isinstance(axes, str) or not all(is_int(a) for a in axes):
        raise TypeError(f"{where}: axis must be an int or a tuple of ints, got {axis!r}")
    out = tuple(sorted({axis_index(int(a), ndim, where) for a in axes}))
    if len(out) != len(axes):
        raise ValueError(f"{where}: repeated axis in {axis}")
    return out


def is_int(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def letters(ndim: int, where: str) -> str:
    if ndim > len(string.ascii_letters):
        raise ValueError(f"{where}: at most {len(string.ascii_letters)} axes are supported, got {ndim}")
    return string.ascii_letters[:ndim]


@lru_cache(maxsize=256)
def sum_subscripts(ndim: int, axes: tuple[int, ...]) -> str:
    """The contraction that sums the given axes away: ``sum_subscripts(2, (0,)) == 'ab->b'``."""
    names = letters(ndim, "sum")
    return f"{names}->{''.join(c for k, c in enumerate(names) if k not in axes)}"

@lru_cache(maxsize=256)
def transpose_subscripts(perm: tuple[int, ...]) -> str:
    """The contraction that permutes axes: ``transpose_subscripts((1, 0)) == 'ab->ba'``."""
    names = letters(len(perm), "transpose")
    return f"{names}->{''.join(names[k] for k in perm)}"
