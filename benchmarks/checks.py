"""Sections e and f: what ``gradcheck`` costs beside the differences it needs, and what an import costs.

* **gradcheck** (issue 16's two-layer case, the one ``tests/test_gradcheck.py`` builds): the numpy-written
  ``f(W1, W2) = tanh(W2 @ tanh(W1 @ X))`` with ``W1`` ``n × n``, ``W2`` ``p × n``, ``X`` ``n × m`` a constant
  (32, 8, 64 in the full run), checked for both weights. The contenders are ``autograd_core.gradcheck`` with its
  defaults and :func:`central_differences`, a plain-numpy loop making exactly the evaluations gradcheck's
  finite differences make (two per input entry, step ``eps · max(1, |x_j|)``) and nothing else: the floor.
* **import**: ``python -c "<statement>"`` as whole fresh processes (:func:`measure_imports`), the statements
  alternating process by process, CPU time of the child (user + system, from ``getrusage``) and wall time.

Each function here runs inside a worker process of ``run.py`` (BLAS pinned to one thread there).
"""

from __future__ import annotations

import inspect
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import clock

ROOT = Path(__file__).resolve().parent.parent
GRADCHECK_EPS = 1e-6  # gradcheck's default step; checked against its signature in measure_gradcheck
CONTENDERS = ("gradcheck", "plain")


# --- gradcheck vs its central differences ----------------------------------------------------------------
def two_layer_case(n: int, p: int, m: int, seed: int = 0) -> tuple[Callable[..., Any], tuple[np.ndarray, ...]]:
    """``f(W1, W2) = tanh(W2 @ tanh(W1 @ X))`` and the point ``(W1, W2)``, as in ``tests/test_gradcheck.py``."""
    rng = np.random.default_rng(seed)
    W1, W2, X = rng.normal(size=(n, n)) / 6, rng.normal(size=(p, n)) / 6, rng.normal(size=(n, m))

    def f(A: Any, B: Any) -> Any:
        return np.tanh(B @ np.tanh(A @ X))

    return f, (W1, W2)


def central_differences(f: Callable[..., Any], points: tuple[np.ndarray, ...], eps: float) -> list[np.ndarray]:
    """The Jacobian of ``f`` per input by central differences, in plain numpy: the floor under gradcheck.

    Two evaluations of ``f`` per input entry with the step ``eps · max(1, |x_j|)``, as gradcheck makes
    them; the entry is moved in place and put back, so no array is copied per evaluation.
    """
    xs = [np.array(x, dtype=float) for x in points]
    jacobians = []
    for x in xs:
        columns = []
        for j in range(x.size):
            old = float(x.flat[j])
            h = eps * max(1.0, abs(old))
            x.flat[j] = old + h
            up = np.asarray(f(*xs), dtype=float).reshape(-1)
            x.flat[j] = old - h
            down = np.asarray(f(*xs), dtype=float).reshape(-1)
            x.flat[j] = old
            columns.append((up - down) / (2 * h))
        jacobians.append(np.stack(columns, axis=1))
    return jacobians


def _contender(name: str, f: Callable[..., Any], points: tuple[np.ndarray, ...]) -> Callable[[], Any]:
    """One call of the contender ``name``: gradcheck with its defaults, or the plain loop."""
    if name == "gradcheck":
        import autograd_core  # the package only: gradcheck's modules load lazily, inside the first timed call

        return lambda: autograd_core.gradcheck(f, points)
    if name == "plain":
        return lambda: central_differences(f, points, GRADCHECK_EPS)
    raise ValueError(f"unknown contender {name!r}; expected one of {CONTENDERS}")


def measure_gradcheck(contender: str, n: int, p: int, m: int, repeats: int) -> dict[str, Any]:
    """Time the contender on the two-layer case in this (fresh) process: its first call, then ``repeats`` more.

    The first call pays what a script's single gradcheck pays (importing gradcheck's modules, first-call
    costs); the later ones are the steady cost. After the timing, untimed, the result is checked: gradcheck
    passes, or the plain loop's Jacobians equal those of gradcheck's own difference routine.
    """
    f, points = two_layer_case(n, p, m)
    call = _contender(contender, f, points)
    start = clock.now()
    first = call()
    cold = clock.since(start)
    samples = []
    for _ in range(repeats):
        start = clock.now()
        call()
        samples.append(clock.since(start))
    out: dict[str, Any] = {"first": cold, "times": clock.collect(samples), "entries": sum(x.size for x in points)}
    if contender == "gradcheck":
        out["passed"] = bool(first.passed)
        out["calls_of_f"] = _calls_of_f(f, points)
    else:
        out["max_diff"] = _difference_to_gradchecks(f, points, first)
    return out


