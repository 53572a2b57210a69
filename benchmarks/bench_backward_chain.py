"""Forward + plain ``backward()`` of a 200,000-operation chain of ``Value`` s.

Plain ``backward()`` must not slow down when higher-order derivatives and the functional API are
added. Run before and after a change and compare the medians::

    /tmp/venv/bin/python benchmarks/bench_backward_chain.py
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable

from autograd_core import Value

OPS = 200_000
REPEATS = 5


def chain(ops: int) -> tuple[Value, Value]:
    """``y = tanh(… tanh(x · 0.9 + 0.1) …)``: ``ops`` operations (mul, add, tanh, in turn)."""
    x = Value(0.3)
    y = x
    for i in range(ops):
        step = i % 3
        if step == 0:
            y = y * 0.9
        elif step == 1:
            y = y + 0.1
        else:
            y = y.tanh()
    return x, y


def once(ops: int, clock: Callable[[], float]) -> tuple[float, float]:
    gc.collect()
    start = clock()
    x, y = chain(ops)
    built = clock()
    y.backward()
    done = clock()
    assert x.grad == x.grad  # not NaN: the sweep ran
    return built - start, done - built


def main() -> None:
    # Wall time, and CPU time of this process: on a shared machine the second is the steadier one.
    for name, clock in (("wall", time.perf_counter), ("cpu", time.process_time)):
        runs = [once(OPS, clock) for _ in range(REPEATS)]
        fwd = statistics.median(r[0] for r in runs)
        bwd = statistics.median(r[1] for r in runs)
        tot = statistics.median(r[0] + r[1] for r in runs)
        print(f"{OPS} ops, median of {REPEATS} ({name}): forward {fwd:.3f} s, backward {bwd:.3f} s, total {tot:.3f} s")


if __name__ == "__main__":
    main()
