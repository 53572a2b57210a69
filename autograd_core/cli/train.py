"""``autograd-core train moons|digits``: the options, their checks, and the run."""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..learn.demos import train_digits, train_moons
from ..learn.training import TrainingError
from .messages import OutputPathError, check_output_file, clip, quote

# --- resource bounds ------------------------------------------------------------------------------------------
# A run the command accepts must fit in MEMORY_BUDGET (as verify's limits do) and should end within TIME_BUDGET
# on an ordinary machine. The costs below were measured on this project's 2-core machine (memory with
# tracemalloc, time as wall time of a few runs) and rounded up; the checks run before any data is made.
MEMORY_BUDGET = 2 * 1024**3  # bytes
TIME_BUDGET = 30 * 60  # seconds
# moons, the scalar Value engine, full batch: one epoch's graph holds about
#     nodes = samples · (2·weights + 2·units + 5)
# (a product and a sum per weight, a bias sum and an activation per unit, the hinge loss), all alive until
# backward() ends; a node with its float and its place in the sweep takes about 200 bytes, and an epoch costs
# about 3 µs per node (forward, backward, update): the default 2-16-16-1 on 100 points is 67,900 nodes,
# 14 MB and 0.2 s per epoch.
BYTES_PER_NODE = 200
SECONDS_PER_NODE = 3e-6
# digits, the Tensor engine: 1,797 images, 1,347 of them trained on in steps of 64. Per parameter, float64
# value, gradient, Adam's two moments and the update's temporaries: 16 × 8 bytes. Per image and hidden unit,
# the activations of the forward and backward passes over the whole set (accuracy is measured on all of it):
# 4 × 8 bytes. An epoch costs about 4 ns per image and parameter (one multiply-add forward, two backward,
# BLAS) plus about 200 µs per layer and step (numpy's per-call overhead).
DIGITS_IMAGES, DIGITS_TRAIN, DIGITS_BATCH = 1797, 1347, 64
BYTES_PER_PARAMETER = 16 * 8
BYTES_PER_ACTIVATION = 4 * 8
SECONDS_PER_IMAGE_PARAMETER = 4e-9
SECONDS_PER_LAYER_STEP = 2e-4



def moons_nodes(samples: int, hidden: tuple[int, ...]) -> int:
    """The scalar nodes of one moons epoch: ``samples · (2·weights + 2·units + 5)`` (see the costs above)."""
    widths = (2, *hidden, 1)
    weights = sum(a * b for a, b in itertools.pairwise(widths))
    return samples * (2 * weights + 2 * sum(widths[1:]) + 5)


