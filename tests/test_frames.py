"""backward_frames(): one drawing per gradient transfer, in the engine's order, saved as SVGs + a slider page."""

from __future__ import annotations

import re

import pytest

from autograd_core import Value
from autograd_core.engine.graph import backward_steps
from autograd_core.see.draw import describe
from autograd_core.see.frames import backward_frames


def neuron() -> tuple[Value, Value, Value, Value]:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    y = (w * x + b).tanh()
    y.label = "y"
    return y, x, w, b


def test_one_frame_per_step_plus_the_final_picture():
    y, x, w, b = neuron()
    frames = backward_frames(y, show_local=True)
    assert len(frames) == 5 + 1
    assert frames.captions[0] == "step 1: y passes 1 × 0.0001816 = 0.0001816 to ((…) + b)"
    assert frames.captions[3] == "step 4: (w * x) passes 0.0001816 × 2 = 0.0003632 to w"
    assert frames.captions[-1] == "done: every grad is complete (∂y/∂y = 1)"
    # the gradients end exactly as backward() leaves them
    y2, x2, w2, b2 = neuron()
    y2.backward()
    assert (x.grad, w.grad, b.grad) == (x2.grad, w2.grad, b2.grad)


def test_the_order_is_the_engines():
    y, *_ = neuron()
    frames = backward_frames(y)
    y2, *_ = neuron()
    steps = list(backward_steps(y2))
    assert len(frames) - 1 == len(steps)
    for caption, step in zip(frames.captions, steps, strict=False):
        assert caption.startswith(f"step {step.index + 1}: {describe(step.child)} passes ")
        assert caption.endswith(f" to {describe(step.parent)}")


def test_each_frame_highlights_one_edge_and_grads_fill_in():
    y, *_ = neuron()
    frames = backward_frames(y)
    for frame in frames[:-1]:
        src = frame.source
        assert src.count("penwidth=3") == 1  # the current edge
        assert src.count("fillcolor=gold") == 1 and src.count("fillcolor=lightskyblue") == 1
    # frame 4 (w receives its gradient): x has not been reached yet
    fourth = frames[3].source
    assert re.search(r'label="\{ x \| data 2 \| grad 0 \}"', fourth)
    assert re.search(r'label="\{ w \| data -3 \| grad 0\.0003632 \}"', fourth)
    assert "passes 0.0003632" in fourth
    assert "penwidth=3" not in frames[-1].source


def test_fresh_resets_old_gradients():
    y, x, *_ = neuron()
    y.backward()
    y.backward()  # x.grad accumulated twice
    backward_frames(y)
    y2, x2, *_ = neuron()
    y2.backward()
    assert x.grad == x2.grad


def test_save_writes_svgs_and_a_slider_page(tmp_path):
    y, *_ = neuron()
    written = backward_frames(y).save(tmp_path / "steps", renderer="graphviz-pure")
    names = [p.name for p in written]
    assert names == [f"frame_00{i}.svg" for i in range(6)] + ["index.html"]
    page = (tmp_path / "steps" / "index.html").read_text(encoding="utf-8")
    assert 'type="range" min="0" max="5"' in page and '"frame_005.svg"' in page
    assert "step 4: (w * x) passes" in page
    assert (tmp_path / "steps" / "frame_003.svg").read_text().startswith("<?xml")


def test_notebook_slider():
    y, *_ = neuron()
    frames = backward_frames(y)
    page = frames._repr_html_()
    assert page.count("<svg") == 6 and 'type="range"' in page


def test_big_graphs_are_refused():
    x = Value(1.0, label="x")
    y = x
    for _ in range(100):
        y = y * 1.01
    with pytest.raises(ValueError, match="201 nodes, more than max_nodes=150"):
        backward_frames(y)
    with pytest.raises(ValueError, match="the sweep has 200 steps, more than max_frames=50"):
        backward_frames(y, max_nodes=500, max_frames=50)
