"""The array functions of issue 13 against PyTorch (torch==2.13.0, CPU, float64).

For each function ``f`` that torch has, the loss ``Σ W · f(inputs)`` with random weights ``W``:

* its gradient (reverse mode, ``grad``) equals ``torch.autograd``'s;
* its Hessian-vector product (``jvp`` of ``grad``: forward mode over our reverse sweep, through each
  entry's forward rule) equals ``torch.func.jvp(torch.func.grad(...))``'s;
* at ties (max, maximum) and zeros (prod, cumprod) -- the points where conventions differ -- the
  gradient equals torch's too: ties split evenly, products of the other entries exact at zeros.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from autograd_core import grad, jvp, log_softmax, logsumexp, softmax  # noqa: E402

RTOL, ATOL = 1e-9, 1e-11


def t_sym(x: Any) -> Any:
    return (x + x.mT) / 2


def n_sym(x: Any) -> Any:
    return (x + x.T) / 2


def spd(rng: np.random.Generator, n: int = 3) -> np.ndarray:
    a = rng.normal(size=(n, n))
    return a @ a.T + n * np.eye(n)


def invertible(rng: np.random.Generator, n: int = 3) -> np.ndarray:
    return rng.uniform(-1.0, 1.0, (n, n)) + 3.0 * np.eye(n)


def normal(*shape: int) -> Callable[[np.random.Generator], np.ndarray]:
    return lambda rng: rng.normal(size=shape)


TIES = np.array([[1.0, 3.0, 3.0, -2.0], [2.0, 2.0, 2.0, 2.0], [0.5, -1.0, 0.5, -1.0]])
ZEROS = np.array([[2.0, 0.0, 3.0, 1.5], [2.0, 0.0, 0.0, 1.0], [1.0, 2.0, -4.0, 0.5]])

# name: (ours on numpy/Tensor, torch's, input makers)
CASES: dict[str, tuple[Callable[..., Any], Callable[..., Any], tuple[Callable[..., np.ndarray], ...]]] = {
    "exp2": (np.exp2, torch.exp2, (normal(3, 4),)),
    "square": (np.square, torch.square, (normal(3, 4),)),
    "reciprocal": (np.reciprocal, torch.reciprocal, (lambda r: r.uniform(0.5, 2.0, (3, 4)),)),
    "sign": (np.sign, torch.sign, (normal(3, 4),)),
    "floor": (np.floor, torch.floor, (normal(3, 4),)),
    "ceil": (np.ceil, torch.ceil, (normal(3, 4),)),
    "round": (np.round, torch.round, (normal(3, 4),)),
    "maximum": (np.maximum, torch.maximum, (normal(3, 4), normal(4))),
    "minimum": (np.minimum, torch.minimum, (normal(3, 4), normal(4))),
    "maximum ties": (np.maximum, torch.maximum, (lambda r: TIES, lambda r: TIES[::-1].copy())),
    "arctan2": (np.arctan2, torch.atan2, (normal(3, 4), normal(3, 4))),
    "hypot": (np.hypot, torch.hypot, (normal(3, 4), normal(3, 4))),
    "max": (lambda x: np.max(x, axis=1), lambda x: torch.amax(x, dim=1), (normal(3, 4),)),
    "max ties": (lambda x: np.max(x, axis=1), lambda x: torch.amax(x, dim=1), (lambda r: TIES,)),
    "min ties all": (lambda x: np.min(x), lambda x: torch.amin(x), (lambda r: TIES,)),
    "prod": (lambda x: np.prod(x, axis=1), lambda x: torch.prod(x, dim=1), (normal(3, 4),)),
    "prod zeros": (lambda x: np.prod(x, axis=1), lambda x: torch.prod(x, dim=1), (lambda r: ZEROS,)),
    "cumsum": (lambda x: np.cumsum(x, axis=1), lambda x: torch.cumsum(x, dim=1), (normal(3, 4),)),
    "cumprod": (lambda x: np.cumprod(x, axis=1), lambda x: torch.cumprod(x, dim=1), (normal(3, 4),)),
    "cumprod zeros": (lambda x: np.cumprod(x, axis=1), lambda x: torch.cumprod(x, dim=1), (lambda r: ZEROS,)),
    "var": (lambda x: np.var(x, axis=0, ddof=1), lambda x: torch.var(x, dim=0, correction=1), (normal(3, 4),)),
    "std": (lambda x: np.std(x, axis=1), lambda x: torch.std(x, dim=1, correction=0), (normal(3, 4),)),
    "logsumexp": (lambda x: logsumexp(x, axis=1), lambda x: torch.logsumexp(x, dim=1), (normal(3, 4),)),
    "softmax": (lambda x: softmax(x, axis=0), lambda x: torch.softmax(x, dim=0), (normal(3, 4),)),
    "log_softmax": (lambda x: log_softmax(x, axis=1), lambda x: torch.log_softmax(x, dim=1), (normal(3, 4),)),
    "norm 2": (lambda x: np.linalg.norm(x, axis=1), lambda x: torch.linalg.vector_norm(x, dim=1), (normal(3, 4),)),
    "norm 1": (lambda x: np.linalg.norm(x, 1), lambda x: torch.linalg.vector_norm(x, 1), (normal(5),)),
    "norm inf": (lambda x: np.linalg.norm(x, np.inf), lambda x: torch.linalg.vector_norm(x, float("inf")),
                 (normal(5),)),
    "norm fro": (lambda x: np.linalg.norm(x, "fro"), lambda x: torch.linalg.matrix_norm(x, "fro"), (normal(3, 4),)),
    "where": (lambda a, b: np.where(TIES > 1.0, a, b), lambda a, b: torch.where(torch.tensor(TIES > 1.0), a, b),
              (normal(3, 4), normal(3, 4))),
    "clip": (lambda x: np.clip(x, -0.5, 0.5), lambda x: torch.clamp(x, -0.5, 0.5), (normal(3, 4),)),
    "flip": (lambda x: np.flip(x, 1), lambda x: torch.flip(x, (1,)), (normal(3, 4),)),
    "roll": (lambda x: np.roll(x, 2, axis=1), lambda x: torch.roll(x, 2, 1), (normal(3, 4),)),
    "repeat": (lambda x: np.repeat(x, 3, axis=0), lambda x: torch.repeat_interleave(x, 3, 0), (normal(3, 4),)),
    "tile": (lambda x: np.tile(x, (2, 3)), lambda x: torch.tile(x, (2, 3)), (normal(3, 4),)),
    "tril": (lambda x: np.tril(x, 1), lambda x: torch.tril(x, 1), (normal(3, 4),)),
    "triu": (lambda x: np.triu(x, -1), lambda x: torch.triu(x, -1), (normal(3, 4),)),
    "pad": (lambda x: np.pad(x, ((1, 2), (0, 1))), lambda x: torch.nn.functional.pad(x, (0, 1, 1, 2)),
            (normal(3, 4),)),
    "trace": (lambda x: np.trace(x, 1), lambda x: torch.diagonal(x, 1).sum(), (normal(3, 4),)),
    "diagonal": (lambda x: np.diagonal(x, -1), lambda x: torch.diagonal(x, -1), (normal(3, 4),)),
    "outer": (np.outer, torch.outer, (normal(3), normal(4))),
    "kron": (np.kron, torch.kron, (normal(2, 3), normal(3, 2))),
    "swapaxes": (lambda x: np.swapaxes(x, 0, 2), lambda x: torch.swapaxes(x, 0, 2), (normal(2, 3, 4),)),
    "moveaxis": (lambda x: np.moveaxis(x, 0, -1), lambda x: torch.movedim(x, 0, -1), (normal(2, 3, 4),)),
    "det": (np.linalg.det, torch.linalg.det, (invertible,)),
    "slogdet": (lambda x: np.linalg.slogdet(x)[1], lambda x: torch.linalg.slogdet(x)[1], (invertible,)),
    "inv": (np.linalg.inv, torch.linalg.inv, (invertible,)),
    "solve": (np.linalg.solve, torch.linalg.solve, (invertible, normal(3, 2))),
    "eigvalsh": (lambda x: np.linalg.eigvalsh(n_sym(x)), lambda x: torch.linalg.eigvalsh(t_sym(x)), (normal(3, 3),)),
    "eigh vectors": (lambda x: np.linalg.eigh(n_sym(x))[1] ** 2, lambda x: torch.linalg.eigh(t_sym(x))[1] ** 2,
                     (normal(3, 3),)),
    "cholesky": (lambda x: np.linalg.cholesky(n_sym(x)), lambda x: torch.linalg.cholesky(t_sym(x)), (spd,)),
}
# Hessian-vector products skip the piecewise-constant functions and the points of ties and zeros.
NO_SECOND = {"sign", "floor", "ceil", "round", "maximum ties", "max ties", "min ties all", "prod zeros",
             "cumprod zeros"}


def inputs_for(name: str) -> tuple[list[np.ndarray], np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(sum(map(ord, name)))
    xs = [make(rng) for make in CASES[name][2]]
    weights = rng.normal(size=np.shape(CASES[name][0](*xs)))
    directions = [rng.normal(size=x.shape) for x in xs]
    return xs, weights, directions


def ours_loss(name: str, weights: np.ndarray) -> Callable[..., Any]:
    f = CASES[name][0]
    return lambda *xs: (f(*xs) * weights).sum()


def torch_loss(name: str, weights: np.ndarray) -> Callable[..., Any]:
    f = CASES[name][1]
    return lambda *xs: (f(*xs) * torch.tensor(weights)).sum()


def compare(name: str, ours: Any, theirs: Any, what: str) -> None:
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b.numpy(force=True), rtol=RTOL, atol=ATOL, err_msg=f"{name}: {what}")


@pytest.mark.parametrize("name", CASES)
def test_gradient_matches_torch(name):
    xs, weights, _ = inputs_for(name)
    argnums = tuple(range(len(xs)))
    ours = grad(ours_loss(name, weights), argnums=argnums, engine="tensor")(*xs)
    ts = [torch.tensor(x, requires_grad=True) for x in xs]
    theirs = torch.autograd.grad(torch_loss(name, weights)(*ts), ts)
    compare(name, ours, theirs, "gradient")


@pytest.mark.parametrize("name", [n for n in CASES if n not in NO_SECOND])
def test_hessian_vector_product_matches_torch(name):
    xs, weights, vs = inputs_for(name)
    argnums = tuple(range(len(xs)))
    gradient = grad(ours_loss(name, weights), argnums=argnums, engine="tensor")
    _, ours = jvp(gradient, tuple(xs), tuple(vs), engine="tensor")
    torch_gradient = torch.func.grad(torch_loss(name, weights), argnums=argnums)
    _, theirs = torch.func.jvp(torch_gradient, tuple(map(torch.tensor, xs)), tuple(map(torch.tensor, vs)))
    compare(name, ours, theirs, "Hessian-vector product")
