"""Neural-network building blocks on both engines: modules, activations, losses.

Two model families share one :class:`Module` interface (``parameters()``, ``zero_grad()``,
``__call__``):

* **scalar** (:class:`Neuron`, :class:`Layer`, :class:`MLP`) on :class:`~autograd_core.Value` — the
  teaching model: every weight is its own graph node, and the seed's Eq. 9,
  ``z_i = Σ_j w_ij x_j + b_i``, is built literally, one sample at a time;
* **vectorized** (:class:`Linear`, :class:`TensorMLP`) on :class:`~autograd_core.Tensor` — the same
  layer for a whole batch at once.

**Layout.** Data is one sample per *row*, ``X`` of shape ``(m, n)``, as in numpy, scikit-learn and
PyTorch. Each layer's weight is stored exactly as the seed writes it — ``W`` of shape ``(p, n)``
(outputs × inputs, Eq. 6b) and ``b`` of shape ``(p,)`` — and :class:`Linear` computes
``Z = X Wᵀ + b``, which is the transpose of the seed's ``Z = W X + B`` (Eq. 5, samples as columns).
So ``W.grad`` is the seed's ``∇_W L`` (Eq. 29) with no conversion; only the data and the
per-layer activations are transposed when compared with the closed forms.

**Losses** average per-sample losses as Eq. 26 does, ``L = (1/m) Σ_k L^(k)``; each has a numpy
twin with its gradient in :mod:`autograd_core.layer.closed_form`. They accept the model's output on
either engine: a ``Tensor`` of shape ``(m, k)``, or a list of ``Value`` scores (one per sample)
or of lists of ``Value`` (``k`` per sample).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..layer import closed_form
from ..scalar.value import Value
from ..tensor import Tensor
from .training_losses import (
    LOSSES,
    hinge_loss,
    loss_function,
    loss_name,
    mse_loss,
    softmax_cross_entropy_loss,
)

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "MLP",
    "Layer",
    "Linear",
    "Module",
    "Neuron",
    "TensorMLP",
    "activate",
    "hinge_loss",
    "loss_function",
    "loss_name",
    "mse_loss",
    "relu",
    "sigmoid",
    "softmax_cross_entropy_loss",
    "tanh",
]

ACTIVATIONS = tuple(closed_form.ACTIVATIONS)
"""Names accepted wherever an activation is chosen: those of ``closed_form.ACTIVATIONS``, whose numpy
functions check these modules in ``fit(check_every=...)``."""



def _leaf_access(p: Any) -> tuple[Callable[[], Any], Callable[[np.ndarray], None]]:
    """Read and write one parameter: a ``Value`` (its float) or a ``Tensor`` (its array, in place)."""
    if isinstance(p, Value):
        def write_value(a: np.ndarray) -> None:
            p.data = float(a)
        return (lambda: p.data), write_value

    def write_array(a: np.ndarray) -> None:
        p.data[...] = a
    return (lambda: p.data), write_array


def _values_access(nodes: Sequence[Any]) -> tuple[Callable[[], Any], Callable[[np.ndarray], None]]:
    """Read and write a (nested) list of ``Value`` leaves as one float array."""
    grid = np.array(nodes, dtype=object)

    def read() -> np.ndarray:
        return np.array([v.data for v in grid.flat], dtype=float).reshape(grid.shape)

    def write(a: np.ndarray) -> None:
        for v, x in zip(grid.flat, a.flat, strict=True):
            v.data = float(x)
    return read, write


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _check_activation(name: str) -> str:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}")
    return name


# --- activations -------------------------------------------------------------------------------
def activate(x: Any, name: str) -> Any:
    """Apply the activation ``name`` to a ``Value``, a ``Tensor``, or a list of ``Value``.

    The derivative comes from the engine's table (:mod:`autograd_core.engine.ops`), not from here.
    """
    _check_activation(name)
    if name == "identity":
        return x
    if isinstance(x, (list, tuple)):
        return [getattr(v, name)() for v in x]
    return getattr(x, name)()


def tanh(x: Any) -> Any:
    """Hyperbolic tangent of a ``Value``, ``Tensor`` or list of ``Value``."""
    return activate(x, "tanh")


def relu(x: Any) -> Any:
    """max(x, 0) of a ``Value``, ``Tensor`` or list of ``Value`` (derivative 0 at 0)."""
    return activate(x, "relu")


def sigmoid(x: Any) -> Any:
    """1 / (1 + e^-x) of a ``Value``, ``Tensor`` or list of ``Value``."""
    return activate(x, "sigmoid")


# --- modules -----------------------------------------------------------------------------------
class Module:
    """Base of every model: its trainable parameters, their gradients reset, and a call.

    Subclasses implement ``forward`` and list their parameters in ``parameters()``.
    """

    def parameters(self) -> list[Any]:
        """The trainable leaves (``Value`` or ``Tensor``), in a fixed order."""
        return []

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (``0.0`` for a ``Value``, ``None`` for a ``Tensor``).

        ``backward()`` *adds* into leaf gradients, so call this before each backward pass.
        """
        for p in self.parameters():
            p.grad = 0.0 if isinstance(p, Value) else None

    def forward(self, x: Any) -> Any:
        raise NotImplementedError

    def __call__(self, x: Any) -> Any:
        return self.forward(x)

    def n_parameters(self) -> int:
        """The number of scalar parameters."""
        return sum(int(np.size(p.data)) for p in self.parameters())

    # --- saving and loading: named float arrays, never pickle ----------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """The parameters as named float arrays (copies), in the seed's orientation.

        Keys are stable and readable: ``layers.0.weight`` (``W``, shape ``p × n``) and ``layers.0.bias``
        (``b``) for both engines' MLPs, so a model trained on one engine loads into the other. Save with
        ``np.savez(path, **model.state_dict())`` and load with ``model.load_state_dict(np.load(path))``:
        plain arrays, no pickle, so loading a file from elsewhere runs no code.
        """
        return {name: np.array(read(), dtype=float) for name, (read, _) in self._named_arrays().items()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set the parameters from ``state`` (e.g. ``np.load("model.npz")``), checked first, then in place.

        Every key must match (a missing or unexpected key is named), every array must have its
        parameter's shape and real, finite entries; nothing is changed unless all are right. The
        parameters are updated in place, so an optimizer built on them keeps working.
        """
        own = self._named_arrays()
        keys = set(state.keys())
        missing, unexpected = sorted(set(own) - keys), sorted(keys - set(own))
        if missing or unexpected:
            parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
                [f"unexpected {', '.join(unexpected)}"] if unexpected else [])
            raise ValueError(f"load_state_dict: the keys do not match this {type(self).__name__}: {'; '.join(parts)} "
                           f"(its keys: {', '.join(own)})")
        arrays = {}
        for name, (read, _) in own.items():
            value = np.asarray(state[name])
            if value.dtype.kind not in "iuf":
                raise TypeError(f"load_state_dict: {name} must hold real numbers, got dtype {value.dtype}")
            if value.shape != np.shape(read()):
                raise ValueError(f"load_state_dict: {name} has shape {value.shape}, but this "
                                 f"{type(self).__name__}'s {name} has shape {np.shape(read())}")
            if not np.all(np.isfinite(value)):
                raise ValueError(f"load_state_dict: {name} has non-finite entries (NaN or inf)")
            arrays[name] = value.astype(float)
        for name, (_, write) in own.items():
            write(arrays[name])

    def _named_arrays(self) -> dict[str, tuple[Callable[[], Any], Callable[[np.ndarray], None]]]:
        """Name -> (read the parameter's numbers, write new numbers in place). Subclasses name theirs;
        by default the parameters in order, ``param.0``, ``param.1`` ..."""
        return {f"param.{i}": _leaf_access(p) for i, p in enumerate(self.parameters())}


