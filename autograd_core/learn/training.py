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

import gc
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine.graph import no_grad
from ..layer.losses import class_labels, sign_labels
from ..scalar.value import Value
from ..tensor.tensor import Tensor
from . import nn
from .data import batches
from .optim import Adam, Optimizer

__all__ = [
    "GradientCheckError",
    "History",
    "NonFiniteLossError",
    "TrainingError",
    "accuracy",
    "check_gradients",
    "fit",
    "predict",
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
StepCallback = Callable[[int, float], Any]


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
    step_callback: StepCallback | None = None,
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
        step_callback: ``step_callback(step, loss)`` after every optimizer step (``step`` counts from 1,
            ``loss`` is that batch's loss as a float; the parameters hold the updated data and the grads
            of that step); returning ``True`` stops training. A
            :class:`~autograd_core.see.explore.Recorder` fits either hook.
        check_every: every ``N``-th step (counting from the first), compare the model's gradients
            with ``closed_form.mlp_backprop`` on the same batch; raise :class:`GradientCheckError` if
            any entry differs by more than ``check_tol · (1 + |closed form|)``.
        progress: show a tqdm progress bar (on stderr).

    Python's cyclic garbage collector is paused during the loop (the graphs have no cycles and are freed
    by reference counting) and restored when ``fit`` returns or raises.
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
    collecting = gc.isenabled()
    # The graphs of this loop hold no reference cycles (a node refers only to its operands), so they are freed
    # by reference counting as each step ends; the cyclic collector would only re-scan them, which took 29 %
    # of `train moons`. It is paused for the loop and restored after, also on error or Ctrl-C.
    gc.disable()
    try:
        stopped = False
        for epoch in range(epochs):
            total, correct, seen = 0.0, 0, 0
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
                _backward(objective)
                if check_every is not None and (history.steps - 1) % check_every == 0:
                    err = check_gradients(model, Xb, yb, loss=loss, l2=l2, tol=check_tol, step=history.steps)
                    history.checks += 1
                    history.max_check_error = max(history.max_check_error, err)
                optimizer.step()
                total += value * len(idx)
                seen += len(idx)
                correct += int(np.sum(_predictions(_scores_array(scores), loss) == _truth(yb, loss)))
                if step_callback is not None and step_callback(history.steps, value) is True:
                    stopped = True
                    break
            history.loss.append(total / seen)  # a stopped epoch records the batches it ran
            history.accuracy.append(correct / seen)
            history.lr.append(optimizer.lr)
            if validation is not None:
                history.val_accuracy.append(accuracy(model, *validation, loss=loss))
            _update_bar(bar, history)
            halt = callback is not None and callback(epoch, history) is True
            if stopped or halt:
                break
    finally:
        if collecting:
            gc.enable()
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
        return X, sign_labels(y, what)
    if loss == "softmax_cross_entropy":
        return X, class_labels(y, q, m, f"{what} (a model with {q} outputs)")
    expected = (m,) if q == 1 else (m, q)
    if y.shape != expected and not (q == 1 and y.shape == (m, 1)):
        raise ValueError(f"{what}: mse targets must have shape {expected} for a model with {q} outputs, got {y.shape}")
    y = y.astype(float)
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{what}: mse targets contain NaN or infinite values")
    return X, y.reshape(expected)


# --- helpers ---------------------------------------------------------------------------------------
def _backward(objective: Value | Tensor) -> None:
    """The step's backward pass. A Tensor loss lets go of its graph as the sweep goes (``retain_graph=False``,
    as PyTorch's default): nothing reads this step's graph again, and the forward values are freed as soon
    as they are used, the memory a training step peaks at. A scalar graph is freed when the step ends."""
    if isinstance(objective, Tensor):
        objective.backward(retain_graph=False)
    else:
        objective.backward()


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
