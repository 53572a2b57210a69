"""``autograd-core verify``: every quantity of the seed's Eq. 15–30, computed four ways.

For random ``W`` (p×n), ``X`` (n×m), ``b`` (p,) and a per-sample loss ``L^(k)``, each quantity is
computed by

1. the **scalar Value graph** -- the literal Eq. 9 graph, one node per product and sum
   (:mod:`autograd_core.scalar.arrays`), differentiated by ``backward()``;
2. the **Tensor** engine (when :mod:`autograd_core.tensor.tensor` is present);
3. the **closed form** of the seed (:mod:`autograd_core.layer.closed_form`) -- the reference;
4. **central finite differences** of the loss, ``(L(θ + ε) − L(θ − ε)) / 2ε``.

The table shows, per quantity, the largest absolute difference of each of 1, 2 and 4 from 3.

Finite differences cover **every entry** of every variable, vectorised: all ``2·size``
perturbed copies of a variable are stacked and pushed through the layer and the loss in one
numpy evaluation (the stacked ``Z``'s become extra columns, so the very same per-sample loss
functions of :mod:`autograd_core.layer.losses` evaluate them). Their error is about
``ε² |L'''| + 1e-16 |L| / ε``, hence their own, looser tolerance, scaled by ``max(1, |L|)``.

Single-datum rows (Eq. 15–24) use the first sample, ``x^(1)`` = column 0 of ``X``, with
``L^(1)(z^(1))``; batch rows (Eq. 26–30) use ``L = (1/m) Σ_k L^(k)``.

Importable: :func:`run` returns a :class:`Report`; ``str(report)`` is the table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import graph
from ..scalar import layout
from ..scalar.arrays import values
from . import closed_form as cf
from .losses import PER_SAMPLE_LOSSES, batch_loss, layer

__all__ = [
    "CLOSED_FORM_LOSSES",
    "Problem",
    "Report",
    "Row",
    "check_size",
    "closed_form_results",
    "finite_difference_results",
    "make_problem",
    "run",
    "tensor_results",
    "value_results",
]

DEFAULT_TOL = 1e-9
DEFAULT_FD_TOL = 1e-6
FD_EPS = 1e-6
SAMPLE = 0  # the single datum: column 0 of X, the seed's x^(1)
MAX_ENTRIES = 4096  # largest p·n and n·m: finite differences need memory ∝ entries² (see check_size)
MAX_PRODUCTS = 64 ** 3  # largest p·n·m: the scalar graph has about 2·p·n·m nodes

# (equation, quantity, key) -- the rows of the table, in the seed's order
QUANTITIES: list[tuple[str, str, str]] = [
    ("Eq. 15", "∂L⁽ᵏ⁾/∂W", "dL_dW"),
    ("Eq. 16", "∇_W L⁽ᵏ⁾", "grad_W"),
    ("Eq. 18", "∂L⁽ᵏ⁾/∂b", "dL_db"),
    ("Eq. 19", "∇_b L⁽ᵏ⁾", "grad_b"),
    ("Eq. 21–22", "∂z⁽ᵏ⁾/∂x⁽ᵏ⁾ = W", "dz_dx"),
    ("Eq. 23", "∂L⁽ᵏ⁾/∂x⁽ᵏ⁾", "dL_dx"),
    ("Eq. 24", "∇_x L⁽ᵏ⁾", "grad_x"),
    ("Eq. 26", "L = (1/m) Σ L⁽ᵏ⁾", "L"),
    ("Eq. 27–28", "∂L/∂W", "dL_dW_batch"),
    ("Eq. 29", "∇_W L", "grad_W_batch"),
    ("Eq. 30", "∇_X L", "grad_X_batch"),
    ("(not in seed)", "∇_b L", "grad_b_batch"),
]

CLOSED_FORM_LOSSES: dict[str, Callable[[np.ndarray, Any], cf.LossGrad]] = {
    "squares": cf.per_sample_squares,
    "tanh": lambda Z, _target: cf.per_sample_tanh(Z),
    "softmax_ce": cf.per_sample_softmax_ce,
}


# --- the problem ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """The random layer: ``W`` p×n (entries N(0, 1/n), so z stays O(1)), ``X`` n×m, ``b`` (p,) ~ N(0, 1).

    ``target`` is what the loss compares with: p×m targets for ``squares``, m integer labels for
    ``softmax_ce``, ``None`` for ``tanh``.
    """

    W: np.ndarray
    X: np.ndarray
    b: np.ndarray
    loss: str
    target: Any

    @property
    def x(self) -> np.ndarray:
        return self.X[:, SAMPLE]

    @property
    def target_k(self) -> Any:
        """The single datum's target: a column of the targets, or one label (as a length-1 array)."""
        if self.target is None:
            return None
        return self.target[:, SAMPLE] if self.loss == "squares" else self.target[SAMPLE:SAMPLE + 1]


