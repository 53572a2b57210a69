"""``check_derivation``: compare a hand-derived gradient with the engine's, and name the mistake.

``gradcheck`` says *that* a formula is wrong. A teacher grading the seed's exercise wants to know
*why*: the answer is transposed (the seed's derivative ``∂L/∂W`` of Eq. 3, shaped n×p, given where
``∇_W L`` of Eq. 16, shaped like ``W``, was asked), it lacks the ``1/m`` of Eq. 26, its sign is flipped,
the bias gradient was not summed over the batch (Eq. 27) ... This module recognises those mistakes:

>>> import numpy as np
>>> from autograd_core import check_derivation
>>> rng = np.random.default_rng(0)
>>> W, X, b, Y = rng.normal(size=(2, 3)), rng.normal(size=(3, 6)), rng.normal(size=2), rng.normal(size=(2, 6))
>>> loss = lambda W, X, b: (((W @ X + b[:, None] - Y) ** 2).sum(axis=0)).mean()
>>> forgot_the_mean = lambda W, X, b: 2 * (W @ X + b[:, None] - Y) @ X.T      # no 1/m
>>> report = check_derivation(loss, forgot_the_mean, W, X, b)
>>> report.ok, [finding.name for finding in report.diagnosis]
(False, ['scaled'])
>>> print(report.diagnosis[0].message)
∇_W: the candidate is 6 × the gradient: a missing 1/m (m = 6 samples; L is the mean of Eq. 26).

**The vocabulary** of findings (:data:`VOCABULARY`; documented in ``docs/checking.md``): ``transposed``,
``scaled``, ``sign``, ``missing_batch_sum``, ``symmetric_only``, ``entries``, ``shape`` and ``unexplained``.
Several can be reported together (a transposed answer missing its ``1/m`` is ``transposed`` and ``scaled``).

**How it decides.** The reference is the engine's gradient of ``f`` (``grad``, exact to rounding). The
candidate is compared with it as it is, then transposed, each time fitting one factor ``c`` (least
squares): an exact match up to ``c`` names the layout and the factor. Then the bias pattern (a column per
sample, or one sample's gradient: the engine recomputes the loss on each single sample), then the
symmetric part (re-evaluating both at a symmetrized matrix argument), then which entries differ.
"""

from __future__ import annotations

import html
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .functional import grad
from .tracing import Engine

__all__ = ["VOCABULARY", "DerivationReport", "Finding", "check_derivation"]

VOCABULARY: dict[str, str] = {
    "transposed": "the candidate is the gradient transposed (or has the transposed shape): it follows the seed's "
                  "derivative layout ∂L/∂W (Eq. 3), while ∇ (Eq. 16) is shaped like the variable",
    "scaled": "the candidate is c × the gradient for a constant c ≠ 1: a missing 1/m (Eq. 26), a factor 2 from a "
              "square ...",
    "sign": "the candidate is −1 × the gradient (c = −1): the ascent direction, or a flipped difference (y − z)",
    "missing_batch_sum": "a gradient of a variable shared by all samples (the bias b) that is not summed over the "
                         "samples: one column per sample, or a single sample's gradient (Eq. 27 sums over k)",
    "symmetric_only": "the candidate is right only in its symmetric part, or only when a matrix argument is "
                      "symmetric: 2Ax for ∇ xᵀAx is right only if A = Aᵀ; the general answer is (A + Aᵀ)x",
    "entries": "only some entries are wrong: which ones, and the pattern when there is one (the diagonal, one row, "
               "one column)",
    "shape": "the candidate's shape is neither the gradient's nor its transpose",
    "unexplained": "none of the mistakes above explains the difference; the worst entries are shown",
}


@dataclass(frozen=True)
class Finding:
    """One recognised mistake: ``name`` from :data:`VOCABULARY`, a plain-language ``message``."""

    name: str
    message: str
    argument: str
    factor: float | None = None

    def __str__(self) -> str:
        return f"{self.name}: {self.message}"


@dataclass
class ArgumentCheck:
    """The comparison for one differentiated argument."""

    argument: str
    reference: np.ndarray
    candidate: np.ndarray
    max_error: float
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


