"""``gradcheck``: every analytic derivative against central differences, entry by entry.

The engines' derivatives (reverse mode over the derivative table) are compared with

    ``(f(x + ε e_j) − f(x − ε e_j)) / 2ε``

for **every** entry ``j`` of every input -- not one sampled index -- and every output entry, i.e.
the whole Jacobian of Eq. 2. An entry passes when ``|analytic − numeric| ≤ atol + rtol·|numeric|``
(numpy's ``isclose`` rule). Central differences have error ``O(ε²)``, so with ``ε = 1e-6`` and
smooth ``f`` the agreement is ~1e-9 relative; a wrong rule in :mod:`autograd_core.engine.ops` shows up
as an O(1) disagreement and the report names the entry where it is worst.

>>> from autograd_core import gradcheck
>>> report = gradcheck(lambda w, x: (w * x).tanh(), (0.5, 2.0))
>>> report.passed
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..engine import graph
from .dual_pass import jacobians
from .tracing import Engine, as_numbers, classify, trace

__all__ = ["GradcheckError", "GradcheckReport", "InputCheck", "gradcheck"]


class InputCheck(NamedTuple):
    """The comparison for one input: its worst entry and how many entries failed."""

    name: str  # the input's name ("x0" unless names= was given)
    shape: tuple[int, ...]
    entries: int  # derivatives compared: output entries × input entries
    failures: int  # how many of them are outside the tolerance
    worst: str  # the worst entry, e.g. "x0[1,2]" or "∂out[3]/∂x0[1,2]"
    index: tuple[int, ...]  # its index: (output index..., input index...)
    analytic: float
    numeric: float
    abs_error: float
    tolerance: float  # atol + rtol·|numeric| at that entry

    @property
    def passed(self) -> bool:
        return self.failures == 0


class GradcheckReport:
    """What :func:`gradcheck` found: one :class:`InputCheck` per input; truthy when all passed."""

    def __init__(self, inputs: list[InputCheck], eps: float, atol: float, rtol: float) -> None:
        self.inputs = inputs
        self.eps, self.atol, self.rtol = eps, atol, rtol

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.inputs)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        lines = [f"gradcheck {verdict}: every entry, central differences (step eps·max(1, |x|), eps={self.eps:g}, "
                 f"|analytic - numeric| <= {self.atol:g} + {self.rtol:g}·|numeric|)"]
        header = ("input", "shape", "failed", "worst entry", "analytic", "numeric", "|diff|", "tolerance", "result")
        rows = [header]
        for c in self.inputs:
            rows.append((c.name, str(c.shape), f"{c.failures}/{c.entries}", c.worst, f"{c.analytic:.10g}",
                         f"{c.numeric:.10g}", f"{c.abs_error:.3g}", f"{c.tolerance:.3g}",
                         "ok" if c.passed else "FAIL"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        for r in rows:
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"GradcheckReport(passed={self.passed}, inputs={[c.name for c in self.inputs]})"


class GradcheckError(AssertionError):
    """Raised by ``gradcheck(..., raise_on_failure=True)``; the message is the report's table."""

    def __init__(self, report: GradcheckReport) -> None:
        super().__init__(str(report))
        self.report = report


