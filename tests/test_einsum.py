"""The general contraction: forward equals np.einsum, and its one generic gradient rule (no rule for
matmul alone) matches central differences for every kind of subscripts."""

from __future__ import annotations

import string

import numpy as np
import pytest
from finite_differences import numeric_gradient
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import Tensor, einsum
from autograd_core.engine.contraction import contract as _contract

RNG = np.random.default_rng(1729)


def check_einsum(subscripts: str, *arrays: np.ndarray) -> None:
    """Forward equals np.einsum; the gradient of <weights, einsum(...)> w.r.t. each operand matches
    central differences (random weights, so that no entry's gradient is a coincidence)."""
    expected = np.einsum(subscripts, *arrays)
    weights = RNG.normal(size=np.shape(expected))
    leaves = [Tensor(a, requires_grad=True) for a in arrays]
    out = einsum(subscripts, *leaves)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    (out * weights).sum().backward()
    for k, a in enumerate(arrays):
        def f(x, k=k):
            args = list(arrays)
            args[k] = x
            return float((np.einsum(subscripts, *args) * weights).sum())

        assert leaves[k].grad.shape == np.shape(a)
        np.testing.assert_allclose(leaves[k].grad, numeric_gradient(f, a), rtol=1e-6, atol=1e-8,
                                   err_msg=f"{subscripts}: operand {k}")


