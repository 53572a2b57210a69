"""Issue 15's numbers: explorer page sizes, the time a big page takes to open, and bounded drawing time.

    python benchmarks/explorer.py             # everything below
    python benchmarks/explorer.py --no-browser

Prints
* the seed's batch layer page (p=2, n=3, m=4): its size (target: under 300 KB);
* a grouped layer of over 10,000 scalar nodes (p=10, n=20, m=25): its size (target: under 2 MB) and the
  time headless Chromium takes to open it, from navigation to the page's script being ready (target: under 2 s);
* the drawing time of the formulas that used to take minutes: fan-out ``x+x+...+x`` with 60 and 150 terms,
  a deep chain and a wide sum, with each renderer found (target for the 60-term fan-out: under 5 s), and
  ``--frames`` of a 50-term fan-out.

The browser timing needs Debian's ``chromium`` and ``chromium-driver`` and ``pip install selenium``. Timings
are measured here, never asserted in tests.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from autograd_core.cli.expression import build
from autograd_core.cli.graph import layer_graph
from autograd_core.engine.graph import topological_order
from autograd_core.see.draw import draw
from autograd_core.see.explore import explore
from autograd_core.see.frames import backward_frames
from autograd_core.see.renderers import find_renderer


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def open_time(path: Path, repeats: int = 3) -> float | None:
    """Seconds from navigation start until the explorer's script has run (best of ``repeats``), or None."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        return None
    chrome, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chrome or not driver:
        return None
    options = webdriver.ChromeOptions()
    options.binary_location = chrome
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1300,800"):
        options.add_argument(arg)
    browser = webdriver.Chrome(options=options, service=Service(driver))
    best = float("inf")
    try:
        for _ in range(repeats):
            browser.get("about:blank")
            start = time.perf_counter()
            browser.get(path.as_uri())
            WebDriverWait(browser, 30).until(lambda d: d.find_element("tag name", "body").get_attribute("data-ready"))
            best = min(best, time.perf_counter() - start)
    finally:
        browser.quit()
    return best


def main(argv: list[str]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="agc-explorer-"))
    L, _ = layer_graph()
    t, page = timed(lambda: explore(L))
    page.save(folder / "batch.html")
    print(f"batch layer (p=2, n=3, m=4): {page.info['nodes']} nodes, page {page.info['bytes'] / 1000:.0f} KB "
          f"(target < 300 KB), built in {t:.2f} s")
    big, _ = layer_graph(10, 20, 25)
    t, page = timed(lambda: explore(big))
    path = page.save(folder / "big.html")
    print(f"grouped layer (p=10, n=20, m=25): {page.info['nodes']:,} nodes in {page.info['shown']} boxes, page "
          f"{page.info['bytes'] / 1e6:.2f} MB (target < 2 MB), built in {t:.2f} s")
    if "--no-browser" not in argv:
        seconds = open_time(path)
        print("  opens in headless Chromium in " + (f"{seconds:.2f} s (target < 2 s)" if seconds is not None
                                                   else "(skipped: no selenium or chromium here)"))
    formulas = {
        "fan-out, 60 terms": "+".join(["x"] * 60),
        "fan-out, 150 terms": "+".join(["x"] * 150),
        "deep chain, 70 tanh": "tanh(" * 70 + "x" + ")" * 70,
        "wide sum, 60 names": "+".join(f"x{i}*y{i}" for i in range(30)),
    }
    renderers = [name for name in ("dot", "graphviz-pure") if _has(name)]
    for what, formula in formulas.items():
        names = set(re.findall(r"\b[a-z]\w*\b", formula)) - {"tanh"}
        root, _ = build(formula, dict.fromkeys(names, 0.5))
        root.backward()
        for name in renderers:
            t, drawing = timed(lambda n=name, r=root: (lambda d: (d, d.svg(n)))(draw(r, show_local=True))[0])
            note = " (edge labels left out)" if "labels" in drawing.info else ""
            print(f"{what:<22} {len(topological_order(root)):>4} nodes, {name:<14} draw + svg {t:.2f} s{note}")
    root, _ = build("+".join(["x"] * 50), {"x": 1.0})
    for name in renderers:
        t, written = timed(lambda n=name: backward_frames(root, show_local=True).save(folder / f"frames-{n}", n))
        print(f"--frames, 50-term fan-out: {len(written) - 1} frames with {name} in {t:.1f} s")
    print(f"(pages in {folder})")


def _has(name: str) -> bool:
    try:
        find_renderer(name)
        return True
    except Exception:
        return False


if __name__ == "__main__":
    main(sys.argv[1:])
