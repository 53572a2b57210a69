"""``fit``: the training loop, for the scalar ``Value`` MLP and the ``Tensor`` MLP alike.

One step is PyTorch's ``zero_grad(); loss.backward(); step()``. Around it ``fit`` adds what makes
a run trustworthy:

* input checks before anything runs — the feature count against the model's input size, label
  values against the loss (±1 for hinge, ``0..q-1`` for softmax cross-entropy);
* a progress bar (tqdm) and a :class:`History` of loss and accuracy per epoch;
* a stop with a clear message when the loss stops being a finite number;
* ``check_every=N``: every ``N``-th step the gradients the engine produced are compared with the
  closed-form backprop of the same MLP (:func:`autograd_core.layer.closed_form.mlp_backprop`, the δ
  recursion built on Eq. 29–30) on the same batch, and training stops if they disagree.

**Layouts.** Data here is one sample per row, ``X`` of shape ``(m, n)``; the seed (and
``closed_form``) put samples in columns. Both model families store ``W_l`` as the seed does
(``p_l × n_l``), so the check passes ``X.T`` and compares ``W.grad`` with ``∇_{W_l} L`` directly.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.graph import no_grad
from ..scalar.value import Value
from . import nn
from .data import batches, load_digits, make_moons, train_test_split
from .optim import SGD, Adam, Optimizer, linear_decay

__all__ = [
    "DemoResult",
    "GradientCheckError",
    "History",
    "NonFiniteLossError",
    "TrainingError",
    "accuracy",
    "check_gradients",
    "fit",
    "plot_demo",
    "predict",
    "train_digits",
    "train_moons",
]


class TrainingError(RuntimeError):
    """Training stopped because continuing would produce garbage."""


class NonFiniteLossError(TrainingError, FloatingPointError):
    """The loss became NaN or infinite."""


class GradientCheckError(TrainingError):
    """The engine's gradients disagree with the closed-form backprop of the same MLP."""


