"""Section d: wall time of ``autograd-core verify`` (scalar graph, Tensor, closed form, finite differences)."""

from __future__ import annotations

from typing import Any

from benchmarks import clock


def verify_available() -> bool:
    try:
        from autograd_core.layer import verify
    except ImportError:
        return False
    return hasattr(verify, "run")


def measure_verify(shapes: list[list[int]], repeats: int, seed: int = 0) -> dict[str, Any]:
    """Time ``verify.run(p, n, m, seed)`` ``repeats`` times per shape, after one warm-up at the smallest."""
    from autograd_core.layer import verify

    smallest = min(shapes, key=lambda s: s[0] * s[1] * s[2])
    verify.run(*smallest, seed=seed)  # warm-up: lazy imports, first-call costs
    out: dict[str, Any] = {}
    for p, n, m in shapes:
        samples, report = [], None
        for _ in range(repeats):
            start = clock.now()
            report = verify.run(p, n, m, seed=seed)
            samples.append(clock.since(start))
        out[f"{p},{n},{m}"] = {"times": clock.collect(samples), **_failures(report)}
    return out


def _failures(report: Any) -> dict[str, Any]:
    """How many quantities verify found wrong, of how many, and the first error message it gave."""
    failed = report.failures  # a property
    errors = [message for row in failed for message in row.errors.values()]
    return {"failed": len(failed), "quantities": len(report.rows), "first_error": errors[0] if errors else None}
