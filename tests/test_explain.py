"""explain(): the chain-rule ledger sums to .grad; for the seed's batch layer it lists Eq. 27's m terms."""

from __future__ import annotations

import math
import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import Value
from autograd_core.engine.graph import topological_order
from autograd_core.see.explain import count_paths, explain

P, N, M = 2, 3, 4


def batch_layer(seed: int = 3):
    """Eq. 25-26 as Values: Z = W X + b (object arrays), L(k) = ½ Σ_i (z_ik - y_ik)², L = (1/m) Σ_k L(k)."""
    rng = np.random.default_rng(seed)
    W = np.array([[Value(rng.normal(), label=f"W[{i},{j}]") for j in range(N)] for i in range(P)], dtype=object)
    X = np.array([[Value(rng.normal(), label=f"X[{j},{k}]") for k in range(M)] for j in range(N)], dtype=object)
    b = np.array([Value(rng.normal(), label=f"b[{i}]") for i in range(P)], dtype=object)
    Y = rng.normal(size=(P, M))
    Z = W @ X + b[:, None]
    for (i, k), z in np.ndenumerate(Z):
        z.label = f"z[{i},{k}]"
    per_sample = []
    for k in range(M):
        loss = sum(((Z[i, k] - Y[i, k]) ** 2 for i in range(P)), Value(0.0)) * 0.5
        loss.label = f"L({k})"
        per_sample.append(loss)
    L = sum(per_sample, Value(0.0)) / M
    L.label = "L"
    L.backward()
    return L, W, X, Z, Y


@pytest.mark.parametrize(("i", "j"), [(0, 0), (0, 1), (1, 2)])
def test_batch_layer_shows_the_m_terms_of_eq_27(i, j):
    L, W, X, Z, Y = batch_layer()
    e = explain(L, W[i, j])
    assert len(e.terms) == M
    for k, term in enumerate(e.terms):
        # the k-th edge leaving w_ij is the product w_ij · x_j^(k)
        assert term.child.op == "*" and term.child.parents == (W[i, j], X[j, k])
        dLk_dz = Z[i, k].data - Y[i, k]  # ∂L^(k)/∂z_i^(k) of the squared error, closed form
        assert term.local == X[j, k].data  # x_j^(k)
        assert term.upstream == pytest.approx(dLk_dz / M, rel=1e-12)  # (1/m) ∂L^(k)/∂z_i^(k)
        assert term.contribution == pytest.approx(dLk_dz * X[j, k].data / M, rel=1e-12)
        names = [f.name for f in e.factors(term)]
        values = [f.value for f in e.factors(term)]
        assert names == [f"∂L/∂L({k})", f"∂L({k})/∂z[{i},{k}]", f"∂z[{i},{k}]/∂(W[{i},{j}] * X[{j},{k}])"]
        assert values == pytest.approx([1 / M, dLk_dz, 1.0], rel=1e-12)
        assert e.local_name(term) == f"X[{j},{k}]"
    assert e.total == pytest.approx(W[i, j].grad, rel=1e-12)
    assert e.matches
    closed = sum((Z[i, k].data - Y[i, k]) * X[j, k].data for k in range(M)) / M  # Eq. 27, entry (i, j)
    assert W[i, j].grad == pytest.approx(closed, rel=1e-12)
    assert e.path_count == M and len(e.paths) == M
    assert sum(p.value for p in e.paths) == pytest.approx(W[i, j].grad, rel=1e-12)


def test_batch_layer_ledger_text_shows_one_over_m_and_x():
    L, W, X, *_ = batch_layer()
    text = str(explain(L, W[0, 1]))
    assert text.startswith(f"∂L/∂W[0,1] = {W[0, 1].grad:.4g}\nis the sum of 4 terms")
    for k in range(M):
        assert f"upstream ∂L/∂(W[0,1] * X[1,{k}]) = ∂L/∂L({k}) · ∂L({k})/∂z[0,{k}]" in text
        assert f"local    ∂(W[0,1] * X[1,{k}])/∂W[0,1] = X[1,{k}] = {X[1, k].data:.4g}" in text
    assert text.count("= 1/4 × ") == M
    assert "(equal)" in text
    assert "Paths from W[0,1] to L: 4;" in text


def test_html_repr_is_a_table():
    L, W, *_ = batch_layer()
    page = explain(L, W[1, 1])._repr_html_()
    assert page.count("<tr>") == 1 + M + 2 and "∂L/∂L(3)" in page


def test_bias_terms_are_the_upstream_gradients():
    L, _, _, Z, Y = batch_layer()
    b0 = Z[0, 0].parents[1]
    e = explain(L, b0)
    assert len(e.terms) == M
    assert [t.local for t in e.terms] == [1.0] * M
    assert e.total == pytest.approx(sum(Z[0, k].data - Y[0, k] for k in range(M)) / M, rel=1e-12)


def test_explain_runs_backward_when_no_gradient_exists():
    x = Value(3.0, label="x")
    y = x * x + x
    e = explain(y, x)
    assert e.ran_backward and x.grad == 7.0
    assert [t.contribution for t in e.terms] == [3.0, 3.0, 1.0]
    assert "explain ran out.backward()" not in str(e) and "explain ran" in str(e)
    assert "(operand 1 of 2)" in str(e) and "(operand 2 of 2)" in str(e)


