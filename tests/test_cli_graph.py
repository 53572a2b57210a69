"""``autograd-core graph``: gradients printed, drawings written, hostile formulas refused without a traceback."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_core.cli.app import main
from autograd_core.see import renderers as render_mod

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["graph", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("renderer", [pytest.param("dot", marks=needs_dot), "graphviz-pure"])
def test_neuron_svg(capsys, tmp_path, renderer):
    target = tmp_path / "neuron.svg"
    code, out, err = run(capsys, "tanh(w*x + b)", "--set", "x=2", "w=-3", "b=1", "-o", str(target),
                         "--renderer", renderer)
    assert code == 0, err
    t = math.tanh(-5.0)
    assert out.splitlines()[0] == f"out = {t:.6g}   (tanh(w*x + b); 6 nodes)"
    assert f"∂out/∂w =  {(1 - t * t) * 2:.6g}" in out
    assert f"∂out/∂x = {(1 - t * t) * -3:.6g}" in out
    assert f"∂out/∂b =  {1 - t * t:.6g}" in out
    assert f"wrote {target} (6 nodes; renderer: {renderer} (" in out
    svg = target.read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and svg.rstrip().endswith("</svg>")
    assert f"rendered by autograd-core with {renderer}" in svg
    assert svg.count('class="node"') == 9  # 6 value boxes + 3 operations
    assert svg.count('class="edge"') == 8
    assert ">tanh<" in svg and ">local 2<" in svg


def test_single_datum_layer_p2_n3(capsys, tmp_path):
    target = tmp_path / "layer.svg"
    code, out, _ = run(capsys, "--example", "layer", "-o", str(target), "--renderer", "graphviz-pure")
    assert code == 0
    # z = W x + b with W = [[.5,-1,.25],[1.5,.2,-.3]], x = [1,2,-1], b = [.1,-.2]; L = ½|z - (0, 1)|²
    z = [0.5 - 2.0 - 0.25 + 0.1, 1.5 + 0.4 + 0.3 - 0.2]
    g = [z[0] - 0.0, z[1] - 1.0]  # ∂L/∂z (Eq. 18: = ∂L/∂b)
    x = [1.0, 2.0, -1.0]
    for i in range(2):
        assert f"∂L/∂b[{i}]   = {g[i]: .6g}" in out
        for j in range(3):
            assert f"∂L/∂W[{i},{j}] = {g[i] * x[j]: .6g}" in out  # Eq. 14: ∂L/∂w_ij = ∂L/∂z_i · x_j
    svg = target.read_text(encoding="utf-8")
    for name in ("W[0,0]", "W[1,2]", "x[2]", "b[1]", "z[0]", "z[1]"):
        assert f">{name}<" in svg
    assert svg.count('class="node"') > 30


def test_batch_example_explains_eq_27(capsys):
    code, out, _ = run(capsys, "--example", "batch", "--explain", "W[0,1]")
    assert code == 0
    assert "is the sum of 4 terms" in out and out.count("= 1/4 × ") == 4 and "(equal)" in out


def test_highlight_and_frames(capsys, tmp_path):
    code, out, _ = run(capsys, "x*y + x", "--set", "x=3", "y=2", "--highlight", "x", "-o", str(tmp_path / "g.dot"),
                       "--frames", str(tmp_path / "frames"))
    assert code == 0
    source = (tmp_path / "g.dot").read_text()
    assert source.count("crimson") > 3
    assert "wrote 5 frames and" in out  # 4 gradient transfers + the final picture
    assert (tmp_path / "frames" / "index.html").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["__import__('os').system('echo pwned')"], "refused call of something that is not a plain function name"),
        (["open('x')"], "refused call to 'open'"),
        (["x.y"], "refused attribute access"),
        (["lambda: 0"], "refused lambda"),
        (["w*x", "--set", "w=1"], "missing value for 'x'"),
        (["w*x", "--set", "w=1", "x=2", "z=3"], "unknown variable 'z'"),
        (["w*x", "--set", "w=one", "x=2"], "'one' is not a number"),
        (["x", "--set", "x=1", "--highlight", "nope"], "--highlight 'nope': no such input (inputs: x)"),
        (["x", "--set", "x=1", "--max-nodes", "0"], "--max-nodes must be at least 1"),
        ([], "give an expression"),
        (["x", "--example", "neuron"], "either an expression or --example"),
        (["log(x)", "--set", "x=0"], "log: needs x > 0"),
    ],
)
def test_bad_input_is_one_line_on_stderr_with_status_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("autograd-core graph: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert out == ""


def test_no_traceback_from_the_real_program():
    done = subprocess.run([sys.executable, "-m", "autograd_core", "graph", "().__class__.__bases__[0]"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == ("autograd-core graph: error: refused subscript: "
                                   "'().__class__.__bases__[0]' at column 1")


def test_without_any_renderer_nothing_but_the_file_asked_for_is_written(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(render_mod, "_scripts_dirs", lambda: [])
    (tmp_path / "g.dot").write_text("mine")  # a sibling .dot is the user's file: never overwritten
    code, _, err = run(capsys, "x*2", "--set", "x=1", "-o", str(tmp_path / "g.svg"))
    assert code == 1 and err.count("\n") == 1
    assert "pip install graphviz-pure" in err and "apt-get install graphviz" in err
    assert "ask for the DOT source, which needs no renderer: -o g.dot" in err
    assert (tmp_path / "g.dot").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot"]


def test_pdf_needs_dot_when_only_graphviz_pure_is_there(capsys, tmp_path):
    code, _, err = run(capsys, "x*2", "--set", "x=1", "-o", str(tmp_path / "g.pdf"), "--renderer", "graphviz-pure")
    assert code == 1 and "graphviz-pure cannot write PDF" in err


DOCS_IMG = Path(__file__).resolve().parent.parent / "docs" / "img"


@pytest.mark.parametrize(
    ("name", "argv"),
    [
        ("neuron.svg", ["tanh(w*x + b)", "--set", "x=2", "w=-3", "b=1"]),
        ("layer.svg", ["--example", "layer", "--highlight", "W[0,1]"]),
        ("batch-grouped.svg", ["--example", "batch", "--max-nodes", "40", "--highlight", "W[0,1]"]),
    ],
)
def test_committed_drawings_are_what_the_cli_draws(capsys, tmp_path, name, argv):
    """docs/img was produced by these commands with graphviz-pure (pinned, so its output is stable)."""
    code, _, _ = run(capsys, *argv, "-o", str(tmp_path / name), "--renderer", "graphviz-pure")
    assert code == 0
    assert (tmp_path / name).read_text(encoding="utf-8") == (DOCS_IMG / name).read_text(encoding="utf-8")


def test_unknown_output_format_is_bad_input_before_any_output(capsys):
    code, out, err = run(capsys, "x*2", "--set", "x=1", "-o", "g.txt")
    assert code == 2 and out == ""
    assert err == ("autograd-core graph: error: cannot tell the format of 'g.txt': "
                   "use a .svg, .png, .pdf or .dot file name\n")


def test_output_through_a_file_is_one_line_naming_the_path(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code, out, err = run(capsys, "x*2", "--set", "x=1", "-o", str(blocker / "g.dot"))
    assert code == 2 and out == ""
    assert err == f"autograd-core graph: error: -o '{blocker / 'g.dot'}': '{blocker}' is not a folder\n"


def test_overflow_is_flagged_on_stderr(capsys):
    code, out, err = run(capsys, "exp(exp(exp(x)))", "--set", "x=10")
    assert code == 0 and "out = inf" in out
    assert err.startswith("autograd-core graph: warning: a value or gradient is inf or nan")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_values_are_refused(capsys, value):
    code, out, err = run(capsys, "x", "--set", f"x={value}")
    assert code == 2 and out == ""
    assert err == f"autograd-core graph: error: cannot read 'x={value}': give a finite number\n"
