"""``autograd-core check``: a class's submissions graded in one run, each line naming the mistake, and
every broken file reported on its own line without stopping the others."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from autograd_core.cli.app import main

LOSS = """
import numpy as np

def loss(W, X, b, Y):
    return (((W @ X + b[:, None] - Y) ** 2).sum(axis=0)).mean()
"""
SUBMISSIONS = {
    "a_right.py": "def grad_W(W, X, b, Y):\n    return 2 * (W @ X + b[:, None] - Y) @ X.T / X.shape[1]\n",
    "b_transposed.py": "def grad_W(W, X, b, Y):\n    return X @ (2 * (W @ X + b[:, None] - Y)).T\n",
    "c_sign.py": "def grad_W(W, X, b, Y):\n    return 2 * (Y - W @ X - b[:, None]) @ X.T / X.shape[1]\n",
    "d_syntax.py": "def grad_W(W, X, b, Y)\n    return 0\n",
    "e_missing.py": "def gradient(W, X, b, Y):\n    return 0\n",
    "f_raises.py": "def grad_W(W, X, b, Y):\n    raise RuntimeError('not finished')\n",
    "g_string.py": "def grad_W(W, X, b, Y):\n    return 'W'\n",
    "h_nan.py": "import numpy as np\ndef grad_W(W, X, b, Y):\n    return np.full(W.shape, np.nan)\n",
    "i_shape.py": "import numpy as np\ndef grad_W(W, X, b, Y):\n    return np.zeros(7)\n",
    "j_import_error.py": "import no_such_module_anywhere\n",
}
SHAPES = ["--shape", "W=2x3", "X=3x6", "b=2", "Y=2x6"]


@pytest.fixture
def classroom(tmp_path: Path) -> Path:
    (tmp_path / "loss.py").write_text(textwrap.dedent(LOSS))
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name, code in SUBMISSIONS.items():
        (folder / name).write_text(code)
    return tmp_path


def run(capsys, *argv):
    status = main(["check", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_folder_of_right_wrong_and_broken_candidates(classroom, capsys):
    status, out, _ = run(capsys, f"{classroom}/loss.py:loss", f"{classroom}/submissions:grad_W", *SHAPES)
    assert status == 1
    lines = dict(line.split(": ", 1) for line in out.strip().splitlines())
    by_file = {Path(label.rsplit(":", 1)[0]).name: text for label, text in lines.items()}
    assert list(by_file) == sorted(SUBMISSIONS)  # one line each, in name order, none stopped the others
    assert by_file["a_right.py"].startswith("ok (max error")
    assert by_file["b_transposed.py"].startswith("WRONG: transposed — ") and "scaled — " in by_file["b_transposed.py"]
    assert "a missing 1/m (m = 6" in by_file["b_transposed.py"]
    assert by_file["c_sign.py"].startswith("WRONG: sign — ")
    assert by_file["d_syntax.py"] == f"ERROR: {classroom}/submissions/d_syntax.py does not parse: expected ':' (line 1)"
    assert by_file["e_missing.py"] == f"ERROR: {classroom}/submissions/e_missing.py has no function 'grad_W'"
    assert by_file["f_raises.py"] == "ERROR: RuntimeError: not finished"
    assert "must be numbers (an array), got str" in by_file["g_string.py"]
    assert "non-finite entry" in by_file["h_nan.py"]
    assert by_file["i_shape.py"].startswith("WRONG: shape — ")
    assert "raised while loading: ModuleNotFoundError" in by_file["j_import_error.py"]


def test_all_right_exits_0_and_several_wrt_take_a_tuple(classroom, capsys):
    (classroom / "both.py").write_text(
        "def grads(W, X, b, Y):\n"
        "    G = 2 * (W @ X + b[:, None] - Y) / X.shape[1]\n"
        "    return G @ X.T, G.sum(axis=1)\n")
    status, out, _ = run(capsys, f"{classroom}/loss.py:loss", f"{classroom}/both.py:grads", *SHAPES,
                         "--wrt", "W", "b", "--seed", "3")
    assert status == 0 and out.startswith(f"{classroom}/both.py:grads: ok")


def test_the_bias_not_summed_over_the_batch(classroom, capsys):
    (classroom / "bias.py").write_text(
        "def grad_b(W, X, b, Y):\n    return 2 * (W @ X + b[:, None] - Y) / X.shape[1]\n")
    status, out, _ = run(capsys, f"{classroom}/loss.py:loss", f"{classroom}/bias.py:grad_b", *SHAPES, "--wrt", "b")
    assert status == 1 and "missing_batch_sum" in out and "Eq. 27" in out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["{d}/loss.py:loss", "{d}/submissions:grad_W", "--shape", "W=2x3", "X=3x6", "b=2"],
         "--shape is missing 'Y': give every argument of LOSS a shape (its arguments: W, X, b, Y)"),
        (["{d}/loss.py:loss", "{d}/submissions:grad_W", *SHAPES, "Z=3"], "--shape names 'Z', which LOSS does not take"),
        (["{d}/loss.py:loss", "{d}/submissions:grad_W", "--shape", "W=2by3", "X=3x6", "b=2", "Y=2x6"],
         "--shape W='2by3': a shape is sizes joined by x"),
        (["{d}/loss.py:loss", "{d}/submissions:grad_W", "--shape", "W=2000x2000", "X=3x6", "b=2", "Y=2x6"],
         "4,000,000 entries, more than 1,000,000"),
        (["{d}/loss.py:loss", "{d}/submissions:grad_W", *SHAPES, "--wrt", "V"], "--wrt 'V' is not an argument of LOSS"),
        (["{d}/loss.py:nope", "{d}/submissions:grad_W", *SHAPES], "loss.py has no function 'nope'"),
        (["{d}/missing.py:loss", "{d}/submissions:grad_W", *SHAPES], "file '{d}/missing.py' does not exist"),
        (["{d}/loss.py", "{d}/submissions:grad_W", *SHAPES], "LOSS '{d}/loss.py' must be path.py:function"),
    ],
)
def test_usage_errors_exit_2_with_one_line(classroom, capsys, argv, words):
    status, out, err = run(capsys, *[a.format(d=classroom) for a in argv])
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and words.format(d=classroom) in err


def test_an_empty_folder_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "loss.py").write_text(textwrap.dedent(LOSS))
    (tmp_path / "empty").mkdir()
    status, _, err = run(capsys, f"{tmp_path}/loss.py:loss", f"{tmp_path}/empty:grad_W", *SHAPES)
    assert status == 2 and "has no .py files" in err