class Neuron(Module):
    """One unit of the seed's Eq. 9 on ``Value``: ``activation(Σ_j w_j x_j + b)``.

    Weights start uniform in [-1, 1] (micrograd's choice, which its moons demo is tuned for);
    the bias starts at 0.
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        *,
        seed: int | np.random.Generator | None = None,
        label: str = "",
    ) -> None:
        self.activation = _check_activation(activation)
        rng = _rng(seed)
        self.w = [Value(float(v), label=f"{label}w[{j}]") for j, v in enumerate(rng.uniform(-1.0, 1.0, nin))]
        self.b = Value(0.0, label=f"{label}b")

    @property
    def nin(self) -> int:
        return len(self.w)

    def forward(self, x: Sequence[Value | float]) -> Value:
        _check_features(len(x), self.nin, "Neuron")
        z = self.b
        for w, xj in zip(self.w, x, strict=True):
            z = z + w * xj
        return activate(z, self.activation)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def _named_arrays(self) -> dict[str, tuple[Callable[[], Any], Callable[[np.ndarray], None]]]:
        return {"weight": _values_access(self.w), "bias": _leaf_access(self.b)}

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons reading the same input: one row of the seed's ``W`` per neuron."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        *,
        seed: int | np.random.Generator | None = None,
        label: str = "",
    ) -> None:
        rng = _rng(seed)
        self.activation = _check_activation(activation)
        self.neurons = [Neuron(nin, activation, seed=rng, label=f"{label}[{i}]") for i in range(nout)]
        for i, neuron in enumerate(self.neurons):  # entries named as the seed names them: W[i,j], b[i]
            for j, w in enumerate(neuron.w):
                w.label = f"{label}W[{i},{j}]"
            neuron.b.label = f"{label}b[{i}]"

    @property
    def nin(self) -> int:
        return self.neurons[0].nin

    @property
    def nout(self) -> int:
        return len(self.neurons)

    def forward(self, x: Sequence[Value | float]) -> list[Value]:
        _check_features(len(x), self.nin, "Layer")
        return [n(x) for n in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def weight(self) -> np.ndarray:
        """``W`` as a float array of shape ``(nout, nin)`` — the seed's ``p × n`` (Eq. 6b)."""
        return np.array([[w.data for w in n.w] for n in self.neurons])

    def _named_arrays(self) -> dict[str, tuple[Callable[[], Any], Callable[[np.ndarray], None]]]:
        return {"weight": _values_access([n.w for n in self.neurons]),
                "bias": _values_access([n.b for n in self.neurons])}

    def bias(self) -> np.ndarray:
        return np.array([n.b.data for n in self.neurons])

    def weight_grad(self) -> np.ndarray:
        """``∇_W L`` (same shape as ``W``, Eq. 16/29) read off the ``Value`` leaves."""
        return np.array([[w.grad for w in n.w] for n in self.neurons], dtype=float)

    def bias_grad(self) -> np.ndarray:
        return np.array([n.b.grad for n in self.neurons], dtype=float)

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r})"


