"""Data: the moons generator, the shipped digits, the split and batching helpers."""

from __future__ import annotations

import gzip
import hashlib
from importlib import resources

import numpy as np
import pytest

from autograd_core.learn.data import batches, load_digits, make_moons, one_hot, train_test_split

DIGITS_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"


# --- two moons ---------------------------------------------------------------------------------------
def test_moons_shapes_labels_and_balance():
    X, y = make_moons(101, noise=0.0, seed=0)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and set(np.unique(y)) == {0, 1}
    assert np.bincount(y).tolist() == [50, 51]


def test_moons_without_noise_lie_on_the_two_half_circles():
    X, y = make_moons(200, noise=0.0, seed=3)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, atol=1e-12)
    assert upper[:, 1].min() >= -1e-12 and lower[:, 1].max() <= 0.5 + 1e-12


def test_moons_are_seeded_and_noise_moves_points():
    a, ya = make_moons(50, noise=0.2, seed=7)
    b, yb = make_moons(50, noise=0.2, seed=7)
    c, _ = make_moons(50, noise=0.2, seed=8)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    assert not np.allclose(a, c)
    clean, yc = make_moons(2000, noise=0.0, seed=1)
    noisy, yn = make_moons(2000, noise=0.3, seed=1)
    # same shuffle, so the difference is the noise alone: its standard deviation is 0.3
    np.testing.assert_array_equal(yc, yn)
    assert abs(np.std(noisy - clean) - 0.3) < 0.02


@pytest.mark.parametrize(("n", "noise"), [(1, 0.1), (10, -0.5), (2.5, 0.1), (10, float("nan"))])
def test_moons_bad_arguments(n, noise):
    with pytest.raises(ValueError, match="make_moons"):
        make_moons(n, noise=noise)


# --- digits --------------------------------------------------------------------------------------------
def test_digits_file_ships_in_the_package_unchanged():
    raw = resources.files("autograd_core.learn").joinpath("datasets", "digits.csv.gz").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == DIGITS_SHA256
    assert len(raw) < 100_000
    assert gzip.decompress(raw).count(b"\n") == 1797
    notice = resources.files("autograd_core.learn").joinpath("datasets", "README.md").read_text()
    assert "BSD 3-Clause" in notice and "Alpaydin" in notice and "UCI" in notice


def test_digits_shape_range_and_classes():
    X, y = load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0
    # class counts as scikit-learn documents them (load_digits: 178 zeros, 182 ones, ...)
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    raw, _ = load_digits(scale=False)
    np.testing.assert_array_equal(raw / 16.0, X)
    assert set(np.unique(raw)) <= set(range(17))


def test_first_digit_is_a_zero_with_the_known_pixels():
    raw, y = load_digits(scale=False)
    assert y[0] == 0
    assert raw[0].reshape(8, 8)[0].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]


# --- split and batches ---------------------------------------------------------------------------------
def test_split_holds_out_a_stratified_quarter():
    X, y = load_digits()
    X_tr, X_te, _, y_te = train_test_split(X, y, test_size=0.25, seed=0)
    assert len(X_tr) + len(X_te) == 1797 and abs(len(X_te) - 1797 / 4) < 6
    assert np.all(np.abs(np.bincount(y_te) - np.bincount(y) / 4) <= 1)
    # disjoint, and together every sample once
    rows = {r.tobytes() for r in X_tr} | {r.tobytes() for r in X_te}
    assert len(rows) == len({r.tobytes() for r in X})
    again = train_test_split(X, y, test_size=0.25, seed=0)
    np.testing.assert_array_equal(again[1], X_te)


def test_split_errors():
    with pytest.raises(ValueError, match="X has 3 samples"):
        train_test_split(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(np.zeros((3, 2)), np.zeros(3), test_size=1.5)


def test_batches_cover_every_index_once():
    got = list(batches(10, 4, rng=np.random.default_rng(0)))
    assert [len(b) for b in got] == [4, 4, 2]
    assert sorted(np.concatenate(got).tolist()) == list(range(10))
    assert [b.tolist() for b in batches(5, None)] == [[0, 1, 2, 3, 4]]
    with pytest.raises(ValueError, match="batch_size"):
        list(batches(5, 0))


def test_one_hot():
    np.testing.assert_array_equal(one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        one_hot(np.array([3]), 3)
