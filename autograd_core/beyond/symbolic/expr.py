"""The expression tree of a derived gradient: matrices, their products and the maps between them.

Every node has a matrix ``shape`` ``(rows, cols)``: a scalar is 1×1 and a vector of length ``n`` a
column, ``n×1`` (the seed's Notation 1: bold lower-case letters are column vectors). A node prints
itself in Unicode (``str``) and in LaTeX (:meth:`Expr.latex`) and evaluates itself with numpy
(:meth:`Expr.evaluate`), always to a 2-D array.

Nodes are frozen dataclasses, so two structurally equal expressions compare (and hash) equal: that is
how like terms are collected and repeated subexpressions found (:mod:`.simplify`). Build them with
the smart constructors of :mod:`.simplify` (``matmul``, ``add`` ...), which simplify as they build;
the classes here only hold, print and evaluate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np

from ...engine import ops
from ...engine.namespaces import ARRAY

Shape = tuple[int, int]

# Precedence, loosest first: an operand binding looser than its context is parenthesized.
SUM, HADAMARD, PRODUCT, POSTFIX, ATOM = 1, 2, 3, 4, 5

_SUB = str.maketrans("0123456789aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


@dataclass(frozen=True)
class Style:
    """How sizes and numbers print: ``dims`` names sizes (the seed's ``{5: "m", 3: "p", 4: "n"}``)."""

    dims: tuple[tuple[int, str], ...] = ()

    def size(self, n: int) -> str:
        return dict(self.dims).get(n, str(n))

    def denominator(self, q: int) -> str | None:
        """``q`` as a product of named sizes (``15`` -> ``"pm"``), or ``None``."""
        names = dict(self.dims)
        if q in names:
            return names[q]
        sizes = list(names)
        for i, a in enumerate(sizes):
            for b in sizes[i + 1:]:
                if a * b == q:
                    return "".join(sorted((names[a], names[b]), key="pnmk".find))
        return None


PLAIN = Style()


class Env:
    """What an evaluation reads: the arguments (as 2-D arrays) and a cache for named subexpressions."""

    def __init__(self, args: list[np.ndarray]) -> None:
        self.args = args
        self.cache: dict[int, np.ndarray] = {}


@dataclass(frozen=True)
class Expr:
    """A matrix expression of shape ``shape``."""

    precedence: ClassVar[int] = ATOM

    @property
    def shape(self) -> Shape:
        raise NotImplementedError

    def children(self) -> tuple[Expr, ...]:
        return ()

    def evaluate(self, env: Env) -> np.ndarray:
        raise NotImplementedError

    def text(self, style: Style) -> str:
        raise NotImplementedError

    def tex(self, style: Style) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.text(PLAIN)

    def latex(self, style: Style = PLAIN) -> str:
        return self.tex(style)

    @property
    def is_scalar(self) -> bool:
        return self.shape == (1, 1)

    def walk(self) -> list[Expr]:
        """Every node of the tree, parents before children (named definitions not entered)."""
        out, stack = [], [self]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.children()))
        return out


def wrap(e: Expr, at_least: int, style: Style, latex: bool = False) -> str:
    body = e.tex(style) if latex else e.text(style)
    if e.precedence >= at_least:
        return body
    return rf"\left({body}\right)" if latex else f"({body})"


def number_text(v: float, latex: bool = False, style: Style = PLAIN) -> str:
    """A number as a reader would write it: ``2``, ``1/5`` (``1/m`` with named sizes), ``1/√2``, ``0.3``."""
    sign = "−" if v < 0 and not latex else ("-" if v < 0 else "")
    a = abs(v)
    if a == round(a) and a < 1e15:
        return f"{sign}{round(a)}"
    frac = Fraction(a).limit_denominator(10000)
    if frac.denominator > 1 and abs(float(frac) - a) <= 1e-12 * a:
        den = style.denominator(frac.denominator) or str(frac.denominator)
        if latex:
            return rf"{sign}\frac{{{frac.numerator}}}{{{den}}}"
        return f"{sign}{frac.numerator}/{den}"
    root = 1.0 / (a * a)
    if abs(root - round(root)) <= 1e-9 * root and round(root) > 1:
        k = round(root)
        den = style.denominator(k)
        if latex:
            return rf"{sign}\frac{{1}}{{\sqrt{{{den or k}}}}}"
        return f"{sign}1/√{den or k}"
    return f"{sign}{a:.6g}"


