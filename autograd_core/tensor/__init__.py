"""The tensor engine: the scalar idea vectorized, one float64 array per node.

:class:`~autograd_core.tensor.tensor.Tensor` reads the same derivative table as ``Value``;
``@``, ``sum`` and ``transpose`` are contractions (``einsum``), whose one gradient rule lives in
the table too.
"""

from .nodes import concatenate, einsum, stack
from .tensor import Tensor

__all__ = ["Tensor", "concatenate", "einsum", "stack"]
