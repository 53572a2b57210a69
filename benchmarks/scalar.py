"""Scalar-engine workloads (sections a and b), written once for any micrograd-like ``Value`` class.

Every function takes the engine's ``Value`` class and builds its graph with plain arithmetic, so
our ``autograd_core.Value`` and micrograd's run *the same program*: same weights, same data, same
operations in the same order, hence graphs of the same size (each engine's own graph is counted).

Nothing here touches the garbage collector: no ``gc.disable()``, no thresholds. How an engine
fares under the collector as the user has it is what is being measured.

Each ``measure_*`` function runs in a fresh process (see ``run.py``'s worker mode) and returns a
JSON-able dict.
"""

from __future__ import annotations

import itertools
import math
import random
import resource
import statistics
import sys
import tracemalloc
from collections.abc import Callable, Iterable
from typing import Any

from benchmarks import clock

ENGINES = ("autograd-core", "floor", "micrograd")


def engine(name: str) -> type:
    """The ``Value`` class of an engine by its name in :data:`ENGINES`."""
    if name == "autograd-core":
        from autograd_core.scalar.value import Value

        return Value
    if name == "floor":
        from benchmarks.floor import Value as Floor  # the floor of a Python engine: one object per node

        return Floor
    if name == "micrograd":
        from micrograd.engine import Value  # the optional `bench` extra

        return Value
    raise ValueError(f"unknown scalar engine {name!r}; expected one of {ENGINES}")


def parents_of(node: Any) -> Iterable[Any]:
    """A node's operands: ``parents`` in autograd-core, the ``_prev`` set in micrograd."""
    parents = getattr(node, "parents", None)
    return node._prev if parents is None else parents


def count_nodes(root: Any) -> int:
    """Number of distinct nodes reachable from ``root``, walked with an explicit stack (no recursion)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        for parent in parents_of(stack.pop()):
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)


# --- a. the MLP of micrograd's demo -------------------------------------------------------------
def make_moons(n: int, seed: int = 0, noise: float = 0.1) -> tuple[list[tuple[float, float]], list[float]]:
    """``n`` points of two interleaving half circles with labels ±1 (pure Python: no numpy import)."""
    rng = random.Random(seed)
    points, labels = [], []
    for i in range(n):
        upper = i % 2 == 0
        t = math.pi * rng.random()
        x, y = (math.cos(t), math.sin(t)) if upper else (1 - math.cos(t), 0.5 - math.sin(t))
        points.append((x + rng.gauss(0, noise), y + rng.gauss(0, noise)))
        labels.append(1.0 if upper else -1.0)
    return points, labels


def init_weights(sizes: list[int], seed: int = 1) -> list[list[tuple[list[float], float]]]:
    """Layer by layer, neuron by neuron: ``(weights, bias)``, uniform in [-1, 1] as micrograd draws them."""
    rng = random.Random(seed)
    return [
        [([rng.uniform(-1, 1) for _ in range(n_in)], rng.uniform(-1, 1)) for _ in range(n_out)]
        for n_in, n_out in itertools.pairwise(sizes)
    ]


def build_model(V: type, weights: list[list[tuple[list[float], float]]]) -> list[list[tuple[list[Any], Any]]]:
    """The same weights as leaves of engine ``V``."""
    return [[([V(w) for w in ws], V(b)) for ws, b in layer] for layer in weights]


def parameters(model: list[list[tuple[list[Any], Any]]]) -> list[Any]:
    return [p for layer in model for ws, b in layer for p in (*ws, b)]


def mlp(model: list[list[tuple[list[Any], Any]]], x: list[Any]) -> Any:
    """micrograd's ``MLP``: ``relu(Σ w·x + b)`` per neuron, the last layer linear."""
    last = len(model) - 1
    for i, layer in enumerate(model):
        x = [_neuron(ws, b, x, relu=i != last) for ws, b in layer]
    return x[0]


def _neuron(ws: list[Any], b: Any, x: list[Any], relu: bool) -> Any:
    act = sum((w * xi for w, xi in zip(ws, x, strict=True)), b)
    return act.relu() if relu else act


