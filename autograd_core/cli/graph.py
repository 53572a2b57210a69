"""``autograd-core graph``: build a graph from a formula (or a seed example), print gradients, draw it.

    autograd-core graph "tanh(w*x + b)" --set x=2 w=-3 b=1 -o neuron.svg
    autograd-core graph --example layer -o layer.svg          # the seed's single datum, p=2, n=3 (Eq. 8-9)
    autograd-core graph --example batch --explain "W[0,1]"    # Eq. 27 term by term
    autograd-core graph --example batch --explain "W[0,1]" -o batch.html   # the explorer, in a browser

The formula is parsed by :mod:`autograd_core.cli.expression` (an ``ast`` whitelist, never ``eval``).
Errors are one line on stderr with a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.graph import topological_order
from ..scalar.value import Value
from ..see.draw import DEFAULT_MAX_NODES, describe, draw
from ..see.renderers import RendererNotFound, RenderError, format_of
from .expression import ExpressionError, build, parse_assignments
from .messages import check_output_file, check_output_folder, clip, quote

EXAMPLES = ("neuron", "layer", "batch")


def _values(array: Any, name: str) -> np.ndarray:
    out = np.empty(np.shape(array), dtype=object)
    for index in np.ndindex(out.shape):
        out[index] = Value(float(np.asarray(array)[index]), label=f"{name}[{','.join(map(str, index))}]")
    return out


def layer_graph(p: int = 2, n: int = 3, m: int = 4, seed: int = 0) -> tuple[Value, dict[str, Value]]:
    """The seed's batch layer as a scalar graph: ``Z = W X + B`` (Eq. 25), ``L = (1/m) Σ_k L(k)`` (Eq. 26).

    ``L(k) = ½ Σ_i (z[i,k] - Y[i,k])²`` with fixed targets ``Y`` (constants). Nodes are labelled
    ``W[i,j]``, ``X[j,k]``, ``b[i]``, ``z[i,k]``, ``L(k)`` and ``L``, zero-based, so drawings group
    by stem and :func:`~autograd_core.see.explain.explain` names every factor. Returns ``(L, leaves)``.
    """
    rng = np.random.default_rng(seed)
    W = _values(np.round(rng.normal(size=(p, n)), 2), "W")
    X = _values(np.round(rng.normal(size=(n, m)), 2), "X")
    b = np.array([Value(float(v), label=f"b[{i}]") for i, v in enumerate(np.round(rng.normal(size=p), 2))],
                 dtype=object)
    Y = np.round(rng.normal(size=(p, m)), 2)
    Z = W @ X + b[:, None]
    for (i, k), z in np.ndenumerate(Z):
        z.label = f"z[{i},{k}]"
    per_sample = []
    for k in range(m):
        loss = sum(((Z[i, k] - Y[i, k]) ** 2 for i in range(p)), Value(0.0)) * 0.5
        loss.label = f"L({k})"
        per_sample.append(loss)
    L = per_sample[0] if m == 1 else sum(per_sample[1:], per_sample[0]) / m
    L.label = "L"
    leaves = {v.label: v for v in (*W.flat, *X.flat, *b)}
    return L, leaves


def single_datum_graph() -> tuple[Value, dict[str, Value]]:
    """The seed's single datum (Section 3.1, Eq. 8-9) with p=2, n=3: ``z = W x + b``, ``L = ½ Σ_i (z_i - y_i)²``."""
    W = _values(np.array([[0.5, -1.0, 0.25], [1.5, 0.2, -0.3]]), "W")
    x = np.array([Value(v, label=f"x[{j}]") for j, v in enumerate((1.0, 2.0, -1.0))], dtype=object)
    b = np.array([Value(v, label=f"b[{i}]") for i, v in enumerate((0.1, -0.2))], dtype=object)
    z = W @ x + b
    for i, zi in enumerate(z):
        zi.label = f"z[{i}]"
    L = ((z[0] - 0.0) ** 2 + (z[1] - 1.0) ** 2) * 0.5
    L.label = "L"
    return L, {v.label: v for v in (*W.flat, *x, *b)}


def neuron_graph() -> tuple[Value, dict[str, Value]]:
    """The README's neuron ``tanh(w*x + b)`` at x=2, w=-3, b=1."""
    return build("tanh(w*x + b)", {"x": 2.0, "w": -3.0, "b": 1.0})


