"""gradcheck: every entry against central differences; a wrong rule is caught and its entry named."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import GradcheckError, Tensor, gradcheck, primitive
from autograd_core.beyond.gradcheck import GradcheckReport
from autograd_core.engine import ops

W = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]])
X3 = np.array([0.3, -0.7, 1.1])


def test_a_correct_function_passes_on_every_entry():
    report = gradcheck(lambda Wt, x: np.sum(np.tanh(Wt @ x) ** 2), (W, X3), names=("W", "x"))
    assert report.passed and bool(report)
    assert [c.name for c in report.inputs] == ["W", "x"]
    assert [c.entries for c in report.inputs] == [6, 3]  # every entry, not a sample
    assert all(c.failures == 0 and c.abs_error < 1e-8 for c in report.inputs)


def test_vector_outputs_check_the_whole_jacobian():
    report = gradcheck(lambda x: np.tanh(W @ x), X3)
    (check,) = report.inputs
    assert check.entries == 6 and check.passed
    assert check.worst.startswith("∂out[") and "/∂x0[" in check.worst


def test_a_wrong_tanh_derivative_is_caught_and_its_entry_named(monkeypatch):
    # tanh is used by entry x[1] only, so that entry -- and no other -- must fail.
    f = lambda x: x[0] * 2.0 + (x[1] * 3.0).tanh() + x[2] * x[2]
    assert gradcheck(f, X3).passed
    wrong = ops.TANH._replace(derivative=lambda xp, x, out: 1.0 - out)  # should be 1 - out²
    monkeypatch.setattr(ops, "TANH", wrong)
    report = gradcheck(f, X3)
    assert not report.passed
    (check,) = report.inputs
    assert check.failures == 1 and check.entries == 3
    assert check.worst == "x0[1]" and check.index == (1,)
    t = np.tanh(-2.1)
    assert check.analytic == pytest.approx(3.0 * (1 - t))
    assert check.numeric == pytest.approx(3.0 * (1 - t * t), rel=1e-6)
    text = str(report)
    assert "FAILED" in text and "x0[1]" in text and "FAIL" in text.splitlines()[-1]


def test_every_entry_of_a_matrix_is_checked(monkeypatch):
    # Only W[1,2] goes through sin; break sin's rule and exactly that one entry fails.
    monkeypatch.setattr(ops, "SIN", ops.SIN._replace(derivative=lambda xp, x, out: xp.cos(x) + 0.5))

    def f(M):
        total = 0.0
        for (i, j), w in np.ndenumerate(M):
            total = total + (w.sin() if (i, j) == (1, 2) else w * w)
        return total

    report = gradcheck(f, W)
    (check,) = report.inputs
    assert (check.failures, check.entries, check.worst, check.index) == (1, 6, "x0[1,2]", (1, 2))


def test_raise_on_failure_raises_an_assertion_error_with_the_table(monkeypatch):
    monkeypatch.setattr(ops, "EXP", ops.EXP._replace(derivative=lambda xp, x, out: 2.0 * out))
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: (a * b).exp(), (0.5, -1.0), raise_on_failure=True, names=["a", "b"])
    assert isinstance(info.value, AssertionError)
    assert isinstance(info.value.report, GradcheckReport)
    message = str(info.value)
    assert "worst entry" in message and "analytic" in message and "numeric" in message
    assert message.count("FAIL") >= 3  # the verdict line and both inputs


def test_raise_on_failure_is_silent_when_everything_passes():
    assert gradcheck(lambda x: x.sigmoid() * x, 0.3, raise_on_failure=True).passed


def test_the_table_is_readable():
    text = str(gradcheck(lambda x: (x * x).sum(), np.array([1.0, 2.0])))
    header = text.splitlines()[1].split()
    assert header[:4] == ["input", "shape", "failed", "worst"]
    assert text.splitlines()[0].startswith("gradcheck passed")
    assert "0/2" in text


def test_tolerances_decide():
    f = lambda x: x * x
    loose = gradcheck(f, 1.0, eps=1e-2, atol=0.0, rtol=1e-3)
    assert loose.passed  # x² is exact under central differences, whatever eps
    g = lambda x: x.exp()
    coarse = gradcheck(g, 1.0, eps=0.5, atol=0.0, rtol=1e-3)  # (e^.5 - e^-.5)/1 vs 1: error ~4%
    assert not coarse.passed and coarse.inputs[0].abs_error == pytest.approx(np.e * (np.sinh(0.5) / 0.5 - 1))


def test_tensor_engine_functions_are_checked_too(monkeypatch):
    f = lambda x: (Tensor(W) @ x).tanh().sum()
    assert gradcheck(f, X3, engine="tensor").passed
    assert gradcheck(f, X3).passed  # auto falls back to the Tensor engine
    monkeypatch.setattr(ops, "TANH", ops.TANH._replace(derivative=lambda xp, x, out: 1.0 - out))
    assert not gradcheck(f, X3, engine="tensor").passed


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        gradcheck(lambda x: x, 1.0, eps=0.0)
    with pytest.raises(ValueError, match="2 names for 1 inputs"):
        gradcheck(lambda x: x, 1.0, names=["a", "b"])
    with pytest.raises(ValueError, match=r"f fails at x0 - eps: log"):
        gradcheck(lambda x: x.log(), 5e-7)


@pytest.mark.parametrize(
    ("setting", "value"),
    [("atol", float("nan")), ("rtol", float("nan")), ("atol", float("inf")), ("atol", -1e-3), ("eps", float("nan")),
     ("eps", 0.0), ("eps", float("inf")), ("rtol", "0.1")],
)
def test_nan_inf_and_negative_settings_are_refused(setting, value):
    # atol=nan reported 'passed' for anything: every comparison with NaN is False.
    with pytest.raises(ValueError, match=f"gradcheck: {setting} must be a finite number"):
        gradcheck(lambda v: v.relu(), 0.0, **{setting: value})


def test_the_step_follows_the_scale_of_each_entry():
    # A fixed eps=1e-6 beside 1e8 is lost in rounding: the report blamed the engine for x**2's gradient.
    report = gradcheck(lambda x: x**2, np.array([1e-8, 1.0, 1e8]))
    assert report.passed, str(report)


def test_finite_differences_build_no_graph_for_numpy_code(monkeypatch):
    """The differences evaluate a numpy-written f on plain arrays: no trace, no node, whatever the size."""
    import autograd_core.beyond.gradcheck as gc

    rng = np.random.default_rng(0)
    W1, W2, X = rng.normal(size=(32, 32)) / 6, rng.normal(size=(8, 32)) / 6, rng.normal(size=(32, 64))
    f = lambda A, B: np.tanh(B @ np.tanh(A @ X))
    traces = []
    real_trace = gc.trace
    monkeypatch.setattr(gc, "trace", lambda *a, **k: traces.append(a[4]) or real_trace(*a, **k))
    report = gc.gradcheck(f, (W1, W2))
    assert report.passed
    # the Tensor engine was chosen (one node per array), and f was traced twice, never per difference
    assert traces == ["tensor", "tensor"]


def test_finite_differences_of_a_function_of_nodes_run_with_recording_off():
    from autograd_core.beyond.gradcheck import _plain_evaluation

    f = lambda x: (x * x).tanh()
    evaluate = _plain_evaluation(f, [0.3], "value")
    assert evaluate([0.5]) == pytest.approx(np.tanh(0.25))
    g = lambda x: np.tanh(x * x)
    values = _plain_evaluation(g, [np.ones(2)], "tensor")([np.full(2, 0.5)])
    assert values.tolist() == pytest.approx([np.tanh(0.25)] * 2)


def test_a_zero_tolerance_passes_only_an_exact_match():
    """With atol=0, an entry whose numeric derivative is 0 has tolerance 0: it used to pass whatever the
    analytic value (x / inf = 0). A wrong rule must fail there, and an exact 0 must still pass."""
    @primitive
    def flat(x):
        return np.zeros_like(x) + 1.0

    @flat.defvjp
    def _(g, ans, x):
        return g * 5.0  # wrong on purpose: the derivative of a constant is 0

    wrong = gradcheck(lambda x: flat(x), np.array([1.0, 2.0]), atol=0.0, rtol=1e-3, engine="tensor")
    assert not wrong.passed and wrong.inputs[0].failures == 2
    right = gradcheck(lambda x: x * 0.0, np.array([1.0, 2.0]), atol=0.0, rtol=1e-3, engine="tensor")
    assert right.passed