def gradcheck(
    f: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_on_failure: bool = False,
    names: Sequence[str] | None = None,
    engine: Engine = "auto",
) -> GradcheckReport:
    """Compare the engine's Jacobian of ``f`` with central differences at every entry of every input.

    Args:
        f: a function written against ``Value`` (or ``Tensor``), of one or more arguments,
            returning a scalar or an array (the full Jacobian is checked).
        inputs: the point: a float or an array for a function of one argument, or a **tuple** of
            them for several (a list is one array).
        eps: the step of the central difference.
        atol, rtol: an entry passes when ``|analytic − numeric| ≤ atol + rtol·|numeric|``.
        raise_on_failure: raise :class:`GradcheckError` (an ``AssertionError``) with the report
            as its message instead of returning a failed report.
        names: names for the inputs in the report (default ``x0``, ``x1``, ...).
        engine: ``"auto"``, ``"value"`` or ``"tensor"`` (as in :mod:`autograd_core.beyond.functional`).

    Returns:
        A :class:`GradcheckReport`: per input the worst entry (largest ``|diff| / tolerance``), its
        analytic and numeric values, how many entries failed; ``str(report)`` is a small table.
    """
    for name, value, positive in (("eps", eps, True), ("atol", atol, False), ("rtol", rtol, False)):
        _check_setting(name, value, positive)
    args = tuple(inputs) if isinstance(inputs, tuple) else (inputs,)
    if not args:
        raise ValueError("gradcheck: no inputs to check")
    labels = list(names) if names is not None else [f"x{i}" for i in range(len(args))]
    if len(labels) != len(args):
        raise ValueError(f"gradcheck: {len(labels)} names for {len(args)} inputs")
    points = [_point(a, f"gradcheck: input {labels[i]}") for i, a in enumerate(args)]
    nums = tuple(range(len(args)))
    engine = _suited_engine(f, points, engine)
    out_shape, analytic, _ = jacobians(f, tuple(points), {}, nums, "reverse", engine)
    chosen = trace(f, tuple(points), {}, nums, engine, "gradcheck").engine
    evaluate = _plain_evaluation(f, points, chosen)
    checks = []
    for a, label in enumerate(labels):
        numeric = _central_differences(evaluate, points, a, eps, out_shape, label)
        checks.append(_compare(np.asarray(analytic[a], dtype=float), numeric, out_shape, points[a], label,
                               atol, rtol))
    report = GradcheckReport(checks, eps, atol, rtol)
    if raise_on_failure and not report.passed:
        raise GradcheckError(report)
    return report


def _check_setting(name: str, value: Any, positive: bool) -> None:
    """eps must be a finite number > 0, atol and rtol finite numbers >= 0: NaN would pass every entry."""
    ok = isinstance(value, int | float | np.floating) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (positive and value == 0):
        need = "a finite number > 0" if positive else "a finite number >= 0"
        raise ValueError(f"gradcheck: {name} must be {need}, got {value!r} (a NaN tolerance would pass every "
                         "entry, an infinite one every entry but NaN)")


def _point(x: Any, where: str) -> Any:
    arg = classify(x, where)
    if arg.nested:
        raise TypeError(f"{where} is a graph node; gradcheck takes plain numbers and arrays")
    return arg.data


def _suited_engine(f: Callable[..., Any], points: list[Any], engine: Engine) -> Engine:
    """``"auto"`` with array inputs: the Tensor engine if ``f`` runs on it (one node per array, not per
    entry: a Value graph of a 32×32 product is 30,000 nodes), else the usual order."""
    if engine != "auto" or all(np.ndim(p) == 0 for p in points):
        return engine
    try:
        trace(f, tuple(points), {}, tuple(range(len(points))), "tensor", "gradcheck")
    except Exception:
        return engine
    return "tensor"


def _plain_evaluation(f: Callable[..., Any], points: list[Any], engine: str) -> Callable[[list[Any]], np.ndarray]:
    """How the finite differences evaluate ``f``: on the plain numbers when ``f`` takes them (numpy code:
    no graph at all), else on the chosen engine with recording off (constants, no backward graph)."""
    try:
        plain = f(*points)
        if _is_plain(plain):
            return lambda trial: np.asarray(f(*trial), dtype=float)
    except Exception:
        pass

    def on_engine(trial: list[Any]) -> np.ndarray:
        with graph.no_grad():
            tr = trace(f, tuple(trial), {}, tuple(range(len(trial))), engine, "gradcheck")
        return np.asarray(as_numbers(tr.out, False), dtype=float)

    return on_engine


def _is_plain(out: Any) -> bool:
    if isinstance(out, float | int | np.floating | np.integer) and not isinstance(out, bool):
        return True
    return isinstance(out, np.ndarray) and out.dtype.kind in "iuf"


