"""check_derivation names the mistake in a hand-derived gradient: each finding of the vocabulary is proved
on a mistake planted in the seed's layer (Z = W X + B, L = (1/m) Σ_k ||z^(k) − y^(k)||², m = 6)."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import numpy as np
import pytest

import autograd_core.beyond.derivation as derivation
from autograd_core import check_derivation
from autograd_core.beyond.derivation import VOCABULARY

rng = np.random.default_rng(26)
p, n, m = 2, 3, 6
W0, X0, b0, Y = rng.normal(size=(p, n)), rng.normal(size=(n, m)), rng.normal(size=p), rng.normal(size=(p, m))


def loss(W, X, b):
    """The seed's batch loss: Eq. 26 with the sum of squares per sample."""
    return (((W @ X + b[:, None] - Y) ** 2).sum(axis=0)).mean()


def G(W, X, b):
    """The seed's per-sample gradients ∇_z L^(k) = 2 (z^(k) − y^(k)), as columns."""
    return 2 * (W @ X + b[:, None] - Y)


right_W = lambda W, X, b: G(W, X, b) @ X.T / m          # Eq. 29
right_X = lambda W, X, b: W.T @ G(W, X, b) / m          # Eq. 30
right_b = lambda W, X, b: G(W, X, b).sum(axis=1) / m    # the bias: Σ_k over the samples


def names(report):
    return [finding.name for finding in report.diagnosis]


def message(report, name):
    return next(f.message for f in report.diagnosis if f.name == name)


# --- right answers --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("candidate", "argnums"), [(right_W, 0), (right_X, 1), (right_b, 2)])
def test_a_right_candidate_is_ok_at_rounding_level(candidate, argnums):
    report = check_derivation(loss, candidate, W0, X0, b0, argnums=argnums)
    assert report.ok and report.diagnosis == []
    assert report.max_error < 1e-13
    assert str(report).endswith("ok (max error " + f"{report.max_error:.2g})")


def test_several_gradients_at_once():
    report = check_derivation(loss, lambda W, X, b: (right_W(W, X, b), right_b(W, X, b)), W0, X0, b0,
                              argnums=(0, 2))
    assert report.ok and [part.argument for part in report.parts] == ["W", "b"]
    wrong = check_derivation(loss, lambda W, X, b: (right_W(W, X, b), G(W, X, b) / m), W0, X0, b0, argnums=(0, 2))
    assert names(wrong) == ["missing_batch_sum"] and wrong.parts[0].ok and not wrong.parts[1].ok


# --- the planted mistakes -------------------------------------------------------------------------------
def test_transposed_shape_is_the_seeds_derivative_layout():
    report = check_derivation(loss, lambda W, X, b: right_W(W, X, b).T, W0, X0, b0)
    assert names(report) == ["transposed"]
    text = message(report, "transposed")
    assert "shape (3, 2), the transpose of ∇_W's (2, 3)" in text and "Eq. 3" in text and "Eq. 16" in text


def test_transposed_values_of_a_square_gradient():
    A0 = rng.normal(size=(3, 3))
    x0 = rng.normal(size=3)
    f = lambda A: np.tanh(A @ x0).sum()
    true = lambda A: np.outer(1 - np.tanh(A @ x0) ** 2, x0)
    report = check_derivation(f, lambda A: true(A).T, A0)
    assert names(report) == ["transposed"] and "equals ∇_A transposed" in message(report, "transposed")


def test_scaled_by_m_is_a_missing_one_over_m():
    report = check_derivation(loss, lambda W, X, b: G(W, X, b) @ X.T, W0, X0, b0)
    assert names(report) == ["scaled"]
    assert report.diagnosis[0].factor == pytest.approx(6.0)
    assert "6 × the gradient: a missing 1/m (m = 6 samples; L is the mean of Eq. 26)" in message(report, "scaled")


@pytest.mark.parametrize(("factor", "words"), [(0.5, "a missing factor 2 from a square"),
                                                (2.0, "a factor 2 from a square"),
                                                (1 / 6, "an extra 1/m (m = 6"),
                                                (3.0, "a missing 1/m and a missing factor 2"),
                                                (1.7, "no usual cause matches")])
def test_scaled_names_the_likely_cause(factor, words):
    report = check_derivation(loss, lambda W, X, b: factor * right_W(W, X, b), W0, X0, b0)
    assert names(report) == ["scaled"] and words in message(report, "scaled")


def test_sign_flipped():
    report = check_derivation(loss, lambda W, X, b: -right_W(W, X, b), W0, X0, b0)
    assert names(report) == ["sign"] and "−1 × the gradient" in message(report, "sign")
    both = check_derivation(loss, lambda W, X, b: -m * right_W(W, X, b), W0, X0, b0)
    assert names(both) == ["sign", "scaled"]


def test_transposed_and_scaled_are_reported_together():
    report = check_derivation(loss, lambda W, X, b: X @ G(W, X, b).T, W0, X0, b0)   # Eq. 28's layout, no 1/m
    assert names(report) == ["transposed", "scaled"]
    assert "a missing 1/m (m = 6" in message(report, "scaled")


def test_bias_with_a_column_per_sample():
    report = check_derivation(loss, lambda W, X, b: G(W, X, b) / m, W0, X0, b0, argnums=2)
    assert names(report) == ["missing_batch_sum"]
    assert "shape (2, 6), one column per sample" in message(report, "missing_batch_sum")
    assert "Eq. 27" in message(report, "missing_batch_sum")
    no_mean = check_derivation(loss, G, W0, X0, b0, argnums=2)
    assert names(no_mean) == ["missing_batch_sum"] and "a missing 1/m" in message(no_mean, "missing_batch_sum")