# --- leaves ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Leaf(Expr):
    """An argument of ``f``, named after its parameter (``W``, ``X``, ``b``); ``index`` is its position."""

    name: str
    dims: Shape
    index: int

    @property
    def shape(self) -> Shape:
        return self.dims

    def evaluate(self, env: Env) -> np.ndarray:
        return env.args[self.index]

    def text(self, style: Style) -> str:
        return self.name

    def tex(self, style: Style) -> str:
        return _bold(self.name)


@dataclass(frozen=True)
class Const(Expr):
    """A constant the function used: an argument it does not differentiate (``Y``, read at evaluation), or
    numbers recorded while tracing (``value``; e.g. one-hot labels made from integer labels)."""

    name: str
    dims: Shape
    index: int | None = None  # the argument it is, or None for recorded numbers
    value: Any = field(default=None, compare=False, hash=False)

    @property
    def shape(self) -> Shape:
        return self.dims

    def evaluate(self, env: Env) -> np.ndarray:
        return env.args[self.index] if self.index is not None else self.value

    def text(self, style: Style) -> str:
        return self.name

    def tex(self, style: Style) -> str:
        return _bold(self.name)


@dataclass(frozen=True)
class Number(Expr):
    """A matrix whose entries all equal ``value`` (a scalar when 1×1): the ``1`` of ``1 − tanh²(Z)``."""

    value: float
    dims: Shape = (1, 1)

    @property
    def shape(self) -> Shape:
        return self.dims

    def evaluate(self, env: Env) -> np.ndarray:
        return np.full(self.dims, self.value)

    def text(self, style: Style) -> str:
        return number_text(self.value, style=style)

    def tex(self, style: Style) -> str:
        return number_text(self.value, True, style)

    @property
    def precedence(self) -> int:  # type: ignore[override]
        return ATOM if self.value >= 0 and float(self.value).is_integer() else PRODUCT


@dataclass(frozen=True)
class Zero(Expr):
    """The zero matrix: the gradient of an argument the output does not depend on."""

    dims: Shape

    @property
    def shape(self) -> Shape:
        return self.dims

    def evaluate(self, env: Env) -> np.ndarray:
        return np.zeros(self.dims)

    def text(self, style: Style) -> str:
        return "0"

    def tex(self, style: Style) -> str:
        return r"\mathbf{0}"


@dataclass(frozen=True)
class Ones(Expr):
    """``1ₙ``, the column of ``n`` ones: ``G 1ₘ`` sums the columns of ``G`` (the bias gradient, Eq. 19 summed)."""

    n: int

    @property
    def shape(self) -> Shape:
        return (self.n, 1)

    def evaluate(self, env: Env) -> np.ndarray:
        return np.ones((self.n, 1))

    def text(self, style: Style) -> str:
        size = style.size(self.n)
        sub = size.translate(_SUB)
        return "1" + (sub if all(c in "₀₁₂₃₄₅₆₇₈₉ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ" for c in sub) else f"_{size}")

    def tex(self, style: Style) -> str:
        return rf"\mathbf{{1}}_{{{style.size(self.n)}}}"


@dataclass(frozen=True)
class Identity(Expr):
    """The identity matrix ``I`` (the gradient of a trace, Cookbook eq. 99)."""

    n: int

    @property
    def shape(self) -> Shape:
        return (self.n, self.n)

    def evaluate(self, env: Env) -> np.ndarray:
        return np.eye(self.n)

    def text(self, style: Style) -> str:
        return "I"

    def tex(self, style: Style) -> str:
        return r"\mathbf{I}"


