"""The two training demos: micrograd's moons on the scalar engine, the UCI digits on the Tensor engine.

``autograd-core train moons|digits`` runs these; :func:`autograd_core.see.plots.plot_demo` draws their
loss curves and the moons decision boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import nn
from .data import load_digits, make_moons, train_test_split
from .optim import SGD, Adam, linear_decay
from .training import History, accuracy, fit

__all__ = ["DemoResult", "train_digits", "train_moons"]


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
