"""``autograd-core derive``: the matrix formula of a gradient, derived from a typed formula and checked.

    autograd-core derive "mean(tanh(W@X + b))" --shape W=3x4 X=4x5 b=3x1 --wrt W
    autograd-core derive "det(X)" --shape X=3x3
    autograd-core derive "trace(X.T @ A @ X)" --shape X=3x4 A=3x3 --layout numerator --latex

The formula is parsed by :func:`autograd_core.cli.expression.parse_matrix` (an ``ast`` whitelist, never
``eval``), built on the Tensor engine at random arguments of the given shapes, and handed to
:func:`autograd_core.derive`, which derives the formula and checks it against the engine's gradient at fresh
inputs. Errors are one line on stderr with a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

import numpy as np

from .expression import ExpressionError, matrix_function

_SHAPE = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)=(scalar|\d+(?:x\d+)?)$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("formula", help='a formula such as "mean(tanh(W@X + b))": + - * / ** @ .T, the table\'s '
                        "elementwise functions, sum, mean, det, inv, trace, logdet, softmax, logsumexp")
    parser.add_argument("--shape", nargs="+", required=True, metavar="NAME=SHAPE",
                        help="the shape of every variable: W=3x4 (a matrix), b=3 (a vector), s=scalar")
    parser.add_argument("--wrt", metavar="NAME", help="the variable to differentiate (default: the first --shape)")
    parser.add_argument("--layout", choices=("gradient", "numerator"), default="gradient",
                        help="gradient: ∇, shaped like the variable (default); numerator: the seed's ∂f/∂W")
    parser.add_argument("--latex", action="store_true", help="print the formula as LaTeX too")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random example arguments (default 0)")


def parse_shapes(items: list[str]) -> dict[str, tuple[int, ...]]:
    """``["W=3x4", "b=3", "s=scalar"]`` -> ``{"W": (3, 4), "b": (3,), "s": ()}``; bad items are named."""
    shapes: dict[str, tuple[int, ...]] = {}
    for item in items:
        match = _SHAPE.match(item.strip())
        if not match:
            raise ExpressionError(f"cannot read --shape {item!r}: write NAME=ROWSxCOLS (W=3x4), NAME=N (b=3) "
                                  "or NAME=scalar")
        name, text = match.groups()
        if name in shapes:
            raise ExpressionError(f"--shape gives {name!r} twice")
        shape = () if text == "scalar" else tuple(int(k) for k in text.split("x"))
        if any(k == 0 for k in shape):
            raise ExpressionError(f"cannot read --shape {item!r}: sizes must be at least 1")
        shapes[name] = shape
    return shapes


def _examples(f: Any, shapes: dict[str, tuple[int, ...]], seed: int) -> tuple[Any, ...]:
    """Random arguments of the shapes, where ``f`` is defined: standard normal, else in [0.5, 1.5]."""
    rng = np.random.default_rng(seed)
    normal = tuple(rng.normal(size=s) for s in shapes.values())
    try:
        f(*normal)
        return normal
    except ValueError:
        return tuple(rng.uniform(0.5, 1.5, size=s) for s in shapes.values())


def _shape_text(shape: tuple[int, ...]) -> str:
    return "scalar" if not shape else "×".join(map(str, shape))


def main(args: argparse.Namespace) -> int:
    from ..beyond.symbolic.derive import DerivationError, NotDerivable, derive

    try:
        shapes = parse_shapes(args.shape)
        names = list(shapes)
        wrt = args.wrt if args.wrt is not None else names[0]
        if wrt not in shapes:
            raise ExpressionError(f"--wrt {wrt!r} is not a variable with a --shape ({', '.join(names)})")
        f = matrix_function(args.formula, names)
        examples = _examples(f, shapes, args.seed)
        derivation = derive(f, *examples, wrt=names.index(wrt), layout=args.layout)
        report = derivation.check(*_examples(f, shapes, args.seed + 1))
    except (ExpressionError, NotDerivable) as err:
        print(f"autograd-core derive: {err}", file=sys.stderr)
        return 2
    except DerivationError as err:
        print(f"autograd-core derive: {err}", file=sys.stderr)
        return 1
    except (ValueError, TypeError) as err:
        print(f"autograd-core derive: cannot evaluate {args.formula!r}: {err}", file=sys.stderr)
        return 2
    given = ", ".join(f"{n} {_shape_text(s)}" for n, s in shapes.items())
    print(f"f({', '.join(names)}) = {args.formula.strip()}    ({given})")
    print(derivation)
    if args.latex:
        print(derivation.latex())
    print(f"check at fresh random inputs: {report}")
    return 0 if report.ok else 1
