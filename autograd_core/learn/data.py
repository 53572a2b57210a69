"""Data to train on: two moons made up in numpy, and real handwritten digits shipped in the package.

Arrays follow the row convention of numpy and scikit-learn: ``X`` has one *sample per row*
(shape ``(m, n)``), ``y`` one label per sample (shape ``(m,)``). The seed writes samples as
*columns* (``X = [x^(1), ..., x^(m)]``, Eq. 5); :mod:`autograd_core.learn.training` transposes where it
compares with the seed's closed forms.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from importlib import resources

import numpy as np

from ..layer.losses import one_hot

__all__ = ["batches", "load_digits", "make_moons", "one_hot", "train_test_split"]

DIGITS_FILE = "digits.csv.gz"


def make_moons(
    n_samples: int = 100, *, noise: float = 0.1, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles in the plane: a classic non-linearly separable toy problem.

    The upper moon is the half circle ``(cos t, sin t)``, the lower one ``(1 - cos t, 1/2 - sin t)``,
    ``t ∈ [0, π]``; Gaussian noise of standard deviation ``noise`` is added to both coordinates.
    Same seed, same points.

    Returns:
        ``X`` of shape ``(n_samples, 2)`` (float64) and ``y`` of shape ``(n_samples,)`` with labels
        0 (upper moon) and 1 (lower moon), shuffled. For a hinge loss use ``2 * y - 1`` (labels ±1).
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
        raise ValueError(f"make_moons: n_samples must be an integer >= 2, got {n_samples!r}")
    if not noise >= 0:
        raise ValueError(f"make_moons: noise must be >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower]) + rng.normal(scale=noise, size=(n_samples, 2))
    y = np.concatenate([np.zeros(n_upper, dtype=np.int64), np.ones(n_lower, dtype=np.int64)])
    order = rng.permutation(n_samples)
    return X[order], y[order]


def load_digits(*, scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The UCI handwritten digits as scikit-learn ships them: 1,797 8×8 images, labels 0..9.

    The 57 KB file ``autograd_core/learn/datasets/digits.csv.gz`` is part of the package (licence and
    attribution in ``autograd_core/learn/datasets/README.md``), so nothing is downloaded and nothing
    beyond numpy is needed: the loader is ten lines of numpy and ``gzip``, and 57 KB in every install
    costs less than an optional extra that users must remember to request.

    Args:
        scale: divide the pixel counts (integers 0..16) by 16, so features lie in [0, 1] —
            what a tanh or relu network trains well on. ``False`` returns the raw counts.

    Returns:
        ``X`` of shape ``(1797, 64)`` (float64; row ``i`` is image ``i`` read row by row, so
        ``X[i].reshape(8, 8)`` is the picture) and ``y`` of shape ``(1797,)`` (int64, 0..9).
    """
    raw = resources.files("autograd_core.learn").joinpath("datasets", DIGITS_FILE).read_bytes()
    table = np.loadtxt(gzip.decompress(raw).decode("ascii").splitlines(), delimiter=",", dtype=np.int64)
    X = table[:, :-1].astype(np.float64)
    y = table[:, -1]
    return (X / 16.0 if scale else X), y


def train_test_split(
    X: np.ndarray, y: np.ndarray, *, test_size: float = 0.25, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle the samples and hold out a fraction of them: ``X_train, X_test, y_train, y_test``.

    The split is stratified (each class keeps its share in both parts, up to rounding), so a
    held-out quarter of digits has about 45 of each digit.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"train_test_split: X has {X.shape[0]} samples (shape {X.shape}) but y has {y.shape[0]}")
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"train_test_split: test_size must be in (0, 1), got {test_size!r}")
    rng = np.random.default_rng(seed)
    test_idx: list[np.ndarray] = []
    train_idx: list[np.ndarray] = []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_test = round(test_size * idx.size)
        test_idx.append(idx[:n_test])
        train_idx.append(idx[n_test:])
    train = rng.permutation(np.concatenate(train_idx))
    test = rng.permutation(np.concatenate(test_idx))
    return X[train], X[test], y[train], y[test]


def batches(
    m: int, batch_size: int | None, *, rng: np.random.Generator | None = None
) -> Iterator[np.ndarray]:
    """Index arrays that cover ``range(m)`` once, in ``batch_size`` chunks (the last may be shorter).

    ``batch_size=None`` gives one full batch. With ``rng`` the order is shuffled.
    """
    if batch_size is not None and (isinstance(batch_size, bool) or batch_size < 1):
        raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
    order = rng.permutation(m) if rng is not None else np.arange(m)
    size = m if batch_size is None else batch_size
    for start in range(0, m, size):
        yield order[start : start + size]
