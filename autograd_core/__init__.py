"""autograd-core: a scalar-level reverse-mode autodiff engine that teaches, draws and checks
the matrix derivatives of Wu Xiaojian's "Notes on Matrix Derivative in Neural Network".

The public API is re-exported here; nothing is defined in this file.
"""

from .beyond.forward import Dual
from .beyond.functional import grad, hessian, jacobian, jvp, value_and_grad, vjp
from .beyond.gradcheck import GradcheckError, gradcheck
from .engine.graph import backward_steps, enable_grad, is_grad_enabled, no_grad, topological_order
from .layer import closed_form
from .learn import nn, optim
from .scalar.arrays import grads, values
from .scalar.layout import derivative, gradient, jacobian_of
from .scalar.value import Value
from .see.draw import draw, render
from .see.explain import explain
from .see.frames import backward_frames
from .tensor import Tensor, concatenate, einsum, stack

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
    "nn",
    "no_grad",
    "optim",
    "render",
    "stack",
    "topological_order",
    "value_and_grad",
    "values",
    "vjp",
]
__version__ = "0.1.0"
