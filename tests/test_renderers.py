"""Rendering for real through both renderers: Graphviz's dot (when installed) and the graphviz-pure fallback."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import sys

import pytest

from autograd_core import Value
from autograd_core.see import renderers as render_mod
from autograd_core.see.draw import draw, render
from autograd_core.see.renderers import RendererNotFound, RenderError, find_renderer, format_of

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
RENDERERS = [pytest.param("dot", marks=needs_dot), "graphviz-pure"]


def neuron() -> Value:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    y = (w * x + b).tanh()
    y.label = "y"
    y.backward()
    return y


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """PATH without Graphviz's dot: an empty directory. graphviz-pure is still found next to the interpreter."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("AUTOGRAD_CORE_RENDERER", raising=False)
    return empty


@pytest.fixture
def nothing(no_dot, monkeypatch):
    """Neither dot nor graphviz-pure anywhere."""
    monkeypatch.setattr(render_mod, "_scripts_dirs", lambda: [])
    return no_dot


@pytest.mark.parametrize("renderer", RENDERERS)
def test_svg(renderer, tmp_path):
    done = draw(neuron()).save(tmp_path / "neuron.svg", renderer=renderer)
    assert done.renderer.name == renderer
    assert done.path == tmp_path / "neuron.svg"
    text = done.path.read_text(encoding="utf-8")
    assert text.startswith("<?xml") and "<svg" in text and text.rstrip().endswith("</svg>")
    assert f"rendered by autograd-core with {renderer} (" in text
    assert ">tanh<" in text and ">w<" in text and "grad 0.0003632" in text


@pytest.mark.parametrize("renderer", RENDERERS)
def test_png(renderer, tmp_path):
    done = render(neuron(), tmp_path / "neuron.png", renderer=renderer)
    data = done.path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 1000


@needs_dot
def test_pdf_with_dot(tmp_path):
    done = render(neuron(), tmp_path / "neuron.pdf", renderer="dot")
    assert done.path.read_bytes()[:5] == b"%PDF-"


def test_pdf_with_graphviz_pure_names_the_remedy(tmp_path):
    with pytest.raises(RenderError, match=r"graphviz-pure cannot write PDF.*apt-get install graphviz"):
        render(neuron(), tmp_path / "neuron.pdf", renderer="graphviz-pure")


def test_without_dot_on_path_the_fallback_draws(no_dot, tmp_path, caplog):
    assert shutil.which("dot") is None
    assert find_renderer().name == "graphviz-pure"
    with caplog.at_level(logging.INFO, logger="autograd_core.see.renderers"):
        done = render(neuron(), tmp_path / "fallback.svg")
        png = render(neuron(), tmp_path / "fallback.png")
    assert done.renderer.name == "graphviz-pure" and png.renderer.name == "graphviz-pure"
    assert "rendered by autograd-core with graphviz-pure (graphviz-pure version 0.2.2" in done.path.read_text()
    assert png.path.read_bytes()[:4] == b"\x89PNG"
    assert any("rendered svg with graphviz-pure" in r.getMessage() for r in caplog.records)


@needs_dot
def test_dot_is_preferred_when_on_path(monkeypatch):
    monkeypatch.delenv("AUTOGRAD_CORE_RENDERER", raising=False)
    assert find_renderer().name == "dot"


def test_environment_variable_chooses(monkeypatch):
    monkeypatch.setenv("AUTOGRAD_CORE_RENDERER", "graphviz-pure")
    assert find_renderer().name == "graphviz-pure"
    monkeypatch.setenv("AUTOGRAD_CORE_RENDERER", "inkscape")
    with pytest.raises(ValueError, match="unknown renderer 'inkscape'"):
        find_renderer()


def test_with_no_renderer_the_source_remains_and_the_error_names_both_remedies(nothing, tmp_path):
    drawing = draw(neuron())
    assert "tanh" in drawing.source  # DOT source needs no program
    with pytest.raises(RendererNotFound) as info:
        drawing.save(tmp_path / "neuron.svg")
    message = str(info.value)
    assert "pip install graphviz-pure" in message
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    assert not (tmp_path / "neuron.svg").exists()
    done = drawing.save(tmp_path / "neuron.dot")
    assert done.renderer is None and done.path.read_text() == drawing.source


def test_asking_for_a_missing_dot_is_an_error(no_dot):
    with pytest.raises(RendererNotFound, match="'dot' was not found"):
        find_renderer("dot")


def test_a_hanging_renderer_times_out(tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "graphviz-pure"
    fake.parent.mkdir()
    fake.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(10)\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(fake.parent) + os.pathsep + os.environ.get("PATH", ""))
    with pytest.raises(RenderError, match=r"did not finish within 0\.5 s"):
        render_mod.render_source("digraph { a }", tmp_path / "a.svg", "graphviz-pure", timeout=0.5)


def test_a_failing_renderer_reports_its_message(tmp_path):
    with pytest.raises(RenderError, match="graphviz-pure failed"):
        render_mod.render_source("digraph { a -> }", tmp_path / "bad.svg", "graphviz-pure")


def test_format_comes_from_the_extension():
    assert [format_of(f"g.{e}") for e in ("svg", "PNG", "pdf", "dot", "gv")] == ["svg", "png", "pdf", "dot", "gv"]
    with pytest.raises(ValueError, match=r"cannot tell the format of 'g\.bmp'"):
        format_of("g.bmp")


def test_jupyter_gets_inline_svg_without_dot(no_dot):
    drawing = draw(neuron())
    bundle = drawing._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert "rendered by autograd-core with graphviz-pure" in bundle["image/svg+xml"]
    assert drawing._repr_svg_().startswith("<?xml")
    assert drawing._repr_mimebundle_(include=["image/png"])["image/png"][:4] == b"\x89PNG"