def _central_differences(evaluate: Callable[[list[Any]], np.ndarray], points: list[Any], a: int, eps: float,
                         out_shape: tuple[int, ...], label: str) -> np.ndarray:
    """``(outputs, entries of input a)``: one pair of evaluations of ``f`` per entry.

    The step is ``eps · max(1, |x_j|)``: a fixed step is lost in rounding beside a large entry
    (``1e8 + 1e-6`` is ``1e8`` to within float64's spacing there), which would blame the engine for
    the finite differences' failure.
    """
    x = np.array(points[a], dtype=float)
    moved = x.copy()  # one entry at a time is moved and put back: one copy of the input, not one per evaluation
    number = np.ndim(points[a]) == 0 and not isinstance(points[a], np.ndarray)
    trial = list(points)
    M = int(np.prod(out_shape, dtype=int))
    J = np.zeros((x.size, M))  # a row per entry (contiguous writes), transposed at the end
    for j in range(x.size):
        xj = float(x.flat[j])
        h = eps * max(1.0, abs(xj))
        values = []
        for step in (h, -h):
            moved.flat[j] = xj + step
            trial[a] = float(moved) if number else moved
            try:
                values.append(evaluate(trial).reshape(-1))
            except (ValueError, ArithmeticError) as err:
                where = _entry_name(label, np.unravel_index(j, x.shape) if x.ndim else ())
                raise ValueError(f"gradcheck: f fails at {where} {'+' if step > 0 else '-'} eps: {err}") from err
        moved.flat[j] = xj
        J[j] = (values[0] - values[1]) / (2 * h)
    return J.T


def _badness(diff: np.ndarray, tolerance: np.ndarray, analytic: np.ndarray, numeric: np.ndarray) -> np.ndarray:
    """``|diff| / tolerance`` per entry: above 1 fails. A zero tolerance (``atol=0`` where the numeric value is
    0) passes only an exact match; a NaN or infinite difference fails, unless both sides are NaN."""
    with np.errstate(invalid="ignore", divide="ignore"):
        badness = diff / tolerance  # x / 0 = inf: fails; 0 / 0 and NaN differences are settled below
    unsettled = np.isnan(badness)
    if unsettled.any():
        agree = (diff == 0) | (np.isnan(analytic) & np.isnan(numeric))
        badness[unsettled] = np.where(agree[unsettled], 0.0, np.inf)
    return badness


def _entry_name(label: str, index: tuple[int, ...]) -> str:
    return f"{label}[{','.join(str(int(i)) for i in index)}]" if index else label


def _compare(analytic: np.ndarray, numeric: np.ndarray, out_shape: tuple[int, ...], x: Any, label: str,
             atol: float, rtol: float) -> InputCheck:
    shape = tuple(np.shape(x))
    analytic = analytic.reshape(numeric.shape)
    diff = np.abs(analytic - numeric)
    tolerance = atol + rtol * np.abs(numeric)
    badness = _badness(diff, tolerance, analytic, numeric)
    failed = badness > 1.0
    if diff.size == 0:
        return InputCheck(label, shape, 0, 0, "-", (), math.nan, math.nan, 0.0, atol)
    flat = int(np.argmax(badness))
    i, j = np.unravel_index(flat, badness.shape)
    out_index = tuple(int(k) for k in np.unravel_index(i, out_shape)) if out_shape else ()
    in_index = tuple(int(k) for k in np.unravel_index(j, shape)) if shape else ()
    entry = _entry_name(label, in_index)
    worst = f"∂out{list(out_index)}/∂{entry}".replace(" ", "") if out_shape else entry
    return InputCheck(
        name=label, shape=shape, entries=int(diff.size), failures=int(failed.sum()), worst=worst,
        index=out_index + in_index, analytic=float(analytic[i, j]), numeric=float(numeric[i, j]),
        abs_error=float(diff[i, j]), tolerance=float(tolerance[i, j]),
    )
