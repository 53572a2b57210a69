"""fit: tiny versions of both demos reach their accuracy; the in-training gradient check passes on
honest models and stops sabotaged ones; bad input and NaN losses stop with clear messages; the CLI."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import nn
from autograd_core.cli.app import main
from autograd_core.engine import ops
from autograd_core.learn.data import make_moons
from autograd_core.learn.demos import train_digits, train_moons
from autograd_core.learn.optim import SGD, Adam
from autograd_core.learn.training import (
    GradientCheckError,
    NonFiniteLossError,
    accuracy,
    check_gradients,
    fit,
    predict,
)


# --- the demos, small --------------------------------------------------------------------------------
def test_value_mlp_reaches_100_percent_on_tiny_moons():
    result = train_moons(n_samples=30, hidden=(8, 8), epochs=100, progress=False, check_every=25)
    assert result.accuracy == 1.0
    assert result.history.checks == 4 and result.history.max_check_error < 1e-12
    assert result.history.epochs == 100 and result.history.loss[-1] < result.history.loss[0]


def test_tensor_mlp_reaches_95_percent_test_accuracy_on_digits():
    result = train_digits(epochs=10, progress=False, check_every=40)
    assert len(result.X) == 450  # the held-out quarter
    assert result.accuracy >= 0.95
    assert result.history.val_accuracy[-1] == pytest.approx(result.accuracy)
    assert result.history.checks >= 5 and result.history.max_check_error < 1e-12


# --- the gradient check ----------------------------------------------------------------------------------
def small_problem(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 5))
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int) + (X[:, 2] > 0.5).astype(int)  # three classes
    return X, y


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_gradient_check_passes_for_the_tensor_mlp_every_step(activation):
    X, y = small_problem()
    model = nn.TensorMLP(5, [8, 3], activation, seed=1)
    history = fit(model, X, y, loss="cross_entropy", epochs=3, batch_size=16, check_every=1, l2=1e-3,
                  progress=False, seed=0)
    assert history.checks == history.steps == 9
    assert history.max_check_error < 1e-12


def test_gradient_check_passes_for_the_value_mlp_with_mse():
    X, y = small_problem()
    y_pm = np.where(y > 0, 1.0, -1.0)
    model = nn.MLP(5, [4, 1], "tanh", seed=2)
    history = fit(model, X[:12], y_pm[:12], loss="mse", optimizer=SGD(model.parameters(), lr=0.05), epochs=2,
                  check_every=1, progress=False)
    assert history.checks == 2 and history.max_check_error < 1e-12


def test_gradient_check_catches_a_wrong_derivative_rule(monkeypatch):
    """Sabotage the table: tanh' = 1 - tanh (instead of 1 - tanh²). The forward pass is unchanged."""
    broken = ops.TANH._replace(derivative=lambda xp, x, out: 1.0 - out)
    monkeypatch.setattr(ops, "TANH", broken)
    X, y = small_problem()
    model = nn.TensorMLP(5, [8, 3], "tanh", seed=1)
    with pytest.raises(GradientCheckError, match=r"at step 1: layer 1 W\[\d+,\d+\]: the engine's gradient is"):
        fit(model, X, y, loss="cross_entropy", epochs=1, check_every=5, progress=False)


class CorruptingLinear(nn.Linear):
    """A layer whose backward pass is wrong but whose forward pass is right: it adds
    ``1e-3·(X Wᵀ) - 1e-3·(X Wᵀ)`` with the second term detached, which is exactly zero forward
    but routes an extra ``1e-3·(∂L/∂Z)ᵀ X`` into ``W.grad``."""

    def forward(self, X):
        Z = super().forward(X)
        X_const = X.detach()
        extra = (X_const @ self.W.T) * 1e-3
        return Z + extra - extra.detach()


def test_gradient_check_catches_a_layer_that_corrupts_its_gradient():
    X, y = small_problem()
    model = nn.TensorMLP(5, [8, 3], "tanh", seed=1)
    model.layers[1].__class__ = CorruptingLinear
    # the forward pass is still the MLP's ...
    honest = nn.TensorMLP(5, [8, 3], "tanh", seed=1)
    np.testing.assert_allclose(model.scores(X).data, honest.scores(X).data, rtol=1e-13, atol=1e-15)
    # ... but W_2's gradient is off by a relative 1e-3: caught, and the message says where
    with pytest.raises(GradientCheckError, match=r"at step 1: layer 2 W\[\d,\d\]") as info:
        fit(model, X, y, loss="cross_entropy", epochs=2, check_every=2, progress=False)
    assert "closed-form backprop" in str(info.value) and "TensorMLP 5-8-3" in str(info.value)