def check_size(p: int, n: int, m: int) -> None:
    """Refuse a layer too big to verify on an ordinary machine, before any memory is spent on it.

    Finite differences perturb every entry of ``W`` (p·n of them) and of ``X`` (n·m) in its own copy
    of the layer, so their memory grows with the *square* of those counts; the scalar graph has
    about ``2·p·n·m`` nodes. The limits keep a run under about 2 GB and a few seconds.
    """
    for name, size in (("p", p), ("n", n), ("m", m)):
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
            raise ValueError(f"verify: {name} must be a positive integer, got {size!r}")
    if max(p * n, n * m) > MAX_ENTRIES:
        raise ValueError(f"verify: p={p} n={n} m={m} is too big: W is {p}×{n} and X {n}×{m}, and finite "
                         f"differences perturb every entry in its own copy of the layer, so each may have at most "
                         f"{MAX_ENTRIES:,} entries (e.g. --p 64 --n 64 --m 64)")
    if p * n * m > MAX_PRODUCTS:
        raise ValueError(f"verify: p={p} n={n} m={m} is too big: the scalar graph would have about "
                         f"{2 * p * n * m:,} nodes (limit p·n·m <= {MAX_PRODUCTS:,}, e.g. --p 64 --n 64 --m 64)")


def make_problem(p: int, n: int, m: int, seed: int, loss: str) -> Problem:
    """Draw the random layer and targets for :func:`run` (reproducible from ``seed``)."""
    check_size(p, n, m)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"verify: seed must be a non-negative integer, got {seed!r}")
    if loss not in PER_SAMPLE_LOSSES:
        raise ValueError(f"verify: unknown loss {loss!r}; choose one of {sorted(PER_SAMPLE_LOSSES)}")
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(p, n)) / np.sqrt(n)
    X = rng.normal(size=(n, m))
    b = rng.normal(size=p)
    target = {"squares": lambda: rng.normal(size=(p, m)),
              "softmax_ce": lambda: rng.integers(0, p, size=m),
              "tanh": lambda: None}[loss]()
    return Problem(W, X, b, loss, target)


# --- way 3: the closed forms (the reference) --------------------------------------------------------
def closed_form_results(pb: Problem) -> dict[str, np.ndarray]:
    """Every quantity from the seed's formulas, given the per-sample loss gradients ∇_{z^(k)} L^(k)."""
    Z = cf.layer_forward(pb.W, pb.X, pb.b)
    per = CLOSED_FORM_LOSSES[pb.loss](Z, pb.target)
    G = per.grad  # the seed's "∇_Z L": per-sample gradients as columns, no 1/m
    g = G[:, SAMPLE]  # ∇_{z^(k)} L^(k) of the single datum (its z is column k of Z)
    return {
        "dL_dW": cf.dL_dW(pb.x, g),
        "grad_W": cf.grad_W(pb.x, g),
        "dL_db": cf.dL_db(g),
        "grad_b": cf.grad_b(g),
        "dz_dx": cf.dz_dx(pb.W),
        "dL_dx": cf.dL_dx(pb.W, g),
        "grad_x": cf.grad_x(pb.W, g),
        "L": np.array(per.value.mean()),
        "dL_dW_batch": cf.dL_dW_batch(pb.X, G),
        "grad_W_batch": cf.grad_W_batch(pb.X, G),
        "grad_X_batch": cf.grad_X_batch(pb.W, G),
        "grad_b_batch": cf.grad_b_batch(G),
    }


