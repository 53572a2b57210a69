"""Optimizers with PyTorch's surface: ``opt.zero_grad(); loss.backward(); opt.step()``.

They work on any parameter with ``.data`` and ``.grad``: a ``Value`` (``data`` a float) or a
``Tensor`` (``data`` a numpy array). Updates are written as ``p.data = p.data - ...``, which is
the same line for both. A parameter whose ``grad`` is ``None`` (a ``Tensor`` the loss did not
reach) is skipped, as in PyTorch.

The learning rate is the attribute ``opt.lr``; a schedule (:class:`LambdaLR`, or any callable
``step -> lr`` passed as ``lr``) changes it between steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..scalar.value import Value

__all__ = ["SGD", "Adam", "LambdaLR", "Optimizer", "linear_decay"]

Schedule = Callable[[int], float]


class Optimizer:
    """Holds the parameters and the learning rate; subclasses implement ``_update``."""

    def __init__(self, params: Iterable[Any], lr: float | Schedule) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        seen: dict[int, int] = {}
        for k, p in enumerate(self.params):
            if not (hasattr(p, "data") and hasattr(p, "grad")):
                raise TypeError(f"{type(self).__name__}: parameters need .data and .grad, got {type(p).__name__}")
            if id(p) in seen:  # it would be stepped twice per step(), silently doubling its learning rate
                raise ValueError(f"{type(self).__name__}: parameter {k} is the same object as parameter {seen[id(p)]}; "
                                 "pass each parameter once (e.g. list({id(p): p for p in params}.values()))")
            seen[id(p)] = k
        self._schedule: Schedule | None = lr if callable(lr) else None
        self.lr = float(self._schedule(0) if self._schedule else lr)
        _check_lr(self.lr, type(self).__name__)
        self.steps = 0  # number of step() calls so far
        self.state: list[dict[str, Any]] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient: ``0.0`` for a ``Value``, ``None`` for a ``Tensor``."""
        for p in self.params:
            p.grad = 0.0 if isinstance(p, Value) else None

    def step(self) -> None:
        """Move every parameter against its gradient, then advance the schedule."""
        if self._schedule is not None:
            self.lr = float(self._schedule(self.steps))
            _check_lr(self.lr, type(self).__name__)
        self.steps += 1
        for p, state in zip(self.params, self.state, strict=True):
            g = p.grad
            if g is None:
                continue
            p.data = _like(p.data, p.data - self._update(g, p.data, state))

    def _update(self, grad: Any, data: Any, state: dict[str, Any]) -> Any:
        """The amount to subtract from ``data`` (a float or an array of ``data``'s shape)."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and weight decay (PyTorch's rule):

    ``g ← ∇L + λ θ``;  ``v ← μ v + g`` (``v = g`` on the first step);  ``θ ← θ - lr · v``
    (with ``nesterov``: ``θ ← θ - lr · (g + μ v)``). ``λ θ`` is the gradient of ``(λ/2)‖θ‖²``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Schedule = 0.1,
        *,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        if weight_decay < 0:
            raise ValueError(f"SGD: weight_decay must be >= 0, got {weight_decay!r}")
        if nesterov and momentum == 0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0")
        self.momentum, self.weight_decay, self.nesterov = momentum, weight_decay, nesterov

    def _update(self, grad: Any, data: Any, state: dict[str, Any]) -> Any:
        g = grad + self.weight_decay * data if self.weight_decay else grad
        if self.momentum:
            v = g if "velocity" not in state else self.momentum * state["velocity"] + g
            state["velocity"] = v
            g = g + self.momentum * v if self.nesterov else v
        return self.lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction, and optional L2 weight decay:

    ``m ← β₁ m + (1-β₁) g``, ``v ← β₂ v + (1-β₂) g²``,
    ``θ ← θ - lr · m̂ / (√v̂ + ε)`` with ``m̂ = m/(1-β₁ᵗ)``, ``v̂ = v/(1-β₂ᵗ)``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Schedule = 1e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        b1, b2 = betas
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"Adam: betas must be in [0, 1), got {betas!r}")
        if eps <= 0 or weight_decay < 0:
            raise ValueError(f"Adam: needs eps > 0 and weight_decay >= 0, got eps={eps!r}, "
                             f"weight_decay={weight_decay!r}")
        self.betas, self.eps, self.weight_decay = (b1, b2), eps, weight_decay

    def _update(self, grad: Any, data: Any, state: dict[str, Any]) -> Any:
        b1, b2 = self.betas
        g = grad + self.weight_decay * data if self.weight_decay else grad
        t = state.get("t", 0) + 1
        m = b1 * state.get("m", 0.0) + (1.0 - b1) * g
        v = b2 * state.get("v", 0.0) + (1.0 - b2) * g * g
        state.update(t=t, m=m, v=v)
        m_hat = m / (1.0 - b1**t)
        v_hat = v / (1.0 - b2**t)
        return self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class LambdaLR:
    """PyTorch-style schedule: after each ``step()``, ``opt.lr = base_lr · factor(steps)``.

    ``steps`` counts this scheduler's ``step()`` calls (call it once per epoch or once per batch,
    as you choose).
    """

    def __init__(self, optimizer: Optimizer, factor: Schedule) -> None:
        self.optimizer, self.factor = optimizer, factor
        self.base_lr = optimizer.lr
        self.steps = 0

    def step(self) -> None:
        self.steps += 1
        self.optimizer.lr = float(self.base_lr * self.factor(self.steps))
        _check_lr(self.optimizer.lr, "LambdaLR")


def linear_decay(start: float, end: float, steps: int) -> Schedule:
    """The learning rate ``start → end`` linearly over ``steps`` steps, then ``end``.

    micrograd's moons demo uses ``linear_decay(1.0, 0.1, 100)``: ``lr = 1 - 0.9 · k/100``.
    """
    if steps < 1:
        raise ValueError(f"linear_decay: steps must be >= 1, got {steps!r}")
    return lambda k: start + (end - start) * min(k, steps) / steps


def _check_lr(lr: float, where: str) -> None:
    if not (math.isfinite(lr) and lr >= 0):
        raise ValueError(f"{where}: learning rate must be a finite number >= 0, got {lr!r}")


def _like(old: Any, new: Any) -> Any:
    """Keep a ``Value``'s data a Python float (numpy scalars would leak in through np.sqrt)."""
    return float(new) if isinstance(old, float) else new