def test_check_gradients_needs_an_mlp():
    class Plain(nn.Module):
        nin, nout = 2, 1

    with pytest.raises(TypeError, match="lacks weights"):
        check_gradients(Plain(), np.zeros((1, 2)), np.zeros(1), loss="mse")


# --- history, callback, evaluation --------------------------------------------------------------------
def test_history_callback_and_early_stop():
    X, y = small_problem()
    model = nn.TensorMLP(5, [8, 3], seed=0)
    seen = []

    def callback(epoch, history):
        seen.append((epoch, len(history.loss)))
        return epoch == 3  # stop after the fourth epoch

    history = fit(model, X, y, epochs=50, batch_size=8, validation=(X[:10], y[:10]), callback=callback,
                  progress=False, seed=0)
    assert seen == [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert history.epochs == 4 and history.steps == 20
    assert len(history.accuracy) == len(history.val_accuracy) == len(history.lr) == 4
    assert all(0.0 <= a <= 1.0 for a in history.accuracy) and history.seconds > 0


def test_predict_and_accuracy_for_each_loss():
    X, y = make_moons(60, noise=0.05, seed=3)
    y_pm = 2 * y - 1
    model = nn.TensorMLP(2, [16, 1], "tanh", seed=0)
    fit(model, X, y_pm, loss="hinge", optimizer=Adam(model.parameters(), lr=0.05), epochs=150, progress=False)
    assert set(np.unique(predict(model, X, loss="hinge"))) <= {-1, 1}
    assert accuracy(model, X, y_pm, loss="hinge") >= 0.95
    assert np.mean(predict(model, X, loss="hinge") == y_pm) == accuracy(model, X, y_pm, loss="hinge")
    multi = nn.TensorMLP(2, [16, 2], "tanh", seed=0)
    fit(multi, X, np.eye(2)[y], loss="mse", optimizer=Adam(multi.parameters(), lr=0.05), epochs=150, progress=False)
    assert accuracy(multi, X, np.eye(2)[y], loss="mse") >= 0.95


def test_progress_bar_goes_to_stderr(capsys):
    X, y = small_problem()
    fit(nn.TensorMLP(5, [3], seed=0), X, y, epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "2/2" in err and "loss=" in err


# --- bad input -----------------------------------------------------------------------------------------------
def test_wrong_feature_count_names_expected_and_actual():
    X, y = small_problem()
    model = nn.TensorMLP(4, [3], seed=0)
    expected = r"the model expects 4 features per sample, but X has 5 \(X has shape \(40, 5\)\)"
    with pytest.raises(ValueError, match=expected):
        fit(model, X, y, progress=False)
    with pytest.raises(ValueError, match="validation data: the model expects 4 features"):
        fit(model, X[:, :4], y, validation=(X, y), progress=False)


def test_labels_out_of_range_name_expected_and_actual():
    X, y = small_problem()
    expected = r"a model with 2 outputs\): labels must be integers in 0\.\.1 for 2 classes, got values from 0 to 2"
    with pytest.raises(ValueError, match=expected):
        fit(nn.TensorMLP(5, [2], seed=0), X, y, progress=False)
    with pytest.raises(ValueError, match=r"hinge-loss labels must be -1 or \+1 \(a 1-D array\), got \[0, 2\]"):
        fit(nn.MLP(5, [1], seed=0), X, y, loss="hinge", progress=False)
    with pytest.raises(ValueError, match="the hinge loss needs a model with 1 output, this one has 3"):
        fit(nn.TensorMLP(5, [3], seed=0), X, np.ones(40), loss="hinge", progress=False)
    with pytest.raises(ValueError, match=r"X has 40 samples but y has shape \(39,\)"):
        fit(nn.TensorMLP(5, [3], seed=0), X, y[:-1], progress=False)
    with pytest.raises(ValueError, match=r"mse targets must have shape \(40, 3\)"):
        fit(nn.TensorMLP(5, [3], seed=0), X, y, loss="mse", progress=False)


def test_nan_loss_stops_with_the_step_and_a_hint():
    X, y = small_problem()
    model = nn.TensorMLP(5, [3], seed=0)  # one linear layer: the mse diverges geometrically
    targets = np.eye(3)[y] * 100.0
    expected = r"the loss became (nan|inf) at step \d+ \(epoch \d+.*Try a smaller learning rate \(it was 1e\+06\)"
    with pytest.raises(NonFiniteLossError, match=expected):
        fit(model, X, targets, loss="mse", optimizer=SGD(model.parameters(), lr=1e6), epochs=100, progress=False)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"epochs": 0}, "epochs must be a positive integer"), ({"check_every": 0}, "check_every"),
     ({"l2": -1.0}, "l2 must be"), ({"loss": "l1"}, "unknown loss")],
)
def test_bad_arguments(kwargs, message):
    X, y = small_problem()
    with pytest.raises(ValueError, match=message):
        fit(nn.TensorMLP(5, [3], seed=0), X, y, progress=False, **kwargs)