def _calls_of_f(f: Callable[..., Any], points: tuple[np.ndarray, ...]) -> int:
    """How many times one default gradcheck calls ``f`` (traces included), counted in an untimed call."""
    from autograd_core import gradcheck

    calls = 0

    def counted(A: Any, B: Any) -> Any:
        nonlocal calls
        calls += 1
        return f(A, B)

    gradcheck(counted, points)
    return calls


def _difference_to_gradchecks(f: Callable[..., Any], points: tuple[np.ndarray, ...],
                              ours: list[np.ndarray]) -> float:
    """Largest difference between the plain loop's Jacobians and gradcheck's (its private routine, untimed)."""
    from autograd_core.beyond import gradcheck as gc

    eps = inspect.signature(gc.gradcheck).parameters["eps"].default
    if eps != GRADCHECK_EPS:
        raise RuntimeError(f"gradcheck's default eps is now {eps}; update GRADCHECK_EPS")
    out_shape = np.shape(f(*points))
    evaluate = lambda trial: np.asarray(f(*trial), dtype=float)
    theirs = [gc._central_differences(evaluate, list(points), a, eps, out_shape, f"x{a}") for a in range(len(points))]
    return max(float(np.max(np.abs(a - b))) for a, b in zip(ours, theirs, strict=True))


# --- import time -----------------------------------------------------------------------------------------
def _child_cpu() -> float:
    """User + system CPU seconds of the terminated children this process has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    """``python args...`` from the repository root (so ``-c`` imports this tree's autograd_core)."""
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, check=True,
                          env=os.environ.copy(), timeout=120)


def time_statement(code: str) -> dict[str, float]:
    """Wall time and child CPU time of one whole ``python -c code`` process."""
    cpu, wall = _child_cpu(), time.perf_counter()
    _python("-c", code)
    return {"wall": time.perf_counter() - wall, "cpu": _child_cpu() - cpu}


def import_facts(code: str) -> dict[str, Any]:
    """What ``code`` leaves imported: module count, whether numpy is there, where autograd_core came from."""
    probe = (f"{code}\nimport sys\n"  # read sys.modules before json joins it
             "facts = {'modules': len(sys.modules), 'numpy': 'numpy' in sys.modules, "
             "'from': getattr(sys.modules.get('autograd_core'), '__file__', None)}\n"
             "import json\nprint(json.dumps(facts))")
    return json.loads(_python("-c", probe).stdout.splitlines()[-1])


IMPORTTIME_LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+\d+\s+\|\s*(\S+)")


def import_times(code: str) -> dict[str, int]:
    """``python -X importtime -c code``: each module's own import time in microseconds, by module name."""
    stderr = _python("-X", "importtime", "-c", code).stderr
    return {match.group(2): int(match.group(1)) for match in map(IMPORTTIME_LINE.match, stderr.splitlines())
            if match}


def measure_imports(statements: dict[str, str], processes: int, baseline: str) -> dict[str, Any]:
    """Each statement as ``processes`` whole fresh processes, alternating (order reversed every other round).

    Also, once per statement and untimed: what it leaves imported, and ``-X importtime``'s total over the
    modules the ``baseline`` statement (the bare interpreter) does not import itself.
    """
    names = list(statements)
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    for i in range(processes):
        for name in names if i % 2 == 0 else names[::-1]:
            samples[name].append(time_statement(statements[name]))
    at_start = set(import_times(statements[baseline]))
    out: dict[str, Any] = {}
    for name, code in statements.items():
        own = {module: us for module, us in import_times(code).items() if module not in at_start}
        out[name] = {"times": clock.collect(samples[name]), "facts": import_facts(code),
                     "importtime": {"seconds": sum(own.values()) * 1e-6, "modules": len(own)}}
    return out
