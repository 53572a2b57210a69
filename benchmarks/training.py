"""Section g: the training loop -- ``autograd-core train moons`` against micrograd's own demo loop, per step.

Both train the same model on the same points for the same steps: an MLP 2-16-16-1 (relu) on 100 two-moons
points (``autograd_core.learn.data.make_moons``, noise 0.1, seed 1), the hinge loss ``mean(relu(1 − y·score))``
plus ``1e-4 · Σ p²``, full-batch SGD with the learning rate decaying linearly from 1.0 to 0.1.

* **autograd-core**: ``autograd_core.learn.demos.train_moons`` -- what ``autograd-core train moons`` runs:
  ``fit`` with its progress bar off (the library's loop: it pauses the cyclic garbage collector and restores
  it after).
* **micrograd**: the loop of micrograd 0.1.0's ``demo.ipynb``, written out here: score every point, the loss,
  ``zero_grad()``, ``backward()``, the SGD update of every parameter.

The full run times the whole 100 steps of both (micrograd's take minutes: its graphs are webs of reference
cycles, and the cyclic collector's passes grow as a run goes on, so a few steps would flatter it). Each
function here runs inside a worker process of ``run.py``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

POINTS, NOISE, SEED, ALPHA = 100, 0.1, 1, 1e-4


def _moons(points: int) -> tuple[np.ndarray, np.ndarray]:
    from autograd_core.learn.data import make_moons

    X, y01 = make_moons(points, noise=NOISE, seed=SEED)
    return X, 2 * y01 - 1


def measure_training(contender: str, steps: int, points: int = POINTS) -> dict[str, Any]:
    """The per-step CPU and wall time of ``steps`` training steps of one contender, in this process."""
    run = {"autograd-core": _ours, "micrograd": _micrograd}[contender]
    _import(contender)  # not timed: a training script has imported its engine before it trains
    cpu, wall = time.process_time(), time.perf_counter()
    accuracy = run(steps, points)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"cpu": cpu / steps, "wall": wall / steps, "accuracy": accuracy, "steps": steps}


def _import(contender: str) -> None:
    if contender == "micrograd":
        import micrograd.nn  # noqa: F401
    else:
        import autograd_core.learn.demos  # noqa: F401
    _moons(2)


def _ours(steps: int, points: int) -> float:
    from autograd_core.learn.demos import train_moons

    return float(train_moons(n_samples=points, epochs=steps, seed=SEED, progress=False).accuracy)


def _micrograd(steps: int, points: int) -> float:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    X, y = _moons(points)
    model = MLP(2, [16, 16, 1])
    correct = 0
    for k in range(steps):
        scores = [model([Value(float(a)), Value(float(b))]) for a, b in X]
        losses = [(1 + -float(yi) * s).relu() for yi, s in zip(y, scores, strict=True)]
        total = sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in model.parameters())
        model.zero_grad()
        total.backward()
        lr = 1.0 - 0.9 * k / steps
        for p in model.parameters():
            p.data -= lr * p.grad
        correct = sum((yi > 0) == (s.data > 0) for yi, s in zip(y, scores, strict=True))
    return correct / len(y)
