"""Checks on what enters a Tensor: real numbers only, and never the scalar engine's nodes."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..scalar.value import Value

MIX_HINT = (
    "use one engine: lift the numbers with autograd_core.values(t.numpy(), label) to stay "
    "scalar-level, or build the other operand as a Tensor"
)


def real_array(data: Any) -> np.ndarray:
    """A fresh float64 array from user data; ``TypeError`` for what is not real numbers."""
    try:
        arr = np.asarray(data)
    except (TypeError, ValueError) as err:
        raise TypeError(f"Tensor needs real numbers, got {type(data).__name__} {data!r:.80}: {err}") from None
    refuse_values(arr)
    # Checked before converting: np.array(..., dtype=float) would turn None into NaN, parse strings
    # and drop imaginary parts without a word.
    if arr.dtype.kind not in "biuf" and not (arr.dtype == object and all(is_real(e) for e in arr.flat)):
        raise TypeError(f"Tensor needs real numbers, got {type(data).__name__} {data!r:.80} (dtype {arr.dtype})")
    return np.array(arr, dtype=np.float64)


def is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_)


def refuse_values(x: Any) -> None:
    if isinstance(x, Value) or (isinstance(x, np.ndarray) and x.dtype == object
                                and any(isinstance(e, Value) for e in x.flat)):
        what = "a Value" if isinstance(x, Value) else f"an object array of Value (shape {x.shape})"
        raise TypeError(f"cannot combine a Tensor with {what}: {MIX_HINT}")
