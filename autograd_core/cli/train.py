"""``autograd-core train moons|digits``: the options, their checks, and the run."""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from ..learn.demos import train_digits, train_moons
from ..learn.training import TrainingError


def add_arguments(parser: Any) -> None:
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


def main(args: Any) -> int:
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
            from ..see.plots import plot_demo  # matplotlib: only when a plot is asked for

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
