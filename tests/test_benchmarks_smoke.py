"""Smoke test of ``benchmarks/run.py --quick``: the script runs end to end and prints every row.

Timings are never asserted here (they belong to the benchmark table, not to a test); what is checked
is that each section produces its rows, that no worker failed, and that the scalar contenders
computed the same thing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import checks, scalar, tensors  # noqa: E402
from benchmarks import run as bench  # noqa: E402

ROW_KEYS = [
    "scalar.throughput",
    "scalar.floor",
    "scalar.bytes",
    "deep.time",
    "deep.floor",
    "deep.memory",
    "tensor.mlp.numpy",
    "tensor.mlp.torch",
    "tensor.mlp.replay",
    "tensor.mlp.process",
    "tensor.mlp.replay.process",
    "tensor.mlp.memory",
    "tensor.small.numpy",
    "tensor.small.torch",
    "tensor.linear.numpy",
    "tensor.linear.torch",
    "verify.0",
    "verify.1",
    "gradcheck.time",
    "gradcheck.floor",
    "import.numpy",
    "import.tensor",
    "training.micrograd",
]


@pytest.fixture(scope="module")
def quick_report() -> bench.Report:
    return bench.run(bench.QUICK)


def test_quick_run_has_every_row_and_no_errors(quick_report: bench.Report) -> None:
    assert [row.key for row in quick_report.rows] == ROW_KEYS
    failed = [(row.key, row.ours) for row in quick_report.rows if row.status == "error" or "error" in row.ours]
    assert failed == []


def test_quick_run_prints_a_markdown_table_row_per_result(quick_report: bench.Report) -> None:
    text = quick_report.markdown()
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert table[0] == "| " + " | ".join(bench.COLUMNS) + " |"
    assert table[1].startswith("| --- |")
    assert len(table) == 2 + len(ROW_KEYS)  # header, separator, one line per row
    assert all(line.count(" | ") == len(bench.COLUMNS) - 1 for line in table)
    assert "numpy 2." in text or "numpy 1." in text  # the header names numpy and its BLAS
    assert "BLAS:" in text


def test_quick_run_scalar_rows_carry_measurements(quick_report: bench.Report) -> None:
    throughput = quick_report.row("scalar.throughput")
    assert throughput.ours.endswith("/step)") and "nodes/s" in throughput.ours
    assert quick_report.row("scalar.bytes").ours.endswith(" B")
    # Targets are set for the full sizes: a smoke run never claims them met or missed.
    assert all(row.status not in ("met", bench.verdict(False)) for row in quick_report.rows)


def test_quick_run_tensor_rows_name_their_method_and_target(quick_report: bench.Report) -> None:
    rows = {key: quick_report.row(f"tensor.{key}") for key in
            ("mlp.numpy", "mlp.torch", "mlp.process", "mlp.memory", "small.numpy", "small.torch")}
    assert "in one process, contenders interleaved" in rows["mlp.numpy"].benchmark
    assert "whole process (fresh processes, alternating)" in rows["mlp.process"].benchmark
    assert "peak memory" in rows["mlp.memory"].benchmark and "tracemalloc" in rows["mlp.memory"].benchmark
    assert rows["mlp.memory"].ours.endswith(("MiB", "KiB")) and rows["mlp.memory"].reference.startswith("numpy: ")
    assert all("(teaching size)" in rows[key].benchmark for key in ("small.numpy", "small.torch"))
    targets = {"mlp.numpy": "—", "mlp.process": "≤ 1.05×", "mlp.memory": "≤ 1.2×", "small.numpy": "≤ 3.0×"}
    assert {key: rows[key].target for key in targets} == targets
    assert all(rows[key].target == "≤ 1.0×" for key in ("mlp.torch", "small.torch"))
    assert all(row.ratio.endswith("×") for key, row in rows.items() if not key.endswith("torch"))
    replayed = {key: quick_report.row(f"tensor.{key}") for key in ("mlp.replay", "mlp.replay.process")}
    assert "replayed step" in replayed["mlp.replay"].benchmark and "in one process" in replayed["mlp.replay"].benchmark
    assert "whole process" in replayed["mlp.replay.process"].benchmark
    assert [replayed[key].target for key in ("mlp.replay", "mlp.replay.process")] == ["—", "≤ 0.8×"]
    assert all(row.ratio.endswith("×") and row.reference.startswith("numpy: ") for row in replayed.values())
    notes = " ".join(quick_report.notes)
    assert "autograd-core replay" in notes
    assert "whole process" in notes and "tracemalloc" in notes and "loss.backward(" in notes


def test_quick_run_gradcheck_and_import_rows_carry_their_targets(quick_report: bench.Report) -> None:
    rows = {key: quick_report.row(key) for key in ("gradcheck.time", "gradcheck.floor", "import.numpy",
                                                   "import.tensor")}
    targets = {"gradcheck.time": "< 2 s", "gradcheck.floor": "≤ 2×", "import.numpy": "≤ 1×", "import.tensor": "—"}
    assert {key: row.target for key, row in rows.items()} == targets
    assert rows["gradcheck.floor"].reference.startswith("plain loop: ")
    assert "first call in a fresh process" in rows["gradcheck.time"].ours
    assert all(rows[key].reference.startswith("numpy: ") for key in ("import.numpy", "import.tensor"))
    assert all(row.ratio.endswith("×") for key, row in rows.items() if key != "gradcheck.time")
    assert rows["import.tensor"].status == "—"  # informational, no target
    notes = " ".join(quick_report.notes)
    assert "it passed" in notes
    assert "differ from those of gradcheck's own difference routine by at most 0.0e+00" in notes
    assert "`import autograd_core`: " in notes and "-X importtime" in notes


def test_plain_central_differences_give_the_jacobian_and_leave_the_point_alone() -> None:
    x, w = np.array([[0.5, -2.0], [3.0, 40.0]]), np.array([1.5, -0.25])
    before = [x.copy(), w.copy()]
    jx, jw = checks.central_differences(lambda a, b: a**2 @ b, (x, w), checks.GRADCHECK_EPS)
    assert jx == pytest.approx(np.kron(np.eye(2), w) * 2 * x.reshape(-1), rel=1e-5)  # ∂(x²w)_i/∂x_ik = 2 x_ik w_k
    assert jw == pytest.approx(x**2, rel=1e-5)
    assert all(np.array_equal(a, b) for a, b in zip((x, w), before, strict=True))


def test_sections_are_selectable_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--quick", "--section", "verify"]) == 0
    out = capsys.readouterr().out
    assert "autograd-core verify" in out
    assert "MLP" not in out and "chain" not in out


def test_both_scalar_engines_build_the_same_graph_and_gradients() -> None:
    pytest.importorskip("micrograd")
    ours = scalar.measure_mlp("autograd-core", points=4, steps=1, sizes=[2, 3, 1], alpha=1e-4)
    theirs = scalar.measure_mlp("micrograd", points=4, steps=1, sizes=[2, 3, 1], alpha=1e-4)
    assert ours["nodes"] == theirs["nodes"] > 50
    assert ours["loss"] == pytest.approx(theirs["loss"], rel=1e-12)
    assert ours["grads"] == pytest.approx(theirs["grads"], rel=1e-12, abs=1e-15)


def test_count_nodes_walks_a_deep_graph_without_recursion() -> None:
    V = scalar.engine("autograd-core")
    x = w = V(0.5)
    for _ in range(5000):
        x = x * w
    assert scalar.count_nodes(x) == 5001


@pytest.mark.parametrize("has_keyword", [True, False])
def test_tensor_contender_frees_the_graph_when_backward_can(monkeypatch: pytest.MonkeyPatch, has_keyword: bool) -> None:
    from autograd_core.tensor.tensor import Tensor

    calls: list[dict[str, object]] = []
    original = Tensor.backward

    def with_keyword(self: Tensor, gradient: object = None, retain_graph: bool = True) -> None:
        calls.append({"retain_graph": retain_graph})
        original(self, gradient)

    def without_keyword(self: Tensor, gradient: object = None) -> None:
        calls.append({})
        original(self, gradient)

    monkeypatch.setattr(Tensor, "backward", with_keyword if has_keyword else without_keyword)
    assert tensors.frees_graph() is has_keyword
    step, grads = tensors.tensor_linear(tensors.linear_problem(2, 3, 4))
    step()
    assert calls == [{"retain_graph": False} if has_keyword else {}]
    assert len(grads()) == 3 and all(g is not None for g in grads())


def test_quick_run_times_the_training_loop_against_micrograds_demo(quick_report: bench.Report) -> None:
    row = quick_report.row("training.micrograd")
    assert "train moons" in row.benchmark and "micrograd's demo loop" in row.benchmark and row.target == "≥ 25×"
    if row.status == "skipped":  # micrograd is a bench extra: the test command does not install it
        assert "micrograd not installed" in row.reference
        return
    assert row.ratio.endswith("× faster") and row.reference.startswith("micrograd: ")
    assert "Training accuracy after them" in " ".join(quick_report.notes)
