"""draw(): DOT structure, labels, local derivatives, highlighted paths, determinism, grouping of big graphs."""

from __future__ import annotations

import operator
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import Value
from autograd_core.engine.graph import topological_order
from autograd_core.see.draw import UNGROUPED_LIMIT, Drawing, draw, nodes_on_paths
from autograd_core.see.grouping import label_stem

NODE = re.compile(r"^\s*(\w+) \[(.*)\]$")
EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$")


def neuron() -> tuple[Value, Value, Value, Value]:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    y = (w * x + b).tanh()
    y.label = "y"
    y.backward()
    return y, x, w, b


def parse_dot(source: str) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """Node id -> attribute text, and (tail, head, attribute text) per edge, from DOT source."""
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    for line in source.splitlines():
        if m := EDGE.match(line):
            edges.append((m[1], m[2], m[3] or ""))
        elif (m := NODE.match(line)) and m[1] not in ("node", "edge", "graph"):
            nodes[m[1]] = m[2]
    return nodes, edges


def label_of(attrs: str) -> str:
    m = re.search(r'label="((?:[^"\\]|\\.)*)"|label=(\S+)', attrs)
    assert m, attrs
    return m[1] if m[1] is not None else m[2]


def test_neuron_nodes_and_edges():
    y, *_ = neuron()
    drawing = draw(y)
    assert isinstance(drawing, Drawing)
    nodes, edges = parse_dot(drawing.source)
    # 6 value boxes (x, w, w*x, b, +, y) and 3 operation ovals (*, +, tanh)
    assert len(nodes) == 9
    assert sorted(label_of(a) for n, a in nodes.items() if n.endswith("op")) == ["*", "+", "tanh"]
    # each operation: one edge in per operand, one edge out to its result
    assert len(edges) == 2 + 2 + 1 + 3
    assert drawing.info == {"nodes": 6, "grouped": False, "caption": "", "shown": 6, "edges": 5, "cost": 2}


def test_boxes_show_label_data_and_grad():
    y, *_ = neuron()
    labels = [label_of(a) for a in parse_dot(draw(y).source)[0].values()]
    assert "{ w | data -3 | grad 0.0003632 }" in labels
    assert "{ x | data 2 | grad -0.0005447 }" in labels
    assert "{ y | data -0.9999 | grad 1 }" in labels
    assert "{ data -6 | grad 0.0001816 }" in labels  # the unlabelled product w*x


def test_show_local_writes_the_tables_derivatives_on_edges():
    y, *_ = neuron()
    nodes, edges = parse_dot(draw(y, show_local=True).source)
    names = {n: label_of(a) for n, a in nodes.items()}
    local = {names[t]: label_of(a) for t, h, a in edges if "label" in a}
    assert local["{ w | data -3 | grad 0.0003632 }"] == "local 2"  # ∂(w x)/∂w = x = 2
    assert local["{ x | data 2 | grad -0.0005447 }"] == "local -3"  # ∂(w x)/∂x = w = -3
    assert local["{ b | data 1 | grad 0.0001816 }"] == "local 1"
    assert local["{ data -5 | grad 0.0001816 }"] == "local 0.0001816"  # 1 - tanh²(-5)
    assert not any("label" in a for *_, a in parse_dot(draw(y).source)[1])


def test_highlight_colours_exactly_the_paths_from_the_leaf():
    y, _, w, _ = neuron()
    nodes, edges = parse_dot(draw(y, highlight=w).source)
    hot = [(t, h) for t, h, a in edges if "crimson" in a]
    cold = [(t, h) for t, h, a in edges if "crimson" not in a]
    # w -> *, * -> (w*x), (w*x) -> +, + -> sum, sum -> tanh, tanh -> y
    assert len(hot) == 6
    assert cold == [("n1", "n2op"), ("n3", "n4op")]  # x and b feed the graph but not on w's paths
    assert "crimson" in nodes["n0"] and "crimson" not in nodes["n1"]


def test_highlight_of_a_node_outside_the_graph_is_an_error():
    y, *_ = neuron()
    with pytest.raises(ValueError, match="'stranger' is not in the graph"):
        draw(y, highlight=Value(1.0, label="stranger"))


def test_repeated_operand_draws_two_edges():
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    _, edges = parse_dot(draw(y, show_local=True).source)
    into_op = [(t, a) for t, h, a in edges if h.endswith("op")]
    assert [t for t, _ in into_op] == ["n0", "n0"]
    assert all("local 3" in a for _, a in into_op)