@dataclass(frozen=True)
class Named(Expr):
    """A subexpression given a name (``G = 2(Z − Y)``, ``Z = WX + b1ᵀ``); prints as its name."""

    name: str
    definition: Expr = field(compare=False, hash=False)

    @property
    def shape(self) -> Shape:
        return self.definition.shape

    def evaluate(self, env: Env) -> np.ndarray:
        key = id(self.definition)
        if key not in env.cache:
            env.cache[key] = self.definition.evaluate(env)
        return env.cache[key]

    def text(self, style: Style) -> str:
        return self.name

    def tex(self, style: Style) -> str:
        return _bold(self.name)


# --- operations ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Add(Expr):
    """``A + B − C``: a sum of terms of equal shape (a negative term is a :class:`Scale` by −c)."""

    terms: tuple[Expr, ...]
    precedence: ClassVar[int] = SUM

    @property
    def shape(self) -> Shape:
        return self.terms[0].shape

    def children(self) -> tuple[Expr, ...]:
        return self.terms

    def evaluate(self, env: Env) -> np.ndarray:
        total = self.terms[0].evaluate(env)
        for t in self.terms[1:]:
            total = total + t.evaluate(env)
        return total

    def _joined(self, style: Style, latex: bool) -> str:
        parts = []
        for k, term in enumerate(self.terms):
            negative = isinstance(term, Scale) and term.coef < 0
            body = Scale(-term.coef, term.operand) if negative and term.coef != -1 else (
                term.operand if negative else term)
            text = body.tex(style) if latex else body.text(style)
            minus = "-" if latex else "−"
            if k == 0:
                parts.append(f"{minus}{text}" if negative else text)
            else:
                parts.append(f" {minus} {text}" if negative else f" + {text}")
        return "".join(parts)

    def text(self, style: Style) -> str:
        return self._joined(style, False)

    def tex(self, style: Style) -> str:
        return self._joined(style, True)


@dataclass(frozen=True)
class _OfOne(Expr):
    """An expression of one operand, the field ``operand`` its subclass declares: its only child."""

    def children(self) -> tuple[Expr, ...]:
        return (self.operand,)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Entrywise(_OfOne):
    """A one-operand expression of its operand's shape."""

    @property
    def shape(self) -> Shape:
        return self.operand.shape  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Scale(_Entrywise):
    """``c A`` for a number ``c``: the ``1/m`` of the batch mean (Eq. 26), the ``2`` of a square."""

    coef: float
    operand: Expr
    precedence: ClassVar[int] = PRODUCT

    def evaluate(self, env: Env) -> np.ndarray:
        return self.coef * self.operand.evaluate(env)

    def _render(self, style: Style, latex: bool) -> str:
        body = wrap(self.operand, PRODUCT, style, latex)
        if self.coef == -1:
            return ("-" if latex else "−") + body
        c = number_text(self.coef, latex, style)
        if not latex and "/" in c:
            c = f"−({c[1:]})" if c.startswith("−") else f"({c})"
            return f"{c} {body}"
        spaced = latex or (len(body) > 1 and body[0].isalpha() and body[1].isalpha())  # "3 det(X)", "2X"
        return f"{c} {body}" if spaced else f"{c}{body}"

    def text(self, style: Style) -> str:
        return self._render(style, False)

    def tex(self, style: Style) -> str:
        return self._render(style, True)


@dataclass(frozen=True)
class MatMul(Expr):
    """The matrix product ``A B C`` (Eq. 28: the sum over samples is a product with ``X``)."""

    factors: tuple[Expr, ...]
    precedence: ClassVar[int] = PRODUCT

    @property
    def shape(self) -> Shape:
        return (self.factors[0].shape[0], self.factors[-1].shape[1])

    def children(self) -> tuple[Expr, ...]:
        return self.factors

    def evaluate(self, env: Env) -> np.ndarray:
        out = self.factors[0].evaluate(env)
        for f in self.factors[1:]:
            out = out @ f.evaluate(env)
        return out

    def text(self, style: Style) -> str:
        return "".join(wrap(f, POSTFIX, style) for f in self.factors)

    def tex(self, style: Style) -> str:
        return " ".join(wrap(f, POSTFIX, style, True) for f in self.factors)