def test_accumulated_gradients_are_flagged():
    x = Value(3.0, label="x")
    y = x * 2
    y.backward()
    y.backward()  # leaf grads accumulate: x.grad = 4, the ledger of one pass says 2
    e = explain(y, x)
    assert e.total == 2.0 and x.grad == 4.0 and not e.matches
    assert "DIFFERENT" in str(e) and "zero_grad" in str(e)


def test_leaf_outside_the_graph_and_the_root_itself():
    x = Value(1.0, label="x")
    y = x.exp()
    y.label = "y"
    with pytest.raises(ValueError, match=r"z is not in the graph of y"):
        explain(y, Value(2.0, label="z"))
    e = explain(y, y)
    assert e.terms == [] and e.total == 1.0 and "root itself" in str(e)


def test_paths_are_counted_not_enumerated_when_exponential():
    x = Value(1.0, label="x")
    y = x
    for _ in range(100):
        y = y + y  # every level doubles the number of paths
    y.label = "y"
    e = explain(y, x)
    assert e.path_count == 2**100
    assert e.paths is None
    assert x.grad == 2.0**100 and e.total == x.grad
    assert "too many to list, so they are counted, not enumerated" in str(e)
    assert "about 10^30" in str(e)


def test_count_paths_counts_repeated_operands():
    x = Value(2.0, label="x")
    sq = x * x
    y = sq * x
    counts = count_paths(topological_order(y), x)
    assert counts[sq] == 2 and counts[y] == 3


def test_deep_chain_has_one_path_and_no_recursion():
    x = Value(0.1, label="x")
    y = x
    for _ in range(50_000):
        y = y * 1.0
    e = explain(y, x)
    assert e.path_count == 1 and len(e.paths) == 1 and len(e.paths[0].nodes) == 50_001
    text = str(e)
    assert len(text) < 3000  # the route is abbreviated, not 50,000 names long


def test_many_terms_are_summed_but_not_all_shown():
    x = Value(0.5, label="x")
    terms = [x * float(k) for k in range(1, 61)]
    y = sum(terms[1:], terms[0])
    e = explain(y, x, max_terms=5)
    assert len(e.terms) == 60 and e.total == pytest.approx(sum(range(1, 61)))
    assert "… and 55 more terms" in str(e)


BINARY = {"+": operator.add, "*": operator.mul, "-": operator.sub, "/": operator.truediv}


@st.composite
def random_graph(draw_: st.DrawFn):
    leaves = [Value(draw_(st.floats(-1.5, 1.5)), label=f"x{i}") for i in range(draw_(st.integers(1, 4)))]
    nodes = list(leaves)
    for _ in range(draw_(st.integers(1, 30))):
        kind = draw_(st.sampled_from(["+", "*", "-", "/", "tanh", "sin", "exp", "sq"]))
        a = draw_(st.sampled_from(nodes))
        if kind in ("tanh", "sin", "exp"):
            nodes.append(getattr(a, kind)())
        elif kind == "sq":
            nodes.append(a**2)
        else:
            b = draw_(st.sampled_from(nodes))
            if kind == "/" and abs(b.data) < 0.1:
                continue
            nodes.append(BINARY[kind](a, b))
    return nodes[-1], leaves


@settings(max_examples=60, deadline=None)
@given(random_graph())
def test_terms_and_paths_sum_to_the_gradient_on_random_graphs(graph):
    root, leaves = graph
    root.backward()
    order = set(topological_order(root))
    for leaf in leaves:
        if leaf not in order:
            continue
        e = explain(root, leaf, max_paths=200)
        assert math.isclose(e.total, leaf.grad, rel_tol=1e-9, abs_tol=1e-9)
        assert e.matches
        if e.paths is not None:
            assert len(e.paths) == e.path_count
            assert math.isclose(sum(p.value for p in e.paths), leaf.grad, rel_tol=1e-7, abs_tol=1e-9)
        for term in e.terms[:3]:  # the named factors multiply back to the upstream gradient
            product = math.prod(f.value for f in e.factors(term))
            assert math.isclose(product, term.upstream, rel_tol=1e-9, abs_tol=1e-12)


def test_paths_through_a_node_used_twice_name_the_operand():
    """x * x + x has two paths through the product; they used to print as the same line."""
    x = Value(3.0, label="x")
    y = x * x + x
    y.label = "y"
    y.backward()
    lines = str(explain(y, x)).splitlines()[-3:]
    assert lines == ["  x → (x * x) [as operand 1] → y:  3 = 3",
                     "  x → (x * x) [as operand 2] → y:  3 = 3",
                     "  x → y:  1 = 1"]


def test_plain_numbers_are_refused_with_a_hint():
    x = Value(2.0, label="x")
    y = x * 3
    with pytest.raises(TypeError, match=r"explain: the leaf must be a Value or Tensor .* got float"):
        explain(y, 2.0)
    with pytest.raises(TypeError, match=r"explain: the root must be a Value or Tensor .* got int"):
        explain(6, x)