@dataclass
class History:
    """What :func:`fit` recorded, one entry per epoch (``val_accuracy`` only with validation data).

    ``accuracy`` is the training accuracy of the predictions made *during* the epoch (before each
    batch's update), which costs nothing extra; :func:`accuracy` after training gives the final one.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    steps: int = 0
    checks: int = 0  # gradient checks passed
    max_check_error: float = 0.0  # the largest |engine - closed form| seen in those checks
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        return len(self.loss)


Callback = Callable[[int, History], Any]


def fit(
    model: nn.Module,
    X: Any,
    y: Any,
    *,
    loss: str = "softmax_cross_entropy",
    optimizer: Optimizer | None = None,
    epochs: int = 10,
    batch_size: int | None = None,
    l2: float = 0.0,
    validation: tuple[Any, Any] | None = None,
    callback: Callback | None = None,
    check_every: int | None = None,
    check_tol: float = 1e-6,
    progress: bool = True,
    seed: int | None = None,
) -> History:
    """Train ``model`` on rows ``X`` (shape ``(m, n)``) with labels or targets ``y``.

    Args:
        model: an :class:`~autograd_core.learn.nn.MLP` (``Value``) or :class:`~autograd_core.learn.nn.TensorMLP`,
            or any :class:`~autograd_core.learn.nn.Module` with ``nin``, ``nout`` and ``scores(X)``.
        loss: ``"mse"`` (targets ``(m,)`` or ``(m, q)``), ``"hinge"`` (labels ±1, one output) or
            ``"softmax_cross_entropy"`` (alias ``"cross_entropy"``; labels ``0..q-1``).
        optimizer: defaults to ``Adam(model.parameters(), lr=1e-2)``.
        epochs: passes over the data. batch_size: ``None`` for full-batch steps.
        l2: adds ``l2 · Σ θ²`` over all parameters to the loss (micrograd's regularisation).
        validation: ``(X_val, y_val)`` evaluated after every epoch into ``history.val_accuracy``.
        callback: ``callback(epoch, history)`` after every epoch; returning ``True`` stops training.
        check_every: every ``N``-th step (counting from the first), compare the model's gradients
            with ``closed_form.mlp_backprop`` on the same batch; raise :class:`GradientCheckError` if
            any entry differs by more than ``check_tol · (1 + |closed form|)``.
        progress: show a tqdm progress bar (on stderr).
        seed: shuffles the batches (``None``: fresh randomness; full batches are never shuffled).

    Returns:
        The :class:`History`.

    Raises:
        ValueError: wrong feature count, label values the loss cannot take, bad arguments.
        NonFiniteLossError: the loss became NaN or ±inf; the message names the step.
        GradientCheckError: see ``check_every``.
    """
    loss = nn.loss_name(loss)
    X, y = _check_data(model, X, y, loss, "training data")
    if validation is not None:
        validation = _check_data(model, validation[0], validation[1], loss, "validation data")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive integer, got {epochs!r}")
    bad_check = isinstance(check_every, bool) or not isinstance(check_every, int) or check_every < 1
    if check_every is not None and bad_check:
        raise ValueError(f"fit: check_every must be a positive integer or None, got {check_every!r}")
    if check_every is not None:
        _require_mlp(model)
    if not (l2 >= 0 and math.isfinite(l2)):
        raise ValueError(f"fit: l2 must be a finite number >= 0, got {l2!r}")
    optimizer = optimizer if optimizer is not None else Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.loss_function(loss)
    rng = np.random.default_rng(seed) if batch_size is not None and batch_size < len(X) else None
    history = History()
    start = time.perf_counter()
    bar = _progress(epochs, progress)
    try:
        for epoch in range(epochs):
            total, correct = 0.0, 0
            for idx in batches(len(X), batch_size, rng=rng):
                Xb, yb = X[idx], y[idx]
                scores = model.scores(Xb)
                objective = loss_fn(scores, yb)
                if l2:
                    objective = objective + _penalty(model.parameters(), l2)
                value = float(np.asarray(objective.data))
                history.steps += 1
                if not math.isfinite(value):
                    raise NonFiniteLossError(
                        f"the loss became {value} at step {history.steps} (epoch {epoch + 1}, a batch of {len(idx)} "
                        f"samples); training stopped. Try a smaller learning rate (it was {optimizer.lr:g})."
                    )
                optimizer.zero_grad()
                objective.backward()
                if check_every is not None and (history.steps - 1) % check_every == 0:
                    err = check_gradients(model, Xb, yb, loss=loss, l2=l2, tol=check_tol, step=history.steps)
                    history.checks += 1
                    history.max_check_error = max(history.max_check_error, err)
                optimizer.step()
                total += value * len(idx)
                correct += int(np.sum(_predictions(_scores_array(scores), loss) == _truth(yb, loss)))
            history.loss.append(total / len(X))
            history.accuracy.append(correct / len(X))
            history.lr.append(optimizer.lr)
            if validation is not None:
                history.val_accuracy.append(accuracy(model, *validation, loss=loss))
            _update_bar(bar, history)
            if callback is not None and callback(epoch, history) is True:
                break
    finally:
        history.seconds = time.perf_counter() - start
        if bar is not None:
            bar.close()
    return history


# --- evaluation ----------------------------------------------------------------------------------
def predict(model: nn.Module, X: Any, *, loss: str = "softmax_cross_entropy") -> np.ndarray:
    """Class predictions for rows ``X``: ``argmax`` of the scores for cross-entropy (and for mse with
    several outputs), the sign (±1) of the single score for hinge and one-output mse.
    """
    loss = nn.loss_name(loss)
    X = _check_features(model, X, "predict")
    with no_grad():  # predictions are never differentiated: record no graph
        scores = model.scores(X)
    return _predictions(_scores_array(scores), loss)


def accuracy(model: nn.Module, X: Any, y: Any, *, loss: str = "softmax_cross_entropy") -> float:
    """The fraction of rows of ``X`` whose prediction (:func:`predict`) matches ``y``.

    For mse, ``y`` of shape ``(m, q)`` is compared by argmax (one-hot targets), ``(m,)`` by sign.
    """
    loss = nn.loss_name(loss)
    X, y = _check_data(model, X, y, loss, "evaluation data")
    return float(np.mean(predict(model, X, loss=loss) == _truth(y, loss)))


def _scores_array(scores: Any) -> np.ndarray:
    """The model's output as a float array ``(m, q)``, whichever engine produced it."""
    if hasattr(scores, "data") and not isinstance(scores, list):
        s = np.asarray(scores.data, dtype=float)
    else:
        s = np.array([[v.data for v in row] if isinstance(row, (list, tuple)) else [row.data] for row in scores])
    return s.reshape(len(s), -1)


def _predictions(s: np.ndarray, loss: str) -> np.ndarray:
    if s.shape[1] == 1 and loss in ("hinge", "mse"):
        return np.where(s[:, 0] > 0, 1, -1)
    return np.argmax(s, axis=1)


def _truth(y: np.ndarray, loss: str) -> np.ndarray:
    if loss == "mse":
        return np.argmax(y, axis=1) if y.ndim == 2 and y.shape[1] > 1 else np.where(y.reshape(-1) > 0, 1, -1)
    return y


# --- the gradient check --------------------------------------------------------------------------
def check_gradients(
    model: nn.Module,
    X: Any,
    y: Any,
    *,
    loss: str,
    l2: float = 0.0,
    tol: float = 1e-6,
    step: int | None = None,
) -> float:
    """Compare the gradients now held by ``model``'s parameters with closed-form backprop.

    Call it right after ``backward()`` on the loss of ``(X, y)`` (rows, as ``fit`` uses them).
    The reference is :func:`autograd_core.layer.closed_form.mlp_backprop` on ``X.T`` (samples as
    columns) with the model's current ``W_l``, ``b_l`` and activation, plus ``2 · l2 · θ`` for
    the penalty. Entry by entry, ``|engine - closed form| <= tol · (1 + |closed form|)``.

    Returns:
        The largest absolute difference found.

    Raises:
        GradientCheckError: naming the step, the layer and parameter, the worst entry and both values.
    """
    from ..layer.closed_form import mlp_backprop

    _require_mlp(model)
    loss = nn.loss_name(loss)
    X = np.asarray(X, dtype=float)
    weights, biases = model.weights(), model.biases()
    targets = np.asarray(y, dtype=float).T if loss == "mse" else np.asarray(y)
    reference = mlp_backprop(weights, biases, X.T, targets, model.activation, loss)
    worst = 0.0
    where = f" at step {step}" if step is not None else ""
    for layer, (W, b, gW, gb, rW, rb) in enumerate(
        zip(weights, biases, model.weight_grads(), model.bias_grads(), reference.grad_weights, reference.grad_biases,
            strict=True)
    ):
        for name, theta, engine, ref in (("W", W, gW, rW), ("b", b, gb, rb)):
            expected = np.asarray(ref, dtype=float).reshape(theta.shape) + 2.0 * l2 * theta
            diff = np.abs(engine - expected)
            if not np.all(diff <= tol * (1.0 + np.abs(expected))):
                bad = np.unravel_index(np.argmax(diff - tol * (1.0 + np.abs(expected))), diff.shape)
                entry = ",".join(map(str, bad))
                raise GradientCheckError(
                    f"gradient check failed{where}: layer {layer + 1} {name}[{entry}]: the engine's gradient is "
                    f"{engine[bad]:.10g} but closed-form backprop (δ recursion, Eq. 29-30) gives {expected[bad]:.10g} "
                    f"(|difference| {diff[bad]:.3g} > tolerance {tol * (1.0 + abs(expected[bad])):.3g}). "
                    f"The model's derivative rules or layers do not compute the MLP they claim to be "
                    f"({type(model).__name__} {'-'.join(map(str, model.sizes))}, activation {model.activation!r})."
                )
            worst = max(worst, float(diff.max(initial=0.0)))
    return worst


def _require_mlp(model: Any) -> None:
    needed = ("weights", "biases", "weight_grads", "bias_grads", "activation", "sizes")
    missing = [name for name in needed if not hasattr(model, name)]
    if missing:
        raise TypeError(
            f"the gradient check compares an MLP with closed-form backprop; {type(model).__name__} lacks "
            f"{', '.join(missing)} (use nn.MLP or nn.TensorMLP)"
        )


# --- input checks ----------------------------------------------------------------------------------
def _check_features(model: Any, X: Any, what: str) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    nin = model.nin
    if X.ndim != 2:
        raise ValueError(f"{what}: expected X of shape (samples, {nin}), one sample per row; got shape {X.shape}")
    if X.shape[1] != nin:
        raise ValueError(
            f"{what}: the model expects {nin} features per sample, but X has {X.shape[1]} (X has shape {X.shape})"
        )
    if X.shape[0] == 0:
        raise ValueError(f"{what}: X has no samples (shape {X.shape})")
    if not np.all(np.isfinite(X)):
        row = np.argwhere(~np.isfinite(X))[0][0]
        raise ValueError(f"{what}: X contains NaN or infinite values (first at row {row})")
    return X


def _check_data(model: Any, X: Any, y: Any, loss: str, what: str) -> tuple[np.ndarray, np.ndarray]:
    X = _check_features(model, X, what)
    y = np.asarray(y)
    m, q = X.shape[0], model.nout
    if y.shape[:1] != (m,):
        raise ValueError(f"{what}: X has {m} samples but y has shape {y.shape} (expected {m} labels or targets)")
    if loss == "hinge":
        if q != 1:
            raise ValueError(f"{what}: the hinge loss needs a model with 1 output, this one has {q}")
        bad = y.ndim != 1 or not np.all(np.isin(y, (-1, 1)))
        if bad:
            found = np.unique(y).tolist() if y.size <= 10_000 else "other values"
            raise ValueError(f"{what}: hinge-loss labels must be -1 or +1, got values {found}")
        return X, y.astype(np.int64)
    if loss == "softmax_cross_entropy":
        if y.ndim != 1 or not (np.issubdtype(y.dtype, np.integer) or np.all(np.mod(y, 1) == 0)):
            raise ValueError(f"{what}: cross-entropy labels must be integers 0..{q - 1} (shape ({m},)), "
                             f"got dtype {y.dtype}, shape {y.shape}")
        if y.min() < 0 or y.max() >= q:
            raise ValueError(
                f"{what}: the model has {q} outputs, so labels must be in 0..{q - 1}; "
                f"got labels from {y.min()} to {y.max()}"
            )
        return X, y.astype(np.int64)
    expected = (m,) if q == 1 else (m, q)
    if y.shape != expected and not (q == 1 and y.shape == (m, 1)):
        raise ValueError(f"{what}: mse targets must have shape {expected} for a model with {q} outputs, got {y.shape}")
    y = y.astype(float)
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{what}: mse targets contain NaN or infinite values")
    return X, y.reshape(expected)


# --- helpers ---------------------------------------------------------------------------------------
def _penalty(params: list[Any], l2: float) -> Any:
    total = None
    for p in params:
        sq = p * p
        term = sq if isinstance(sq, Value) else sq.sum()
        total = term if total is None else total + term
    return total * l2


def _progress(epochs: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=epochs, unit="epoch", leave=True, dynamic_ncols=True)


def _update_bar(bar: Any, history: History) -> None:
    if bar is None:
        return
    postfix = {"loss": f"{history.loss[-1]:.4f}", "acc": f"{history.accuracy[-1]:.3f}"}
    if history.val_accuracy:
        postfix["val_acc"] = f"{history.val_accuracy[-1]:.3f}"
    bar.set_postfix(postfix, refresh=False)
    bar.update(1)


# --- the two demos (the CLI's `train` subcommand and the tests run these) -------------------------
@dataclass
class DemoResult:
    """A finished demo: the trained model, its history, the accuracy that counts, and the data."""

    name: str
    model: nn.Module
    history: History
    accuracy: float  # moons: training accuracy; digits: accuracy on the held-out test quarter
    target: float
    X: np.ndarray  # the data the accuracy is measured on
    y: np.ndarray
    loss: str

    @property
    def reached(self) -> bool:
        return self.accuracy >= self.target


def train_moons(
    *,
    n_samples: int = 100,
    hidden: tuple[int, ...] = (16, 16),
    epochs: int = 100,
    noise: float = 0.1,
    seed: int = 1,
    check_every: int | None = None,
    progress: bool = True,
) -> DemoResult:
    """micrograd's demo on our scalar engine: a ``Value`` MLP 2-16-16-1 (relu) on 100 moons points.

    Hinge loss with labels ±1, L2 penalty ``1e-4 · Σ θ²``, full-batch SGD with the learning rate
    decaying linearly from 1.0 to 0.1. Target: 100 % training accuracy.
    """
    X, y01 = make_moons(n_samples, noise=noise, seed=seed)
    y = 2 * y01 - 1
    model = nn.MLP(2, [*hidden, 1], activation="relu", seed=seed)
    optimizer = SGD(model.parameters(), lr=linear_decay(1.0, 0.1, epochs))
    history = fit(model, X, y, loss="hinge", optimizer=optimizer, epochs=epochs, l2=1e-4,
                  check_every=check_every, progress=progress)
    return DemoResult("moons", model, history, accuracy(model, X, y, loss="hinge"), 1.0, X, y, "hinge")


def train_digits(
    *,
    hidden: tuple[int, ...] = (64,),
    epochs: int = 30,
    batch_size: int = 64,
    lr: float = 1e-2,
    seed: int = 0,
    check_every: int | None = None,
    progress: bool = True,
) -> DemoResult:
    """The vectorized engine on real data: a ``Tensor`` MLP 64-64-10 (tanh) on the UCI digits.

    A stratified quarter (450 images) is held out; the model trains on the rest with softmax
    cross-entropy and Adam in mini-batches of 64. Target: ≥ 95 % accuracy on the held-out quarter.
    """
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=seed)
    model = nn.TensorMLP(64, [*hidden, 10], activation="tanh", seed=seed)
    optimizer = Adam(model.parameters(), lr=lr)
    history = fit(model, X_train, y_train, loss="softmax_cross_entropy", optimizer=optimizer, epochs=epochs,
                  batch_size=batch_size, validation=(X_test, y_test), check_every=check_every, progress=progress,
                  seed=seed)
    test_acc = accuracy(model, X_test, y_test, loss="softmax_cross_entropy")
    return DemoResult("digits", model, history, test_acc, 0.95, X_test, y_test, "softmax_cross_entropy")


