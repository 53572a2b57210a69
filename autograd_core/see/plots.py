"""Plots of a training demo: the loss and accuracy curves, and for moons the decision boundary.

Needs matplotlib (``pip install 'autograd-core[plot]'``); imported only when a plot is asked for.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..layer.closed_form import mlp_forward
from ..learn.demos import DemoResult

__all__ = ["plot_demo"]


def plot_demo(result: DemoResult, path: str) -> None:
    """Save the loss curve (and accuracy) of a demo to ``path``; for moons, also the decision boundary.

    Needs matplotlib (``pip install 'autograd-core[plot]'``). The folder of ``path`` must exist
    (it is not created); a file of that name is overwritten.
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
    model = result.model
    scores = mlp_forward(model.weights(), model.biases(), grid.T, model.activation)[-1][0].reshape(gx.shape)
    ax.contourf(gx, gy, scores > 0, levels=1, cmap="coolwarm", alpha=0.35)
    ax.contour(gx, gy, scores, levels=[0.0], colors="k", linewidths=1)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=22)
    ax.set_title(f"decision boundary (training accuracy {result.accuracy:.0%})", fontsize=9)
    ax.set_aspect("equal")
