"""``autograd-core check LOSS CANDIDATE...``: grade hand-derived gradients, one line per candidate.

LOSS and each CANDIDATE are ``path.py:function`` (a CANDIDATE may be ``folder:function``: every ``.py``
file in the folder, in name order, so a class's submissions are checked in one run). The inputs are
random (``--seed``) with the shapes of ``--shape W=3x4 X=4x6 b=3``; ``--wrt`` names the argument(s)
the candidates differentiate. Each candidate gets one line -- ``ok``, or what
:func:`~autograd_core.check_derivation` recognises -- and an error in one file (a syntax error, an
exception, a missing function, a wrong return) is reported on its line without stopping the others.
Exit status: 0 if every candidate is right, 1 if any is wrong or broken, 2 for a usage error.

The files are **run as Python**: they are the user's own code, imported as modules, with every power
Python has. Check only files you would run yourself.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import math
import re
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

MAX_ENTRIES = 1_000_000  # per input: a class's exercise, not a benchmark
_SHAPE = re.compile(r"^(\d+)(x\d+)*$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("loss", metavar="LOSS", help="the loss, as path.py:function")
    parser.add_argument("candidates", metavar="CANDIDATE", nargs="+",
                        help="hand-derived gradients, as path.py:function, or folder:function for every .py file "
                             "in the folder")
    parser.add_argument("--shape", metavar="NAME=SHAPE", nargs="+", default=[],
                        help="the shape of each argument of LOSS, e.g. W=3x4 X=4x6 b=3 (a number alone: a vector; "
                             "'scalar' or 1x: a number)")
    parser.add_argument("--wrt", metavar="NAME", nargs="+", default=None,
                        help="the argument(s) the candidates differentiate (default: the first argument of LOSS); "
                             "with several, a candidate returns a tuple in this order")
    parser.add_argument("--seed", type=int, default=0, help="the seed of the random inputs (default 0)")
    parser.add_argument("--batch-size", type=int, default=None, metavar="M",
                        help="the number of samples m (default: the columns of an argument named X)")


def main(args: argparse.Namespace) -> int:
    try:
        loss = load(args.loss, "LOSS")
        names = _parameters(loss, args.loss)
        shapes = parse_shapes(args.shape, names)
        wrt = [_position(name, names) for name in (args.wrt or names[:1])]
        candidates = expand(args.candidates)
    except UsageError as err:
        print(f"autograd-core check: {err}", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    inputs = [rng.normal(size=shapes[name]) if shapes[name] else float(rng.normal()) for name in names]
    all_ok = True
    for label in candidates:
        ok, line = grade(loss, label, inputs, wrt, args.batch_size)
        all_ok &= ok
        print(f"{label}: {line}")
    return 0 if all_ok else 1


class UsageError(Exception):
    """A problem with the command line itself: exit status 2."""


def grade(loss: Callable[..., Any], label: str, inputs: list[Any], wrt: list[int],
          batch_size: int | None) -> tuple[bool, str]:
    """``(ok, the line to print)`` for one candidate; errors in the user's code are caught and named."""
    from ..beyond.derivation import check_derivation

    try:
        candidate = load(label, "CANDIDATE")
    except UsageError as err:
        return False, f"ERROR: {err}"
    try:
        report = check_derivation(loss, candidate, *inputs, argnums=wrt[0] if len(wrt) == 1 else tuple(wrt),
                                  batch_size=batch_size)
    except Exception as err:
        return False, f"ERROR: {_one_line(err)}"
    if report.ok:
        return True, f"ok (max error {report.max_error:.2g})"
    found = " | ".join(f"{finding.name} — {finding.message}" for finding in report.diagnosis)
    return False, f"WRONG: {found}"


