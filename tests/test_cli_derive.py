"""``autograd-core derive``: formula in, matrix formula and its check out; hostile formulas refused by name."""

from __future__ import annotations

import subprocess
import sys

import pytest

from autograd_core.cli.app import main
from autograd_core.cli.derive import parse_shapes
from autograd_core.cli.expression import ExpressionError, matrix_function, parse_matrix


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["derive", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_issues_example_prints_the_formula_and_the_check(capsys):
    code, out, err = run(capsys, "mean(tanh(W@X + b))", "--shape", "W=3x4", "X=4x5", "b=3x1", "--wrt", "W")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "f(W, X, b) = mean(tanh(W@X + b))    (W 3×4, X 4×5, b 3×1)"
    assert lines[1] == "∇_W L = (1/pm) GXᵀ"  # the mean over all p·m entries
    assert "G = 1 − tanh²(Z)" in out and "Z = WX + b1ₘᵀ" in out
    assert lines[-1].startswith("check at fresh random inputs: max |formula − engine| = ")
    assert lines[-1].endswith("the formula agrees with the engine's gradient")


@pytest.mark.parametrize(("formula", "shapes", "first"), [
    ("det(X)", ["X=3x3"], "∇_X f = det(X) X⁻ᵀ"),
    ("trace(A @ X @ B)", ["X=3x4", "A=2x3", "B=4x2"], "∇_X f = AᵀBᵀ"),
    ("a @ inv(X) @ b", ["X=3x3", "a=3", "b=3"], "∇_X f = −X⁻ᵀabᵀX⁻ᵀ"),
    ("trace(X.T @ A @ X)", ["X=3x4", "A=3x3"], "∇_X f = (Aᵀ + A)X"),
    ("logdet(X)", ["X=3x3"], "∇_X f = X⁻ᵀ"),
])
def test_cookbook_formulas(capsys, formula, shapes, first):
    code, out, err = run(capsys, formula, "--shape", *shapes)
    assert code == 0, err
    assert out.splitlines()[1] == first


def test_numerator_layout_and_latex(capsys):
    code, out, err = run(capsys, "mean(tanh(W@X + b))", "--shape", "W=3x4", "X=4x5", "b=3x1", "--wrt", "X",
                         "--layout", "numerator", "--latex")
    assert code == 0, err
    assert out.splitlines()[1] == "∂L/∂X = (1/pm) GᵀW"
    assert r"\frac{\partial L}{\partial \boldsymbol{X}}" in out


@pytest.mark.parametrize(("formula", "shapes", "message"), [
    ("__import__('os').system('true')", ["X=2x2"], "refused"),
    ("X.shape", ["X=2x2"], "attribute .shape"),
    ("max(X)", ["X=2x2"], "call to 'max'"),
    ("sum(X @ W)", ["X=2x2"], "missing shape for 'W'"),
    ("sum(X)", ["X=2x2", "W=2x2"], "unknown variable 'W'"),
    ("sum(X @ X)", ["X=2x3"], "cannot evaluate"),
    ("sum(X)", ["X=2y3"], "cannot read --shape"),
])
def test_refusals_are_one_line_without_traceback(capsys, formula, shapes, message):
    code, _, err = run(capsys, formula, "--shape", *shapes)
    assert code == 2
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_wrt_must_be_a_variable(capsys):
    code, _, err = run(capsys, "sum(X)", "--shape", "X=2x2", "--wrt", "Y")
    assert code == 2 and "--wrt 'Y'" in err


def test_the_parser_never_evaluates_and_builds_a_named_function():
    with pytest.raises(ExpressionError):
        parse_matrix("(lambda: 1)()")
    f = matrix_function("sum(W @ X.T)", ["W", "X"])
    import inspect

    assert list(inspect.signature(f).parameters) == ["W", "X"]
    assert parse_shapes(["W=3x4", "b=3", "s=scalar"]) == {"W": (3, 4), "b": (3,), "s": ()}


def test_the_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "autograd_core", "derive", "sum(X * X)", "--shape", "X=2x3"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "∇_X f = 2X" in result.stdout
