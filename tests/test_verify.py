"""verify: the four-way check of Eq. 15-30 passes, and fails loudly when an engine is broken."""

import numpy as np
import pytest

from autograd_core.cli import app as cli
from autograd_core.engine import ops
from autograd_core.layer import verify


@pytest.mark.parametrize("loss", ["squares", "tanh", "softmax_ce"])
def test_passes_at_the_defaults(loss):
    report = verify.run(loss=loss)
    assert report.passed, str(report)
    assert len(report.rows) == 12
    assert {row.equation for row in report.rows} >= {"Eq. 15", "Eq. 16", "Eq. 21–22", "Eq. 29", "Eq. 30"}
    for row in report.rows:
        assert row.value_diff is not None and row.value_diff < 1e-12
        if row.equation != "Eq. 26":
            assert row.fd_diff is not None and row.fd_diff < 1e-7
    assert all(row.tensor_diff is not None and row.tensor_diff < 1e-12 for row in report.rows)


@pytest.mark.parametrize("loss", ["squares", "softmax_ce"])
def test_passes_at_16_16_32(loss):
    report = verify.run(16, 16, 32, seed=3, loss=loss)
    assert report.passed, str(report)
    shapes = {row.quantity: row.shape for row in report.rows}
    assert shapes["∂L/∂W"] == (16, 16) and shapes["∇_X L"] == (16, 32)
    assert report.stats["value_nodes"] > 16 * 16 * 32  # the literal scalar graph was built


def test_shapes_follow_the_seed_layouts():
    report = verify.run(p=2, n=3, m=4)
    shapes = {row.equation: row.shape for row in report.rows}
    assert shapes["Eq. 15"] == (3, 2) and shapes["Eq. 16"] == (2, 3)  # n×p vs p×n
    assert shapes["Eq. 18"] == (1, 2) and shapes["Eq. 19"] == (2,)
    assert shapes["Eq. 21–22"] == (2, 3) and shapes["Eq. 23"] == (1, 3) and shapes["Eq. 24"] == (3,)
    assert shapes["Eq. 27–28"] == (3, 2) and shapes["Eq. 29"] == (2, 3) and shapes["Eq. 30"] == (3, 4)


def test_a_broken_multiply_rule_fails_loudly(monkeypatch):
    """∂(a·b)/∂a = 1.001·b instead of b: the scalar graph's rows must fail, and the report say so."""
    monkeypatch.setattr(ops, "MUL", ops.MUL._replace(d_a=lambda xp, a, b, out: 1.001 * b))
    report = verify.run()
    assert not report.passed
    failed = {row.equation for row in report.failures}
    assert {"Eq. 16", "Eq. 29", "Eq. 30"} <= failed
    assert all(row.value_diff > 1e-6 for row in report.failures if row.equation in {"Eq. 16", "Eq. 29"})
    # one derivative table: the Tensor engine is broken by the same edit
    assert all(row.tensor_diff > 1e-6 for row in report.failures if row.equation in {"Eq. 16", "Eq. 29"})
    text = str(report)
    assert "FAIL" in text and "quantities disagree" in text


def test_a_broken_tensor_result_fails(monkeypatch):
    def broken(pb, stats=None):
        out = verify.closed_form_results(pb)
        out["grad_X_batch"] = out["grad_X_batch"] + 1e-6
        return out

    monkeypatch.setattr(verify, "tensor_results", broken)
    report = verify.run()
    assert [row.equation for row in report.failures] == ["Eq. 30"]
    assert report.failures[0].tensor_diff == pytest.approx(1e-6, rel=1e-6)


def test_a_broken_closed_form_fails_against_every_way(monkeypatch):
    from autograd_core import closed_form

    real = closed_form.grad_b_batch
    monkeypatch.setattr(closed_form, "grad_b_batch", lambda G, weights=None: real(G, weights) * 1.01)
    report = verify.run()
    (row,) = report.failures
    assert row.quantity == "∇_b L" and row.value_diff > 1e-6 and row.fd_diff > 1e-6


def test_an_engine_that_raises_is_reported_not_swallowed(monkeypatch):
    def boom(pb, stats=None):
        raise RuntimeError("engine on fire")

    monkeypatch.setattr(verify, "value_results", boom)
    report = verify.run()
    assert not report.passed and len(report.failures) == 12
    assert "engine on fire" in str(report)


def test_a_wrong_shape_is_a_failure(monkeypatch):
    real = verify.value_results

    def transposed(pb, stats=None):
        out = real(pb, stats)
        out["grad_W"] = out["grad_W"].T
        return out

    monkeypatch.setattr(verify, "value_results", transposed)
    report = verify.run(p=2, n=3)
    assert [row.equation for row in report.failures] == ["Eq. 16"]
    assert "gave shape (3, 2)" in str(report)


def test_nan_never_passes():
    row = verify.Row("Eq. 0", "q", (1,), float("nan"), None, 0.0, 1e-9, 1e-6)
    assert not row.passed