CASES = [
    ("matmul", "ij,jk->ik", [(3, 4), (4, 2)]),
    ("matvec", "ij,j->i", [(3, 4), (4,)]),
    ("vecmat", "j,jk->k", [(4,), (4, 2)]),
    ("dot", "i,i->", [(5,), (5,)]),
    ("outer", "i,j->ij", [(3,), (4,)]),
    ("trace", "ii->", [(4, 4)]),
    ("diagonal", "ii->i", [(4, 4)]),
    ("diag_times_vector", "ii,i->i", [(3, 3), (3,)]),
    ("triple_diagonal", "iii->i", [(3, 3, 3)]),
    ("batch_matmul", "bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("transpose", "ij->ji", [(3, 4)]),
    ("permute3", "ijk->kij", [(2, 3, 4)]),
    ("sum_all", "ij->", [(3, 4)]),
    ("sum_rows", "ij->j", [(3, 4)]),
    ("three_operands", "ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("bilinear", "i,ij,j->", [(3,), (3, 4), (4,)]),
    ("letter_only_in_one_operand", "ij,j->j", [(3, 4), (4,)]),
    ("summed_in_both_kept_nowhere", "ijk,jl->il", [(2, 3, 4), (3, 5)]),
    ("hadamard", "ij,ij->ij", [(3, 4), (3, 4)]),
    ("broadcast_size_one", "ij,ij->ij", [(1, 4), (3, 4)]),
    ("broadcast_contracted", "ij,jk->ik", [(3, 1), (4, 2)]),
    ("implicit_matmul", "ij,jk", [(3, 4), (4, 2)]),
    ("implicit_trace", "ii", [(3, 3)]),
    ("implicit_transpose", "ba", [(3, 4)]),
    ("ellipsis_batch", "...ij,...jk->...ik", [(2, 3, 4), (2, 4, 2)]),
    ("ellipsis_broadcast", "...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("ellipsis_sum", "...i->...", [(2, 3, 4)]),
    ("uppercase", "Ab,bC->AC", [(2, 3), (3, 4)]),
    ("spaces", "ij, jk -> ik", [(2, 3), (3, 2)]),
]


@pytest.mark.parametrize(("name", "subscripts", "shapes"), CASES, ids=[c[0] for c in CASES])
def test_einsum_gradient_matches_central_differences(name, subscripts, shapes):
    check_einsum(subscripts, *[RNG.normal(size=s) for s in shapes])


MATMUL_SHAPES = [
    ((3, 4), (4, 2)),
    ((4,), (4, 2)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 4, 3)),
]


@pytest.mark.parametrize(("shape_a", "shape_b"), MATMUL_SHAPES, ids=str)
def test_matmul_follows_numpy_and_its_gradient_emerges(shape_a, shape_b):
    a, b = RNG.normal(size=shape_a), RNG.normal(size=shape_b)
    expected = a @ b
    weights = RNG.normal(size=np.shape(expected))
    A, B = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = A @ B
    assert out.op == "@"
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    (out * weights).sum().backward()
    np.testing.assert_allclose(A.grad, numeric_gradient(lambda x: float(((x @ b) * weights).sum()), a),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(B.grad, numeric_gradient(lambda x: float(((a @ x) * weights).sum()), b),
                               rtol=1e-6, atol=1e-8)


def test_matmul_gradients_are_the_seeds_formulas():
    """For Z = W X, the generic rule gives ∇_W = G Xᵀ and ∇_X = Wᵀ G (Eq. 29–30 without the 1/m)."""
    W0, X0, G = RNG.normal(size=(3, 4)), RNG.normal(size=(4, 6)), RNG.normal(size=(3, 6))
    W, X = Tensor(W0, requires_grad=True), Tensor(X0, requires_grad=True)
    (W @ X).backward(G)
    np.testing.assert_allclose(W.grad, G @ X0.T, rtol=1e-13)
    np.testing.assert_allclose(X.grad, W0.T @ G, rtol=1e-13)


def test_rmatmul_with_a_numpy_array_and_constants_in_einsum():
    a = RNG.normal(size=(2, 3))
    x = Tensor(RNG.normal(size=(3, 4)), requires_grad=True)
    out = a @ x
    assert isinstance(out, Tensor)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, a.T @ np.ones((2, 4)))
    y = Tensor(RNG.normal(size=3), requires_grad=True)
    z = einsum("i,i,->", y, np.arange(3.0), 2.0)
    z.backward()
    np.testing.assert_allclose(y.grad, 2.0 * np.arange(3.0))
    assert Tensor.einsum("i,i->", y, y).item() == pytest.approx(float(y.data @ y.data))


def test_only_operands_that_require_grad_get_gradients():
    a = Tensor(RNG.normal(size=(2, 3)), requires_grad=True)
    b = Tensor(RNG.normal(size=(3, 2)))
    einsum("ij,jk->", a, b).backward()
    assert b.grad is None and a.grad.shape == (2, 3)


@st.composite
def contraction(draw):
    """Random subscripts: 1-3 operands over a few letters, repeats allowed, any output subset."""
    letters = string.ascii_lowercase[: draw(st.integers(1, 4))]
    sizes = {c: draw(st.integers(1, 3)) for c in letters}
    n_operands = draw(st.integers(1, 3))
    terms = [draw(st.lists(st.sampled_from(letters), min_size=0, max_size=3)) for _ in range(n_operands)]
    used = sorted({c for t in terms for c in t})
    output = draw(st.permutations(used)) if used else []
    output = output[: draw(st.integers(0, len(output)))]
    subscripts = ",".join("".join(t) for t in terms) + "->" + "".join(output)
    shapes = [tuple(sizes[c] for c in t) for t in terms]
    seed = draw(st.integers(0, 2**32 - 1))
    return subscripts, shapes, seed


@settings(max_examples=80, deadline=None)
@given(contraction())
def test_random_contractions_match_central_differences(case):
    subscripts, shapes, seed = case
    rng = np.random.default_rng(seed)
    check_einsum(subscripts, *[rng.normal(size=s) for s in shapes])


@st.composite
def pair_contraction(draw):
    letters = "abcde"
    sizes = {c: draw(st.integers(1, 4)) for c in letters}
    a = draw(st.lists(st.sampled_from(letters), min_size=0, max_size=4, unique=True))
    b = draw(st.lists(st.sampled_from(letters), min_size=0, max_size=4, unique=True))
    used = sorted(set(a) | set(b))
    output = draw(st.permutations(used)) if used else []
    output = output[: draw(st.integers(0, len(output)))]
    return f"{''.join(a)},{''.join(b)}->{''.join(output)}", sizes, a, b


@settings(max_examples=150, deadline=None)
@given(pair_contraction(), st.integers(0, 2**32 - 1))
def test_the_matmul_route_of_a_contraction_equals_np_einsum(case, seed):
    """The BLAS route (transposes + one np.matmul) is only an implementation of np.einsum."""
    subscripts, sizes, a, b = case
    rng = np.random.default_rng(seed)
    x = rng.normal(size=tuple(sizes[c] for c in a))
    y = rng.normal(size=tuple(sizes[c] for c in b))
    np.testing.assert_allclose(_contract(subscripts, [x, y]), np.einsum(subscripts, x, y), rtol=1e-12, atol=1e-12)


def test_second_derivatives_through_einsum():
    """create_graph: the einsum gradient is itself an einsum, so it can be differentiated again.

    f(x) = xᵀ A x has Hessian A + Aᵀ; f(x) = (xᵀ x)² has Hessian 4(xᵀx) I + 8 x xᵀ.
    """
    A = RNG.normal(size=(4, 4))
    x0 = RNG.normal(size=4)
    for f, hessian in [
        (lambda x: einsum("i,ij,j->", x, A, x), A + A.T),
        (lambda x: einsum("i,i->", x, x) ** 2, 4 * (x0 @ x0) * np.eye(4) + 8 * np.outer(x0, x0)),
        (lambda x: einsum("ii->", einsum("i,j->ij", x, x)) ** 2, 4 * (x0 @ x0) * np.eye(4) + 8 * np.outer(x0, x0)),
    ]:
        rows = []
        for k in range(4):
            x = Tensor(x0, requires_grad=True)
            f(x).backward(create_graph=True)
            g = x.grad
            x.zero_grad()
            g[k].backward()
            rows.append(x.grad)
        np.testing.assert_allclose(np.array(rows), hessian, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("subscripts", "shapes", "pattern"),
    [
        ("ij,jk->ik", [(2, 3), (4, 5)],
         r"einsum\('ij,jk->ik'\): axis 'j' has length 3 in operand 0 \(shape \(2, 3\)\) but 4 in operand 1 "
         r"\(shape \(4, 5\)\)"),
        ("ij,jk->ik", [(2, 3)], r"name 2 operand\(s\) but 1 were given"),
        ("ijk->i", [(2, 3)], r"operand 0 has 2 axes but its subscripts 'ijk' name 3"),
        ("ij->z", [(2, 3)], r"output letter 'z' appears in no operand"),
        ("ij->ii", [(2, 2)], r"output letter 'i' appears more than once"),
        ("i1->i", [(2,)], r"invalid character"),
        ("ii->i", [(2, 3)], r"axis 'i' has length 2 in operand 0 \(shape \(2, 3\)\) but 3 in operand 0"),
        ("...i->i", [(2, 3)], r"output has no '\.\.\.'"),
        ("...ij,...jk->...ik", [(2, 3, 4), (3, 4, 5)], r"a '\.\.\.' axis has length 2 in operand 0"),
        ("i.j->i", [(2, 3)], r"'\.' may only appear as one '\.\.\.'"),
    ],
)
def test_einsum_errors_name_the_subscripts_and_shapes(subscripts, shapes, pattern):
    with pytest.raises(ValueError, match=pattern):
        einsum(subscripts, *[np.ones(s) for s in shapes])


def test_einsum_refuses_non_numeric_operands():
    with pytest.raises(TypeError, match="einsum: expected a Tensor"):
        einsum("i->", object())