# --- ways 1 and 2: the engines ------------------------------------------------------------------------------
def _engine_results(pb: Problem, lift: Callable[[np.ndarray, str], Any],
                    dz_dx: Callable[[Any, Any, int], np.ndarray]) -> tuple[dict[str, np.ndarray], Any]:
    """Every quantity from ``backward()`` on inputs made by ``lift``; returns them and the batch loss.

    The same code runs both engines: only how the numbers become graph leaves differs, and how
    Eq. 2's Jacobian is read (``dz_dx(z, x, p)``).
    """
    loss = PER_SAMPLE_LOSSES[pb.loss]
    # one datum: z^(k) = W x^(k) + b (Eq. 8)
    W1, x1, b1 = lift(pb.W, "W"), lift(pb.x, "x"), lift(pb.b, "b")
    z1 = layer(W1, x1, b1)
    Lk = loss(z1, pb.target_k)
    Lk.backward()
    out = {
        "dL_dW": layout.derivative(Lk, W1),
        "grad_W": layout.gradient(Lk, W1),
        "dL_db": layout.derivative(Lk, b1),
        "grad_b": layout.gradient(Lk, b1),
        "dz_dx": dz_dx(z1, x1, pb.W.shape[0]),
        "dL_dx": layout.derivative(Lk, x1),
        "grad_x": layout.gradient(Lk, x1),
    }
    # the batch: Z = W X + B (Eq. 25), L = (1/m) Σ_k L^(k) (Eq. 26)
    W, X, b = lift(pb.W, "W"), lift(pb.X, "X"), lift(pb.b, "b")
    L = batch_loss(loss(layer(W, X, b), pb.target))
    L.backward()
    out.update({
        "L": np.asarray(L.data, dtype=float).reshape(()),
        "dL_dW_batch": layout.derivative(L, W),
        "grad_W_batch": layout.gradient(L, W),
        "grad_X_batch": layout.gradient(L, X),
        "grad_b_batch": layout.gradient(L, b),
    })
    return out, L


# --- way 1: the scalar Value graph --------------------------------------------------------------------
def value_results(pb: Problem, stats: dict[str, Any] | None = None) -> dict[str, np.ndarray]:
    """Every quantity from ``backward()`` on the literal Eq. 9 graph of ``Value`` nodes."""
    start = time.perf_counter()
    out, L = _engine_results(pb, values, lambda z, x, p: layout.jacobian_of(z, x))
    if stats is not None:
        stats["value_seconds"] = time.perf_counter() - start
        stats["value_nodes"] = len(graph.topological_order(L))
    return out


# --- way 2: the Tensor engine ---------------------------------------------------------------------------
def _tensor_jacobian(z: Any, x: Any, p: int) -> np.ndarray:
    """Eq. 2 row by row: the reverse sweep from ``z`` seeded with ``e_i`` gives ``∂z_i/∂x``."""
    rows = []
    for i in range(p):
        e_i = np.zeros(p)  # not np.eye(p)[i]: that builds a p×p matrix per row, O(p³) in all
        e_i[i] = 1.0
        rows.append(np.asarray(graph.gradients(z, [x], seed=e_i)[0], dtype=float))
    return np.stack(rows)


def tensor_results(pb: Problem, stats: dict[str, Any] | None = None) -> dict[str, np.ndarray]:
    """Every quantity from ``backward()`` on the vectorized ``Tensor`` graph (same loss code)."""
    from ..tensor.tensor import Tensor

    start = time.perf_counter()
    out, _ = _engine_results(pb, lambda a, label: Tensor(a, requires_grad=True, label=label), _tensor_jacobian)
    if stats is not None:
        stats["tensor_seconds"] = time.perf_counter() - start
    return out


# --- way 4: central finite differences, vectorised -------------------------------------------------------
def _perturbed(base: np.ndarray, eps: float) -> np.ndarray:
    """``2·size`` copies of ``base``: first each entry + eps, then each entry − eps."""
    size = base.size
    steps = np.eye(size).reshape((size, *base.shape)) * eps
    return np.concatenate([base + steps, base - steps])