def test_same_graph_same_source():
    assert draw(neuron()[0], show_local=True).source == draw(neuron()[0], show_local=True).source


def test_constants_are_dashed_and_named():
    x = Value(2.0, label="x")
    y = x * 3
    y.backward()
    nodes, _ = parse_dot(draw(y).source)
    const = [a for a in nodes.values() if "const" in a]
    assert len(const) == 1 and "dashed" in const[0] and "data 3" in const[0]


def test_record_special_characters_are_escaped():
    x = Value(1.0, label="a|b{c}<d>")
    src = draw(x * 2).source
    assert r"a\|b\{c\}\<d\>" in src


def test_rankdir_and_its_validation():
    y, *_ = neuron()
    assert "rankdir=TB" in draw(y, rankdir="TB").source
    assert "rankdir=LR" in draw(y).source
    with pytest.raises(ValueError, match="rankdir"):
        draw(y, rankdir="sideways")
    with pytest.raises(ValueError, match="max_nodes"):
        draw(y, max_nodes=0)


def test_title_becomes_the_graph_label():
    y, *_ = neuron()
    assert 'label="my neuron"' in draw(y, title="my neuron").source


@pytest.mark.parametrize(
    ("label", "stem"),
    [("W[0,1]", ("W", (0, 1))), ("x3", ("x", (3,))), ("b_2", ("b", (2,))), ("L(2)", ("L", (2,))),
     ("loss", ("loss", None)), ("W[i,j]", ("W", None)), ("7", ("7", None))],
)
def test_label_stem(label, stem):
    assert label_stem(label) == stem


def batch_layer(p: int, n: int, m: int) -> Value:
    rng = np.random.default_rng(0)
    W = np.array([[Value(rng.normal(), label=f"W[{i},{j}]") for j in range(n)] for i in range(p)], dtype=object)
    X = np.array([[Value(rng.normal(), label=f"X[{j},{k}]") for k in range(m)] for j in range(n)], dtype=object)
    b = np.array([Value(0.1, label=f"b[{i}]") for i in range(p)], dtype=object)
    Z = W @ X + b[:, None]
    L = sum((z * z for z in Z.ravel()), Value(0.0)) / m
    L.label = "L"
    L.backward()
    return L


def test_a_ten_thousand_node_layer_is_grouped_under_max_nodes():
    L = batch_layer(10, 20, 25)
    assert len(topological_order(L)) > 10_000
    drawing = draw(L)
    nodes, edges = parse_dot(drawing.source)
    assert drawing.info["grouped"] and drawing.info["level"] == "structure"
    assert len(nodes) == drawing.info["shown"] <= 150
    labels = [label_of(a) for a in nodes.values()]
    assert any(lab.startswith("{ W | shape 10×20, 200 entries") for lab in labels)
    assert any(lab.startswith("{ X | shape 20×25, 500 entries") for lab in labels)
    assert any(lab.startswith("{ b | shape 10, 10 entries") for lab in labels)
    assert any(lab.startswith("{ * | 5000 nodes") for lab in labels)  # the products w_ij x_jk
    # every W entry meets every one of its 25 columns: 5000 scalar edges into the products
    w_id = next(n for n, a in nodes.items() if label_of(a).startswith("{ W |"))
    assert [label_of(a) for t, h, a in edges if t == w_id] == ["×5000"]


def test_grouped_highlight_marks_groups_on_the_path():
    L = batch_layer(4, 5, 6)
    w = next(n for n in topological_order(L) if n.label == "W[0,0]")
    nodes, edges = parse_dot(draw(L, highlight=w, max_nodes=20).source)
    hot_nodes = [label_of(a).split(" |")[0] for a in nodes.values() if "crimson" in a]
    assert "{ W" in hot_nodes and "{ L" in hot_nodes and "{ X" not in hot_nodes
    assert all("crimson" not in a for t, h, a in edges if label_of(nodes[t]).startswith("{ X"))


def test_unlabelled_deep_chain_falls_back_to_grouping_by_operation():
    x = Value(0.5, label="x")
    y = x
    for _ in range(3000):
        y = (y * 0.999).tanh()
    drawing = draw(y, max_nodes=50)
    assert drawing.info["level"] == "operation"
    assert drawing.info["shown"] <= 50