def plot_demo(result: DemoResult, path: str) -> None:
    """Save the loss curve (and accuracy) of a demo to ``path``; for moons, also the decision boundary.

    Needs matplotlib (``pip install 'autograd-core[plot]'``).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError("--plot needs matplotlib: pip install 'autograd-core[plot]'") from err
    h = result.history
    panels = 2 if result.name == "moons" else 1
    fig, axes = plt.subplots(1, panels, figsize=(5.5 * panels, 4.2), squeeze=False)
    ax = axes[0, 0]
    epochs = np.arange(1, h.epochs + 1)
    ax.plot(epochs, h.loss, color="tab:blue", label="training loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_yscale("log" if min(h.loss) > 0 else "linear")
    acc_ax = ax.twinx()
    acc_ax.plot(epochs, h.accuracy, color="tab:orange", label="training accuracy")
    if h.val_accuracy:
        acc_ax.plot(epochs, h.val_accuracy, color="tab:green", label="test accuracy")
    acc_ax.set_ylabel("accuracy")
    acc_ax.set_ylim(0.0, 1.02)
    lines = ax.get_lines() + acc_ax.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc="center right")
    ax.set_title(f"{result.name}: {result.model!r}", fontsize=9)
    if result.name == "moons":
        _plot_boundary(axes[0, 1], result)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_boundary(ax: Any, result: DemoResult, resolution: int = 40) -> None:
    X, y = result.X, result.y
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    # The trained weights through numpy's forward pass (the same function: the tests check that the
    # engines agree with it); building a scalar graph for every grid point would take seconds.
    from ..layer.closed_form import mlp_forward

    model = result.model
    scores = mlp_forward(model.weights(), model.biases(), grid.T, model.activation)[-1][0].reshape(gx.shape)
    ax.contourf(gx, gy, scores > 0, levels=1, cmap="coolwarm", alpha=0.35)
    ax.contour(gx, gy, scores, levels=[0.0], colors="k", linewidths=1)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=22)
    ax.set_title(f"decision boundary (training accuracy {result.accuracy:.0%})", fontsize=9)
    ax.set_aspect("equal")


# --- `autograd-core train` --------------------------------------------------------------------------
def add_train_arguments(parser: Any) -> None:
    """The options of ``autograd-core train`` (registered by :mod:`autograd_core.cli.app`)."""
    parser.add_argument("demo", choices=("moons", "digits"), metavar="{moons,digits}",
                        help="moons: Value MLP 2-16-16-1 on 100 two-moons points (target 100%% training accuracy); "
                        "digits: Tensor MLP 64-64-10 on the UCI digits (target >= 95%% on a held-out quarter)")
    parser.add_argument("--epochs", type=_positive_int, default=None,
                        help="passes over the data (moons 100, digits 30)")
    parser.add_argument("--hidden", type=_sizes, default=None, metavar="N[,N...]",
                        help="hidden layer sizes (moons 16,16; digits 64)")
    parser.add_argument("--samples", type=_positive_int, default=None,
                        help="moons only: number of points, at least 2 (default 100)")
    parser.add_argument("--lr", type=_positive_float, default=None,
                        help="digits only: Adam's learning rate (default 0.01)")
    parser.add_argument("--seed", type=_seed, default=None, help="data and initialisation seed (moons 1, digits 0)")
    parser.add_argument("--check-every", type=_positive_int, default=None, metavar="N",
                        help="every N steps, compare the gradients with closed-form backprop; stop if they disagree")
    parser.add_argument("--plot", metavar="PATH", default=None,
                        help="save the loss curve (and for moons the decision boundary) as a .png, .svg or .pdf "
                        "image; needs matplotlib")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


PLOT_FORMATS = ("png", "svg", "pdf")


def _check_train_options(args: Any) -> str | None:
    """The first problem with the options that training would only hit later (or silently ignore), or None."""
    if args.demo == "digits" and args.samples is not None:
        return "--samples applies to moons only (digits always uses the 1,797 images shipped with the package)"
    if args.demo == "moons" and args.lr is not None:
        return "--lr applies to digits only (moons uses SGD with the learning rate decaying from 1.0 to 0.1)"
    if args.demo == "moons" and args.samples is not None and args.samples < 2:
        return f"--samples must be at least 2 (one point per moon), got {args.samples}"
    if args.plot is not None:
        suffix = Path(args.plot).suffix.lower().lstrip(".")
        if suffix not in PLOT_FORMATS:
            return f"--plot {args.plot}: use a .png, .svg or .pdf file name"
        parent = next((d for d in Path(args.plot).resolve().parents if d.exists()), Path("."))
        if not parent.is_dir() or not os.access(parent, os.W_OK):
            return f"--plot {args.plot}: cannot write into {parent}"
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            return "--plot needs matplotlib: pip install 'autograd-core[plot]'"
    return None


def main_train(args: Any) -> int:
    """Run a demo from parsed arguments; exit status 0 when it reached its target accuracy, 1 if not.

    Bad options are one line on stderr and exit status 2, before training starts.
    """
    problem = _check_train_options(args)
    if problem is not None:
        print(f"autograd-core train: error: {problem}", file=sys.stderr)
        return 2
    options: dict[str, Any] = {"check_every": args.check_every, "progress": not args.no_progress}
    for name in ("epochs", "hidden", "seed"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    start = time.perf_counter()
    try:
        if args.demo == "moons":
            samples = 100 if args.samples is None else args.samples
            print(f"moons: Value MLP 2-{'-'.join(map(str, options.get('hidden', (16, 16))))}-1 (relu), "
                  f"{samples} points, hinge loss + L2 1e-4, full-batch SGD lr 1.0 -> 0.1")
            result = train_moons(n_samples=samples, **options)
            what = "training accuracy"
        else:
            lr = 1e-2 if args.lr is None else args.lr
            print(f"digits: Tensor MLP 64-{'-'.join(map(str, options.get('hidden', (64,))))}-10 (tanh), "
                  "1,797 UCI images, 3/4 train, 1/4 held out; softmax cross-entropy, "
                  f"Adam lr {lr:g}, batches of 64")
            result = train_digits(lr=lr, **options)
            what = "test accuracy (held-out quarter)"
    except (TrainingError, ValueError) as err:
        print(f"autograd-core train: error: {err}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    h = result.history
    print(f"{result.model!r}: {result.model.n_parameters()} parameters, {h.epochs} epochs, {h.steps} steps")
    if h.checks:
        print(f"gradient check: {h.checks} checks against closed-form backprop passed "
              f"(largest |difference| {h.max_check_error:.2e})")
    verdict = "reached" if result.reached else "NOT reached"
    print(f"final {what}: {result.accuracy:.1%} (target {result.target:.0%}: {verdict}); wall time {seconds:.1f} s")
    if args.plot is not None:
        try:
            plot_demo(result, args.plot)
        except OSError as err:
            print(f"autograd-core train: error: cannot write {args.plot}: {err.strerror or err}", file=sys.stderr)
            return 1
        print(f"plot saved to {args.plot}")
    return 0 if result.reached else 1


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers separated by commas, e.g. 16,16; got {text!r}")
    return sizes
