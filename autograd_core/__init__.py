"""autograd-core: a scalar-level reverse-mode autodiff engine that teaches, draws and checks
the matrix derivatives of Wu Xiaojian's "Notes on Matrix Derivative in Neural Network".

The public API is re-exported here, lazily: ``autograd_core.Value`` imports the scalar engine only,
``autograd_core.draw`` the drawing code only (PEP 562). So ``import autograd_core`` is quick, and a
program that never draws never imports graphviz. Nothing is defined in this file.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> the module that defines it; the names in _MODULES are modules themselves
_MODULES = {"closed_form", "functions", "linalg", "nn", "optim"}
_EXPORTS: dict[str, str] = {
    "Dual": "beyond.forward",
    "grad": "beyond.functional",
    "hessian": "beyond.functional",
    "jacobian": "beyond.functional",
    "jvp": "beyond.functional",
    "value_and_grad": "beyond.functional",
    "vjp": "beyond.functional",
    "check_derivation": "beyond.derivation",
    "derive": "beyond.symbolic.derive",
    "GradcheckError": "beyond.gradcheck",
    "gradcheck": "beyond.gradcheck",
    "backward_steps": "engine.graph",
    "enable_grad": "engine.graph",
    "GraphFreedError": "engine.graph",
    "is_grad_enabled": "engine.graph",
    "no_grad": "engine.graph",
    "topological_order": "engine.graph",
    "closed_form": "layer.closed_form",
    "nn": "learn.nn",
    "optim": "learn.optim",
    "grads": "scalar.arrays",
    "values": "scalar.arrays",
    "derivative": "scalar.layout",
    "gradient": "scalar.layout",
    "jacobian_of": "scalar.layout",
    "Value": "scalar.value",
    "draw": "see.draw",
    "render": "see.draw",
    "explain": "see.explain",
    "Explorer": "see.explore",
    "explore": "see.explore",
    "Recorder": "see.explore",
    "backward_frames": "see.frames",
    "Tensor": "tensor",
    "concatenate": "tensor",
    "einsum": "tensor",
    "stack": "tensor",
    "functions": "tensor.functions",
    "linalg": "tensor.linalg",
    "log_softmax": "tensor.functions",
    "logsumexp": "tensor.functions",
    "softmax": "tensor.functions",
    "where": "tensor.functions",
    "Primitive": "tensor.primitive",
    "primitive": "tensor.primitive",
    "Replay": "tensor.replay",
    "ReplayError": "tensor.replay",
    "replay": "tensor.replay",
}

__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'autograd_core' has no attribute {name!r}")
    imported = importlib.import_module(f"{__name__}.{module}")
    value = imported if name in _MODULES else getattr(imported, name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])


if TYPE_CHECKING:  # what type checkers and IDEs see
    from .beyond.derivation import check_derivation  # noqa: F401
    from .beyond.forward import Dual  # noqa: F401
    from .beyond.functional import grad, hessian, jacobian, jvp, value_and_grad, vjp  # noqa: F401
    from .beyond.gradcheck import GradcheckError, gradcheck  # noqa: F401
    from .beyond.symbolic.derive import derive  # noqa: F401
    from .engine.graph import (  # noqa: F401
        GraphFreedError,
        backward_steps,
        enable_grad,
        is_grad_enabled,
        no_grad,
        topological_order,
    )
    from .layer import closed_form  # noqa: F401
    from .learn import nn, optim  # noqa: F401
    from .scalar.arrays import grads, values  # noqa: F401
    from .scalar.layout import derivative, gradient, jacobian_of  # noqa: F401
    from .scalar.value import Value  # noqa: F401
    from .see.draw import draw, render  # noqa: F401
    from .see.explain import explain  # noqa: F401
    from .see.explore import Explorer, Recorder, explore  # noqa: F401
    from .see.frames import backward_frames  # noqa: F401
    from .tensor import Tensor, concatenate, einsum, functions, linalg, stack  # noqa: F401
    from .tensor.functions import log_softmax, logsumexp, softmax, where  # noqa: F401
    from .tensor.primitive import Primitive, primitive  # noqa: F401
    from .tensor.replay import Replay, ReplayError, replay  # noqa: F401
