"""``autograd-core verify``: the options, the table of :mod:`autograd_core.layer.verify`, and ``--draw``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..engine import graph
from ..layer.losses import PER_SAMPLE_LOSSES, layer
from ..layer.verify import DEFAULT_FD_TOL, DEFAULT_TOL, MAX_ENTRIES, MAX_PRODUCTS, Problem, make_problem, run
from ..scalar.arrays import values
from ..see.draw import draw, render
from ..see.renderers import RendererNotFound, format_of
from .messages import check_output_file, clip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``autograd-core verify``."""
    parser.add_argument("-p", "--p", type=int, default=3, help="outputs of the layer: W is p×n (default 3)")
    parser.add_argument("-n", "--n", type=int, default=4, help="inputs of the layer (default 4)")
    parser.add_argument("-m", "--m", type=int, default=5,
                        help=f"samples in the batch: X is n×m (default 5). Limits: p·n and n·m at most "
                        f"{MAX_ENTRIES:,} (finite differences copy the layer once per entry), p·n·m at most "
                        f"{MAX_PRODUCTS:,} (the scalar graph has about 2·p·n·m nodes)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for W, X, b and targets (default 0)")
    parser.add_argument("--loss", choices=sorted(PER_SAMPLE_LOSSES), default="squares",
                        help="per-sample loss L^(k): squares (against random targets), tanh (sum of tanh), "
                             "softmax_ce (softmax cross-entropy, random labels); default squares")
    parser.add_argument("--tol", type=float, default=DEFAULT_TOL,
                        help="max abs difference allowed between an engine and the closed form "
                        f"(default {DEFAULT_TOL:g})")
    parser.add_argument("--fd-tol", type=float, default=DEFAULT_FD_TOL,
                        help=f"max abs difference allowed for finite differences, times max(1, |loss|) because their "
                        f"rounding error grows with the loss (default {DEFAULT_FD_TOL:g})")
    parser.add_argument("--draw", metavar="FILE", default=None,
                        help="also draw the single-datum graph of Eq. 8-9 to FILE (.svg, .png, .pdf or .dot; "
                             ".html for the interactive explorer), with every path from W[0,0] to L^(k) highlighted. "
                             "FILE's folder must exist (it is never created); an existing FILE is overwritten")


def draw_single_datum(pb: Problem, path: str) -> str:
    """Draw the single datum's scalar graph (Eq. 8–9) after ``backward()``; return a one-line summary.

    The paths from ``W[0,0]`` to ``L^(k)`` are highlighted: their terms add up to ``W[0,0].grad``,
    which is entry (1,1) of Eq. 16's ``∇_W L^(k)``. Big layers are grouped by label stem.
    """
    W1, x1, b1 = values(pb.W, "W"), values(pb.x, "x"), values(pb.b, "b")
    Lk = PER_SAMPLE_LOSSES[pb.loss](layer(W1, x1, b1), pb.target_k)
    Lk.label = "L(k)"
    Lk.backward()
    if Path(path).suffix.lower() in (".html", ".htm"):
        from ..see.explore import explore

        page = explore(Lk, highlight=W1[0, 0], title="single datum z = W x + b (Eq. 8-9)").save(path)
        return (f"wrote the explorer of the single-datum graph ({len(graph.topological_order(Lk)):,} nodes; "
                f"W[0,0].grad = {W1[0, 0].grad:.6g}) to {page}")
    drawing = draw(Lk, highlight=W1[0, 0], show_local=True,
                   title="single datum z = W x + b (Eq. 8-9); highlighted: every path from W[0,0] to L(k)")
    rendered = render(drawing, path)
    nodes = len(graph.topological_order(Lk))
    how = f"with {rendered.renderer.name}" if rendered.renderer is not None else "as DOT source"
    return (f"drew the single-datum graph ({nodes:,} nodes; W[0,0].grad = {W1[0, 0].grad:.6g}) "
            f"to {rendered.path} {how}")


def _check_draw_path(path: str) -> None:
    """Refuse a --draw target that cannot work *before* the table is computed: the format, the folder."""
    check_output_file(path, "--draw")
    if Path(path).suffix.lower() not in (".html", ".htm"):
        format_of(path)


def _error(message: str) -> None:
    text = str(message).removeprefix("verify: ")
    print(f"autograd-core verify: error: {text}", file=sys.stderr)


def main(args: argparse.Namespace) -> int:
    """Run :func:`run` from parsed arguments, print the table; exit status 0 iff every row passed.

    Bad options (sizes, tolerances, seed, an unusable --draw path) are one line on stderr and exit
    status 2, before anything is computed.
    """
    try:
        if args.draw is not None:
            _check_draw_path(args.draw)
        report = run(args.p, args.n, args.m, args.seed, args.loss, args.tol, args.fd_tol)
    except ValueError as exc:
        _error(str(exc))
        return 2
    print(report)
    if args.draw:
        try:
            print(draw_single_datum(make_problem(args.p, args.n, args.m, args.seed, args.loss), args.draw))
        except (RendererNotFound, OSError, ValueError) as exc:
            _error(f"could not draw to {clip(args.draw)}: {exc}")
            return 1
    return 0 if report.passed else 1
