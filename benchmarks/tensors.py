"""Vectorized workloads (section c): our ``Tensor`` vs hand-written numpy vs PyTorch CPU, float64.

Everything follows the seed's column convention: a batch ``X`` is ``n × m`` (one sample per column),
a layer is ``Z = W X + b`` with ``W`` ``p × n`` and ``b`` ``p × 1`` broadcast over the columns (Eq. 25).

* **MLP step**: ``64-256-256-10`` at batch 256 and the teaching size ``16-16-16-10`` at batch 32, tanh
  hidden layers, softmax cross-entropy averaged over the batch,
  ``L = (1/m) Σ_k [log Σ_i exp z_ik − z_{y_k,k}]`` (written without the max shift in every contender,
  so that all do the same arithmetic), then plain SGD ``θ ← θ − η ∇θ``. The big step is also timed with
  one contender per process (:func:`measure_mlp_process`) and its peak memory taken
  (:func:`measure_mlp_memory`).
* **linear layer**: the seed's ``Z = W X + b`` at ``(p, n, m)``, loss ``L = (1/m) Σ_k ½‖z^(k) − t^(k)‖²``,
  forward + backward for ``W``, ``X`` and ``b`` (Eq. 27–30).

The numpy contender is the floor: closed-form gradients, no graph, nothing autodiff could skip.
BLAS threads are pinned by ``run.py`` before numpy or torch is imported (and by threadpoolctl when
present); torch gets ``set_num_threads(1)``.
"""

from __future__ import annotations

import inspect
import itertools
import math
import os
import statistics
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks import clock

CONTENDERS = ("autograd-core", "numpy", "torch", "autograd-core replay")
REPLAY = "autograd-core replay"  # the Tensor step recorded once and replayed into preallocated buffers (MLP only)


def tensor_available() -> bool:
    try:
        from autograd_core.tensor.tensor import Tensor  # noqa: F401
    except ImportError:
        return False
    return True


def replay_available() -> bool:
    try:
        from autograd_core.tensor.replay import Replay  # noqa: F401
    except ImportError:
        return False
    return True


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


# --- problems ----------------------------------------------------------------------------------------
def mlp_problem(sizes: list[int], batch: int, seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, 1 / np.sqrt(n_in), (n_out, n_in)) for n_in, n_out in itertools.pairwise(sizes)]
    biases = [rng.normal(0, 0.1, (n_out, 1)) for n_out in sizes[1:]]
    x = rng.normal(0, 1, (sizes[0], batch))
    labels = rng.integers(0, sizes[-1], batch)
    onehot = np.zeros((sizes[-1], batch))
    onehot[labels, np.arange(batch)] = 1.0
    return {"weights": weights, "biases": biases, "x": x, "onehot": onehot, "lr": 0.1}