@dataclass(frozen=True)
class Hadamard(Expr):
    """The entrywise product ``A ⊙ B``; a 1×1 factor is a scalar multiplying the others (``det(X) X⁻ᵀ``)."""

    factors: tuple[Expr, ...]

    @property
    def shape(self) -> Shape:
        shapes = [f.shape for f in self.factors if not f.is_scalar]
        return shapes[0] if shapes else (1, 1)

    def children(self) -> tuple[Expr, ...]:
        return self.factors

    def evaluate(self, env: Env) -> np.ndarray:
        out = self.factors[0].evaluate(env)
        for f in self.factors[1:]:
            out = out * f.evaluate(env)
        return out

    def _render(self, style: Style, latex: bool) -> str:
        scalars = [f for f in self.factors if f.is_scalar]
        others = [f for f in self.factors if not f.is_scalar]
        head = " ".join(wrap(f, POSTFIX, style, latex) for f in scalars)
        joiner = r" \odot " if latex else " ⊙ "
        tail = joiner.join(wrap(f, POSTFIX if len(others) > 1 else PRODUCT, style, latex) for f in others)
        if not others:
            return head
        if len(others) > 1 and scalars:
            tail = rf"\left({tail}\right)" if latex else f"({tail})"
        return f"{head} {tail}" if head else tail

    @property
    def precedence(self) -> int:  # type: ignore[override]
        return PRODUCT if sum(not f.is_scalar for f in self.factors) <= 1 else HADAMARD

    def text(self, style: Style) -> str:
        return self._render(style, False)

    def tex(self, style: Style) -> str:
        return self._render(style, True)


@dataclass(frozen=True)
class Transpose(_OfOne):
    """``Aᵀ``; ``X⁻ᵀ`` for the transpose of an inverse."""

    operand: Expr
    precedence: ClassVar[int] = POSTFIX

    @property
    def shape(self) -> Shape:
        r, c = self.operand.shape
        return (c, r)

    def evaluate(self, env: Env) -> np.ndarray:
        return self.operand.evaluate(env).T

    def text(self, style: Style) -> str:
        if isinstance(self.operand, Inverse):
            return wrap(self.operand.operand, ATOM, style) + "⁻ᵀ"
        return wrap(self.operand, ATOM, style) + "ᵀ"

    def tex(self, style: Style) -> str:
        if isinstance(self.operand, Inverse):
            return wrap(self.operand.operand, ATOM, style, True) + "^{-T}"
        return wrap(self.operand, ATOM, style, True) + "^{T}"


@dataclass(frozen=True)
class Inverse(_Entrywise):
    """``X⁻¹`` (Cookbook eq. 59: ``d(X⁻¹) = −X⁻¹ dX X⁻¹``)."""

    operand: Expr
    precedence: ClassVar[int] = POSTFIX

    def evaluate(self, env: Env) -> np.ndarray:
        return np.linalg.inv(self.operand.evaluate(env))

    def text(self, style: Style) -> str:
        return wrap(self.operand, ATOM, style) + "⁻¹"

    def tex(self, style: Style) -> str:
        return wrap(self.operand, ATOM, style, True) + "^{-1}"


@dataclass(frozen=True)
class Power(_Entrywise):
    """The entrywise power ``A^∘k`` (``tanh²(Z)`` when ``A`` is an elementwise map)."""

    operand: Expr
    k: float
    precedence: ClassVar[int] = POSTFIX

    def evaluate(self, env: Env) -> np.ndarray:
        return np.power(self.operand.evaluate(env), self.k)

    def text(self, style: Style) -> str:
        k = number_text(self.k)
        sup = k.replace("−", "-").translate(_SUP) if float(self.k).is_integer() else f"^{k}"
        if _function_power(self):
            name = _FUNCTION_TEXT[self.operand.fn]  # type: ignore[attr-defined]
            return f"{name}{sup}({self.operand.operand.text(style)})"  # type: ignore[attr-defined]
        return wrap(self.operand, ATOM, style) + ("" if self.operand.is_scalar else "∘") + sup

    def tex(self, style: Style) -> str:
        k = number_text(self.k, True)
        if _function_power(self):
            return f"{_FUNCTION_TEX[self.operand.fn]}^{{{k}}}\\left({self.operand.operand.tex(style)}\\right)"
        circ = "" if self.operand.is_scalar else r"\circ "
        return wrap(self.operand, ATOM, style, True) + f"^{{{circ}{k}}}"