def _stacked_loss(pb: Problem, Zs: np.ndarray, target: Any) -> np.ndarray:
    """The batch loss (Eq. 26) of each of the K layers' outputs ``Zs`` (K×p×m), in one evaluation.

    The K outputs are laid side by side as K·m columns, so the per-sample loss of
    :mod:`autograd_core.layer.losses` (a float-array run of the same code the engines use) scores
    them all at once; the targets are tiled to match.
    """
    K, p, m = Zs.shape
    big = Zs.transpose(1, 0, 2).reshape(p, K * m)
    if target is None:
        tiled = None
    elif pb.loss == "squares":
        tiled = np.tile(np.asarray(target).reshape(p, m), (1, K))
    else:
        tiled = np.tile(np.asarray(target), K)
    per = np.asarray(PER_SAMPLE_LOSSES[pb.loss](big, tiled), dtype=float)
    return per.reshape(K, m).mean(axis=1)


def _fd(pb: Problem, base: np.ndarray, outputs: Callable[[np.ndarray], np.ndarray], target: Any) -> np.ndarray:
    """∂L/∂θ for every entry of θ = ``base``; ``outputs`` maps K stacked θ's to K×p×m outputs Z."""
    losses = _stacked_loss(pb, outputs(_perturbed(base, FD_EPS)), target)
    half = base.size
    return ((losses[:half] - losses[half:]) / (2 * FD_EPS)).reshape(base.shape)


def _fd_of_weights(pb: Problem) -> np.ndarray:
    """∂L/∂W of the batch by central differences, each moved weight moving one row of ``Z``.

    By Eq. 25, ``Z = W X + B``: moving ``w_ij`` by ``±eps`` moves row ``i`` of ``Z`` by ``±eps · x_j`` (row ``j``
    of ``X``) and nothing else. So the ``2·p·n`` moved outputs are ``Z`` with one row shifted, built without a
    matrix product each (the stacked ``(W ± eps E_ij) X`` was most of verify's finite differences).
    """
    W, X, b, h = pb.W, pb.X, pb.b, FD_EPS
    p, n = W.shape
    Z = W @ X + b[:, None]
    rows, cols = np.repeat(np.arange(p), n), np.tile(np.arange(n), p)  # weight k = (rows[k], cols[k])
    moved = np.repeat(Z[None], 2 * p * n, axis=0)
    k = np.arange(p * n)
    moved[k, rows] += h * X[cols]
    moved[p * n + k, rows] -= h * X[cols]
    losses = _stacked_loss(pb, moved, pb.target)
    return ((losses[: p * n] - losses[p * n:]) / (2 * h)).reshape(p, n)


def _fd_of_samples(pb: Problem) -> np.ndarray:
    """∂L/∂X by central differences, one column of samples at a time.

    By Eq. 26, ``L = (1/m) Σ_k L^(k)``, and moving ``x_j^(k)`` moves only ``z^(k)``, hence only ``L^(k)``: the
    central difference of ``L`` is that of ``L^(k)`` divided by ``m``, the other samples' terms being the same
    numbers on both sides. So each of the ``2·n·m`` perturbed inputs is one column, not a whole batch (``m``
    times less work than :func:`_fd`, and no rounding from the unchanged terms).
    """
    W, X, b, h = pb.W, pb.X, pb.b, FD_EPS
    n, m = X.shape
    cols = np.broadcast_to(X.T[None], (n, m, n)).copy()  # cols[j, k] = x^(k)
    diag = np.arange(n)
    losses = []
    for step in (h, -h):
        moved = cols.copy()
        moved[diag, :, diag] += step  # moved[j, k] = x^(k) + step·e_j
        Z = (moved @ W.T + b).reshape(n * m, -1).T  # column (j, k): z of the moved sample
        target = None if pb.target is None else np.asarray(pb.target)
        tiled = None if target is None else (np.tile(target, (1, n)) if pb.loss == "squares" else np.tile(target, n))
        losses.append(np.asarray(PER_SAMPLE_LOSSES[pb.loss](Z, tiled), dtype=float))
    return ((losses[0] - losses[1]) / (2 * h * m)).reshape(n, m)


