"""The ``autograd-core`` entry point: usage errors are one line, help texts read as written."""

from __future__ import annotations

import pytest

from autograd_core.cli.app import build_parser, main


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["bogus"], "autograd-core: error: argument COMMAND: invalid choice: 'bogus'"),
        (["verify", "--p", "x"], "autograd-core verify: error: argument -p/--p: invalid int value: 'x'"),
        (["train"], "autograd-core train: error: the following arguments are required: {moons,digits}"),
        (["graph", "--example", "nope"], "autograd-core graph: error: argument --example: invalid choice: 'nope'"),
    ],
)
def test_usage_errors_are_one_line_pointing_to_help(capsys, argv, line):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert err.startswith(line) and err.endswith(" --help)\n") and err.count("\n") == 1


def test_no_command_runs_the_demo(capsys):
    assert main([]) == 0
    assert "gradients agree with central differences" in capsys.readouterr().out


def test_help_texts_show_percent_signs_once():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, subparser in sub.choices.items():
        text = subparser.format_help()
        assert "%%" not in text, name
    assert "target: 100% training accuracy" in " ".join(sub.choices["train"].format_help().split())


def test_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"autograd-core {version('autograd-core')}\n"


def test_ctrl_c_is_one_line_and_status_130(monkeypatch, capsys):
    import autograd_core.cli.app as cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_demo", interrupted)
    assert cli.main(["demo"]) == 130
    assert capsys.readouterr().err == "\nautograd-core demo: interrupted\n"