def _function_power(e: Power) -> bool:
    """``tanh²(Z)``: a positive integer power of a named elementwise function."""
    return (isinstance(e.operand, Map) and e.operand.fn in _FUNCTION_TEXT and e.operand.fn not in ("sqrt", "step")
            and float(e.k).is_integer() and e.k > 0)


_FUNCTION_TEXT = {"tanh": "tanh", "exp": "exp", "log": "log", "sigmoid": "σ", "sin": "sin", "cos": "cos",
                  "sinh": "sinh", "cosh": "cosh", "tan": "tan", "sqrt": "√", "sign": "sign", "softplus": "softplus",
                  "log1p": "log1p", "expm1": "expm1", "arctan": "arctan", "abs": "abs", "relu": "relu"}
_FUNCTION_TEX = {"tanh": r"\tanh", "exp": r"\exp", "log": r"\log", "sigmoid": r"\sigma", "sin": r"\sin",
                 "cos": r"\cos", "sinh": r"\sinh", "cosh": r"\cosh", "tan": r"\tan", "sqrt": r"\sqrt",
                 "sign": r"\operatorname{sign}", "softplus": r"\operatorname{softplus}",
                 "log1p": r"\operatorname{log1p}", "expm1": r"\operatorname{expm1}", "arctan": r"\arctan",
                 "abs": r"\operatorname{abs}", "relu": r"\operatorname{relu}"}


@dataclass(frozen=True)
class Map(_Entrywise):
    """A function applied entrywise, named after its table entry: ``tanh(Z)``, ``exp(S)``; ``step`` is
    the indicator ``𝟙(Z > 0)`` (relu's derivative)."""

    fn: str
    operand: Expr

    def evaluate(self, env: Env) -> np.ndarray:
        x = self.operand.evaluate(env)
        if self.fn == "step":
            return ARRAY.step(x)
        if self.fn == "sign":
            return ARRAY.sign(x)
        with np.errstate(all="ignore"):
            return ops.UNARY[self.fn].forward(ARRAY, x)

    def text(self, style: Style) -> str:
        if self.fn == "step":
            return f"𝟙({self.operand.text(style)} > 0)"
        return f"{_FUNCTION_TEXT.get(self.fn, self.fn)}({self.operand.text(style)})"

    def tex(self, style: Style) -> str:
        if self.fn == "step":
            return rf"\mathbb{{1}}\left({self.operand.tex(style)} > 0\right)"
        if self.fn == "sqrt":
            return rf"\sqrt{{{self.operand.tex(style)}}}"
        name = _FUNCTION_TEX.get(self.fn, rf"\operatorname{{{self.fn}}}")
        return rf"{name}\left({self.operand.tex(style)}\right)"


@dataclass(frozen=True)
class Softmax(_Entrywise):
    """``softmax`` of each column (``axis=0``, the seed's samples) or each row (``axis=1``, attention)."""

    operand: Expr
    axis: int | None  # None: over every entry

    def evaluate(self, env: Env) -> np.ndarray:
        x = self.operand.evaluate(env)
        axis = (0, 1) if self.axis is None else self.axis
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    def text(self, style: Style) -> str:
        return f"softmax({self.operand.text(style)})"

    def tex(self, style: Style) -> str:
        return rf"\operatorname{{softmax}}\left({self.operand.tex(style)}\right)"