def test_many_distinct_stems_are_folded_into_one_node():
    xs = [Value(float(i), label=f"v{i}w") for i in range(400)]  # 400 different stems
    total = sum(xs[1:], xs[0])
    drawing = draw(total, max_nodes=30)
    assert drawing.info["level"] == "folded"
    assert drawing.info["shown"] == 30
    assert "other nodes" in drawing.source


def test_ungrouped_drawing_of_a_huge_graph_is_refused():
    y = Value(1.0, label="x")
    for _ in range(UNGROUPED_LIMIT):
        y = y + 1.0
    with pytest.raises(ValueError, match="group"):
        draw(y, group=False)


def test_nodes_on_paths_of_a_diamond():
    x = Value(1.0, label="x")
    a, b = x * 2, x * 3
    c = Value(5.0, label="c")
    s = a + b
    y = s + c
    assert nodes_on_paths(topological_order(y), x) == {x, a, b, s, y}


BINARY = {"+": operator.add, "*": operator.mul, "-": operator.sub, "/": operator.truediv}


@st.composite
def random_graph(draw_: st.DrawFn) -> Value:
    leaves = [Value(draw_(st.floats(-2, 2)), label=f"x{i}") for i in range(draw_(st.integers(1, 4)))]
    nodes = list(leaves)
    for _ in range(draw_(st.integers(1, 25))):
        kind = draw_(st.sampled_from(["+", "*", "-", "tanh", "sin"]))
        a = draw_(st.sampled_from(nodes))
        if kind in ("tanh", "sin"):
            nodes.append(getattr(a, kind)())
        else:
            b = draw_(st.sampled_from(nodes))
            nodes.append(BINARY[kind](a, b))
    return nodes[-1]


@settings(max_examples=40, deadline=None)
@given(random_graph())
def test_every_node_and_edge_is_drawn(root):
    root.backward()
    order = topological_order(root)
    nodes, edges = parse_dot(draw(root, show_local=True, max_nodes=1000).source)
    ops = [n for n in order if n.parents]
    assert len(nodes) == len(order) + len(ops)
    assert len(edges) == sum(len(n.parents) for n in ops) + len(ops)


def test_grouped_output_keeps_its_own_box_apart_from_lookalike_labels():
    """L and L(0)..L(m-1) share a stem; merged, the output vanished and the drawing had a cycle."""
    from autograd_core.cli.graph import layer_graph

    root, _ = layer_graph(p=2, n=3, m=4, seed=0)
    root.backward()
    source = draw(root, max_nodes=40).source
    assert "{ L(0) … L(3) | shape 4, 4 entries |" in source
    assert "{ L | data 1.795 | grad 1 }" in source
    assert "shape 4, 5 entries" not in source


def test_grouped_label_shape_is_only_claimed_when_the_entries_fill_it():
    xs = [Value(float(i), label=f"x[{i}]") for i in range(0, 400, 2)]  # x[0], x[2], ..., x[398]
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    total.label = "total"
    source = draw(total, max_nodes=20).source
    assert "200 nodes" in source and "shape 399" not in source


def test_a_plain_number_is_refused_with_a_hint():
    with pytest.raises(TypeError, match=r"draw: the root must be a Value or Tensor .* got float"):
        draw(3.0)


def test_a_wide_fan_out_drops_edge_labels_and_asks_for_a_fast_layout():
    """Issue 15: ``x + x + ... + x`` (60 terms) took 44 s with dot; its layout cost now bounds the drawing."""
    from autograd_core.see.draw import FAST_LAYOUT, LABEL_BUDGET, layout_cost

    x = Value(1.0, label="x")
    y = x
    for _ in range(59):
        y = y + x
    y.backward()
    order = topological_order(y)
    assert layout_cost(order) > LABEL_BUDGET
    drawing = draw(y, show_local=True)
    _, edges = parse_dot(drawing.source)
    assert not any("label=" in attrs for *_, attrs in edges)
    assert all(f"{k}={v}" in drawing.source for k, v in FAST_LAYOUT.items())
    assert "edge labels left out" in drawing.info["labels"]
    # a small graph keeps its labels and Graphviz's default layout
    small = draw(neuron()[0], show_local=True)
    assert "nslimit" not in small.source and "label=local" in small.source.replace('"', "")


def test_ids_name_every_node_and_edge_for_the_explorer():
    y = neuron()[0]
    source = draw(y, show_local=True, ids=True).source
    assert "id=n0" in source and "id=e0" in source and "id=n5out" in source
    assert "id=" not in draw(y, show_local=True).source
