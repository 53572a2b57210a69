"""The live graph explorer (issue 15): the page's payload, and the page driven like a user in headless Chromium.

The browser tests need Debian's ``chromium`` and ``chromium-driver`` and Selenium from PyPI (``.ci/run``
installs all three); they skip where any is missing. Selenium never downloads a browser here: the
binaries are passed explicitly.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest

from autograd_core import Value, explore
from autograd_core.cli.graph import layer_graph
from autograd_core.engine.graph import backward_steps, topological_order
from autograd_core.see.draw import summarize


def payload(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="agx-data">(.*?)</script>', page, re.S)
    assert found
    return json.loads(found[1].replace("<\\/", "</"))


def test_the_page_is_self_contained_and_small():
    L, leaves = layer_graph()
    ex = explore(L)
    page = ex.html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "nothing may be fetched from the network"
    assert "<svg" in page and "<style>" in page and "<script>" in page
    assert ex.info["bytes"] < 300_000  # issue 15: the seed's batch layer page under 300 KB
    data = payload(page)
    assert len(data["steps"]) == len(list(backward_steps(*layer_graph()[:1])))
    ledger = data["ledgers"][str(topological_order(L).index(leaves["W[0,1]"]))]
    assert "grad -0.5472" in html.unescape(page)  # the boxes show the sweep explore ran
    assert ledger["count"] == 4 and ledger["equal"] and ledger["sum"] == f"{leaves['W[0,1]'].grad:.6g}"


def test_explore_leaves_the_gradients_as_backward_does(tmp_path):
    L, leaves = layer_graph()
    L.backward()
    expected = {k: v.grad for k, v in leaves.items()}
    ex = explore(L)  # runs its own fresh sweep: no doubling
    assert {k: v.grad for k, v in leaves.items()} == expected
    saved = ex.save(tmp_path / "batch.html")
    assert saved.read_text(encoding="utf-8") == ex.html
    assert ex._repr_html_().startswith("<iframe srcdoc=")
    assert "125 nodes" in repr(ex)


def test_explore_refuses_what_is_not_a_graph_and_foreign_highlights():
    with pytest.raises(TypeError, match="explore"):
        explore(3.0)
    y = Value(2.0, label="y") * 3
    with pytest.raises(ValueError, match="not in the graph"):
        explore(y, highlight=Value(1.0, label="z"))


def test_a_grouped_graph_lists_group_entries_and_has_no_player():
    L, _ = layer_graph()
    data = payload(explore(L, group=True).html)
    assert data["grouped"] and "steps" not in data and "player" in data
    w = next(g for g in data["groups"] if g["title"] == "W")
    assert w["shape"] == [2, 3] and len(w["cells"]) == 6


def test_tensor_graphs_explore_too():
    import numpy as np

    from autograd_core import Tensor

    W = Tensor(np.arange(6.0).reshape(2, 3) / 10, requires_grad=True, label="W")
    x = Tensor(np.ones(3), label="x")
    loss = ((W @ x).tanh() ** 2).sum()
    loss.label = "loss"
    data = payload(explore(loss).html)
    assert {r.get("l"): r.get("s") for r in data["nodes"].values()}["W"] == "2×3"
    assert data["steps"]


def test_the_command_line_writes_the_explorer_by_extension(capsys, tmp_path):
    from autograd_core.cli.app import main

    target = tmp_path / "batch.html"
    assert main(["graph", "--example", "batch", "--explain", "W[0,1]", "-o", str(target)]) == 0
    assert "the explorer: 125 nodes" in capsys.readouterr().out
    data = payload(target.read_text(encoding="utf-8"))
    assert data["nodes"][str(data["start"])]["n"] == "W[0,1]"  # the explained input opens selected
    layer = tmp_path / "layer.html"
    assert main(["verify", "--draw", str(layer)]) == 0
    assert "wrote the explorer of the single-datum graph" in capsys.readouterr().out
    assert payload(layer.read_text(encoding="utf-8"))["steps"]


# --- in a real browser ------------------------------------------------------------------------------------
def _binary(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    for path in ("/usr/lib/chromium/chromium", "/usr/lib/chromium/chromedriver"):
        if Path(path).name in names and Path(path).exists():
            return path
    return None


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="Selenium is not installed (pip install selenium)")
    chrome = _binary("chromium", "chromium-browser", "google-chrome")
    driver_path = _binary("chromedriver")
    if not chrome or not driver_path:
        pytest.skip("no chromium and chromedriver here (apt-get install chromium chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chrome
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1300,800"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("explorer")
    L, _ = layer_graph()
    explore(L).save(folder / "batch.html")
    explore(L, group=True).save(folder / "grouped.html")
    return folder


def _open(browser, path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(path.as_uri())
    WebDriverWait(browser, 10).until(lambda d: d.find_element("tag name", "body").get_attribute("data-ready"))


def _no_console_errors(browser) -> None:
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert not errors, errors


def test_clicking_a_leaf_lists_the_m_terms_of_eq_27(browser, pages):
    _open(browser, pages / "batch.html")
    L, leaves = layer_graph()
    L.backward()
    w01 = leaves["W[0,1]"]
    index = topological_order(L).index(w01)
    browser.find_element("id", f"n{index}").click()
    rows = browser.find_elements("css selector", "#agx-ledger tr.term")
    assert len(rows) == 4  # m = 4 samples: the m terms of Eq. 27
    printed = browser.find_element("id", "agx-sum").text
    assert printed == f"{w01.grad:.6g}" == browser.find_element("id", "agx-grad").text
    terms = [float(r.find_element("css selector", ".term-value").text) for r in rows]
    assert sum(terms) == pytest.approx(w01.grad, rel=1e-5)
    assert browser.find_elements("css selector", ".edge.hot")  # its paths light up
    _no_console_errors(browser)


def _nth_transfer(n: int):
    """The nth step of backward_steps on the batch layer, the grad it leaves, and the id of its edge."""
    L, _ = layer_graph()
    order = topological_order(L)
    ids: dict[tuple[int, int], list[str]] = {}  # (child, parent) -> edge ids, in the order draw numbers them
    for node in order:
        for parent in node.parents:
            ids.setdefault((id(node), id(parent)), []).append(f"e{sum(len(v) for v in ids.values())}")
    used: dict[tuple[int, int], int] = {}
    for i, step in enumerate(backward_steps(L)):
        key = (id(step.child), id(step.parent))
        nth = used.get(key, 0)
        used[key] = nth + 1
        if i == n - 1:
            return order.index(step.parent), summarize(step.parent.grad), ids[key][min(nth, len(ids[key]) - 1)]
    raise AssertionError("fewer steps than expected")


@pytest.mark.parametrize("n", [1, 7, 40])
def test_arrow_key_n_times_lights_the_nth_transfer(browser, pages, n):
    from selenium.webdriver.common.keys import Keys

    _open(browser, pages / "batch.html")
    body = browser.find_element("tag name", "body")
    for _ in range(n):
        body.send_keys(Keys.ARROW_RIGHT)
    receiver, new_grad, edge = _nth_transfer(n)
    lit = browser.find_elements("css selector", ".edge.lit")
    assert [e.get_attribute("id") for e in lit] == [edge]
    assert browser.find_element("id", "agx-new").text == new_grad
    box = browser.find_element("id", f"n{receiver}")
    assert f"grad {new_grad}" in box.text and "recv" in box.get_attribute("class")
    assert browser.find_element("id", "agx-stepno").text.startswith(f"{n} /")
    body.send_keys(Keys.ARROW_LEFT)
    assert browser.find_element("id", "agx-stepno").text.startswith(f"{n - 1} /")
    _no_console_errors(browser)


def _viewbox(browser) -> str:
    return browser.execute_script("return document.getElementById('agx-svg').getAttribute('viewBox')")


def test_zoom_changes_the_view_and_fit_restores_it(browser, pages):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin

    _open(browser, pages / "batch.html")
    svg = browser.find_element("id", "agx-svg")
    before = _viewbox(browser)
    browser.find_element("id", "agx-zin").click()
    zoomed = _viewbox(browser)
    assert zoomed != before
    ActionChains(browser).scroll_from_origin(ScrollOrigin.from_element(svg), 0, -300).perform()  # the wheel
    assert _viewbox(browser) != zoomed
    browser.find_element("id", "agx-fit").click()
    assert _viewbox(browser) == before
    _no_console_errors(browser)


def test_a_group_expands_to_its_entries_and_collapses(browser, pages):
    _open(browser, pages / "grouped.html")
    data = payload((pages / "grouped.html").read_text(encoding="utf-8"))
    gid = next(g["id"] for g in data["groups"] if g["title"] == "W")
    browser.find_element("id", gid).click()
    cells = browser.find_elements("css selector", ".agx-cell")
    labels = sorted(c.text.split("\n")[0] for c in cells)
    assert labels == [f"W[{i},{j}]" for i in range(2) for j in range(3)]
    next(c for c in cells if c.text.startswith("W[0,1]")).click()  # an entry is a leaf: its ledger
    assert len(browser.find_elements("css selector", "#agx-ledger tr.term")) == 4
    browser.find_element("id", gid).click()
    assert not browser.find_elements("css selector", ".agx-cell")
    _no_console_errors(browser)


def test_search_jumps_to_a_node(browser, pages):
    from selenium.webdriver.common.keys import Keys

    _open(browser, pages / "batch.html")
    before = _viewbox(browser)
    box = browser.find_element("id", "agx-search")
    box.send_keys("X[2,3]", Keys.ENTER)
    assert _viewbox(browser) != before
    assert browser.find_element("id", "agx-view").get_attribute("data-selected") == "X[2,3]"
    assert browser.find_elements("css selector", ".node.found")
    _no_console_errors(browser)


def test_the_docs_explorers_match_the_library():
    """docs/explorers/*.html are explore's pages: their payloads are what explore writes today."""
    from autograd_core.cli.graph import neuron_graph

    docs = Path(__file__).resolve().parent.parent / "docs" / "explorers"
    L, leaves = layer_graph()
    fresh = payload(explore(L, highlight=leaves["W[0,1]"]).html)
    saved = payload((docs / "batch.html").read_text(encoding="utf-8"))
    assert {k: v for k, v in saved.items() if k != "title"} == {k: v for k, v in fresh.items() if k != "title"}
    y, names = neuron_graph()
    assert payload((docs / "neuron.html").read_text(encoding="utf-8"))["ledgers"] == payload(
        explore(y, highlight=names["w"]).html)["ledgers"]


# --- training mode: a Recorder's snapshots (issue 15, item 6) ---------------------------------------------
def _tiny_run(every: int = 2, epochs: int = 6):
    import numpy as np

    from autograd_core import Recorder
    from autograd_core.learn import nn
    from autograd_core.learn.training import fit

    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 2))
    y = np.where(X[:, 0] > 0, 1.0, -1.0)
    model = nn.MLP(2, [2, 1], seed=0)
    rec = Recorder(model, every=every)
    fit(model, X, y, loss="mse", epochs=epochs, callback=rec, progress=False)
    loss = nn.loss_function("mse")(model.scores(X[:1]), y[:1])
    loss.label = "loss"
    return model, rec, loss


def test_the_recorder_snapshots_every_k_epochs_of_fit_with_copies():
    model, rec, _ = _tiny_run(every=2, epochs=6)
    assert [s.label for s in rec.snapshots] == ["start", "epoch 2", "epoch 4", "epoch 6"]
    assert all(s.loss is not None for s in rec.snapshots[1:]) and rec.snapshots[0].loss is None
    params = model.parameters()
    assert len({s.data[0] for s in rec.snapshots}) == 4  # four different values: training moved the weight
    assert rec.snapshots[-1].data == [p.data for p in params]
    last = list(rec.snapshots[-1].grad)
    params[0].grad += 100.0  # a copy, not the parameter's grad
    assert rec.snapshots[-1].grad == last


def test_the_recorder_in_fits_step_hook_and_in_a_users_loop_with_tensors():
    import numpy as np

    from autograd_core import Recorder, Tensor
    from autograd_core.learn import nn
    from autograd_core.learn.training import fit

    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 2, 8)
    model = nn.TensorMLP(3, [4, 2], seed=0)
    rec = Recorder(model, every=3, initial=False)
    history = fit(model, X, y, epochs=5, batch_size=4, step_callback=rec, progress=False, seed=0)
    assert history.steps == 10 and [s.step for s in rec.snapshots] == [3, 6, 9]
    W = model.parameters()[0]
    assert not np.shares_memory(rec.snapshots[-1].grad[0], W.grad)
    assert not np.array_equal(rec.snapshots[0].data[0], rec.snapshots[-1].data[0])
    # a step hook that returns True stops training there
    stopped = fit(model, X, y, epochs=5, batch_size=4, step_callback=lambda step, loss: step == 3, progress=False)
    assert stopped.steps == 3 and stopped.epochs == 2
    # a user's own loop
    w = Tensor(np.array([1.0, -2.0]), requires_grad=True, label="w")
    mine = Recorder([w], every=2)
    for step in range(1, 7):
        w.grad = None
        loss = (w * w).sum()
        loss.backward()
        assert mine.snapshot(step, loss) == (step % 2 == 0)
        w.data = w.data - 0.25 * w.grad
    assert [s.label for s in mine.snapshots] == ["start", "step 2", "step 4", "step 6"]
    assert mine.snapshots[1].loss == pytest.approx(5.0 * 0.25)  # after one update of 1/2: w = w0/2


def test_the_recorder_is_bounded_by_thinning():
    from autograd_core import Recorder

    w = Value(1.0, label="w")
    rec = Recorder([w], every=1, max_snapshots=5)
    for step in range(1, 41):
        w.data += 1
        rec.snapshot(step)
    assert len(rec) <= 5 and rec.thinned >= 1 and rec.every > 1
    assert rec.snapshots[0].label == "start"
    assert all(s.step % rec.every == 0 for s in rec.snapshots[1:])
    with pytest.raises(ValueError, match="every"):
        Recorder([w], every=0)
    with pytest.raises(ValueError, match="leaf"):
        Recorder([w * 2])


def test_the_page_carries_the_snapshots():
    from autograd_core import Recorder
    from autograd_core.see.explore import _fmt

    model, rec, loss = _tiny_run()
    data = payload(explore(loss, recording=rec).html)
    order = topological_order(loss)
    T = data["training"]
    assert T["labels"] == ["start", "epoch 2", "epoch 4", "epoch 6"] and T["at"] == 4 and T["unit"] == "epoch"
    params = model.parameters()
    for i, rows in T["p"].items():
        k = next(k for k, p in enumerate(params) if p is order[int(i)])
        assert rows == [[_fmt(s.data[k]), _fmt(s.grad[k])] for s in rec.snapshots]
    assert len(T["p"]) == len(params)  # every parameter is a leaf of the one-sample loss
    assert T["loss"][1] == _fmt(rec.snapshots[1].loss)
    with pytest.raises(ValueError, match="none of the recorder"):
        explore(loss, recording=Recorder([Value(1.0, label="z")]))
    with pytest.raises(TypeError, match="Recorder"):
        explore(loss, recording=[1])


def test_live_updates_the_display_in_place(monkeypatch):
    ipython_display = pytest.importorskip("IPython.display")

    _, rec, loss = _tiny_run(every=1, epochs=1)
    shown = []

    class Handle:
        def update(self, obj):
            shown.append(obj)

    def display(obj, display_id=False):
        assert display_id is True
        shown.append(obj)
        return Handle()

    monkeypatch.setattr(ipython_display, "display", display)
    rec.live(loss)
    assert len(shown) == 1 and payload(shown[0].html)["training"]["at"] == 1  # the latest snapshot
    rec(1, None)  # fit's step hook: step 1
    rec.snapshot(2)
    assert len(shown) == 3 and "_repr_html_" in dir(shown[-1])
    last = payload(shown[-1].html)["training"]
    assert last["labels"][-2:] == ["step 1", "step 2"] and last["at"] == len(last["labels"]) - 1
    rec.stop()
    rec.snapshot(3)
    assert len(shown) == 3


def test_the_training_slider_shows_the_recorded_values(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys

    from autograd_core.see.explore import _fmt

    model, rec, loss = _tiny_run()
    page = tmp_path / "training.html"
    explore(loss, recording=rec).save(page)
    _open(browser, page)
    order = topological_order(loss)
    w = model.parameters()[0]
    i, k = order.index(w), 0
    assert browser.find_element("id", "agx-tno").text.startswith("now")
    browser.find_element("id", f"n{i}").click()
    for s in (1, 2):
        browser.execute_script(
            f"const t = document.getElementById('agx-tslider'); t.value = {s}; t.dispatchEvent(new Event('input'));")
        snap = rec.snapshots[s]
        assert browser.find_element("id", "agx-tno").text.startswith(snap.label)
        assert browser.find_element("css selector", "#agx-panel .agx-tdata").text == _fmt(snap.data[k])
        assert browser.find_element("css selector", "#agx-panel .agx-tgrad").text == _fmt(snap.grad[k])
        assert f"data {_fmt(snap.data[k])}" in browser.find_element("id", f"n{i}").text
        assert browser.find_element("id", "agx-loss").text == _fmt(snap.loss)
        assert "moved" in browser.find_element("id", f"n{i}").get_attribute("class")
    browser.find_element("id", "agx-tnext").click()
    assert browser.find_element("id", "agx-tno").text.startswith(rec.snapshots[3].label)
    browser.find_element("tag name", "body").send_keys(Keys.ARROW_RIGHT)  # the backward player: the graph as explored
    assert browser.find_element("id", "agx-tno").text.startswith("now")
    assert browser.find_element("id", "agx-stepno").text.startswith("1 /")
    _no_console_errors(browser)
