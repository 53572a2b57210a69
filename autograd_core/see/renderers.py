"""Turning DOT source into SVG / PNG / PDF, on a machine with or without Graphviz.

Graphviz's ``dot`` program is used when it is on ``PATH``. A fresh machine usually has none, so
the fallback is ``graphviz-pure`` (a pinned dependency: a self-contained port of Graphviz 16.1
that installs a program of that name, never one called ``dot``). With neither, the DOT source
is still available (``Digraph.source``, or save to ``.dot``) and rendering raises
:class:`RendererNotFound` naming both remedies.

The program is called directly with the DOT source on stdin rather than through the
``graphviz`` package's global ``DOT_BINARY`` switch, so choosing a renderer never changes
global state, and every call has a timeout: a drawing never hangs the caller.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
import sys
import sysconfig
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

log = logging.getLogger("autograd_core.see.renderers")

RENDERERS = ("dot", "graphviz-pure")
FORMATS = ("svg", "png", "pdf")
#: formats each renderer can write (graphviz-pure 0.2.2 has no PDF backend).
_SUPPORTED = {"dot": frozenset(FORMATS), "graphviz-pure": frozenset({"svg", "png"})}
DEFAULT_TIMEOUT = 60.0

_REMEDIES = (
    "install one of: `pip install graphviz-pure` (a self-contained renderer, SVG and PNG) or "
    "Graphviz's dot (`apt-get install graphviz` / `brew install graphviz`)"
)


class RendererNotFound(RuntimeError):
    """Neither Graphviz's ``dot`` nor ``graphviz-pure`` can be found (or the one asked for is missing)."""


class RenderError(RuntimeError):
    """The renderer ran but failed, timed out, or cannot write the requested format."""


class Renderer(NamedTuple):
    """A program that turns DOT into pictures: its name (``"dot"`` or ``"graphviz-pure"``) and path."""

    name: str
    path: str

    @property
    def version(self) -> str:
        """The program's version line, e.g. ``graphviz-pure version 0.2.2 (Rust port of Graphviz 16.1.0)``."""
        return _version(self.path)

    def describe(self) -> str:
        """Name, version and path, for log lines and metadata comments."""
        return f"{self.name} ({self.version}) at {self.path}"


class Rendered(NamedTuple):
    """What :func:`render_source` wrote: the file and the renderer that drew it (``None`` for ``.dot``)."""

    path: Path
    renderer: Renderer | None