# --- the CLI -------------------------------------------------------------------------------------------------
def test_cli_train_moons_tiny(capsys):
    status = main(["train", "moons", "--samples", "12", "--hidden", "8,8", "--epochs", "50", "--no-progress",
                   "--check-every", "25"])
    out = capsys.readouterr().out
    assert status == 0
    assert "final training accuracy: 100.0% (target 100%: reached)" in out
    assert "gradient check: 2 checks against closed-form backprop passed" in out


def test_cli_train_digits_reports_a_missed_target(capsys):
    status = main(["train", "digits", "--epochs", "1", "--hidden", "4", "--no-progress"])
    out = capsys.readouterr().out
    assert status == 1 and "target 95%: NOT reached" in out


def test_cli_train_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "moons.png"
    status = main(["train", "moons", "--samples", "12", "--hidden", "4", "--epochs", "5", "--no-progress",
                   "--plot", str(path)])
    assert status in (0, 1)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    assert f"plot saved to {path}" in capsys.readouterr().out


def test_cli_rejects_bad_hidden_sizes(capsys):
    with pytest.raises(SystemExit):
        main(["train", "moons", "--hidden", "8,x"])
    assert "expected positive integers separated by commas" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["moons", "--epochs", "0"], "argument --epochs: expected a positive integer, got '0'"),
        (["digits", "--lr", "0"], "argument --lr: expected a positive number, got '0'"),
        (["digits", "--lr", "nan"], "argument --lr: expected a positive number, got 'nan'"),
        (["digits", "--seed", "-1"], "argument --seed: expected a non-negative integer, got '-1'"),
        (["digits", "--check-every", "0"], "argument --check-every: expected a positive integer, got '0'"),
        (["moons", "--samples", "1"], "--samples must be at least 2 (one point per moon), got 1"),
        (["digits", "--samples", "10"], "--samples applies to moons only"),
        (["moons", "--lr", "0.1"], "--lr applies to digits only"),
        (["digits", "--plot", "curves.txt"], "--plot 'curves.txt': use a .png, .svg or .pdf file name"),
        ([], "the following arguments are required: {moons,digits}"),
    ],
)
def test_cli_bad_options_are_refused_before_training(capsys, argv, message):
    try:
        status = main(["train", *argv])
    except SystemExit as exc:  # argparse's own refusals
        status = exc.code
    captured = capsys.readouterr()
    assert status == 2 and captured.out == ""
    last = captured.err.strip().splitlines()[-1]
    assert last.startswith("autograd-core train: error: ") and message in last
    assert "Traceback" not in captured.err


def test_cli_plot_never_creates_a_folder(tmp_path, capsys):
    path = tmp_path / "new" / "digits.svg"
    assert main(["train", "digits", "--epochs", "1", "--hidden", "4", "--no-progress", "--plot", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and f"folder '{tmp_path / 'new'}' does not exist" in captured.err
    assert list(tmp_path.iterdir()) == []


def test_fit_pauses_the_cyclic_collector_and_restores_it_also_on_error():
    import gc

    seen = []
    X, y = make_moons(20, noise=0.1, seed=0)
    model = nn.TensorMLP(2, [4, 2], seed=0)
    fit(model, X, y, epochs=2, progress=False, callback=lambda epoch, h: seen.append(gc.isenabled()))
    assert seen == [False, False] and gc.isenabled()
    def stop(epoch, history):
        raise RuntimeError("stopped by the callback")

    with pytest.raises(RuntimeError, match="stopped by the callback"):
        fit(model, X, y, epochs=2, progress=False, callback=stop)
    assert gc.isenabled()
    gc.disable()
    try:
        fit(model, X, y, epochs=1, progress=False)
        assert not gc.isenabled()  # a collector the caller had off stays off
    finally:
        gc.enable()
