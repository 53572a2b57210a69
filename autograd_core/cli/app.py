"""The ``autograd-core`` command line.

Subcommands are registered in :func:`build_parser`; each but ``demo`` lives in its own module
``cli/<name>.py``, with ``add_arguments(parser)`` and a runner that returns the process exit status.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from .messages import MAX_ECHO


def _central_difference(f, x: float, eps: float = 1e-6) -> float:
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def cmd_demo(args: argparse.Namespace) -> int:
    """The worked example of the README: one tanh neuron, its gradients checked numerically."""
    from ..scalar.value import Value

    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    y = (w * x + b).tanh()
    y.backward()
    print("y = tanh(w*x + b) at x=2, w=-3, b=1:", f"{y.data:.6f}")
    numeric = {
        "x": _central_difference(lambda t: (Value(-3.0) * Value(t) + 1.0).tanh().data, 2.0),
        "w": _central_difference(lambda t: (Value(t) * 2.0 + 1.0).tanh().data, -3.0),
        "b": _central_difference(lambda t: (Value(-3.0) * 2.0 + Value(t)).tanh().data, 1.0),
    }
    ok = True
    print(f"{'input':>6} {'backward()':>14} {'finite diff':>14} {'|diff|':>10}")
    for node in (x, w, b):
        diff = abs(node.grad - numeric[node.label])
        ok &= diff < 1e-6
        print(f"{node.label:>6} {node.grad:>14.8f} {numeric[node.label]:>14.8f} {diff:>10.1e}")
    print("gradients agree with central differences" if ok else "MISMATCH")
    return 0 if ok else 1


def _wire(parser: argparse.ArgumentParser, name: str, runner: str = "main") -> None:
    """Give a subcommand its module's options and its runner: ``cli/<name>.py``'s ``add_arguments`` and ``main``."""
    module = importlib.import_module(f".{name}", __package__)
    module.add_arguments(parser)
    parser.set_defaults(func=getattr(module, runner))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("autograd-core")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown (not installed)"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (naming --help) instead of the whole usage block."""

    def error(self, message: str) -> NoReturn:
        if len(message) > 2 * MAX_ECHO:  # argparse quotes the user's words whole: keep the line readable
            message = f"{message[:MAX_ECHO]}… ({len(message):,} characters)"
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="autograd-core",
        description="Teach, draw and check matrix derivatives with a scalar autodiff engine. "
        "Without a command, runs demo.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="the tanh neuron, gradients checked against finite differences",
        description="y = tanh(w*x + b) at x=2, w=-3, b=1: backward() against central finite differences.",
    )
    demo.set_defaults(func=cmd_demo)
    verify = sub.add_parser(
        "verify",
        help="the seed's Eq. 15-30 four ways (Value graph, Tensor, closed form, finite differences)",
        description="For a random layer Z = W X + B, compute every quantity of Eq. 15-30 with the scalar Value "
        "graph, the Tensor engine, the seed's closed forms and central finite differences, and print the max abs "
        "difference of each from the closed form. Exit status 1 if any quantity disagrees.",
    )
    _wire(verify, "verify")
    train = sub.add_parser(
        "train",
        help="train an MLP: moons (scalar Value engine) or digits (Tensor engine), with a progress bar",
        description="Train the scalar Value MLP 2-16-16-1 on two moons (target: 100% training accuracy) or the "
        "Tensor MLP 64-64-10 on the UCI digits shipped with the package (target: >= 95% on a held-out quarter). "
        "Prints the final accuracy; exit status 1 if the target was not reached.",
    )
    _wire(train, "train")
    graph = sub.add_parser(
        "graph",
        help="build a graph from a formula, print its gradients and draw it (SVG/PNG/PDF)",
        description='Parse a formula such as "tanh(w*x + b)" (a whitelist of operators and functions, never '
        "eval), build it from Values, run backward, print every input's gradient and optionally draw the graph.",
    )
    _wire(graph, "graph", "main_graph")
    check = sub.add_parser(
        "check",
        help="grade hand-derived gradients: ok, or the mistake (transposed, missing 1/m, sign, ...)",
        description="Compare each CANDIDATE (a hand-derived gradient, path.py:function or folder:function) with the "
        "engine's gradient of LOSS (path.py:function) at random inputs of the given shapes, and print one line per "
        "candidate: ok, or the mistakes check_derivation recognises. The files are run as Python: check only code "
        "you would run yourself. Exit status 1 if any candidate is wrong or broken.",
    )
    _wire(check, "check")
    derive = sub.add_parser(
        "derive",
        help="derive the matrix formula of a gradient (∇_W = (1/m) G Xᵀ ...) and check it against the engine",
        description='Parse a matrix formula such as "mean(tanh(W@X + b))" (a whitelist, never eval), trace it on '
        "the Tensor engine at random arguments of the given shapes, derive the gradient's matrix formula by symbolic "
        "reverse mode, print it, and check it against the engine's gradient at fresh inputs. Exit status 1 if "
        "they disagree, 2 for a formula or shape that is refused.",
    )
    _wire(derive, "derive")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``autograd-core`` console script."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    formulas: list[str] = []
    command = next((i for i, word in enumerate(argv) if not word.startswith("-")), None)
    if command is not None and argv[command] == "graph":  # formulas may start with "-": argparse must not see them
        from .graph import split_formula

        rest, formulas = split_formula(argv[command + 1:])
        argv = [*argv[:command + 1], *rest]
    args = parser.parse_args(argv)
    if formulas:
        if args.expression is not None or len(formulas) > 1:
            print('autograd-core graph: error: give one expression (quote a formula with spaces: "x * 2")',
                  file=sys.stderr)
            return 2
        args.expression = formulas[0]
    if not hasattr(args, "func"):
        args = parser.parse_args(["demo"])
    try:
        return args.func(args)
    except KeyboardInterrupt:  # Ctrl-C during a long train or verify: one line, not a traceback
        print(f"\nautograd-core {args.command or 'demo'}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
