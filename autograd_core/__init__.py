"""autograd-core: a scalar-level reverse-mode autodiff engine that teaches, draws and checks
the matrix derivatives of Wu Xiaojian's "Notes on Matrix Derivative in Neural Network".

The public API is re-exported here; nothing is defined in this file.
"""

from . import closed_form
from .arrays import grads, values
from .draw import draw, render
from .explain import explain
from .forward import Dual
from .frames import backward_frames
from .functional import grad, hessian, jacobian, jvp, value_and_grad, vjp
from .gradcheck import GradcheckError, gradcheck
from .graph import backward_steps, enable_grad, is_grad_enabled, no_grad, topological_order
from .layout import derivative, gradient, jacobian_of
from .tensor import Tensor, concatenate, einsum, stack
from .value import Value

__all__ = [
    "Dual",
    "GradcheckError",
    "Tensor",
    "Value",
    "backward_frames",
    "backward_steps",
    "closed_form",
    "concatenate",
    "derivative",
    "draw",
    "einsum",
    "enable_grad",
    "explain",
    "grad",
    "gradcheck",
    "gradient",
    "grads",
    "hessian",
    "is_grad_enabled",
    "jacobian",
    "jacobian_of",
    "jvp",
    "no_grad",
    "render",
    "stack",
    "topological_order",
    "value_and_grad",
    "values",
    "vjp",
]
__version__ = "0.1.0"