def test_bias_equal_to_one_samples_gradient():
    # Recognised when the samples are arguments of f (here X and the targets T), so each can be taken alone.
    def loss_xt(W, X, b, T):
        return (((W @ X + b[:, None] - T) ** 2).sum(axis=0)).mean()

    first_sample = lambda W, X, b, T: 2 * (W @ X[:, 3] + b - T[:, 3])
    report = check_derivation(loss_xt, first_sample, W0, X0, b0, Y, argnums=2)
    assert names(report) == ["missing_batch_sum"]
    assert "sample 3's gradient alone" in message(report, "missing_batch_sum")
    # with the targets captured from outside f, the samples cannot be separated: the finding is plainer
    closed = check_derivation(loss, lambda W, X, b: G(W, X, b)[:, 3], W0, X0, b0, argnums=2)
    assert names(closed) == ["unexplained"]


def test_only_some_entries_wrong_names_the_column():
    def one_column_wrong(W, X, b):
        g = right_X(W, X, b)
        g[:, 4] += 1.0
        return g

    report = check_derivation(loss, one_column_wrong, W0, X0, b0, argnums=1)
    assert names(report) == ["entries"]
    text = message(report, "entries")
    assert "3 of 18 entries are wrong (only in column 4)" in text and "[" in text


@pytest.mark.parametrize(("plant", "words"), [("diagonal", "only on the diagonal"), ("row", "only in row 1"),
                                              ("few", "2 of 9 entries are wrong")])
def test_entry_patterns(plant, words):
    A0, x0 = rng.normal(size=(3, 3)), rng.normal(size=3)
    f = lambda A: np.tanh(A @ x0).sum()
    true = lambda A: np.outer(1 - np.tanh(A @ x0) ** 2, x0)

    def planted(A):
        g = true(A)
        if plant == "diagonal":
            g[np.diag_indices(3)] = 0.0
        elif plant == "row":
            g[1] *= 3.0
        else:
            g[0, 2] += 1.0
            g[2, 0] -= 2.0
        return g

    report = check_derivation(f, planted, A0)
    assert names(report) == ["entries"] and words in message(report, "entries")


def test_right_only_for_a_symmetric_matrix():
    # ∇_x xᵀAx = (A + Aᵀ) x; the textbook 2Ax holds only when A = Aᵀ.
    A0, x0 = rng.normal(size=(3, 3)), rng.normal(size=3)
    report = check_derivation(lambda x, A: x @ A @ x, lambda x, A: 2 * A @ x, x0, A0)
    assert names(report) == ["symmetric_only"]
    assert "right only when A is symmetric" in message(report, "symmetric_only")
    assert "(A + Aᵀ)x" in message(report, "symmetric_only")


def test_right_in_the_symmetric_part_only():
    B0, A0 = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    report = check_derivation(lambda A: np.trace(A @ B0), lambda A: (B0 + B0.T) / 2, A0)   # true: Bᵀ
    assert names(report) == ["symmetric_only"] and "symmetric part" in message(report, "symmetric_only")


def test_nothing_matches_is_said_plainly_with_the_worst_entries():
    report = check_derivation(loss, lambda W, X, b: np.arange(6.0).reshape(2, 3), W0, X0, b0)
    assert names(report) == ["unexplained"]
    assert "no known mistake explains it" in message(report, "unexplained")
    assert re.search(r"worst: \[\d, \d\] is [-\d.]+, should be", message(report, "unexplained"))


def test_a_shape_that_is_neither():
    report = check_derivation(loss, lambda W, X, b: np.zeros(6), W0, X0, b0)
    assert names(report) == ["shape"] and "shape (6,)" in message(report, "shape")
    assert report.max_error == float("inf")


# --- the report -------------------------------------------------------------------------------------------
def test_str_and_html_reports():
    report = check_derivation(loss, lambda W, X, b: right_W(W, X, b).T * m, W0, X0, b0)
    text = str(report)
    assert text.startswith("∇_W: WRONG") and "  - transposed:" in text and "  - scaled:" in text
    page = check_derivation(loss, lambda W, X, b: 2 * right_W(W, X, b), W0, X0, b0)._repr_html_()
    assert "<svg" in page and "wrong" in page and "<code>scaled</code>" in page
    assert "<svg" not in check_derivation(loss, right_W, W0, X0, b0)._repr_html_()


def test_every_finding_name_is_in_the_documented_vocabulary():
    page = (Path(__file__).resolve().parents[1] / "docs" / "checking.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(\w+)` \|", page, flags=re.MULTILINE))
    assert documented == set(VOCABULARY)
    used = set(re.findall(r'Finding\("(\w+)"', Path(derivation.__file__).read_text(encoding="utf-8")))
    assert used <= set(VOCABULARY), used - set(VOCABULARY)


def test_the_module_example_runs():
    assert doctest.testmod(derivation).failed == 0


# --- bad input ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("candidate", "argnums", "error", "words"),
    [
        (lambda W, X, b: "a string", 0, TypeError, "the candidate's gradient for W must be numbers"),
        (lambda W, X, b: np.full((2, 3), np.nan), 0, ValueError, "non-finite entry"),
        (lambda W, X, b: right_W(W, X, b), (0, 2), TypeError, "must return a tuple of 2 gradients"),
    ],
)
def test_bad_candidates_are_refused_by_name(candidate, argnums, error, words):
    with pytest.raises(error, match=words):
        check_derivation(loss, candidate, W0, X0, b0, argnums=argnums)


def test_non_numeric_arguments_are_refused():
    with pytest.raises(TypeError, match="argument 1 must be a number or an array of numbers"):
        check_derivation(loss, right_W, W0, "X", b0)