def load(spec: str, what: str) -> Callable[..., Any]:
    """The function ``name`` of the file ``path.py`` in ``path.py:name``, importing (running) the file."""
    path_text, _, name = spec.rpartition(":")
    if not path_text or not name:
        raise UsageError(f"{what} {spec!r} must be path.py:function")
    path = Path(path_text)
    if not path.is_file():
        raise UsageError(f"{what} {spec!r}: file {path_text!r} does not exist")
    module_name = f"autograd_core_check_{uuid.uuid4().hex}"
    try:
        module_spec = importlib.util.spec_from_file_location(module_name, path)
        if module_spec is None or module_spec.loader is None:
            raise UsageError(f"{what} {spec!r}: {path_text!r} is not a Python file")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    except UsageError:
        raise
    except SyntaxError as err:
        raise UsageError(f"{path_text} does not parse: {err.msg} (line {err.lineno})") from None
    except Exception as err:
        raise UsageError(f"{path_text} raised while loading: {_one_line(err)}") from None
    function = getattr(module, name, None)
    if not callable(function):
        raise UsageError(f"{path_text} has no function {name!r}")
    return function


def expand(specs: list[str]) -> list[str]:
    """``folder:function`` becomes one ``file.py:function`` per Python file in the folder, in name order."""
    out = []
    for spec in specs:
        folder, _, name = spec.rpartition(":")
        if folder and Path(folder).is_dir():
            files = sorted(Path(folder).glob("*.py"))
            if not files:
                raise UsageError(f"CANDIDATE {spec!r}: the folder {folder!r} has no .py files")
            out += [f"{f}:{name}" for f in files]
        else:
            out.append(spec)
    return out


def parse_shapes(specs: list[str], names: list[str]) -> dict[str, tuple[int, ...]]:
    """``["W=3x4", "b=3"]`` -> ``{"W": (3, 4), "b": (3,)}``, checked against LOSS's parameters."""
    shapes: dict[str, tuple[int, ...]] = {}
    for spec in specs:
        name, sep, text = spec.partition("=")
        if not sep or not name:
            raise UsageError(f"--shape {spec!r} must be NAME=SHAPE, e.g. W=3x4")
        if name in shapes:
            raise UsageError(f"--shape gives {name!r} twice")
        shapes[name] = _shape(text.strip().lower(), name)
    unknown = [n for n in shapes if n not in names]
    if unknown:
        raise UsageError(f"--shape names {', '.join(map(repr, unknown))}, which LOSS does not take "
                         f"(its arguments: {', '.join(names)})")
    missing = [n for n in names if n not in shapes]
    if missing:
        raise UsageError(f"--shape is missing {', '.join(map(repr, missing))}: give every argument of LOSS a shape "
                         f"(its arguments: {', '.join(names)})")
    return shapes


def _shape(text: str, name: str) -> tuple[int, ...]:
    if text in ("scalar", "1x", "()"):
        return ()
    if not _SHAPE.match(text):
        raise UsageError(f"--shape {name}={text!r}: a shape is sizes joined by x, like 3x4, or 'scalar'")
    dims = tuple(int(d) for d in text.split("x"))
    if any(d == 0 for d in dims):
        raise UsageError(f"--shape {name}={text}: sizes must be at least 1")
    if math.prod(dims) > MAX_ENTRIES:
        raise UsageError(f"--shape {name}={text}: {math.prod(dims):,} entries, more than {MAX_ENTRIES:,}")
    return dims


def _parameters(loss: Callable[..., Any], spec: str) -> list[str]:
    try:
        params = inspect.signature(loss).parameters.values()
    except (TypeError, ValueError):
        raise UsageError(f"LOSS {spec!r}: cannot read its arguments") from None
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if not names:
        raise UsageError(f"LOSS {spec!r} takes no arguments to differentiate")
    return names


def _position(name: str, names: list[str]) -> int:
    if name not in names:
        raise UsageError(f"--wrt {name!r} is not an argument of LOSS (its arguments: {', '.join(names)})")
    return names.index(name)


def _one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    text = text if len(text) <= 300 else text[:297] + "..."
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