@lru_cache(maxsize=8)
def _version(path: str) -> str:
    try:
        out = subprocess.run([path, "-V"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "version unknown"
    text = (out.stderr or out.stdout).strip().splitlines()
    line = text[0] if text else "version unknown"
    # "dot - graphviz version 2.43.0 (0)" -> "graphviz version 2.43.0 (0)"
    return line.split(" - ", 1)[-1]


def _scripts_dirs() -> list[Path]:
    """Where pip puts console scripts for *this* interpreter.

    ``.venv/bin/python -m autograd_core`` runs without the venv activated, so ``.venv/bin`` (where
    graphviz-pure lives) is not on ``PATH``; look next to the interpreter too.
    """
    dirs = [Path(sys.executable).parent]
    scripts = sysconfig.get_path("scripts")
    if scripts:
        dirs.append(Path(scripts))
    return dirs


def _which(name: str) -> str | None:
    found = shutil.which(name)
    if found or name == "dot":  # `dot` counts only when on PATH: hiding it must hide it
        return found
    for folder in _scripts_dirs():
        candidate = shutil.which(name, path=str(folder))
        if candidate:
            return candidate
    return None


def find_renderer(prefer: str | None = None) -> Renderer:
    """The renderer to use: ``dot`` when on ``PATH``, else ``graphviz-pure``.

    ``prefer`` (``"dot"``, ``"graphviz-pure"`` or ``None``/``"auto"``) asks for one; so does the
    environment variable ``AUTOGRAD_CORE_RENDERER``. Raises :class:`RendererNotFound` naming both
    remedies when nothing usable is installed.
    """
    choice = prefer or os.environ.get("AUTOGRAD_CORE_RENDERER") or "auto"
    if choice not in ("auto", *RENDERERS):
        raise ValueError(f"unknown renderer {choice!r}: choose 'auto', 'dot' or 'graphviz-pure'")
    names = RENDERERS if choice == "auto" else (choice,)
    for name in names:
        path = _which(name)
        if path:
            return Renderer(name, path)
    wanted = "Graphviz's dot nor graphviz-pure was" if choice == "auto" else f"{choice!r} was not"
    prefix = "neither " if choice == "auto" else ""
    raise RendererNotFound(f"{prefix}{wanted} found, so the DOT source cannot be drawn; {_REMEDIES}")


def format_of(path: str | os.PathLike[str]) -> str:
    """The output format named by a file's extension: ``svg``, ``png``, ``pdf`` or ``dot``/``gv``."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in (*FORMATS, "dot", "gv"):
        return suffix
    raise ValueError(f"cannot tell the format of {str(path)!r}: use a .svg, .png, .pdf or .dot file name")


def run_renderer(source: str, fmt: str, renderer: Renderer, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Render DOT ``source`` to ``fmt`` bytes with ``renderer``; errors name the renderer and the reason."""
    if fmt not in _SUPPORTED[renderer.name]:
        raise RenderError(
            f"{renderer.name} cannot write {fmt.upper()} (it writes {', '.join(sorted(_SUPPORTED[renderer.name]))}); "
            "save as .svg or .png, or install Graphviz's dot (`apt-get install graphviz` / `brew install graphviz`)"
        )
    try:
        done = subprocess.run(
            [renderer.path, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(
            f"{renderer.name} did not finish within {timeout:g} s; draw fewer nodes (max_nodes) or raise the timeout"
        ) from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = message[-1] if message else "no message"
        raise RenderError(f"{renderer.name} failed (exit {done.returncode}): {reason}")
    log.info("rendered %s with %s", fmt, renderer.describe())
    return done.stdout


def _stamp_svg(svg: str, renderer: Renderer) -> str:
    """Add a comment naming the renderer after the XML prolog: the drawing says how it was made."""
    comment = f"<!-- rendered by autograd-core with {renderer.name} ({renderer.version}) -->\n"
    marker = "<svg"
    at = svg.find(marker)
    return svg if at < 0 else svg[:at] + comment + svg[at:]


def source_to_svg(source: str, prefer: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> str:
    """The SVG text of DOT ``source`` (with the renderer named in a comment), for notebooks and pages."""
    renderer = find_renderer(prefer)
    svg = run_renderer(source, "svg", renderer, timeout).decode("utf-8")
    return _stamp_svg(svg, renderer)


def render_source(
    source: str, path: str | os.PathLike[str], prefer: str | None = None, timeout: float = DEFAULT_TIMEOUT
) -> Rendered:
    """Write DOT ``source`` to ``path`` in the format its extension names (svg, png, pdf, or dot/gv as text).

    Returns the path and the renderer used (also logged at INFO, and written into SVG output as a
    comment). Only that one file is written, overwriting a file of the same name; its folder must
    exist (nothing creates it: a typo in a folder name is an error, not a new folder), and a
    missing one raises :class:`FileNotFoundError` before the renderer runs.
    """
    out = Path(path)
    fmt = format_of(out)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(errno.ENOENT, f"folder {str(folder)!r} does not exist (create it first)", str(out))
    if fmt in ("dot", "gv"):
        out.write_text(source, encoding="utf-8")
        return Rendered(out, None)
    renderer = find_renderer(prefer)
    data = run_renderer(source, fmt, renderer, timeout)
    if fmt == "svg":
        out.write_text(_stamp_svg(data.decode("utf-8"), renderer), encoding="utf-8")
    else:
        out.write_bytes(data)
    return Rendered(out, renderer)