def finite_difference_results(pb: Problem) -> dict[str, np.ndarray]:
    """Every derivative by central differences of the loss (the loss value itself is not a derivative)."""
    W, X, b, x = pb.W, pb.X, pb.b, pb.x[:, None]  # one datum as an n×1 batch
    tk = pb.target_k if pb.loss != "squares" else pb.target_k[:, None]
    one = {
        "W": _fd(pb, W, lambda Ws: Ws @ x + b[:, None], tk),
        "b": _fd(pb, b, lambda bs: (W @ x)[None] + bs[:, :, None], tk),
        "x": _fd(pb, pb.x, lambda xs: (xs @ W.T + b)[:, :, None], tk),
    }
    xs = _perturbed(pb.x, FD_EPS)
    zs = xs @ W.T + b  # K×p: z(x ± eps e_j)
    n = pb.x.size
    jac = ((zs[:n] - zs[n:]) / (2 * FD_EPS)).T  # column j = ∂z/∂x_j
    batch = {
        "W": _fd_of_weights(pb),
        "X": _fd_of_samples(pb),
        "b": _fd(pb, b, lambda bs: (W @ X)[None] + bs[:, :, None], pb.target),
    }
    return {
        "dL_dW": one["W"].T, "grad_W": one["W"], "dL_db": one["b"][None, :], "grad_b": one["b"],
        "dz_dx": jac, "dL_dx": one["x"][None, :], "grad_x": one["x"],
        "dL_dW_batch": batch["W"].T, "grad_W_batch": batch["W"], "grad_X_batch": batch["X"],
        "grad_b_batch": batch["b"],
    }


# --- the report ----------------------------------------------------------------------------------------------
@dataclass
class Row:
    """One quantity: the closed form's shape and each way's max abs difference from it.

    A difference is ``None`` when that way does not apply (finite differences of a loss value,
    or the Tensor engine when it is not installed); ``errors`` holds a way's exception text.
    """

    equation: str
    quantity: str
    shape: tuple[int, ...]
    value_diff: float | None
    tensor_diff: float | None
    fd_diff: float | None
    tol: float
    fd_tol: float
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        if self.errors:
            return False
        checks = [(self.value_diff, self.tol), (self.tensor_diff, self.tol), (self.fd_diff, self.fd_tol)]
        return all(d is None or d <= t for d, t in checks)  # NaN fails: NaN <= t is False


@dataclass
class Report:
    """What :func:`run` found; ``passed`` is True only if every row passed. ``str()`` is the table."""

    p: int
    n: int
    m: int
    seed: int
    loss: str
    tol: float
    fd_tol: float
    rows: list[Row]
    stats: dict[str, Any]

    @property
    def passed(self) -> bool:
        return all(row.passed for row in self.rows)

    @property
    def failures(self) -> list[Row]:
        return [row for row in self.rows if not row.passed]

    def __str__(self) -> str:
        return format_report(self)


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(str(s) for s in shape) if len(shape) > 1 else (f"({shape[0]},)" if shape else "scalar")


def _diff(d: float | None, error: str | None) -> str:
    if error is not None:
        return "ERROR"
    return "—" if d is None else f"{d:.1e}"


def format_report(r: Report) -> str:
    """The verify table, as printed by ``autograd-core verify``."""
    lines = [
        f"autograd-core verify: p={r.p} n={r.n} m={r.m} seed={r.seed} loss={r.loss}",
        "  W ~ N(0, 1/n) p×n, X ~ N(0, 1) n×m, b ~ N(0, 1); Z = W X + B; single datum k = 1 (column 0 of X);",
        "  batch loss L = (1/m) Σ_k L⁽ᵏ⁾ (Eq. 26). Columns: max |way − closed form| over all entries.",
        f"  Tolerance: engines {r.tol:g}; finite differences {r.fd_tol:g} × max(1, |loss|) (central, eps = {FD_EPS:g},",
        "  every entry; their rounding error grows with the loss).",
        "",
    ]
    header = (f"{'equation':<14} {'quantity':<19} {'shape':>7}  "
              f"{'Value graph':>11} {'Tensor':>9} {'finite diff':>11}  result")
    lines += [header, "-" * len(header)]
    for row in r.rows:
        lines.append(
            f"{row.equation:<14} {row.quantity:<19} {_shape(row.shape):>7}  "
            f"{_diff(row.value_diff, row.errors.get('value')):>11} "
            f"{_diff(row.tensor_diff, row.errors.get('tensor')):>9} "
            f"{_diff(row.fd_diff, row.errors.get('fd')):>11}  {'pass' if row.passed else 'FAIL'}"
        )
    lines.append("")
    s = r.stats
    if "value_seconds" in s:
        lines.append(f"scalar Value graph: {s['value_nodes']:,} nodes in the batch graph; "
                     f"{s['value_seconds']:.3f} s to build and differentiate both graphs")
    if "tensor_seconds" in s:
        lines.append(f"Tensor: {s['tensor_seconds']:.3f} s")
    for row in r.rows:
        for way, message in row.errors.items():
            lines.append(f"ERROR in {row.equation} {row.quantity} ({way}): {message}")
    n_fail = len(r.failures)
    lines.append(f"PASS: all {len(r.rows)} quantities agree" if r.passed
                 else f"FAIL: {n_fail} of {len(r.rows)} quantities disagree: "
                      + ", ".join(f"{row.equation} {row.quantity}" for row in r.failures))
    return "\n".join(lines)