def add_arguments(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The ``graph`` subcommand's options; returns them, so :func:`split_formula` knows which take a value."""
    add = parser.add_argument
    return [
        add("expression", nargs="?",
            help='a formula such as "tanh(w*x + b)"; one starting with "-" may stand anywhere ("-x*2", or '
                 'after --: -- "-x*2")'),
        add("--set", dest="assignments", nargs="+", action="extend", default=[], metavar="NAME=VALUE",
            help="variable values, e.g. --set x=2 w=-3 b=1 or --set x=2,w=-3,b=1"),
        add("--example", choices=EXAMPLES,
            help="a built-in graph instead of a formula: the neuron, the seed's single-datum layer "
                 "(p=2, n=3) or its batch layer (p=2, n=3, m=4)"),
        add("-o", "--output", metavar="FILE",
            help="write the drawing to FILE: .svg, .png, .pdf (or .dot for the source), or .html for the "
                 "interactive explorer (pan, zoom, click an input for its ledger, step through backward). FILE's "
                 "folder must exist (it is never created); an existing FILE is overwritten"),
        add("--highlight", metavar="NAME", help="colour every path from this input to the output"),
        add("--explain", metavar="NAME", help="print the chain-rule ledger of this input's gradient"),
        add("--frames", metavar="DIR",
            help="save the backward pass step by step (SVGs + index.html) in DIR; DIR is created if missing "
                 "(its parent must exist) and files of the same names in it are overwritten"),
        add("--no-local", action="store_true", help="do not write local derivatives on the edges"),
        add("--rankdir", default="LR", choices=("LR", "TB", "RL", "BT"), help="layout direction"),
        add("--max-nodes", type=int, default=DEFAULT_MAX_NODES,
            help=f"group nodes by label stem beyond this many (default {DEFAULT_MAX_NODES})"),
        add("--renderer", choices=("auto", "dot", "graphviz-pure"), default="auto",
            help="auto: Graphviz's dot when on PATH, else graphviz-pure"),
    ]


_FORMULA_SIGNS = frozenset("*/+()^ ")  # characters of a formula that file names after -o rarely have


def split_formula(argv: list[str]) -> tuple[list[str], list[str]]:
    """Take out the formulas that argparse would read as options: ``(the other arguments, formulas)``.

    A formula may start with ``-`` (``"-x*2"``), and argparse reads every such word as an unknown
    option. A word starting with ``-`` is a formula unless it is one of graph's options (``-o``,
    ``-oFILE``, ``--output=FILE``, ``--set``, an abbreviation such as ``--out``, ``-h``) or the value of
    an option; the word after ``--`` is always the formula (``graph -- "-o" --set o=1`` draws ``-o``),
    and options may follow it.
    """
    probe = argparse.ArgumentParser(add_help=False)
    actions = add_arguments(probe)
    takes_value = {name: action.nargs is None for action in actions for name in action.option_strings}
    takes_value.update({"-h": False, "--help": False})
    longs = [name for name in takes_value if name.startswith("--")]
    rest: list[str] = []
    formulas: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--":
            formula = next(words, None)
            if formula is not None:
                formulas.append(formula)
            continue
        if not word.startswith("-") or word == "-":
            rest.append(word)
            continue
        if word.startswith("--"):
            name = word.split("=", 1)[0]
            matches = [long for long in longs if long.startswith(name)]
            is_option = bool(matches)
            value_follows = "=" not in word and len(matches) == 1 and takes_value[matches[0]]
        elif word in takes_value:
            is_option, value_follows = True, takes_value[word]
        else:  # -oFILE is -o with FILE, unless what follows -o reads as a formula (-o*2)
            is_option = word.startswith("-o") and not _FORMULA_SIGNS & set(word[2:])
            value_follows = False
        if not is_option:
            formulas.append(word)
            continue
        rest.append(word)
        if value_follows:
            value = next(words, None)
            if value is not None:
                rest.append(value)
    return rest, formulas


def _build(args: argparse.Namespace) -> tuple[Value, dict[str, Value], str]:
    if args.example and args.expression:
        raise ExpressionError("give either an expression or --example, not both")
    if args.example:
        if args.assignments:
            raise ExpressionError("--set applies to an expression, not to --example")
        builder = {"neuron": neuron_graph, "layer": single_datum_graph, "batch": layer_graph}[args.example]
        root, leaves = builder()
        return root, leaves, f"example {args.example}"
    if not args.expression:
        raise ExpressionError('give an expression (e.g. "tanh(w*x + b)") or --example')
    root, leaves = build(args.expression, parse_assignments(args.assignments))
    return root, leaves, clip(args.expression.strip())


def _pick(leaves: dict[str, Value], name: str, option: str) -> Value:
    if name not in leaves:
        known = clip(", ".join(sorted(leaves, key=_natural))) or "none"
        raise ExpressionError(f"{option} {quote(name)}: no such input (inputs: {known})")
    return leaves[name]


def _draw_to(root: Value, args: argparse.Namespace, highlight: Value | None) -> None:
    renderer = None if args.renderer == "auto" else args.renderer
    drawing = draw(root, show_local=not args.no_local, rankdir=args.rankdir, max_nodes=args.max_nodes,
                   highlight=highlight)
    try:
        done = drawing.save(args.output, renderer=renderer)
    except RendererNotFound as exc:  # write nothing but the file asked for: say how to get the DOT source
        dot = Path(args.output).with_suffix(".dot").name
        raise RendererNotFound(f"{exc}; or ask for the DOT source, which needs no renderer: -o {clip(dot)}") from None
    grouped = f", grouped into {drawing.info['shown']} boxes" if drawing.info["grouped"] else ""
    how = f"renderer: {done.renderer.name} ({done.renderer.version})" if done.renderer else "DOT source"
    print(f"wrote {done.path} ({drawing.info['nodes']} nodes{grouped}; {how})")


def _is_html(path: str) -> bool:
    return Path(path).suffix.lower() in (".html", ".htm")


def _explore_to(root: Value, args: argparse.Namespace, leaf: Value | None) -> None:
    from ..see.explore import explore

    renderer = None if args.renderer == "auto" else args.renderer
    page = explore(root, highlight=leaf, show_local=not args.no_local, rankdir=args.rankdir,
                   max_nodes=args.max_nodes, renderer=renderer)
    out = page.save(args.output)
    grouped = f", grouped into {page.info['shown']} boxes" if page.info["grouped"] else ""
    print(f"wrote {out} (the explorer: {page.info['nodes']} nodes{grouped}, {page.info['steps']} backward steps, "
          f"{page.info['bytes'] / 1000:.0f} KB; open it in a browser)")


def main_graph(args: argparse.Namespace) -> int:
    """Run the ``graph`` subcommand; returns the exit status (0 ok, 2 bad input, 1 rendering failed)."""
    try:
        root, leaves, what = _build(args)
        highlight = _pick(leaves, args.highlight, "--highlight") if args.highlight else None
        explained = _pick(leaves, args.explain, "--explain") if args.explain else None
        if args.max_nodes < 1:
            raise ExpressionError(f"--max-nodes must be at least 1, got {args.max_nodes}")
        if args.output is not None:  # bad output paths are bad input: say so before any output
            check_output_file(args.output, "-o")
            if not _is_html(args.output):
                format_of(args.output)
        if args.frames is not None:
            check_output_folder(args.frames, "--frames")
        root.backward()
    except (ExpressionError, ValueError) as exc:
        print(f"autograd-core graph: error: {exc}", file=sys.stderr)
        return 2
    name = describe(root)
    print(f"{name} = {root.data:.6g}   ({what}; {len(topological_order(root))} nodes)")
    print("gradients:")
    width = max((len(k) for k in leaves), default=1)
    for label in sorted(leaves, key=_natural):
        print(f"  ∂{name}/∂{label:<{width}} = {leaves[label].grad: .6g}")
    if not all(math.isfinite(v) for v in (root.data, *(leaf.grad for leaf in leaves.values()))):
        print("autograd-core graph: warning: a value or gradient is inf or nan (float64 overflow, or a "
              "singularity): the numbers above are not usable", file=sys.stderr)
    if explained is not None:
        from ..see.explain import explain

        print()
        print(explain(root, explained))
    try:
        if args.output is not None and _is_html(args.output):
            _explore_to(root, args, highlight or explained)
        elif args.output is not None:
            _draw_to(root, args, highlight)
        if args.frames is not None:
            from ..see.frames import backward_frames

            frames = backward_frames(root, show_local=not args.no_local, rankdir=args.rankdir)
            written = frames.save(args.frames, None if args.renderer == "auto" else args.renderer)
            print(f"wrote {len(written) - 1} frames and {written[-1]}")
    except OSError as exc:
        print(f"autograd-core graph: error: cannot write {clip(str(exc.filename or args.output))}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 1
    except (RendererNotFound, RenderError, ValueError) as exc:
        print(f"autograd-core graph: error: {exc}", file=sys.stderr)
        return 1
    return 0


def _natural(label: str) -> tuple[Any, ...]:
    """Sort ``W[0,10]`` after ``W[0,9]``: compare digit runs as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", label))
