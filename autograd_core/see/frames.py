"""The backward pass as a flip-book: one drawing per gradient transfer.

:func:`backward_frames` runs :func:`~autograd_core.engine.graph.backward_steps` -- the engine's own sweep,
in its own order -- and after every step draws the graph with the step's child (gold), the parent
receiving gradient (blue) and the edge between them (orange, labelled with the amount passed).
The grads shown are the ones the engine holds at that moment, so a learner watches each
``grad`` fill in term by term, exactly as Eq. 4 sums them.

The frames display as a slider in Jupyter (``_repr_html_``) and :meth:`Frames.save` writes them to
a directory: one SVG per frame plus an ``index.html`` with a slider (no dependencies beyond a
browser).
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

from ..engine import graph
from .draw import DEFAULT_MAX_NODES, Drawing, draw, summarize

DEFAULT_MAX_FRAMES = 200

_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif}} img{{max-width:100%}}</style></head>
<body><h3>{title}</h3>
<input id="step" type="range" min="0" max="{last}" value="0" style="width:60%">
<span id="caption"></span>
<div><img id="frame" src="{first}" alt="backward step"></div>
<script>
const files = {files};
const captions = {captions};
const slider = document.getElementById("step");
function show() {{
  document.getElementById("frame").src = files[slider.value];
  document.getElementById("caption").textContent = captions[slider.value];
}}
slider.addEventListener("input", show);
show();
</script></body></html>
"""


class Frames(list):
    """A list of :class:`~autograd_core.see.draw.Drawing` frames with their captions; saves and displays itself."""

    def __init__(self, drawings: list[Drawing], captions: list[str]) -> None:
        super().__init__(drawings)
        self.captions = captions

    def save(self, directory: str | os.PathLike[str], renderer: str | None = None) -> list[Path]:
        """Write ``frame_000.svg`` ... and ``index.html`` (a slider over them) into ``directory``.

        ``directory`` is created if missing, but not its parents (a missing parent raises
        :class:`FileNotFoundError`); files of the same names in it are overwritten.
        """
        out = Path(directory)
        out.mkdir(exist_ok=True)
        width = max(3, len(str(len(self))))
        paths = [frame.save(out / f"frame_{i:0{width}d}.svg", renderer).path for i, frame in enumerate(self)]
        page = _PAGE.format(
            title="backward pass, step by step",
            last=len(paths) - 1,
            first=paths[0].name if paths else "",
            files=json.dumps([p.name for p in paths]),
            captions=json.dumps(self.captions, ensure_ascii=False),
        )
        (out / "index.html").write_text(page, encoding="utf-8")
        return [*paths, out / "index.html"]

    def _repr_html_(self) -> str:
        svgs = [frame.svg() for frame in self]
        uid = f"agc{id(self):x}"
        return (
            f'<div id="{uid}"><input type="range" min="0" max="{len(svgs) - 1}" value="0" style="width:60%">'
            f'<span class="cap"></span><div class="pic"></div></div>'
            f"<script>(function(){{const f={json.dumps(svgs)};const c={json.dumps(self.captions)};"
            f'const r=document.getElementById("{uid}");const s=r.querySelector("input");'
            'function show(){r.querySelector(".pic").innerHTML=f[s.value];'
            'r.querySelector(".cap").textContent=c[s.value];}'
            f's.addEventListener("input",show);show();}})();</script>'
        )

    def __repr__(self) -> str:
        return f"Frames({len(self)} frames: {html.unescape(self.captions[0]) if self.captions else ''} ...)"


def backward_frames(root: Any, *, seed: Any = 1.0, fresh: bool = True, max_frames: int = DEFAULT_MAX_FRAMES,
                    max_nodes: int = DEFAULT_MAX_NODES, **draw_options: Any) -> Frames:
    """Run backward from ``root`` step by step and draw one frame per gradient transfer, plus a final one.

    Args:
        root: the node to differentiate (a ``Value`` or ``Tensor``).
        seed: ``∂root/∂root``, 1 for a scalar loss.
        fresh: reset every ``grad`` in the graph first (leaf gradients otherwise accumulate across
            passes and the frames would start from old values).
        max_frames: refuse graphs whose sweep has more steps than this (frames are for small graphs).
        max_nodes: refuse graphs with more nodes than this (a grouped drawing has no single edges to light).
        draw_options: passed to :func:`~autograd_core.see.draw.draw` (``show_local``, ``rankdir`` ...).

    The gradients are left exactly as ``root.backward()`` would leave them.
    """
    order = graph.topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(f"backward_frames: the graph has {len(order)} nodes, more than max_nodes={max_nodes}; "
                         "frames are for small graphs (raise max_nodes to force)")
    steps = sum(len(node.parents) for node in order if node.parents)
    if steps > max_frames:
        raise ValueError(f"backward_frames: the sweep has {steps} steps, more than max_frames={max_frames}")
    if fresh:
        graph.zero_grad(root)
    drawings: list[Drawing] = []
    captions: list[str] = []
    for step in graph.backward_steps(root, seed):
        frame = draw(root, step=step, max_nodes=max_nodes, group=False, **draw_options)
        drawings.append(frame)
        captions.append(frame.info["caption"])
    caption = f"done: every grad is complete (∂{root.label or 'root'}/∂{root.label or 'root'} = {summarize(seed)})"
    drawings.append(draw(root, max_nodes=max_nodes, group=False, title=caption, **draw_options))
    captions.append(caption)
    return Frames(drawings, captions)