def test_cli_prints_the_table_and_exits_zero(capsys):
    assert cli.main(["verify", "--p", "2", "--n", "3", "--m", "2", "--loss", "tanh"]) == 0
    out = capsys.readouterr().out
    assert "Eq. 29" in out and "PASS: all 12 quantities agree" in out and "loss=tanh" in out


def test_cli_exits_nonzero_on_failure(monkeypatch, capsys):
    monkeypatch.setattr(ops, "MUL", ops.MUL._replace(d_b=lambda xp, a, b, out: a + 0.01))
    assert cli.main(["verify"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_cli_help_and_bad_sizes(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["verify", "--help"])
    assert exc.value.code == 0
    assert "--loss" in capsys.readouterr().out
    assert cli.main(["verify", "--n", "0"]) == 2
    assert capsys.readouterr().err == "autograd-core verify: error: n must be a positive integer, got 0\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--p", "-3"], "p must be a positive integer, got -3"),
        (["--p", "100000", "--n", "100000"], "W is 100000×100000 and X 100000×5"),
        (["--p", "1", "--n", "1", "--m", "5000"], "so each may have at most 4,096 entries"),
        (["--p", "64", "--n", "64", "--m", "65"], "each may have at most 4,096 entries"),
        (["--tol", "-1"], "tol must be a non-negative number, got -1.0"),
        (["--fd-tol", "nan"], "fd_tol must be a non-negative number, got nan"),
        (["--seed", "-1"], "seed must be a non-negative integer, got -1"),
        (["--draw", "out.txt"], "cannot tell the format of 'out.txt'"),
    ],
)
def test_cli_bad_options_are_one_line_before_any_work(capsys, argv, message):
    assert cli.main(["verify", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # refused before the table is computed
    assert captured.err.startswith("autograd-core verify: error: ") and message in captured.err
    assert captured.err.count("\n") == 1


def test_cli_draw_into_a_directory_is_refused(capsys, tmp_path):
    assert cli.main(["verify", "--draw", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    (tmp_path / "d.svg").mkdir()
    assert cli.main(["verify", "--draw", str(tmp_path / "d.svg")]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_size_limit_admits_the_documented_largest_layer():
    verify.check_size(64, 64, 64)
    verify.check_size(4096, 1, 1)
    with pytest.raises(ValueError, match="scalar graph would have about"):
        verify.check_size(128, 32, 128)  # p·n = n·m = 4,096 but p·n·m = 524,288


def test_problem_is_reproducible():
    a, b = verify.make_problem(3, 4, 5, 7, "softmax_ce"), verify.make_problem(3, 4, 5, 7, "softmax_ce")
    np.testing.assert_array_equal(a.W, b.W)
    np.testing.assert_array_equal(a.target, b.target)
    assert a.target.shape == (5,) and a.W.shape == (3, 4)
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        verify.make_problem(3, 4, 5, 0, "l1")


def test_verify_draw_writes_the_single_datum_graph(tmp_path, capsys):
    from autograd_core.cli.app import main

    target = tmp_path / "layer.svg"
    assert main(["verify", "--draw", str(target)]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and f"to {target}" in out and "54 nodes" in out
    svg = target.read_text()
    assert svg.lstrip().startswith(("<?xml", "<!--", "<svg")) and "W[0,0]" in svg and "L(k)" in svg


def test_verify_draw_to_dot_needs_no_renderer(tmp_path, capsys):
    from autograd_core.cli.app import main

    target = tmp_path / "layer.dot"
    assert main(["verify", "--p", "2", "--n", "3", "--m", "2", "--draw", str(target)]) == 0
    assert "as DOT source" in capsys.readouterr().out
    assert "digraph autograd_core {" in target.read_text()


def test_wide_layer_finite_differences_pass_with_a_loss_scaled_tolerance():
    """p = 2048: L⁽ᵏ⁾ is a sum of 2048 squares (~4,000), so difference quotients carry ~1e-5 of rounding."""
    report = verify.run(2048, 1, 1, 2, "squares")
    assert report.passed, str(report)
    assert max(r.fd_diff for r in report.rows if r.fd_diff is not None) > 10 * verify.DEFAULT_FD_TOL
    row = next(r for r in report.rows if r.equation == "Eq. 24")
    assert row.fd_tol > 1000 * verify.DEFAULT_FD_TOL
    jac = next(r for r in report.rows if r.equation == "Eq. 21–22")
    assert jac.fd_tol == verify.DEFAULT_FD_TOL  # differences of z, not of a loss


def test_a_wrong_gradient_still_fails_the_finite_difference_column(monkeypatch):
    real = verify.closed_form_results

    def off_by_a_percent(pb):
        out = real(pb)
        out["grad_W"] = out["grad_W"] * 1.01
        return out

    monkeypatch.setattr(verify, "closed_form_results", off_by_a_percent)
    report = verify.run(3, 4, 5, 0, "squares")
    row = next(r for r in report.rows if r.equation == "Eq. 16")
    assert not row.passed and row.fd_diff > row.fd_tol