def linear_problem(p: int, n: int, m: int, seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    return {
        "w": rng.normal(0, 1 / np.sqrt(n), (p, n)),
        "x": rng.normal(0, 1, (n, m)),
        "b": rng.normal(0, 0.1, (p, 1)),
        "t": rng.normal(0, 1, (p, m)),
    }


# --- hand-written numpy: the floor ---------------------------------------------------------------------
def numpy_mlp(pb: dict[str, Any]) -> tuple[Callable[[], float], Callable[[], list[np.ndarray]]]:
    """One SGD step with the closed-form backward of tanh layers and softmax cross-entropy."""
    ws = [w.copy() for w in pb["weights"]]
    bs = [b.copy() for b in pb["biases"]]
    x, y, lr = pb["x"], pb["onehot"], pb["lr"]
    m = x.shape[1]

    def step() -> float:
        acts = [x]
        for w, b in zip(ws[:-1], bs[:-1], strict=True):
            acts.append(np.tanh(w @ acts[-1] + b))
        z = ws[-1] @ acts[-1] + bs[-1]
        e = np.exp(z)
        total = e.sum(axis=0, keepdims=True)
        loss = float((np.log(total).sum() - (y * z).sum()) / m)
        g = (e / total - y) / m  # ∂L/∂Z of softmax cross-entropy
        for i in range(len(ws) - 1, -1, -1):
            dw, db = g @ acts[i].T, g.sum(axis=1, keepdims=True)  # Eq. 28, Eq. 30
            if i > 0:
                g = (ws[i].T @ g) * (1 - acts[i] ** 2)  # Eq. 29 through tanh
            ws[i] -= lr * dw
            bs[i] -= lr * db
        return loss

    return step, lambda: ws + bs


def numpy_linear(pb: dict[str, Any]) -> tuple[Callable[[], float], Callable[[], list[Any]]]:
    w, x, b, t = pb["w"], pb["x"], pb["b"], pb["t"]
    m = x.shape[1]
    last: list[Any] = []

    def step() -> float:
        z = w @ x + b
        r = z - t
        loss = 0.5 * float((r * r).sum()) / m
        g = r / m
        last[:] = (g @ x.T, w.T @ g, g.sum(axis=1, keepdims=True))  # ∇W, ∇X, ∇b: Eq. 28-30
        return loss

    return step, lambda: last


# --- PyTorch CPU -----------------------------------------------------------------------------------------
def torch_mlp(pb: dict[str, Any]) -> tuple[Callable[[], float], Callable[[], list[np.ndarray]]]:
    import torch

    params = [torch.tensor(a, requires_grad=True) for a in (*pb["weights"], *pb["biases"])]
    k = len(pb["weights"])
    ws, bs = params[:k], params[k:]
    x, y, lr = torch.tensor(pb["x"]), torch.tensor(pb["onehot"]), pb["lr"]
    m = x.shape[1]

    def step() -> float:
        h = x
        for w, b in zip(ws[:-1], bs[:-1], strict=True):
            h = torch.tanh(w @ h + b)
        z = ws[-1] @ h + bs[-1]
        loss = (torch.log(torch.exp(z).sum(dim=0)).sum() - (y * z).sum()) / m
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
        return float(loss)

    return step, lambda: [p.detach().numpy() for p in params]


def torch_linear(pb: dict[str, Any]) -> tuple[Callable[[], float], Callable[[], list[Any]]]:
    import torch

    w, x, b = (torch.tensor(pb[key], requires_grad=True) for key in ("w", "x", "b"))
    t = torch.tensor(pb["t"])
    m = x.shape[1]
    last: list[Any] = []

    def step() -> float:
        r = w @ x + b - t
        loss = 0.5 * (r * r).sum() / m
        loss.backward()
        last[:] = (w.grad, x.grad, b.grad)
        for p in (w, x, b):
            p.grad = None
        return float(loss)

    return step, lambda: [g.numpy() for g in last]


# --- our Tensor ------------------------------------------------------------------------------------------
def frees_graph() -> bool:
    """Whether ``Tensor.backward`` takes ``retain_graph`` (and so can free the graph during the sweep)."""
    from autograd_core.tensor.tensor import Tensor

    return "retain_graph" in inspect.signature(Tensor.backward).parameters


def _backward() -> Callable[[Any], None]:
    """The Tensor contender's ``loss.backward``, chosen once when a step is built.

    ``retain_graph=False`` when the engine has it: the graph and its intermediate values go as the sweep
    passes them, which is what PyTorch's default ``backward()`` does, so the contenders do the same work.
    An engine without the keyword keeps its graph until the step drops ``loss``.
    """
    if frees_graph():
        return lambda loss: loss.backward(retain_graph=False)
    return lambda loss: loss.backward()


def tensor_mlp(pb: dict[str, Any]) -> tuple[Callable[[], float], Callable[[], list[np.ndarray]]]:
    from autograd_core.tensor.tensor import Tensor

    ws = [Tensor(w.copy(), requires_grad=True) for w in pb["weights"]]
    bs = [Tensor(b.copy(), requires_grad=True) for b in pb["biases"]]
    params = ws + bs
    x, y, lr = Tensor(pb["x"]), Tensor(pb["onehot"]), pb["lr"]
    m = pb["x"].shape[1]
    backward = _backward()

    def step() -> float:
        h = x
        for w, b in zip(ws[:-1], bs[:-1], strict=True):
            h = (w @ h + b).tanh()
        z = ws[-1] @ h + bs[-1]
        loss = (z.exp().sum(axis=0).log().sum() - (y * z).sum()) * (1.0 / m)
        value = float(loss.data)  # read before backward, which may free the graph
        backward(loss)
        for p in params:
            p.data -= lr * p.grad
            p.grad = None
        return value

    return step, lambda: [np.asarray(p.data) for p in params]


def replay_mlp(pb: dict[str, Any]) -> tuple[Callable[[], float], Callable[[], list[np.ndarray]]]:
    """The Tensor step recorded once (``autograd_core.tensor.replay``): each step is ``replay.step()`` -- forward
    and backward into preallocated buffers -- plus the same SGD update in place. Same arithmetic as
    :func:`tensor_mlp`, bit for bit (tests/test_replay.py)."""
    from autograd_core.tensor.replay import Replay
    from autograd_core.tensor.tensor import Tensor

    ws = [Tensor(w.copy(), requires_grad=True) for w in pb["weights"]]
    bs = [Tensor(b.copy(), requires_grad=True) for b in pb["biases"]]
    params = ws + bs
    x, y, lr = Tensor(pb["x"]), Tensor(pb["onehot"]), pb["lr"]
    m = pb["x"].shape[1]
    h = x
    for w, b in zip(ws[:-1], bs[:-1], strict=True):
        h = (w @ h + b).tanh()
    z = ws[-1] @ h + bs[-1]
    replay = Replay((z.exp().sum(axis=0).log().sum() - (y * z).sum()) * (1.0 / m), inputs=[x, y])

    def step() -> float:
        value = replay.step()
        for p in params:
            p.data -= lr * p.grad
        return value

    return step, lambda: [np.asarray(p.data) for p in params]


def tensor_linear(pb: dict[str, Any]) -> tuple[Callable[[], float], Callable[[], list[Any]]]:
    from autograd_core.tensor.tensor import Tensor

    w, x, b = (Tensor(pb[key], requires_grad=True) for key in ("w", "x", "b"))
    t = Tensor(pb["t"])
    m = pb["x"].shape[1]
    last: list[Any] = []
    backward = _backward()

    def step() -> float:
        r = w @ x + b - t
        loss = (r * r).sum() * (0.5 / m)
        value = float(loss.data)  # read before backward, which may free the graph
        backward(loss)
        last[:] = (w.grad, x.grad, b.grad)
        for p in (w, x, b):
            p.grad = None
        return value

    return step, lambda: last


MLP_BUILDERS = {"autograd-core": tensor_mlp, "numpy": numpy_mlp, "torch": torch_mlp, REPLAY: replay_mlp}
LINEAR_BUILDERS = {"autograd-core": tensor_linear, "numpy": numpy_linear, "torch": torch_linear}


def available(contender: str) -> bool:
    return {"autograd-core": tensor_available, "numpy": lambda: True, "torch": torch_available,
            REPLAY: replay_available}[contender]()


def _warm_up(steps: dict[str, Callable[[], float]]) -> None:
    """Two untimed steps each: first-call costs (imports, allocator, BLAS buffers) stay out of the medians."""
    for step in steps.values():
        step()
        step()


def steps_per_sample(step: Callable[[], float], sample_seconds: float, probe: int = 10) -> int:
    """How many calls of ``step`` make one timed sample of at least ``sample_seconds`` (measured, wall clock).

    A step of a small problem takes tens of microseconds: timed one by one, the clock's resolution and
    every interruption would be a large part of each sample, so small problems time a batch of steps.
    """
    start = clock.now()
    for _ in range(probe):
        step()
    per_step = clock.since(start)["wall"] / probe
    return max(1, math.ceil(sample_seconds / max(per_step, 1e-9)))


def _interleaved(
    steps: dict[str, Callable[[], float]], rounds: int, per_round: int, batch: dict[str, int] | None = None
) -> dict[str, dict[str, list[float]]]:
    """Per-step times of each contender: every round takes ``per_round`` samples of each, in a rotating order.

    A sample times ``batch[name]`` consecutive steps (1 when not given) and records their mean.
    """
    names = list(steps)
    batch = batch or dict.fromkeys(names, 1)
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            step, k = steps[name], batch[name]
            for _ in range(per_round):
                start = clock.now()
                for _ in range(k):
                    step()
                samples[name].append({c: t / k for c, t in clock.since(start).items()})
    return {name: clock.collect(s) for name, s in samples.items()}


def _agreement(finals: dict[str, list[np.ndarray]]) -> float:
    """Largest difference between any contender's parameters and numpy's after the same steps."""
    ref = finals["numpy"]
    diffs = [np.max(np.abs(np.asarray(a) - b)) for got in finals.values() for a, b in zip(got, ref, strict=True)]
    return float(max(diffs, default=0.0))


def _checked(
    builders: dict[str, Callable[[dict[str, Any]], tuple[Callable[[], float], Callable[[], list[Any]]]]],
    problem: dict[str, Any],
    contenders: list[str],
    errors: dict[str, str],
) -> tuple[dict[str, Callable[[], float]], float]:
    """Build each contender, run one step, compare its results with numpy's.

    Returns the step functions of the contenders that ran, and their largest difference from numpy.
    A contender that raises is left out and its error recorded: it shows in the table, not as a crash.
    """
    steps, results = {}, {}
    for name in contenders:
        try:
            step, outputs = builders[name](problem)
            step()
            results[name] = [np.asarray(a, dtype=float) for a in outputs()]
            steps[name] = step
        except Exception as exc:
            errors[name] = f"{type(exc).__name__}: {exc}"
    return steps, _agreement(results) if "numpy" in results else float("nan")


def measure_tensor(
    sizes: list[int],
    batch: int,
    linear: list[int],
    rounds: int,
    per_round: int,
    small_sizes: list[int],
    small_batch: int,
    small_rounds: int,
    small_per_round: int,
    sample_seconds: float,
) -> dict[str, Any]:
    """Section c in one process: the MLP step at two sizes and the linear layer, contenders interleaved.

    The big MLP and the linear layer time one step per sample; the teaching-size MLP times batches of
    steps (:func:`steps_per_sample`, at least ``sample_seconds`` each) and reports the time per step.
    """
    if torch_available():
        import torch

        torch.set_num_threads(1)
    contenders = [name for name in CONTENDERS if available(name)]
    out: dict[str, Any] = {"tensor": tensor_available(), "torch": torch_available(), "replay": replay_available(),
                           "frees_graph": tensor_available() and frees_graph()}
    problems = {
        "mlp": (MLP_BUILDERS, lambda: mlp_problem(sizes, batch), rounds, per_round, 0.0),
        "small": (MLP_BUILDERS, lambda: mlp_problem(small_sizes, small_batch), small_rounds, small_per_round,
                  sample_seconds),
        "linear": (LINEAR_BUILDERS, lambda: linear_problem(*linear), rounds, per_round, 0.0),
    }
    for key, (builders, make, n_rounds, n_per_round, seconds) in problems.items():
        errors: dict[str, str] = {}
        # Builders copy what they update, so all start from the same weights; the timed contenders are
        # built afresh after the check (an MLP step has moved the check's weights).
        names = [c for c in contenders if c in builders]  # the replay contender has an MLP step only
        _, agree = _checked(builders, make(), names, errors)
        steps, _ = _checked(builders, make(), [c for c in names if c not in errors], errors)
        _warm_up(steps)
        batches = {name: steps_per_sample(step, seconds) if seconds else 1 for name, step in steps.items()}
        out[key] = {"times": _interleaved(steps, n_rounds, n_per_round, batches), "agree": agree, "errors": errors,
                    "steps_per_sample": batches}
    return out


# --- one contender per process: whole-process time, peak memory ----------------------------------------------
def _one_thread_torch(contender: str) -> None:
    if contender == "torch":
        import torch

        torch.set_num_threads(1)


def allocator_env() -> dict[str, str]:
    """Environment variables that change how memory is allocated (glibc's ``MALLOC_*``, ``PYTHONMALLOC``,
    ``LD_PRELOAD``): a whole-process time is only "under the default allocator" when this is empty."""
    return {k: v for k, v in os.environ.items() if k.startswith("MALLOC_") or k in ("PYTHONMALLOC", "LD_PRELOAD")}


def measure_mlp_process(contender: str, sizes: list[int], batch: int, steps: int) -> dict[str, Any]:
    """The MLP step of one contender alone in this process: build, two warm-up steps, ``steps`` timed steps.

    Nothing else runs here, so the allocator's state (freed pages kept or given back to the kernel) is the
    contender's own, as in a training script. Returns the per-step median on each clock.
    """
    _one_thread_torch(contender)
    step, _ = MLP_BUILDERS[contender](mlp_problem(sizes, batch))
    _warm_up({contender: step})
    times = _interleaved({contender: step}, rounds=1, per_round=steps)[contender]
    return {"median": {c: statistics.median(ts) for c, ts in times.items()}, "allocator_env": allocator_env()}


def _status_bytes(field: str) -> int:
    """A ``kB`` line of ``/proc/self/status`` (``VmRSS``, ``VmHWM``) in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"no {field} in /proc/self/status")


def rss_growth(step: Callable[[], float]) -> int | None:
    """How far the resident set grew above its size at the step's start during one step (Linux only).

    Writing ``5`` to ``/proc/self/clear_refs`` resets the high-water mark ``VmHWM`` to the current RSS.
    Crude: pages the allocator kept from the previous step are already resident and do not count, and
    it sees every allocator (numpy's, torch's, Python's) alike. ``None`` where the files are missing.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        start = _status_bytes("VmRSS")
    except OSError:
        return None
    step()
    return _status_bytes("VmHWM") - start


def traced_peak(step: Callable[[], float]) -> int:
    """Peak memory traced by ``tracemalloc`` during one step, above what was traced at its start.

    numpy registers its array buffers with tracemalloc, so this counts the arrays a step holds at once
    as well as the Python objects around them. ``tracemalloc`` must be tracing already.
    """
    tracemalloc.reset_peak()
    start = tracemalloc.get_traced_memory()[0]
    step()
    return tracemalloc.get_traced_memory()[1] - start


def measure_mlp_memory(contender: str, sizes: list[int], batch: int, steps: int) -> dict[str, Any]:
    """Peak memory of one MLP step, in a process of its own, after two warm-up steps; medians over ``steps``.

    The RSS growth is taken first, before tracing starts (tracemalloc's own tables take memory). torch
    allocates its tensors outside Python's allocator hooks, so tracemalloc would see almost nothing of a
    torch step: its traced figure is ``None`` ("not traced"), never a misleadingly small number.
    """
    _one_thread_torch(contender)
    step, _ = MLP_BUILDERS[contender](mlp_problem(sizes, batch))
    _warm_up({contender: step})
    rss = [rss_growth(step) for _ in range(steps)]
    traced = None
    if contender != "torch":
        tracemalloc.start()
        try:
            step()  # one step under tracing before measuring: what the first traced step allocates once
            traced = statistics.median([traced_peak(step) for _ in range(steps)])
        finally:
            tracemalloc.stop()
    return {"traced": traced, "rss": None if None in rss else statistics.median(rss)}
