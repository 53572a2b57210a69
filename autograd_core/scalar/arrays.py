"""Scalar-level matrices: numpy object arrays whose entries are :class:`~autograd_core.Value` nodes.

This is the literal graph of the seed's Eq. 9, ``z_i^(k) = Σ_j w_ij x_j^(k) + b_i``: lift ``W``,
``X`` and ``b`` with :func:`values`, write the layer as ordinary array arithmetic
(``W @ X + b[:, None]`` -- numpy evaluates object arrays entry by entry, so every product
``w_ij · x_j^(k)`` and every sum is its own node), call ``backward()`` on the loss, and read
the gradients back as a float array with :func:`grads`. Nobody typed Eq. 27–29; the chain rule
over the paths from ``w_ij`` to ``L`` produced it.

Labels are **zero-based**, like numpy indexing: the seed's ``w_11`` is ``W[0,0]`` here and its
``x_2`` is ``x[1]``.

Example::

    >>> import numpy as np
    >>> from autograd_core.scalar.arrays import values, grads
    >>> W = values(np.array([[1.0, 2.0], [3.0, 4.0]]), "W")
    >>> x = values(np.array([1.0, -1.0]), "x")
    >>> L = (W @ x).sum()
    >>> L.backward()
    >>> grads(W)            # ∇_W L = 1 · xᵀ for each row
    array([[ 1., -1.],
           [ 1., -1.]])
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .value import Value

__all__ = ["data", "grads", "is_value_array", "values"]


def _entry_label(label: str, index: tuple[int, ...]) -> str:
    return f"{label}[{','.join(str(i) for i in index)}]"


def values(array: Any, label: str = "") -> np.ndarray:
    """Lift a float array into an object array of leaf ``Value`` s, one per entry.

    Args:
        array: anything ``np.asarray`` turns into a real-valued array (any shape, 0-D included).
        label: the array's name. Entries are labelled like the seed's entries, zero-based:
            ``W[0,1]`` for a 2-D array, ``x[2]`` for a 1-D array, ``label`` itself for 0-D.
            With ``label=""`` entries are unlabelled.

    Returns:
        An ``np.ndarray`` of dtype ``object`` with the same shape, holding fresh leaves.

    Raises:
        TypeError: if an entry is not a real number (complex, string, bool, an existing ``Value``).
    """
    arr = np.asarray(array)
    if arr.dtype == object:
        bad = next((e for e in arr.flat if isinstance(e, Value)), None)
        if bad is not None:
            raise TypeError(f"values(): the array already holds Value nodes (e.g. {bad!r}); it is lifted already")
    if arr.dtype.kind not in "iuf" and arr.dtype != object:
        raise TypeError(f"values(): needs a real-valued array, got dtype {arr.dtype} (label {label!r})")
    out = np.empty(arr.shape, dtype=object)
    for index in np.ndindex(arr.shape):
        entry = arr[index]
        if isinstance(entry, bool | np.bool_) or not isinstance(entry, numbers.Real):
            kind = type(entry).__name__
            raise TypeError(f"values(): entry {index} of {label!r} is {kind} {entry!r}, not a real number")
        name = (_entry_label(label, index) if index else label) if label else ""
        out[index] = Value(float(entry), label=name)
    return out


def is_value_array(array: Any) -> bool:
    """True for a numpy object array (of any shape) whose entries are all ``Value`` s."""
    return (
        isinstance(array, np.ndarray)
        and array.dtype == object
        and all(isinstance(e, Value) for e in array.flat)
    )


def _read(array: Any, attribute: str, caller: str) -> np.ndarray:
    if isinstance(array, Value):
        return np.array(float(getattr(array, attribute)))
    if not isinstance(array, np.ndarray) or array.dtype != object:
        kind = type(array).__name__ if not isinstance(array, np.ndarray) else f"ndarray of dtype {array.dtype}"
        raise TypeError(f"{caller}(): needs a numpy object array of Value nodes (from values()), got {kind}")
    out = np.empty(array.shape, dtype=float)
    for index in np.ndindex(array.shape):
        entry = array[index]
        if not isinstance(entry, Value):
            raise TypeError(
                f"{caller}(): entry {index} is {type(entry).__name__} {entry!r}, not a Value "
                f"(lift the array with values() before building the graph)"
            )
        out[index] = getattr(entry, attribute)
    return out


def grads(array: Any) -> np.ndarray:
    """The ``.grad`` of every entry of a ``Value`` array, as a float array of the same shape.

    This is ∇ -- the gradient laid out like the variable (the seed's Eq. 16/19/24 convention);
    :func:`autograd_core.scalar.layout.derivative` gives the seed's transposed (numerator) layout.

    Raises:
        TypeError: if ``array`` is not an object array of ``Value`` s, naming the first bad entry.
    """
    return _read(array, "grad", "grads")


def data(array: Any) -> np.ndarray:
    """The ``.data`` of every entry of a ``Value`` array, as a float array of the same shape."""
    return _read(array, "data", "data")
