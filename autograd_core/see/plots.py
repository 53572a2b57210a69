"""Plots of a training demo: the loss and accuracy curves, and for moons the decision boundary.

Needs matplotlib (``pip install 'autograd-core[plot]'``); imported only when a plot is asked for.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..layer.closed_form import mlp_forward
from ..learn.demos import DemoResult
from ..learn.training import History

__all__ = ["plot_demo", "plot_history"]


def _pyplot(headless: bool = False) -> Any:
    """matplotlib's pyplot; ``headless`` (writing a file from the command line) selects the Agg backend."""
    try:
        import matplotlib

        if headless:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError("plotting needs matplotlib: pip install 'autograd-core[plot]'") from err
    return plt


def plot_history(history: History, ax: Any = None, *, loss_label: str = "training loss",
                 title: str | None = None) -> Any:
    """The loss (left axis) and the accuracies (right axis) of a :class:`History`, per epoch; returns ``ax``.

    Both axes are labelled, in the colours of their curves, and one legend for all curves sits below
    the plot, where it covers none of them. ``ax``: a matplotlib axes (default: a new figure).
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    epochs = np.arange(1, history.epochs + 1)
    marker = "o" if history.epochs <= 30 else None
    ax.plot(epochs, history.loss, color="tab:blue", marker=marker, markersize=4, label=loss_label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(loss_label, color="tab:blue")
    ax.set_yscale("log" if history.loss and min(history.loss) > 0 else "linear")
    acc_ax = ax.twinx()
    acc_ax.plot(epochs, history.accuracy, color="tab:orange", label="training accuracy")
    if history.val_accuracy:
        acc_ax.plot(epochs, history.val_accuracy, color="tab:green", marker=marker, markersize=4,
                    label="held-out accuracy")
    acc_ax.set_ylabel("accuracy", color="tab:green" if history.val_accuracy else "tab:orange")
    acc_ax.set_ylim(0.0, 1.02)
    lines = ax.get_lines() + acc_ax.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc="upper center", bbox_to_anchor=(0.5, -0.2),
              ncol=len(lines), frameon=False, fontsize="small")
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_demo(result: DemoResult, path: str) -> None:
    """Save the loss curve (and accuracy) of a demo to ``path``; for moons, also the decision boundary.

    Needs matplotlib (``pip install 'autograd-core[plot]'``). The folder of ``path`` must exist
    (it is not created); a file of that name is overwritten.
    """
    plt = _pyplot(headless=True)
    panels = 2 if result.name == "moons" else 1
    fig, axes = plt.subplots(1, panels, figsize=(5.5 * panels, 4.4), squeeze=False)
    loss = {"hinge": "hinge loss + L2", "softmax_cross_entropy": "softmax cross-entropy"}.get(result.loss, "loss")
    plot_history(result.history, axes[0, 0], loss_label=loss, title=f"{result.name}: {result.model!r}")
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