def estimate(demo: str, hidden: tuple[int, ...], epochs: int, samples: int = 100) -> tuple[int, float]:
    """``(bytes, seconds)`` a run would need, from the measured costs above; exact integers, never overflowing."""
    if demo == "moons":
        nodes = moons_nodes(samples, hidden)
        return nodes * BYTES_PER_NODE, nodes * epochs * SECONDS_PER_NODE
    widths = (64, *hidden, 10)
    parameters = sum(a * b + b for a, b in itertools.pairwise(widths))
    memory = parameters * BYTES_PER_PARAMETER + DIGITS_IMAGES * sum(hidden) * BYTES_PER_ACTIVATION
    steps = -(-DIGITS_TRAIN // DIGITS_BATCH)
    seconds = epochs * (DIGITS_IMAGES * parameters * SECONDS_PER_IMAGE_PARAMETER
                        + steps * (len(widths) - 1) * SECONDS_PER_LAYER_STEP)
    return memory, seconds


def _largest(fits) -> int:
    """The largest n >= 0 with ``fits(n)`` true, for a ``fits`` that is true up to a point and false after."""
    low, high = 0, 1
    while fits(high):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


def _within(demo: str, hidden: tuple[int, ...], epochs: int, samples: int = 100) -> bool:
    memory, seconds = estimate(demo, hidden, epochs, samples)
    return memory <= MEMORY_BUDGET and seconds <= TIME_BUDGET


def limits_help() -> str:
    """The limits as ``--help`` states them, with the largest runs they admit worked out."""
    runs = _largest(lambda n: _within("moons", (16, 16), n, 1))  # samples × epochs: the time limit
    samples = _largest(lambda n: _within("moons", (16, 16), 1, n))  # the memory limit
    width = _largest(lambda n: _within("digits", (n,), 30))
    digits_epochs = _largest(lambda n: _within("digits", (64,), n))
    return (
        f"Limits, checked before any work: a run must fit in {MEMORY_BUDGET / 1024**3:g} GiB of memory and an "
        f"estimated {TIME_BUDGET // 60} minutes. moons keeps one epoch's scalar graph: samples × (2·weights + "
        f"2·units + 5) nodes of about {BYTES_PER_NODE} bytes, about {SECONDS_PER_NODE * 1e6:g} µs per node and "
        f"epoch (so 2-16-16-1 takes at most {samples:,} points, and samples × epochs at most {runs:,}, e.g. "
        f"{runs // 100:,} points for 100 epochs). digits needs {BYTES_PER_PARAMETER} bytes per parameter and "
        f"{BYTES_PER_ACTIVATION} per image and hidden unit, and about {SECONDS_PER_IMAGE_PARAMETER * 1e9:g} ns "
        "per image, parameter and epoch (so one "
        f"hidden layer of at most {width:,} units at 30 epochs, or {digits_epochs:,} epochs of 64-64-10)."
    )


def check_budget(demo: str, hidden: tuple[int, ...], epochs: int, samples: int) -> str | None:
    """The one-line refusal of a run beyond :data:`MEMORY_BUDGET` or :data:`TIME_BUDGET`, or None."""
    memory, seconds = estimate(demo, hidden, epochs, samples)
    shape = f"{'2' if demo == 'moons' else '64'}-{'-'.join(map(str, hidden))}-{'1' if demo == 'moons' else '10'}"
    what = (f"{demo} with {clip(shape, 60)}" + (f" on {samples:,} points" if demo == "moons" else "")
            + f" for {epochs:,} epochs")
    if memory > MEMORY_BUDGET:
        return (f"{what} would need about {_bytes(memory)} of memory (limit {_bytes(MEMORY_BUDGET)}); use a "
                f"smaller --hidden{' or --samples' if demo == 'moons' else ''} (see --help for the limits)")
    if seconds > TIME_BUDGET:
        return (f"{what} would take about {_duration(seconds)} (limit {TIME_BUDGET // 60} minutes); use fewer "
                f"--epochs or a smaller --hidden{' or --samples' if demo == 'moons' else ''} "
                "(see --help for the limits)")
    return None


def _bytes(n: float) -> str:
    for unit, size in (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2)):
        if n >= size:
            return f"{n / size:,.3g} {unit}" if n / size < 1e6 else f"{n / size:.1e} {unit}"
    return f"{n:,.0f} bytes"


def _duration(seconds: float) -> str:
    if seconds >= 2 * 86400:
        days = seconds / 86400
        return f"{days:,.0f} days" if days < 1e6 else f"{days:.1e} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 60:.0f} minutes"