@dataclass(frozen=True)
class LogSumExp(_OfOne):
    """``log Σ exp`` of each column (``axis=0``), each row (``axis=1``) or all entries (``axis=None``),
    as a row, a column or a scalar."""

    operand: Expr
    axis: int | None

    @property
    def shape(self) -> Shape:
        r, c = self.operand.shape
        return (1, c) if self.axis == 0 else (r, 1) if self.axis == 1 else (1, 1)

    def evaluate(self, env: Env) -> np.ndarray:
        x = self.operand.evaluate(env)
        axis = (0, 1) if self.axis is None else self.axis
        top = x.max(axis=axis, keepdims=True)
        return np.log(np.exp(x - top).sum(axis=axis, keepdims=True)) + top

    def text(self, style: Style) -> str:
        return f"logsumexp({self.operand.text(style)})"

    def tex(self, style: Style) -> str:
        return rf"\operatorname{{logsumexp}}\left({self.operand.tex(style)}\right)"


@dataclass(frozen=True)
class _ScalarOf(_OfOne):
    """A scalar function of one matrix (det, ln|det|, tr): a 1×1 result."""

    operand: Expr

    @property
    def shape(self) -> Shape:
        return (1, 1)


@dataclass(frozen=True)
class Det(_ScalarOf):
    """``det(X)``, a scalar (Cookbook eq. 49: ``∂det X/∂X = det(X) X⁻ᵀ``)."""

    def evaluate(self, env: Env) -> np.ndarray:
        return np.linalg.det(self.operand.evaluate(env)).reshape(1, 1)

    def text(self, style: Style) -> str:
        return f"det({self.operand.text(style)})"

    def tex(self, style: Style) -> str:
        return rf"\det\left({self.operand.tex(style)}\right)"


@dataclass(frozen=True)
class LogAbsDet(_ScalarOf):
    """``ln|det X|``, a scalar (Cookbook eq. 57: its gradient is ``X⁻ᵀ``)."""

    def evaluate(self, env: Env) -> np.ndarray:
        return np.asarray(np.linalg.slogdet(self.operand.evaluate(env))[1]).reshape(1, 1)

    def text(self, style: Style) -> str:
        return f"ln|det {wrap(self.operand, ATOM, style)}|"

    def tex(self, style: Style) -> str:
        return rf"\ln\left|\det {wrap(self.operand, ATOM, style, True)}\right|"


@dataclass(frozen=True)
class Trace(_ScalarOf):
    """``tr(A)``, a scalar (Cookbook eq. 99-122)."""

    def evaluate(self, env: Env) -> np.ndarray:
        return np.trace(self.operand.evaluate(env)).reshape(1, 1)

    def text(self, style: Style) -> str:
        return f"tr({self.operand.text(style)})"

    def tex(self, style: Style) -> str:
        return rf"\operatorname{{tr}}\left({self.operand.tex(style)}\right)"


def _bold(name: str) -> str:
    head, _, tail = name.partition("_")
    body = rf"\boldsymbol{{{head}}}"
    return body + (f"_{{{tail}}}" if tail else "")


def is_ones_matrix(e: Expr) -> bool:
    """``1ᵣ1꜀ᵀ`` (or a number-1 matrix): the identity of the Hadamard product."""
    if isinstance(e, Number):
        return e.value == 1
    if isinstance(e, MatMul) and len(e.factors) == 2:
        a, b = e.factors
        return isinstance(a, Ones) and isinstance(b, Transpose) and isinstance(b.operand, Ones)
    return False


def as_scalar_number(e: Expr) -> float | None:
    """The value of a 1×1 :class:`Number`, else ``None``."""
    return e.value if isinstance(e, Number) and e.is_scalar else None


__all__ = [
    "PLAIN",
    "Add",
    "Const",
    "Det",
    "Env",
    "Expr",
    "Hadamard",
    "Identity",
    "Inverse",
    "Leaf",
    "LogAbsDet",
    "LogSumExp",
    "Map",
    "MatMul",
    "Named",
    "Number",
    "Ones",
    "Power",
    "Scale",
    "Shape",
    "Softmax",
    "Style",
    "Trace",
    "Transpose",
    "Zero",
]