class _MLPArrays:
    """What the in-training gradient check needs from an MLP, on either engine."""

    layers: list[Any]
    activation: str

    def weights(self) -> list[np.ndarray]:
        """Each layer's ``W`` (shape ``p_l × n_l``, the seed's orientation) as a float array."""
        return [layer.weight() for layer in self.layers]

    def biases(self) -> list[np.ndarray]:
        """Each layer's ``b`` (shape ``(p_l,)``) as a float array."""
        return [layer.bias() for layer in self.layers]

    def weight_grads(self) -> list[np.ndarray]:
        return [layer.weight_grad() for layer in self.layers]

    def bias_grads(self) -> list[np.ndarray]:
        return [layer.bias_grad() for layer in self.layers]

    @property
    def nin(self) -> int:
        return self.layers[0].nin

    @property
    def nout(self) -> int:
        return self.layers[-1].nout

    @property
    def sizes(self) -> list[int]:
        return [self.nin, *(layer.nout for layer in self.layers)]

    def _named_arrays(self) -> dict[str, tuple[Callable[[], Any], Callable[[np.ndarray], None]]]:
        """``layers.0.weight``, ``layers.0.bias``, ``layers.1.weight`` ...: the same keys on both engines."""
        return {f"layers.{i}.{name}": access for i, layer in enumerate(self.layers)
                for name, access in layer._named_arrays().items()}


class MLP(_MLPArrays, Module):
    """A multilayer perceptron on ``Value`` (micrograd's model): hidden layers use ``activation``,
    the output layer is linear (scores, not probabilities).

    ``MLP(2, [16, 16, 1])`` is the 2-16-16-1 network of the moons demo. Calling it on one sample
    (a sequence of ``nin`` numbers) returns a ``Value`` when the output layer has one unit, else a
    list of ``nout`` ``Value``.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        *,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        _check_sizes(nin, nouts)
        rng = _rng(seed)
        self.activation = _check_activation(activation)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation if i < len(nouts) - 1 else "identity", seed=rng, label=f"{i + 1}.")
            for i in range(len(nouts))
        ]

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        _check_features(len(x), self.nin, "MLP")
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def scores(self, X: np.ndarray) -> list[Value] | list[list[Value]]:
        """The model's output for every row of ``X`` (shape ``(m, nin)``): one graph per sample."""
        X = _as_rows(X, self.nin, "MLP")
        return [self(list(map(float, row))) for row in X]

    def __repr__(self) -> str:
        return f"MLP({'-'.join(map(str, self.sizes))}, activation={self.activation!r}, engine=Value)"