class DerivationReport:
    """What :func:`check_derivation` found: ``ok``, ``max_error``, ``diagnosis`` (a list of :class:`Finding`)."""

    def __init__(self, parts: list[ArgumentCheck], rtol: float, atol: float) -> None:
        self.parts = parts
        self.rtol, self.atol = rtol, atol

    @property
    def ok(self) -> bool:
        return all(part.ok for part in self.parts)

    @property
    def max_error(self) -> float:
        """The largest ``|candidate − reference|`` entry (``inf`` when the shapes differ)."""
        return max(part.max_error for part in self.parts)

    @property
    def diagnosis(self) -> list[Finding]:
        return [finding for part in self.parts for finding in part.findings]

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        lines = []
        for part in self.parts:
            if part.ok:
                lines.append(f"∇_{part.argument}: ok (max error {part.max_error:.2g})")
            else:
                lines.append(f"∇_{part.argument}: WRONG (max error {part.max_error:.3g})")
                lines += [f"  - {finding.name}: {_after_colon(finding.message)}" for finding in part.findings]
        return "\n".join(lines)

    def __repr__(self) -> str:
        names = ", ".join(f.name for f in self.diagnosis) or "ok"
        return f"DerivationReport({names}; max error {self.max_error:.3g})"

    def _repr_html_(self) -> str:
        parts = []
        for part in self.parts:
            color = "#2e7d32" if part.ok else "#c62828"
            verdict = "ok" if part.ok else "wrong"
            head = (f"<p><b>∇<sub>{html.escape(part.argument)}</sub></b>: "
                    f"<span style='color:{color}'><b>{verdict}</b></span> (max error {part.max_error:.3g})</p>")
            items = "".join(f"<li><code>{html.escape(f.name)}</code>: {html.escape(_after_colon(f.message))}</li>"
                            for f in part.findings)
            picture = _heat_map(part) if not part.ok else ""
            parts.append(head + (f"<ul>{items}</ul>" if items else "") + picture)
        return "<div>" + "".join(parts) + "</div>"


def check_derivation(f: Callable[..., Any], candidate: Callable[..., Any], *args: Any,
                     argnums: int | Sequence[int] = 0, batch_size: int | None = None,
                     rtol: float = 1e-6, atol: float = 1e-9, engine: Engine = "auto") -> DerivationReport:
    """Check a hand-derived gradient ``candidate`` of the scalar loss ``f`` at ``args``, naming its mistakes.

    Args:
        f: the loss, written with numpy or library operations; returns a scalar.
        candidate: the hand-derived gradient in plain numpy: same arguments as ``f``; returns the gradient
            with respect to ``args[argnums]`` (a tuple of gradients for a tuple of ``argnums``).
        args: where to compare (numbers or float arrays).
        argnums: which argument(s) the candidate differentiates.
        batch_size: the number of samples ``m`` (for "missing 1/m" and the bias checks); by default the
            number of columns of an argument named ``X`` (the seed's samples-as-columns), if there is one.
        rtol, atol: an entry is right when ``|candidate − reference| <= atol·max(1, max|reference|) +
            rtol·|reference|``.
        engine: the engine of the reference gradient, as for :func:`~autograd_core.grad` (``"tensor"`` is
            the fast choice for a loss written with numpy on large arrays).

    Returns:
        A :class:`DerivationReport`: ``ok``, ``max_error``, ``diagnosis``, ``str()`` and ``_repr_html_``.

    Raises:
        TypeError: if the candidate does not return numbers (or a tuple of the right length).
        ValueError: if the candidate returns NaN or infinite entries, or ``f`` is not scalar.
    """
    arrays = [_as_input(a, k) for k, a in enumerate(args)]
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    names = _parameter_names(f, len(arrays))
    m = batch_size if batch_size is not None else _batch_size(names, arrays)
    references = grad(f, argnums=nums if len(nums) > 1 else nums[0], engine=engine)(*arrays)
    references = [np.asarray(r, dtype=float) for r in (references if len(nums) > 1 else (references,))]
    got = _candidate_values(candidate, arrays, nums, names)
    context = _Context(f, candidate, arrays, nums, names, m, rtol, atol, engine)
    parts = [context.compare(i, ref, cand) for i, (ref, cand) in enumerate(zip(references, got, strict=True))]
    return DerivationReport(parts, rtol, atol)


