"""autograd-core: a scalar-level reverse-mode autodiff engine that teaches, draws and checks
the matrix derivatives of Wu Xiaojian's "Notes on Matrix Derivative in Neural Network".

The public API is re-exported here; nothing is defined in this file.
"""

from .graph import backward_steps, topological_order
from .value import Value

__all__ = ["Value", "backward_steps", "topological_order"]
__version__ = "0.1.0"
