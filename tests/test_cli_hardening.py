"""Issue 17, items 1-4: the command line as a hostile tester uses it, run as a real program in a subprocess.

Every reproduction of the issue is here: output paths (folders are never created, an empty path and a path
through a file are refused before any work, nothing but the file asked for is written), resource bounds of
``train`` (one line, exit 2, no traceback), option parsing (``-p/-n/-m``, formulas starting with ``-``,
``--set x=1,y=2``) and messages (short echoes, columns in characters, control characters and look-alikes named,
``1e999`` refused).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_core.cli import train as train_cli
from autograd_core.cli.expression import ExpressionError, _column, parse
from autograd_core.cli.graph import split_formula
from autograd_core.cli.messages import MAX_ECHO, clip, quote, quote_all

ROOT = Path(__file__).resolve().parent.parent


def cli(*argv: str, cwd: Path | None = None, env: dict[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m autograd_core ARGV`` with this checkout's package, whatever the working folder."""
    environment = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "autograd_core", *argv], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=environment, timeout=timeout)


def one_error_line(done: subprocess.CompletedProcess[str], command: str) -> str:
    """The run was refused with status 2, one line on stderr, nothing on stdout, no traceback."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"autograd-core {command}: error: ")
    return lines[0]


# --- 1. output paths -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("verify", ["verify", "--draw"]),
        ("graph", ["graph", "x*2", "--set", "x=1", "-o"]),
        ("train", ["train", "moons", "--no-progress", "--plot"]),
    ],
)
def test_a_missing_folder_is_refused_before_any_work_and_never_created(tmp_path, command, argv):
    target = tmp_path / "nonexistent" / "dir" / "out.svg"
    line = one_error_line(cli(*argv, str(target)), command)
    assert f"folder '{target.parent}' does not exist" in line
    assert not (tmp_path / "nonexistent").exists()


def test_a_relative_path_creates_no_folders(tmp_path):
    cwd = tmp_path / "w1" / "w2"
    cwd.mkdir(parents=True)
    line = one_error_line(cli("graph", "x*2", "--set", "x=1", "-o", "../../a/b/c/x.svg", cwd=cwd), "graph")
    assert "folder '../../a/b/c' does not exist" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w1"]


@pytest.mark.parametrize(
    ("command", "argv", "message"),
    [
        ("verify", ["verify", "--draw", ""], "--draw: the file name is empty"),
        ("graph", ["graph", "x*2", "--set", "x=1", "-o", ""], "-o: the file name is empty"),
        ("graph", ["graph", "x*2", "--set", "x=1", "--frames", ""], "--frames: the folder name is empty"),
        ("train", ["train", "moons", "--plot", ""], "--plot: the file name is empty"),
    ],
)
def test_an_empty_path_is_refused(tmp_path, command, argv, message):
    assert one_error_line(cli(*argv, cwd=tmp_path), command).endswith(message)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_path_through_a_device_names_the_real_problem():
    line = one_error_line(cli("graph", "x*2", "--set", "x=1", "-o", "/dev/full/x.dot"), "graph")
    assert "File exists" not in line
    assert line.endswith("-o '/dev/full/x.dot': '/dev/full' is not a folder")


def test_a_path_through_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("a file")
    line = one_error_line(cli("verify", "--draw", str(tmp_path / "file" / "sub" / "x.svg")), "verify")
    assert line.endswith(f"'{tmp_path / 'file'}' is not a folder")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        line = one_error_line(cli("graph", "x", "--set", "x=1", "-o", str(folder / "g.dot")), "graph")
    finally:
        folder.chmod(0o700)
    assert line.endswith(f"the folder '{folder}' is not writable")


def test_frames_need_an_existing_parent(tmp_path):
    line = one_error_line(cli("graph", "x*2", "--set", "x=1", "--frames", str(tmp_path / "a" / "frames")), "graph")
    assert f"folder '{tmp_path / 'a'}' does not exist" in line
    done = cli("graph", "x*2", "--set", "x=1", "--frames", str(tmp_path / "frames"))
    assert done.returncode == 0 and (tmp_path / "frames" / "index.html").exists()


def test_a_missing_renderer_writes_nothing_else(tmp_path):
    (tmp_path / "g.dot").write_text("the user's own file")
    done = cli("graph", "x*2", "--set", "x=1", "-o", str(tmp_path / "g.svg"), "--renderer", "dot",
               env={"PATH": str(tmp_path)})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "'dot' was not found" in done.stderr and "-o g.dot" in done.stderr
    assert (tmp_path / "g.dot").read_text() == "the user's own file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot"]


def test_an_existing_file_is_overwritten_as_the_help_says(tmp_path):
    target = tmp_path / "g.dot"
    target.write_text("old")
    done = cli("graph", "x*2", "--set", "x=1", "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert "digraph" in target.read_text() and "old" not in target.read_text()
    for command, option in (("verify", "--draw"), ("graph", "--output"), ("train", "--plot")):
        text = " ".join(cli(command, "--help").stdout.split())
        assert "is overwritten" in text and "never created" in text, (command, option)


# --- 2. resource bounds --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["digits", "--hidden", "100000,100000"], "would need about 1.18 TiB of memory (limit 2 GiB)"),
        (["digits", "--hidden", "40000,40000"], "of memory (limit 2 GiB)"),
        (["moons", "--samples", "100000000"], "on 100,000,000 points for 100 epochs would need about"),
        (["moons", "--epochs", "1000000000000"], "would take about"),
        (["digits", "--epochs", "100000000"], "(limit 30 minutes)"),
        (["moons", "--hidden", ",".join(["1"] * 20000)], "… ("),
    ],
)
def test_train_sizes_are_bounded_in_one_line(argv, message):
    line = one_error_line(cli("train", *argv, timeout=30), "train")
    assert message in line and len(line) < 400


def test_train_help_states_the_limits():
    text = " ".join(cli("train", "--help").stdout.split())
    assert "Limits, checked before any work: a run must fit in 2 GiB of memory and an estimated 30 minutes" in text
    assert "2-16-16-1 takes at most 15,813 points" in text
    assert "one hidden layer of at most 32,002 units at 30 epochs" in text


def test_the_limits_admit_the_demos_and_stop_at_the_numbers_the_help_gives():
    assert train_cli.check_budget("moons", (16, 16), 100, 100) is None
    assert train_cli.check_budget("digits", (64,), 30, 100) is None
    assert train_cli.check_budget("moons", (16, 16), 1, 15_813) is None
    assert "memory" in train_cli.check_budget("moons", (16, 16), 1, 15_814)
    assert train_cli.check_budget("digits", (32_002,), 30, 0) is None
    assert "memory" in train_cli.check_budget("digits", (32_003,), 30, 0)
    memory, seconds = train_cli.estimate("moons", (16, 16), 100, 100)
    assert memory == 67_900 * train_cli.BYTES_PER_NODE and 10 < seconds < 40  # README: the run takes ~20 s


# --- 3. option parsing ---------------------------------------------------------------------------------------
def test_verify_takes_short_options():
    done = cli("verify", "-p", "2", "-n", "3", "-m", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("autograd-core verify: p=2 n=3 m=2 ")


@pytest.mark.parametrize(
    "argv",
    [
        ["-x*2", "--set", "x=2"],
        ["--", "-x*2", "--set", "x=2"],
        ["--set", "x=2", "-x*2"],
        ["--set", "x=2", "--", "-x*2"],
        ["--no-local", "-x*2", "--set", "x=2", "--rankdir", "TB"],
    ],
)
def test_a_formula_may_start_with_a_minus_anywhere(argv):
    done = cli("graph", *argv)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("out = -4   (-x*2; 4 nodes)") and "∂out/∂x = -2" in done.stdout


def test_split_formula_keeps_options_and_their_values():
    assert split_formula(["-o", "-x.svg", "-x*2"]) == (["-o", "-x.svg"], ["-x*2"])
    assert split_formula(["-ox.svg", "--out=g.dot", "--max", "-1", "-x"]) == (
        ["-ox.svg", "--out=g.dot", "--max", "-1"], ["-x"])
    assert split_formula(["--", "-o", "--set", "o=1"]) == (["--set", "o=1"], ["-o"])
    assert split_formula(["-h"]) == (["-h"], [])
    assert split_formula(["--x*2", "-2"]) == ([], ["--x*2", "-2"])


def test_two_formulas_are_refused():
    line = one_error_line(cli("graph", "x", "-x", "--set", "x=1"), "graph")
    assert "give one expression" in line


@pytest.mark.parametrize("argv", [["x=1,y=2"], ["x=1", "y=2"], ["x=1,", "y=2"], ["x=1, y=2"], ["x=1,,y=2"]])
def test_set_takes_commas_and_spaces(argv):
    done = cli("graph", "x*y", "--set", *argv)
    assert done.returncode == 0, done.stderr
    assert "∂out/∂x =  2" in done.stdout and "∂out/∂y =  1" in done.stdout


def test_set_refuses_an_item_of_commas_alone():
    line = one_error_line(cli("graph", "x*y", "--set", "x=1", ",", "y=2"), "graph")
    assert "cannot read ',': write NAME=NUMBER" in line


# --- 4. messages ---------------------------------------------------------------------------------------------
def test_five_thousand_unknown_names_give_a_short_line():
    names = [f"v{i}=1" for i in range(5000)]
    line = one_error_line(cli("graph", "x", "--set", "x=1", *names), "graph")
    assert len(line) < 2 * MAX_ECHO and "… and " in line and " more: the expression uses x" in line


@pytest.mark.parametrize(
    "argv",
    [
        ["graph", "x", "--set", "x=" + "9" * 100_000],
        ["graph", "x", "--set", "x=" + "a" * 100_000],
        ["graph", "x", "--set", "x=1", "--highlight", "h" * 100_000],
        ["graph", "x", "--set", "x=1", "-o", "g" * 100_000 + ".svg"],
        ["graph", "x +* " + "x" * 1_990],
        ["train", "moons", "--plot", "p" * 100_000],
        ["train", "moons", "--epochs", "e" * 100_000],
        ["verify", "--p", "p" * 100_000],
        ["verify", "--loss", "l" * 100_000],
    ],
)
def test_a_long_value_is_not_echoed_whole(argv):
    done = cli(*argv)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and len(done.stderr) < 2.5 * MAX_ECHO, done.stderr[:500]
    assert "…" in done.stderr


def test_clip_and_quote():
    assert clip("abc") == "abc" and quote("abc") == "'abc'"
    assert clip("a" * 1000) == "a" * MAX_ECHO + "… (1,000 characters)"
    assert quote("a" * 1000) == "'" + "a" * MAX_ECHO + "…' (1,000 characters)"
    assert quote("\x00" * 150).count("\\x00") < 60
    assert quote_all(["a", "b"]) == "'a', 'b'"
    assert quote_all([f"n{i}" for i in range(1000)]).endswith("more")


def test_nul_and_control_characters_are_named():
    with pytest.raises(ExpressionError) as info:
        parse("x\x00+1")
    assert str(info.value) == ("refused control character U+0000 (NUL) at column 2: a formula is one line of "
                               "visible text")
    line = one_error_line(cli("graph", "x+\x1b[31m", "--set", "x=1"), "graph")
    assert "U+001B (ESCAPE) at column 3" in line
    line = one_error_line(cli("graph", "x\u200b+1", "--set", "x=1"), "graph")
    assert "U+200B (ZERO WIDTH SPACE) at column 2" in line


def test_columns_count_characters_not_bytes():
    line = one_error_line(cli("graph", "(x + é) + y.z", "--set", "x=1", "y=2"), "graph")
    assert "at column 6" in line and "column 12" not in line
    assert _column("é + x", 5) == 5  # ast's col_offset of x is 5 bytes in, the 5th character is x


def test_look_alike_names_are_refused_not_merged():
    line = one_error_line(cli("graph", "ｘ + x", "--set", "x=1"), "graph")
    assert line.endswith("refused 'ｘ' (U+FF58 FULLWIDTH LATIN SMALL LETTER X) at column 1: Python would silently "
                         "read it as 'x' (Unicode NFKC normalisation); type 'x' instead")
    line = one_error_line(cli("graph", "𝑥*2", "--set", "x=1"), "graph")
    assert "Python would silently read it as 'x'" in line


@pytest.mark.parametrize("literal", ["1e999", "-1e999", "1" * 400])
def test_a_literal_that_overflows_is_refused_like_set_inf(literal):
    line = one_error_line(cli("graph", f"x + {literal}", "--set", "x=1"), "graph")
    assert "refused number too large for a float" in line
