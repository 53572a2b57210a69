"""User-defined primitives: your own forward function and derivative rule, used by every transform.

Like HIPS autograd's ``primitive``/``defvjp``, ``jax.custom_vjp`` and ``torch.autograd.Function``:
when a function is numerically delicate (``log(1 + eˣ)`` overflows for large ``x``), has a cheaper
derivative than its code (an iterative solver), or is not built from the table at all (a call into
another library), you give its forward computation and its vector-Jacobian product, and the engines
treat it as one node -- ``backward``, ``grad``, ``jacobian``, ``hessian``, drawings -- exactly as they
treat ``det`` or ``tanh``. It becomes a :class:`~autograd_core.engine.ops.Function` entry, the kind
the table's own whole-array functions are.

>>> import numpy as np
>>> from autograd_core import grad, primitive
>>> @primitive
... def log1pexp(x):
...     return np.logaddexp(0.0, x)           # log(1 + eˣ), without overflow
>>> @log1pexp.defvjp
... def _(g, out, x):
...     return g * np.exp(x - out)            # σ(x) = eˣ/(1 + eˣ) = exp(x - out), also without overflow
>>> float(grad(lambda x: log1pexp(x).sum())(np.array([1000.0])))
1.0

**The rules you write.**

* ``vjp(g, out, *operands)`` returns ``∂L/∂operand`` for each operand (a tuple if there are several),
  each of its operand's shape, given ``g = ∂L/∂out``. It is called with numpy arrays; under
  ``create_graph`` (Hessians) it is called with Tensors, so write it with numpy functions that have a
  rule (``np.exp``, ``@`` ...) and it is differentiated too.
* ``jvp(tangents, out, *operands)``, optional, returns the output's tangent given the operands'
  (``None`` for an operand that does not move); forward mode (``jvp``, ``jacobian(mode="forward")``)
  needs it and says so if it is missing.

Nothing checks that your rule is the derivative of your forward -- that is what
:func:`~autograd_core.gradcheck` is for: ``gradcheck(lambda x: log1pexp(x).sum(), x, engine="tensor")``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..engine import ops
from ..scalar.value import Value
from .tensor import _lift_strict


class Primitive:
    """A function with its own derivative rules, applied as one node of the graph (see the module doc)."""

    def __init__(self, forward: Callable[..., Any], vjp: Callable[..., Any] | None = None,
                 jvp: Callable[..., Any] | None = None, name: str | None = None) -> None:
        if not callable(forward):
            raise TypeError(f"primitive: forward must be a function, got {type(forward).__name__}")
        self.forward = forward
        self.vjp_rule = vjp
        self.jvp_rule = jvp
        self.name = name or getattr(forward, "__name__", "primitive")
        self.__doc__ = getattr(forward, "__doc__", None)
        self.entry = ops.Function(self.name, self._forward, self._vjp, self._jvp, symbol=self.name)

    def defvjp(self, vjp: Callable[..., Any]) -> Callable[..., Any]:
        """Set the reverse rule ``vjp(g, out, *operands)``; usable as a decorator."""
        self.vjp_rule = vjp
        return vjp

    def defjvp(self, jvp: Callable[..., Any]) -> Callable[..., Any]:
        """Set the forward rule ``jvp(tangents, out, *operands)``; usable as a decorator."""
        self.jvp_rule = jvp
        return jvp

    def __call__(self, *operands: Any) -> Any:
        if any(_is_value(x) for x in operands):
            raise TypeError(f"{self.name}: a user-defined primitive runs on the Tensor engine, not on scalar nodes "
                            "(Value, or arrays of them); pass Tensors (or arrays), or use engine='tensor' in the "
                            "transforms")
        node = next((x for x in operands if hasattr(x, "_apply")), None)
        if node is None:  # plain numbers: nothing to differentiate
            return self.forward(*operands)
        parents = [x if hasattr(x, "_apply") else _lift_strict(x, self.name) for x in operands]
        return node._apply(self.entry, None, parents, self.name)

    def __repr__(self) -> str:
        return f"primitive({self.name})"

    # --- the table's view: a Function entry -----------------------------------------------------
    def _forward(self, params: Any, *arrays: np.ndarray) -> np.ndarray:
        out = self.forward(*arrays)
        try:
            return np.asarray(out, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{self.name}: forward must return real numbers (a float or float array), got "
                            f"{type(out).__name__}") from None

    def _vjp(self, xp: Any, params: Any, g: Any, i: int, operands: Sequence[Any], out: Any) -> Any:
        if self.vjp_rule is None:
            raise NotImplementedError(f"{self.name}: no reverse rule; give one with primitive(forward, vjp=...) or "
                                      f"@{self.name}.defvjp")
        try:
            grads = self.vjp_rule(g, out, *operands)
        except TypeError as err:
            if xp.records:
                raise TypeError(f"{self.name}: its vjp must run on Tensors for second derivatives (create_graph, "
                                f"hessian): write it with numpy functions that have a rule. It raised: {err}") from err
            raise
        grads = grads if isinstance(grads, tuple | list) else (grads,)
        if len(grads) != len(operands):
            raise ValueError(f"{self.name}: vjp returned {len(grads)} gradients for {len(operands)} operands")
        return _checked(grads[i], operands[i], f"{self.name}: vjp's gradient for operand {i}")

    def _jvp(self, params: Any, tangents: Sequence[Any], operands: Sequence[Any], out: np.ndarray) -> Any:
        if self.jvp_rule is None:
            raise NotImplementedError(
                f"{self.name}: no forward rule, so forward mode (jvp, jacobian(mode='forward')) cannot run it; give "
                f"one with primitive(forward, jvp=...) or @{self.name}.defjvp, or use reverse mode (grad, vjp)")
        return _checked(self.jvp_rule(list(tangents), out, *operands), out, f"{self.name}: jvp's tangent")


def primitive(forward: Callable[..., Any], vjp: Callable[..., Any] | None = None,
              jvp: Callable[..., Any] | None = None, name: str | None = None) -> Primitive:
    """Make ``forward`` a primitive with its own reverse rule ``vjp`` (and forward rule ``jvp``).

    Usable as a decorator, with the rules added by ``@f.defvjp`` and ``@f.defjvp``; see
    :mod:`autograd_core.tensor.primitive` for the rules' signatures and a worked example.
    """
    return Primitive(forward, vjp, jvp, name)


def _checked(g: Any, like: Any, what: str) -> Any:
    """A rule's result, refused unless it has the shape of ``like`` (a gradient is shaped like its operand)."""
    shape = np.shape(like.data if hasattr(like, "_apply") else like)
    if hasattr(g, "_apply"):
        if g.shape != shape:
            raise ValueError(f"{what} has shape {g.shape}, expected {shape}")
        return g
    g = np.asarray(g, dtype=np.float64)
    if g.shape != shape:
        if g.ndim == 0:
            return np.broadcast_to(g, shape)
        raise ValueError(f"{what} has shape {g.shape}, expected {shape}")
    return g


def _is_value(x: Any) -> bool:
    """A scalar node or an array of them: running ``forward`` on those would differentiate its code, not the rule."""
    return isinstance(x, Value) or (isinstance(x, np.ndarray) and x.dtype == object)