def _max_abs_diff(got: Any, want: np.ndarray, way: str, key: str) -> float:
    got = np.asarray(got, dtype=float)
    if got.shape != want.shape:
        raise ValueError(f"{way} gave shape {got.shape} for {key}, the closed form has {want.shape}")
    return float(np.max(np.abs(got - want))) if want.size else 0.0


def _fd_scales(pb: Problem) -> dict[str, float]:
    """Per quantity, ``max(1, |loss|)`` for the loss whose central differences estimate it.

    Rounding in a difference quotient is about ``1e-16·|L|/ε`` (see the module docs), so an
    absolute tolerance alone would fail a correct engine once the loss is large (a wide layer
    sums thousands of squares); it is scaled by the single datum's ``L^(k)`` or the batch ``L``.
    The Jacobian of Eq. 21–22 differences ``z``, not a loss: its scale is 1.
    """
    per = CLOSED_FORM_LOSSES[pb.loss](cf.layer_forward(pb.W, pb.X, pb.b), pb.target).value
    single, batch = max(1.0, abs(float(per[SAMPLE]))), max(1.0, abs(float(per.mean())))
    return {key: (1.0 if key in ("dz_dx", "L") else batch if key.endswith("_batch") else single)
            for _, _, key in QUANTITIES}


def _attempt(errors: dict[str, str], way: str, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, Any]:
    try:
        return compute()
    except Exception as exc:  # a broken engine must show up in the table, not abort it
        errors[way] = f"{type(exc).__name__}: {exc}"
        return {}


def run(p: int = 3, n: int = 4, m: int = 5, seed: int = 0, loss: str = "squares",
        tol: float = DEFAULT_TOL, fd_tol: float = DEFAULT_FD_TOL) -> Report:
    """Compute every quantity of Eq. 15–30 four ways and compare them with the closed form.

    Returns a :class:`Report`; ``report.passed`` is the verdict and ``str(report)`` the table.
    An engine that raises is reported as an error in every row it should have filled.
    """
    for name, value in (("tol", tol), ("fd_tol", fd_tol)):
        if not (isinstance(value, int | float | np.floating) and np.isfinite(value) and value >= 0):
            raise ValueError(f"verify: {name} must be a non-negative number, got {value!r}")
    pb = make_problem(p, n, m, seed, loss)
    reference = closed_form_results(pb)
    stats: dict[str, Any] = {}
    failures: dict[str, str] = {}
    results = {"value": _attempt(failures, "value", lambda: value_results(pb, stats)),
               "tensor": _attempt(failures, "tensor", lambda: tensor_results(pb, stats))}
    results["fd"] = _attempt(failures, "fd", lambda: finite_difference_results(pb))
    rows = []
    fd_scale = _fd_scales(pb)
    for equation, quantity, key in QUANTITIES:
        want = reference[key]
        errors = {way: failures[way] for way in results if way in failures}
        diffs: dict[str, float | None] = {}
        for way, got in results.items():
            if way in errors or key not in got:
                diffs[way] = None
                continue
            try:
                diffs[way] = _max_abs_diff(got[key], want, way, key)
            except ValueError as exc:
                errors[way] = str(exc)
                diffs[way] = None
        rows.append(Row(equation, quantity, want.shape, diffs["value"], diffs.get("tensor"), diffs["fd"],
                        tol, fd_tol * fd_scale[key], errors))
    return Report(p, n, m, seed, loss, tol, fd_tol, rows, stats)