class Linear(Module):
    """The seed's layer on ``Tensor`` for a batch of row samples: ``Z = X Wᵀ + b``.

    ``W`` has shape ``(out_features, in_features)`` (the seed's ``p × n``) and ``b`` shape
    ``(out_features,)``; both start uniform in ``±1/√in_features`` (PyTorch's default bound),
    which keeps the pre-activations of order one whatever the width. Because samples are rows,
    ``Z`` here is the transpose of the seed's ``Z = W X + B`` (Eq. 5) and ``W.grad`` equals the
    seed's ``∇_W L = (1/m)(∇_Z L) Xᵀ`` (Eq. 29) in the seed's orientation.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        seed: int | np.random.Generator | None = None,
        label: str = "",
    ) -> None:
        _check_sizes(in_features, [out_features])
        rng = _rng(seed)
        bound = 1.0 / math.sqrt(in_features)
        self.W = Tensor(rng.uniform(-bound, bound, (out_features, in_features)), requires_grad=True, label=f"{label}W")
        self.b = Tensor(rng.uniform(-bound, bound, out_features), requires_grad=True, label=f"{label}b")

    @property
    def nin(self) -> int:
        return int(self.W.shape[1])

    @property
    def nout(self) -> int:
        return int(self.W.shape[0])

    def forward(self, X: Any) -> Any:
        if not isinstance(X, Tensor):
            X = Tensor(_as_rows(X, self.nin, "Linear"))
        elif X.ndim != 2 or X.shape[1] != self.nin:
            _check_features(X.shape[-1] if X.ndim else 0, self.nin, "Linear", shape=X.shape)
        return X @ self.W.T + self.b

    def parameters(self) -> list[Any]:
        return [self.W, self.b]

    def _named_arrays(self) -> dict[str, tuple[Callable[[], Any], Callable[[np.ndarray], None]]]:
        return {"weight": _leaf_access(self.W), "bias": _leaf_access(self.b)}

    def weight(self) -> np.ndarray:
        return np.array(self.W.data, dtype=float)

    def bias(self) -> np.ndarray:
        return np.array(self.b.data, dtype=float)

    def weight_grad(self) -> np.ndarray:
        return _grad_array(self.W)

    def bias_grad(self) -> np.ndarray:
        return _grad_array(self.b)

    def __repr__(self) -> str:
        return f"Linear({self.nin}, {self.nout})"


class TensorMLP(_MLPArrays, Module):
    """A multilayer perceptron on ``Tensor``: ``Linear`` layers, ``activation`` between them, a
    linear output layer. ``TensorMLP(64, [32, 10])`` maps a batch ``(m, 64)`` to scores ``(m, 10)``.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "tanh",
        *,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        _check_sizes(nin, nouts)
        rng = _rng(seed)
        self.activation = _check_activation(activation)
        sizes = [nin, *nouts]
        self.layers = [Linear(sizes[i], sizes[i + 1], seed=rng, label=f"{i + 1}.") for i in range(len(nouts))]

    def forward(self, X: Any) -> Any:
        for i, layer in enumerate(self.layers):
            X = layer(X)
            if i < len(self.layers) - 1:
                X = activate(X, self.activation)
        return X

    def parameters(self) -> list[Any]:
        return [p for layer in self.layers for p in layer.parameters()]

    def scores(self, X: np.ndarray) -> Any:
        """The model's output for the batch ``X`` (shape ``(m, nin)``): a ``Tensor`` ``(m, nout)``."""
        return self(_as_rows(X, self.nin, "TensorMLP"))

    def __repr__(self) -> str:
        return f"TensorMLP({'-'.join(map(str, self.sizes))}, activation={self.activation!r}, engine=Tensor)"


# --- helpers -----------------------------------------------------------------------------------
def _grad_array(t: Any) -> np.ndarray:
    g = t.grad
    return np.zeros(np.shape(t.data)) if g is None else np.array(g, dtype=float)


def _check_sizes(nin: int, nouts: Sequence[int]) -> None:
    sizes = [nin, *nouts]
    if not nouts or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in sizes):
        raise ValueError(f"layer sizes must be positive integers, got nin={nin!r}, nouts={list(nouts)!r}")


def _check_features(actual: int, expected: int, where: str, *, shape: Any = None) -> None:
    if actual != expected:
        got = f"{actual}" + (f" (input of shape {tuple(shape)})" if shape is not None else "")
        raise ValueError(f"{where}: expected {expected} features per sample, got {got}")


def _as_rows(X: Any, nin: int, where: str) -> np.ndarray:
    """``X`` as a float array of shape ``(m, nin)``; one sample of ``nin`` features counts as m = 1."""
    arr = np.asarray(X, dtype=float)
    if arr.ndim == 1 and arr.shape[0] == nin:
        arr = arr.reshape(1, nin)
    if arr.ndim != 2:
        raise ValueError(f"{where}: expected samples as rows, shape (m, {nin}), got an array of shape {arr.shape}")
    _check_features(arr.shape[1], nin, where, shape=arr.shape)
    return arr
