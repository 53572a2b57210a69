"""How long a 10,000-node scalar layer takes to draw (grouped) and render, per renderer.

    python benchmarks/draw_large.py            # p=10, n=20, m=25: 11,213 nodes
    python benchmarks/draw_large.py 20 20 25   # other sizes

Prints, for each renderer found: graph size, time to build + backward, time of ``draw()`` (the
topological sort and the grouping), time to render the grouped DOT to SVG and to PNG, and the
end-to-end time. Timing is measured here, never asserted in tests.
"""

from __future__ import annotations

import shutil
import sys
import time

from autograd_core.cli.graph import layer_graph
from autograd_core.engine.graph import topological_order
from autograd_core.see.draw import draw
from autograd_core.see.renderers import find_renderer, run_renderer


def best_of(repeats: int, fn) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str]) -> None:
    p, n, m = (int(a) for a in argv) if argv else (10, 20, 25)
    start = time.perf_counter()
    L, _ = layer_graph(p, n, m)
    L.backward()
    build = time.perf_counter() - start
    nodes = len(topological_order(L))
    t_draw, drawing = best_of(3, lambda: draw(L))
    print(f"layer p={p} n={n} m={m}: {nodes:,} nodes; build+backward {build:.3f} s; "
          f"draw (sort + group) {t_draw:.3f} s -> {drawing.info['shown']} boxes, {drawing.info['edges']} edges")
    renderers = ["graphviz-pure"] + (["dot"] if shutil.which("dot") else [])
    for name in renderers:
        renderer = find_renderer(name)
        t_svg, _ = best_of(3, lambda r=renderer: run_renderer(drawing.source, "svg", r))
        t_png, _ = best_of(3, lambda r=renderer: run_renderer(drawing.source, "png", r))
        print(f"  {name:<14} ({renderer.version}): svg {t_svg:.3f} s, png {t_png:.3f} s; "
              f"end to end (build + draw + svg) {build + t_draw + t_svg:.3f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