def add_arguments(parser: Any) -> None:
    """The options of ``autograd-core train`` (registered by :mod:`autograd_core.cli.app`)."""
    parser.add_argument("demo", choices=("moons", "digits"), metavar="{moons,digits}",
                        help="moons: Value MLP 2-16-16-1 on 100 two-moons points (target 100%% training accuracy); "
                        "digits: Tensor MLP 64-64-10 on the UCI digits (target >= 95%% on a held-out quarter)")
    parser.epilog = limits_help()
    parser.add_argument("--epochs", type=_positive_int, default=None,
                        help="passes over the data (moons 100, digits 30); limited by time, see below")
    parser.add_argument("--hidden", type=_sizes, default=None, metavar="N[,N...]",
                        help="hidden layer sizes (moons 16,16; digits 64); limited by memory and time, see below")
    parser.add_argument("--samples", type=_positive_int, default=None,
                        help="moons only: number of points, at least 2 (default 100); limited by memory and time, "
                        "see below")
    parser.add_argument("--lr", type=_positive_float, default=None,
                        help="digits only: Adam's learning rate (default 0.01)")
    parser.add_argument("--seed", type=_seed, default=None, help="data and initialisation seed (moons 1, digits 0)")
    parser.add_argument("--check-every", type=_positive_int, default=None, metavar="N",
                        help="every N steps, compare the gradients with closed-form backprop; stop if they disagree")
    parser.add_argument("--plot", metavar="PATH", default=None,
                        help="save the loss curve (and for moons the decision boundary) as a .png, .svg or .pdf "
                        "image; needs matplotlib. PATH's folder must exist (it is never created); an existing file "
                        "is overwritten")
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
    defaults = {"moons": ((16, 16), 100), "digits": ((64,), 30)}[args.demo]
    problem = check_budget(args.demo, args.hidden or defaults[0], args.epochs or defaults[1], args.samples or 100)
    if problem is not None:
        return problem
    if args.plot is not None:
        try:
            check_output_file(args.plot, "--plot")
        except OutputPathError as err:
            return str(err)
        suffix = Path(args.plot).suffix.lower().lstrip(".")
        if suffix not in PLOT_FORMATS:
            return f"--plot {quote(args.plot)}: use a .png, .svg or .pdf file name"
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
    architecture = "-".join(map(str, (2 if args.demo == "moons" else 64, *options.get(
        "hidden", (16, 16) if args.demo == "moons" else (64,)), 1 if args.demo == "moons" else 10)))
    start = time.perf_counter()
    try:
        if args.demo == "moons":
            samples = 100 if args.samples is None else args.samples
            print(f"moons: Value MLP {clip(architecture, 80)} (relu), "
                  f"{samples} points, hinge loss + L2 1e-4, full-batch SGD lr 1.0 -> 0.1")
            result = train_moons(n_samples=samples, **options)
            what = "training accuracy"
        else:
            lr = 1e-2 if args.lr is None else args.lr
            print(f"digits: Tensor MLP {clip(architecture, 80)} (tanh), "
                  "1,797 UCI images, 3/4 train, 1/4 held out; softmax cross-entropy, "
                  f"Adam lr {lr:g}, batches of 64")
            result = train_digits(lr=lr, **options)
            what = "test accuracy (held-out quarter)"
    except (TrainingError, ValueError) as err:
        print(f"autograd-core train: error: {err}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    h = result.history
    print(f"{clip(repr(result.model), 120)}: {result.model.n_parameters()} parameters, {h.epochs} epochs, "
          f"{h.steps} steps")
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
            print(f"autograd-core train: error: cannot write {clip(args.plot)}: {err.strerror or err}",
                  file=sys.stderr)
            return 1
        print(f"plot saved to {clip(args.plot)}")
    return 0 if result.reached else 1


def _parsed(text: str, parse: Callable[[str], Any], ok: Callable[[Any], bool], what: str) -> Any:
    """``parse(text)`` if it reads and passes ``ok``, else argparse's one-line refusal naming ``what``."""
    try:
        value = parse(text)
    except ValueError:
        value = None
    if value is None or not ok(value):
        raise argparse.ArgumentTypeError(f"expected {what}, got {quote(text)}")
    return value


def _positive_int(text: str) -> int:
    return _parsed(text, int, lambda v: v >= 1, "a positive integer")


def _positive_float(text: str) -> float:
    return _parsed(text, float, lambda v: math.isfinite(v) and v > 0, "a positive number")


def _seed(text: str) -> int:
    return _parsed(text, int, lambda v: v >= 0, "a non-negative integer")


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"expected positive integers separated by commas, e.g. 16,16; got {quote(text)}")
    return sizes