def hinge_loss(V: type, model: Any, points: list[tuple[float, float]], labels: list[float], alpha: float) -> Any:
    """micrograd demo's loss: mean of ``relu(1 - y·score)`` plus ``alpha · Σ p²`` (L2)."""
    scores = [mlp(model, [V(a), V(b)]) for a, b in points]
    losses = [(1 + -y * s).relu() for y, s in zip(labels, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    if alpha == 0:
        return data_loss
    return data_loss + alpha * sum(p * p for p in parameters(model))


def measure_mlp(engine_name: str, points: int, steps: int, sizes: list[int], alpha: float) -> dict[str, Any]:
    """Time ``steps`` forward+backward passes (after one warm-up); return times, nodes, loss, grads.

    A step zeroes the parameters' grads, builds the loss graph, runs ``backward()`` and drops the
    graph, so freeing it (by reference counting or by the cyclic collector, whenever that runs)
    is paid for inside the timed steps, as in a training loop.
    """
    V = engine(engine_name)
    model = build_model(V, init_weights(sizes))
    params = parameters(model)
    xs, ys = make_moons(points)

    def step() -> float:
        for p in params:
            p.grad = 0.0
        loss = hinge_loss(V, model, xs, ys, alpha)
        loss.backward()
        return loss.data  # the graph is freed on return

    probe = hinge_loss(V, model, xs, ys, alpha)
    nodes = count_nodes(probe)
    del probe
    step()  # warm-up
    samples = []
    for _ in range(steps):
        start = clock.now()
        loss = step()
        samples.append(clock.since(start))
    return {"times": clock.collect(samples), "nodes": nodes, "loss": loss, "grads": [float(p.grad) for p in params]}


# --- a. bytes per node ---------------------------------------------------------------------------
CHAIN_OPS_DOC = "x = x·c, then x = x + c, alternating (c one shared leaf)"


def measure_bytes_per_node(engine_name: str, ops: int) -> dict[str, Any]:
    """Bytes that a forward graph of ``ops`` operations keeps alive, per node (tracemalloc)."""
    V = engine(engine_name)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    x, c = V(1.0), V(0.5)
    for i in range(ops):
        x = x * c if i % 2 == 0 else x + c
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    nodes = count_nodes(x)
    return {"nodes": nodes, "bytes": after - before, "bytes_per_node": (after - before) / nodes}


# --- b. deep graphs -------------------------------------------------------------------------------
DEEP_OPS_DOC = "x = tanh(x), then x = x·w, alternating (w one leaf)"


def _rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * (resource.getpagesize() // 1024)


def measure_deep_chain(ops: int, engine_name: str = "autograd-core") -> dict[str, Any]:
    """Forward and backward time of an engine on a chain ``ops`` operations deep, and peak RSS growth."""
    V = engine(engine_name)
    base_kib = _rss_kib()
    start = clock.now()
    w, x = V(0.9), V(0.5)
    for i in range(ops):
        x = x.tanh() if i % 2 == 0 else x * w
    forward = clock.since(start)
    start = clock.now()
    x.backward()
    backward = clock.since(start)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux: KiB
    if not math.isfinite(w.grad):
        raise RuntimeError(f"deep chain: w.grad is {w.grad!r}")
    start = clock.now()
    del x
    return {"forward": forward, "backward": backward, "free": clock.since(start),
            "peak_mib": (peak_kib - base_kib) / 1024}


def micrograd_chain_backward(depth: int) -> str | None:
    """Build micrograd's chain ``depth`` ops deep (``relu`` and ``·w``: it has no tanh) and call backward.

    Returns ``None`` on success, else the exception's type and message.
    """
    V = engine("micrograd")
    w = V(0.9)
    x = V(0.5)
    for i in range(depth):
        x = x.relu() if i % 2 == 0 else x * w
    try:
        x.backward()
    except RecursionError as error:  # the recursive topological sort
        return f"RecursionError: {error}"
    return None


def measure_micrograd_limit(full_ops: int) -> dict[str, Any]:
    """The smallest chain depth where micrograd's ``backward()`` fails, and what the full chain does."""
    ok, bad = 1, 1
    while micrograd_chain_backward(bad) is None:
        ok, bad = bad, bad * 2
        if bad > 1 << 20:
            return {"fails_at": None, "limit": sys.getrecursionlimit(), "full": None}
    while bad - ok > 1:
        mid = (ok + bad) // 2
        ok, bad = (mid, bad) if micrograd_chain_backward(mid) is None else (ok, mid)
    return {"fails_at": bad, "limit": sys.getrecursionlimit(), "full": micrograd_chain_backward(full_ops)}


WORKERS: dict[str, Callable[..., dict[str, Any]]] = {
    "mlp": measure_mlp,
    "bytes": measure_bytes_per_node,
    "deep": measure_deep_chain,
    "micrograd_limit": measure_micrograd_limit,
}


def median(xs: Iterable[float]) -> float:
    return statistics.median(list(xs))
