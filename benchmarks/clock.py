"""Both clocks at once: wall time, and the CPU time of this process.

Every measurement is single-threaded (BLAS and torch pinned to one thread), so on an idle machine the
two agree; when other jobs share the cores, wall time grows with the time spent waiting for a core and
CPU time does not. ``run.py --clock`` chooses which one the table shows (CPU by default).
"""

from __future__ import annotations

import time

CLOCKS = ("cpu", "wall")


def now() -> tuple[float, float]:
    """``(wall, cpu)`` readings to subtract from later ones."""
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> dict[str, float]:
    """Seconds elapsed on each clock since ``start``."""
    wall, cpu = now()
    return {"wall": wall - start[0], "cpu": cpu - start[1]}


def collect(samples: list[dict[str, float]]) -> dict[str, list[float]]:
    """A list of ``since()`` results as one list per clock."""
    return {clock: [s[clock] for s in samples] for clock in CLOCKS}