# --- the comparison ------------------------------------------------------------------------------------
@dataclass
class _Context:
    f: Callable[..., Any]
    candidate: Callable[..., Any]
    arrays: list[Any]
    nums: tuple[int, ...]
    names: list[str]
    m: int | None
    rtol: float
    atol: float
    engine: Engine

    def close(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Entrywise: ``a`` equals the reference ``b`` up to the tolerances."""
        scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
        return np.abs(a - b) <= self.atol * scale + self.rtol * np.abs(b)

    def same(self, a: np.ndarray, b: np.ndarray) -> bool:
        return a.shape == b.shape and bool(np.all(self.close(a, b)))

    def compare(self, i: int, ref: np.ndarray, cand: np.ndarray) -> ArgumentCheck:
        name = self.names[self.nums[i]]
        error = float(np.max(np.abs(cand - ref), initial=0.0)) if cand.shape == ref.shape else float("inf")
        check = ArgumentCheck(name, ref, cand, error)
        if not self.same(cand, ref):
            check.findings = self.diagnose(i, name, ref, cand)
        return check

    def diagnose(self, i: int, name: str, ref: np.ndarray, cand: np.ndarray) -> list[Finding]:
        for explain in (self._layout_and_factor, self._batch_sum, self._symmetric_only):
            findings = explain(i, name, ref, cand)
            if findings:
                return findings
        if cand.shape == ref.shape:
            return [self._entries(name, ref, cand)]
        if cand.shape == ref.shape[::-1] and cand.ndim >= 2:
            return [_transposed(name, ref, cand), self._entries(name, ref, _reverse(cand), transposed=True)]
        return [Finding("shape", f"∇_{name}: the candidate has shape {cand.shape}, but ∇_{name} has the shape of "
                        f"{name}, {ref.shape}", name)]

    # 1. as it is, or transposed, times one constant c
    def _layout_and_factor(self, i: int, name: str, ref: np.ndarray, cand: np.ndarray) -> list[Finding]:
        views = [(False, cand)]
        if cand.ndim >= 2 and cand.shape == ref.shape[::-1]:
            views.append((True, _reverse(cand)))
        for transposed, view in views:
            if view.shape != ref.shape:
                continue
            c = _factor(view, ref)
            if c is None or not self.same(view, c * ref):
                continue
            findings = [_transposed(name, ref, cand)] if transposed else []
            if not np.isclose(c, 1.0, rtol=1e-6):
                findings += _scaling(name, c, self.m)
            return findings
        return []

    # 2. a bias gradient not summed over the samples
    def _batch_sum(self, i: int, name: str, ref: np.ndarray, cand: np.ndarray) -> list[Finding]:
        if ref.ndim != 1:
            return []
        p = ref.shape[0]
        if cand.ndim == 2 and cand.shape[0] == p and cand.shape[1] > 1:
            summed = cand.sum(axis=1)
            c = _factor(summed, ref)
            if c is not None and self.same(summed, c * ref):
                extra = "" if np.isclose(c, 1.0) else " " + _scaling(name, c, self.m)[0].message.split(": ", 1)[1]
                return [Finding("missing_batch_sum", f"∇_{name}: the candidate has shape {cand.shape}, one column per "
                                f"sample, where ∇_{name} has shape {ref.shape}: the sum over the samples k "
                                f"(Eq. 27) is missing; its row sums are the gradient{extra}", name)]
        if cand.shape == ref.shape:
            for k, single in enumerate(self._per_sample(i)):
                c = _factor(cand, single)
                if c is not None and self.same(cand, c * single) and np.isclose(c, round(c)) and round(c) >= 1:
                    return [Finding("missing_batch_sum", f"∇_{name}: the candidate is sample {k}'s gradient alone "
                                    f"(times {_number(c)}), not the mean over all {self.m} samples: the sum over k of "
                                    "Eq. 27 is missing", name)]
        return []

    def _per_sample(self, i: int) -> list[np.ndarray]:
        """The engine's gradient of the loss of each single sample (samples as columns, the seed's layout)."""
        if not self.m or self.m < 2:
            return []
        batched = [k for k, a in enumerate(self.arrays) if np.ndim(a) >= 2 and np.shape(a)[-1] == self.m]
        if not batched or self.nums[i] in batched:
            return []
        out = []
        for k in range(self.m):
            sliced = [a[..., k:k + 1] if j in batched else a for j, a in enumerate(self.arrays)]
            try:
                out.append(np.asarray(grad(self.f, argnums=self.nums[i], engine=self.engine)(*sliced), dtype=float))
            except (TypeError, ValueError):  # f does not take one sample: no such check
                return []
        return out

    # 3. right only for a symmetric matrix, or in the symmetric part only
    def _symmetric_only(self, i: int, name: str, ref: np.ndarray, cand: np.ndarray) -> list[Finding]:
        if cand.shape == ref.shape and ref.ndim == 2 and ref.shape[0] == ref.shape[1]:
            if self.same(_sym(cand), _sym(ref)):
                return [Finding("symmetric_only", f"∇_{name}: right in its symmetric part (X + Xᵀ)/2 only; the "
                                "difference is antisymmetric. A formula derived for a symmetric matrix was used for "
                                "a general one", name)]
        for j, a in enumerate(self.arrays):
            if j in self.nums or np.ndim(a) != 2 or a.shape[0] != a.shape[1] or np.allclose(a, a.T):
                continue
            symmetric = [_sym(x) if k == j else x for k, x in enumerate(self.arrays)]
            try:
                ref_s = np.asarray(grad(self.f, argnums=self.nums[i], engine=self.engine)(*symmetric), dtype=float)
                cand_s = _candidate_values(self.candidate, symmetric, self.nums, self.names)[i]
            except (TypeError, ValueError):
                continue
            if self.same(cand_s, ref_s):
                other = self.names[j]
                return [Finding("symmetric_only", f"∇_{name}: right only when {other} is symmetric: at "
                                f"({other} + {other}ᵀ)/2 it agrees. A rule for a symmetric {other} was used (2{other}x "
                                f"for ∇ xᵀ{other}x, where the general answer is ({other} + {other}ᵀ)x)", name)]
        return []

    # 4. which entries
    def _entries(self, name: str, ref: np.ndarray, cand: np.ndarray, transposed: bool = False) -> Finding:
        bad = ~self.close(cand, ref)
        count, total = int(bad.sum()), bad.size
        worst = _worst(cand, ref, bad)
        if count == total:
            return Finding("unexplained", f"∇_{name}: every entry differs and no known mistake explains it "
                           f"(not transposed, not c × the gradient, not a batch sum); worst: {worst}", name)
        pattern = _pattern(bad)
        where = f" ({pattern})" if pattern else ""
        after = " after transposing" if transposed else ""
        return Finding("entries", f"∇_{name}: {count} of {total} entries are wrong{after}{where}; the others are "
                       f"right. Worst: {worst}", name)


# --- the pieces of a diagnosis ---------------------------------------------------------------------------
def _transposed(name: str, ref: np.ndarray, cand: np.ndarray) -> Finding:
    if cand.shape != ref.shape:
        why = (f"it has shape {cand.shape}, the transpose of ∇_{name}'s {ref.shape}: the seed's derivative layout "
               f"∂L/∂{name} (Eq. 3, entry (j, i) = ∂L/∂{name.lower()}_ij), while ∇_{name} (Eq. 16) is shaped like "
               f"{name}. Transpose it")
    else:
        why = (f"it equals ∇_{name} transposed: the seed's derivative layout ∂L/∂{name} (Eq. 3) in place of "
               f"∇_{name} (Eq. 16). Transpose it")
    return Finding("transposed", f"∇_{name}: {why}", name)


def _scaling(name: str, c: float, m: int | None) -> list[Finding]:
    if np.isclose(c, -1.0, rtol=1e-6):
        return [Finding("sign", f"∇_{name}: the candidate is −1 × the gradient: the sign is flipped (a difference "
                        "written y − z instead of z − y, or the descent step −∇ given as the gradient)", name, -1.0)]
    findings = []
    if c < 0:
        findings.append(Finding("sign", f"∇_{name}: the sign is flipped, besides the factor below", name, -1.0))
    size = abs(c)
    of_m = f" (m = {m})" if m else ""
    causes = {
        "a missing 1/m" + (f" (m = {m} samples; L is the mean of Eq. 26)" if m else ""): m,
        "an extra 1/m" + (f" (m = {m}; Eq. 26 divides once)" if m else ""): 1 / m if m else None,
        "a factor 2 from a square: d(z − y)²/dz = 2(z − y), counted twice": 2.0,
        "a missing factor 2 from a square: d(z − y)²/dz = 2(z − y)": 0.5,
        "a missing 1/m and a factor 2 from a square counted twice" + of_m: 2.0 * m if m else None,
        "a missing 1/m and a missing factor 2 from a square" + of_m: m / 2 if m else None,
    }
    cause = next((text for text, value in causes.items() if value and np.isclose(size, value, rtol=1e-6)), None)
    if cause is None and np.isclose(size, round(size), rtol=1e-6) and round(size) > 2:
        cause = f"an integer factor: a missing 1/m (Eq. 26) if m = {round(size)} samples"
    text = f"∇_{name}: the candidate is {_number(size)} × the gradient" + (f": {cause}." if cause else
                                                                       "; no usual cause matches that factor.")
    findings.append(Finding("scaled", text, name, float(c)))
    return findings


def _factor(view: np.ndarray, ref: np.ndarray) -> float | None:
    """The least-squares ``c`` with ``view ≈ c·ref`` (``None`` for a zero reference)."""
    norm = float(np.sum(ref * ref))
    if norm == 0.0:
        return None
    return float(np.sum(view * ref)) / norm


def _pattern(bad: np.ndarray) -> str:
    if bad.ndim != 2:
        return ""
    rows, cols = np.nonzero(bad)
    if bad.shape[0] == bad.shape[1] and np.all(rows == cols):
        return "only on the diagonal"
    if len(set(rows.tolist())) == 1:
        return f"only in row {rows[0]}"
    if len(set(cols.tolist())) == 1:
        return f"only in column {cols[0]}"
    if bad.shape[0] == bad.shape[1] and not np.any(np.diag(bad)):
        return "only off the diagonal"
    return ""


def _worst(cand: np.ndarray, ref: np.ndarray, bad: np.ndarray, count: int = 3) -> str:
    diff = np.where(bad, np.abs(cand - ref), -1.0)
    order = np.argsort(diff, axis=None)[::-1][:min(count, int(bad.sum()))]
    parts = []
    for flat in order:
        index = np.unravel_index(flat, ref.shape)
        where = ", ".join(map(str, index))
        parts.append(f"[{where}] is {_number(cand[index])}, should be {_number(ref[index])}")
    return "; ".join(parts)


def _heat_map(part: ArgumentCheck, cell: int = 22) -> str:
    """An inline SVG of ``|candidate − reference|`` per entry (a matrix or a vector), darker = larger."""
    if part.candidate.shape != part.reference.shape or part.reference.ndim not in (1, 2):
        return ""
    error = np.abs(part.candidate - part.reference).reshape(part.reference.shape[0], -1)
    if error.size > 400:
        return ""
    top = float(error.max()) or 1.0
    rects = []
    for (r, c), e in np.ndenumerate(error):
        shade = int(255 * (1 - e / top))
        rects.append(f"<rect x='{c * cell}' y='{r * cell}' width='{cell - 1}' height='{cell - 1}' "
                     f"fill='rgb(255,{shade},{shade})'><title>[{r}, {c}]: |error| = {e:.3g}</title></rect>")
    width, height = error.shape[1] * cell, error.shape[0] * cell
    return (f"<p>|candidate − ∇<sub>{html.escape(part.argument)}</sub>| per entry (red = large, white = right):</p>"
            f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}'>{''.join(rects)}</svg>")


# --- inputs and the candidate's answer ----------------------------------------------------------------------
def _as_input(a: Any, k: int) -> Any:
    if isinstance(a, int | float) and not isinstance(a, bool):
        return float(a)
    arr = np.asarray(a)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"check_derivation: argument {k} must be a number or an array of numbers, got "
                        f"{type(a).__name__}")
    return arr.astype(float)


def _candidate_values(candidate: Callable[..., Any], arrays: list[Any], nums: tuple[int, ...],
                      names: list[str]) -> list[np.ndarray]:
    out = candidate(*[a.copy() if isinstance(a, np.ndarray) else a for a in arrays])
    if len(nums) > 1:
        if not isinstance(out, tuple | list) or len(out) != len(nums):
            raise TypeError(f"check_derivation: the candidate must return a tuple of {len(nums)} gradients (for "
                            f"{', '.join(names[n] for n in nums)}), got {type(out).__name__}")
    else:
        out = (out,)
    values = []
    for n, g in zip(nums, out, strict=True):
        try:
            arr = np.asarray(g, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"check_derivation: the candidate's gradient for {names[n]} must be numbers (an array), "
                            f"got {type(g).__name__} {g!r:.60}") from None
        if not np.all(np.isfinite(arr)):
            at = tuple(int(k) for k in np.argwhere(~np.isfinite(arr))[0]) if arr.ndim else ()
            raise ValueError(f"check_derivation: the candidate's gradient for {names[n]} has a non-finite entry "
                             f"{at}: {arr[at]}")
        values.append(arr)
    return values


def _parameter_names(f: Callable[..., Any], count: int) -> list[str]:
    try:
        params = [p.name for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return [params[k] if k < len(params) else f"args[{k}]" for k in range(count)]


def _batch_size(names: list[str], arrays: list[Any]) -> int | None:
    for name, a in zip(names, arrays, strict=True):
        if name == "X" and np.ndim(a) == 2:
            return int(np.shape(a)[1])
    return None


def _reverse(a: np.ndarray) -> np.ndarray:
    return np.transpose(a)


def _sym(a: np.ndarray) -> np.ndarray:
    return (a + a.T) / 2


def _number(x: float) -> str:
    x = float(x)
    return str(round(x)) if np.isclose(x, round(x), rtol=1e-9, atol=1e-12) else f"{x:.4g}"


def _after_colon(message: str) -> str:
    return message.split(": ", 1)[1] if ": " in message else message
