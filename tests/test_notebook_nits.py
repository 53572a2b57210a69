"""Issue 17, item 8: the notebooks' executed solutions give nothing away, headings keep their words in the
site's table of contents, and the training plot labels both axes with one legend over no curve."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_cell_after_the_folded_solutions_is_hidden_and_prints_one_line(path):
    notebook = cells(path)
    at = [i for i, c in enumerate(notebook) if "<summary>Solutions</summary>" in "".join(c["source"])]
    assert len(at) == 1
    check = notebook[at[0] + 1]
    source = "".join(check["source"])
    assert check["cell_type"] == "code" and "assert" in source
    assert check["metadata"]["tags"] == ["solution-check"]  # the site shows its output only (mkdocs.yml)
    assert check["metadata"]["jupyter"]["source_hidden"] is True  # JupyterLab folds its code
    assert re.findall(r"print\((.*)\)", source) == ['"solutions check out"']


def test_the_site_hides_the_code_of_solution_checks():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"remove_tag_config:\s*\n\s*remove_input_tags: \[solution-check\]", config)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_headings_have_no_code_spans(path):
    """mkdocs-jupyter builds the table of contents from a Markdown copy without inline code: a heading's
    `Tensor` would vanish from it ("4. The same layer on")."""
    for cell in cells(path):
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                assert not (line.startswith("#") and "`" in line), line


def test_the_training_plot_labels_both_axes_with_one_legend_below_the_curves():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from autograd_core.learn.training import History
    from autograd_core.see.plots import plot_history

    history = History(loss=[2.0, 1.0, 0.5], accuracy=[0.3, 0.6, 0.9], val_accuracy=[0.2, 0.5, 0.8])
    ax = plot_history(history, loss_label="softmax cross-entropy")
    left, right = ax.figure.axes
    assert left.get_ylabel() == "softmax cross-entropy" and right.get_ylabel() == "accuracy"
    legends = [a.get_legend() for a in ax.figure.axes if a.get_legend() is not None]
    assert len(legends) == 1 and len(legends[0].get_texts()) == 3
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    assert legends[0].get_window_extent(renderer).y1 < left.get_window_extent(renderer).y0  # below the plot
