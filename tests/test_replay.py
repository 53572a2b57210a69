"""The replayed Tensor step (``autograd_core.tensor.replay``): the same numbers as ``backward()``, bit for bit,
or a refusal that names what it cannot replay."""

from __future__ import annotations

import itertools
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_core
from autograd_core import GraphFreedError, Tensor, primitive, replay
from autograd_core.engine import ops
from autograd_core.tensor import functions as fn
from autograd_core.tensor import replay as replay_module
from autograd_core.tensor.replay import KERNELS, Replay, ReplayError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import tensors  # noqa: E402


def same(a: Any, b: Any) -> bool:
    """Bit for bit, NaN-aware, the sign of zeros included."""
    a, b = np.asarray(a), np.asarray(b)
    zeros = a == 0
    return (a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
            and np.array_equal(np.signbit(a[zeros]), np.signbit(b[zeros])))


# --- the MLP step: replayed, ordinary, hand-written --------------------------------------------------------
def mlp_loss(ws: list[Tensor], bs: list[Tensor], x: Tensor, y: Tensor, m: int) -> Tensor:
    """The benchmark's loss: tanh hidden layers, softmax cross-entropy written out, averaged over the batch."""
    h = x
    for w, b in zip(ws[:-1], bs[:-1], strict=True):
        h = (w @ h + b).tanh()
    z = ws[-1] @ h + bs[-1]
    return (z.exp().sum(axis=0).log().sum() - (y * z).sum()) * (1.0 / m)


def leaves(pb: dict[str, Any]) -> tuple[list[Tensor], list[Tensor], Tensor, Tensor]:
    ws = [Tensor(w.copy(), requires_grad=True) for w in pb["weights"]]
    bs = [Tensor(b.copy(), requires_grad=True) for b in pb["biases"]]
    return ws, bs, Tensor(pb["x"]), Tensor(pb["onehot"])


def batches(pb: dict[str, Any], k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` batches of the problem's shape: the first is the problem's own."""
    rng = np.random.default_rng(1)
    out = [(pb["x"], pb["onehot"])]
    for _ in range(k - 1):
        onehot = np.zeros_like(pb["onehot"])
        onehot[rng.integers(0, onehot.shape[0], onehot.shape[1]), np.arange(onehot.shape[1])] = 1.0
        out.append((rng.normal(0, 1, pb["x"].shape), onehot))
    return out


def ordinary_steps(pb: dict[str, Any], data: list[tuple[np.ndarray, np.ndarray]]) -> tuple[list[Tensor], list[float]]:
    ws, bs, _, _ = leaves(pb)
    losses = []
    for xs, ys in data:
        loss = mlp_loss(ws, bs, Tensor(xs), Tensor(ys), xs.shape[1])
        losses.append(loss.item())
        loss.backward()
        for p in ws + bs:
            p.data -= pb["lr"] * p.grad
            p.grad = None
    return ws + bs, losses


def replayed_steps(pb: dict[str, Any], data: list[tuple[np.ndarray, np.ndarray]]) -> tuple[list[Tensor], list[float]]:
    ws, bs, x, y = leaves(pb)
    step = replay(mlp_loss(ws, bs, x, y, pb["x"].shape[1]))
    losses = []
    for k, (xs, ys) in enumerate(data):
        if k % 2:  # a new batch written in place, or the leaf rebound to a new array: both are read
            x.data[...] = xs
            y.data = ys.copy()
        else:
            x.data, y.data[...] = xs.copy(), ys
        losses.append(step())
        for p in ws + bs:
            p.data -= pb["lr"] * p.grad
    return ws + bs, losses


@pytest.mark.parametrize(("sizes", "batch"), [([16, 16, 16, 10], 32), ([5, 7, 6, 3], 4)])
def test_replayed_sgd_steps_equal_ordinary_tensor_steps_bit_for_bit(sizes: list[int], batch: int) -> None:
    pb = tensors.mlp_problem(sizes, batch)
    data = batches(pb, 6)
    ours, our_losses = replayed_steps(pb, data)
    theirs, their_losses = ordinary_steps(pb, data)
    assert our_losses == their_losses
    assert all(same(a.data, b.data) for a, b in zip(ours, theirs, strict=True))


@pytest.mark.parametrize(("sizes", "batch"), [([16, 16, 16, 10], 32), ([5, 7, 6, 3], 4)])
def test_replayed_sgd_steps_equal_the_hand_written_numpy_step(sizes: list[int], batch: int) -> None:
    pb = tensors.mlp_problem(sizes, batch)
    ours, _ = replayed_steps(pb, batches(pb, 1) * 5)
    step, params = tensors.numpy_mlp(pb)
    for _ in range(5):
        step()
    for a, b in zip(ours, params(), strict=True):
        np.testing.assert_allclose(a.data, b, rtol=0, atol=1e-12)


def test_the_benchmark_contender_is_the_ordinary_step() -> None:
    pb = tensors.mlp_problem([6, 8, 8, 3], 5)
    (ours, our_params), (theirs, their_params) = tensors.replay_mlp(pb), tensors.tensor_mlp(pb)
    assert [ours() for _ in range(4)] == [theirs() for _ in range(4)]
    assert all(same(a, b) for a, b in zip(our_params(), their_params(), strict=True))


def test_step_sets_the_parameters_grads_to_reused_buffers_and_the_graph_shows_the_latest_step() -> None:
    w = Tensor([[0.5, -1.0]], requires_grad=True)
    x = Tensor([[1.0], [2.0]])
    z = (w @ x).tanh()
    loss = z.sum()
    step = Replay(loss)
    assert w.grad is None  # recording computes, but only step() sets grad
    first = step()
    buffer = w.grad
    w.data -= 0.1 * w.grad
    second = step()
    assert w.grad is buffer  # the same array, overwritten
    assert step.parameters == [w]
    assert loss.item() == second != first
    expected = Tensor(w.data, requires_grad=True)
    ((expected @ x).tanh().sum()).backward()
    assert same(w.grad, expected.grad) and same(z.data, np.tanh(w.data @ x.data))


def test_step_is_also_the_call() -> None:
    w = Tensor([2.0], requires_grad=True)
    step = replay((w * w).sum())
    assert step() == 4.0 and step.step() == 4.0


# --- each entry, bit for bit, on zeros of both signs, infinities and NaN ------------------------------------
SPECIAL = [0.0, -0.0, 1.5, -2.0, 1e-300, float("inf"), float("-inf"), float("nan")]
POSITIVE = [1.5, 1e-300, 5e-324, 2.0, 1e300, float("inf"), float("nan"), 0.25]


def special(shape: tuple[int, ...], seed: int, values: list[float] = SPECIAL) -> np.ndarray:
    rng = np.random.default_rng(seed)
    flat = rng.normal(size=shape).reshape(-1)
    flat[: len(values)] = values[: flat.size]
    return rng.permutation(flat).reshape(shape)


ENTRIES: dict[str, tuple[Callable[..., Tensor], list[tuple[int, ...]]]] = {
    "add": (lambda a, b: a + b, [(4, 5), (4, 5)]),
    "add_bias_column": (lambda a, b: a + b, [(4, 5), (4, 1)]),
    "add_row": (lambda a, b: a + b, [(5,), (4, 5)]),
    "add_scalar": (lambda a, b: a + b, [(), (4, 5)]),
    "add_self": (lambda a, b: a + a, [(4, 5)]),
    "sub_broadcast": (lambda a, b: a - b, [(4, 1), (4, 5)]),
    "sub_both_broadcast": (lambda a, b: a - b, [(3, 1, 5), (4, 1)]),
    "mul": (lambda a, b: a * b, [(4, 5), (4, 5)]),
    "mul_broadcast": (lambda a, b: a * b, [(4, 5), (5,)]),
    "mul_self": (lambda a, b: a * a, [(4, 5)]),
    "div": (lambda a, b: a / b, [(4, 5), (4, 5)]),
    "div_broadcast": (lambda a, b: a / b, [(4, 5), (1, 5)]),
    "neg": (lambda a, b: -a, [(4, 5)]),
    "exp": (lambda a, b: a.exp(), [(4, 5)]),
    "log": (lambda a, b: a.log(), [(4, 5)]),
    "tanh": (lambda a, b: a.tanh(), [(4, 5)]),
    "tanh_scalar": (lambda a, b: a.tanh(), [()]),
    "matmul": (lambda a, b: a @ b, [(4, 3), (3, 5)]),
    "matmul_self": (lambda a, b: a @ a, [(3, 3)]),
    "einsum_matrix_product": (lambda a, b: autograd_core.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)]),
    "sum_all": (lambda a, b: a.sum(), [(4, 5)]),
    "sum_axis0": (lambda a, b: a.sum(axis=0), [(4, 5)]),
    "sum_axis1": (lambda a, b: a.sum(axis=1), [(4, 5)]),
    "sum_3d_middle": (lambda a, b: a.sum(axis=1), [(2, 3, 4)]),
    "sum_no_axes": (lambda a, b: a.sum(axis=()), [(2, 3)]),
}


def operands(name: str, shapes: list[tuple[int, ...]], seed: int) -> list[np.ndarray]:
    datas = [special(s, seed + k, POSITIVE if name == "log" else SPECIAL) for k, s in enumerate(shapes)]
    if name == "log":  # the domain: positive entries (NaN and inf included)
        datas = [np.abs(d) for d in datas]
    if name.startswith("div"):  # the divisor's domain: no zero
        datas[1][datas[1] == 0] = 0.5
    return datas


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_each_entry_replays_the_tensor_engines_numbers_bit_for_bit(name: str) -> None:
    """Special values in the operands and in the upstream gradient (a constant weight ``c``); for each of three
    draws: record (which checks itself), then compare a step with a fresh ordinary backward, value and grads."""
    make, shapes = ENTRIES[name]
    for seed in range(3):
        datas = operands(name, shapes, seed)
        xs = [Tensor(d, requires_grad=True) for d in datas]
        with np.errstate(all="ignore"):
            node = make(*xs, *([None] * (2 - len(xs))))
            c = Tensor(special(node.shape, 20 + seed) if node.ndim else np.asarray(SPECIAL[seed + 5]))
            step = replay((node * c).sum())
        loss = step()
        fresh = [Tensor(d, requires_grad=True) for d in datas]
        with np.errstate(all="ignore"):
            expected_node = make(*fresh, *([None] * (2 - len(fresh))))
            expected = (expected_node * c).sum()
            expected.backward()
        assert same(loss, expected.data), name
        assert same(node.data, expected_node.data), name
        for got, want in zip(xs, fresh, strict=True):
            assert same(got.grad, want.grad), f"{name}, seed {seed}"


def test_every_whitelisted_entry_has_a_case() -> None:
    assert {name.split("_")[0] for name in ENTRIES} >= set(KERNELS)


# --- refusals, by name ---------------------------------------------------------------------------------------
def _w() -> Tensor:
    return Tensor(np.array([[0.5, -1.0], [2.0, 0.25]]), requires_grad=True)


@pytest.mark.parametrize(("build", "message"), [
    (lambda w: w.sigmoid().sum(), r"op 'sigmoid'.*not among the entries the replay evaluates.*loss\.backward\(\)"),
    (lambda w: (w ** 3.0).sum(), r"op '\*\*'.*piecewise.*loss\.backward\(\)"),
    (lambda w: w.relu().sum(), r"op 'relu'.*'relu' is piecewise.*branch.*from the data"),
    (lambda w: w.maximum(0.3).sum(), r"op 'max'.*piecewise"),
    (lambda w: fn.where(w.data > 0, w, 0.0).sum(), r"op 'where'.*mask.*computed from the data"),
    (lambda w: fn.clip(w, -1.0, 1.0).sum(), r"mask.*computed from the data"),
    (lambda w: w[w.data > 0].sum(), r"op '\[\]'.*index.*computed from the data"),
    (lambda w: w.max(axis=0).sum(), r"op 'max'.*ties.*the data decides"),
    (lambda w: w.T.sum(), r"contraction 'ab->ba' is neither a 2-D matrix product nor a sum"),
    (lambda w: w.sum(axis=0, keepdims=True).sum(), r"op 'reshape'.*not among"),
])
def test_unsupported_and_data_dependent_entries_are_refused_by_name(build: Callable[[Tensor], Tensor],
                                                                     message: str) -> None:
    with pytest.raises(ReplayError, match=message):
        replay(build(_w()))


def test_a_user_primitive_is_refused() -> None:
    @primitive
    def double(x: np.ndarray) -> np.ndarray:
        return 2.0 * x

    double.defvjp(lambda g, out, x: 2.0 * g)
    with pytest.raises(ReplayError, match=r"'double' is a user primitive: its rule is your code"):
        replay(double(_w()).sum())


def test_a_replaced_entry_is_refused_not_replayed_with_the_old_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ops, "TANH", ops.TANH._replace(derivative=lambda xp, x, out: 2.0 + 0.0 * out))
    with pytest.raises(ReplayError, match=r"entry 'tanh' is not the table's own \(it was replaced\)"):
        replay(_w().tanh().sum())


def test_a_loss_that_is_not_one_entry_is_refused() -> None:
    with pytest.raises(ReplayError, match=r"one-entry Tensor \(a scalar\), got shape \(2, 2\)"):
        replay(_w().tanh())
    with pytest.raises(TypeError, match="needs the loss as a Tensor, got float"):
        replay(1.0)  # type: ignore[arg-type]
    with pytest.raises(ReplayError, match="the loss is a leaf"):
        replay(Tensor(1.0, requires_grad=True))


def test_create_graph_gradients_are_refused() -> None:
    w = _w()
    loss = (w * w).sum()
    loss.backward(create_graph=True)
    with pytest.raises(ReplayError, match=r"backward\(create_graph=True\)"):
        replay(loss)


def test_a_freed_graph_raises_the_engines_error() -> None:
    loss = (_w() * 2.0).tanh().sum()
    loss.backward(retain_graph=False)
    with pytest.raises(GraphFreedError):
        replay(loss)


def test_a_leaf_changed_after_the_graph_was_built_is_refused() -> None:
    w = _w()
    loss = w.tanh().sum()
    loss.backward()
    w.data -= 0.1 * w.grad  # the update before recording: the graph's values are stale
    with pytest.raises(ReplayError, match=r"a leaf's \.data changed after the loss was built"):
        replay(loss)


def test_an_input_of_a_new_shape_is_refused_naming_the_leaf_and_both_shapes() -> None:
    w, x = _w(), Tensor(np.ones((2, 3)), label="X")
    step = replay((w @ x).tanh().sum())
    x.data = np.ones((2, 5))
    with pytest.raises(ReplayError, match=r"leaf 'X' \(input\) was recorded with shape \(2, 3\), float64, and its "
                                          r"\.data is now shape \(2, 5\), float64"):
        step()
    x.data = np.ones((2, 3), dtype=np.float32)
    with pytest.raises(ReplayError, match=r"now shape \(2, 3\), float32"):
        step()
    x.data = np.ones((2, 3))
    step()
    w.data = [[1.0, 2.0], [3.0, 4.0]]  # type: ignore[assignment]
    with pytest.raises(ReplayError, match=r"leaf #\d of the graph \(parameter\).*now a list"):
        step()


def test_a_leaf_holding_one_of_the_replays_buffers_is_refused() -> None:
    w, x = _w(), Tensor(np.ones((2, 2)), label="X")
    z = w @ x
    step = replay(z.tanh().sum())
    x.data = z.data  # the replay overwrites this array during the step
    with pytest.raises(ReplayError, match=r"leaf 'X' \(input\) now holds one of the replay's own buffers"):
        step()


# --- domains and warnings ------------------------------------------------------------------------------------
def test_the_domain_is_checked_on_every_replay_with_the_engines_error() -> None:
    w, x = _w(), Tensor(np.ones((2, 3)))
    step = replay((w @ x).sum(axis=0).log().sum())  # every column of w @ x sums to 1.75: in the domain
    x.data[0, 2] = -8.0  # the last column's sum is -20.75 now
    with pytest.raises(ValueError) as ours:
        step()
    with pytest.raises(ValueError) as engine:
        (w @ x).sum(axis=0).log()
    assert str(ours.value) == str(engine.value)
    assert str(ours.value).startswith("log: needs x > 0, got 1 bad entry of 3; the first is x[2]")
    x.data[0, 2] = 2.0  # back in the domain: it steps again, as the engine computes
    assert step() == (w @ x).sum(axis=0).log().sum().item()


def test_division_by_zero_is_refused_on_replay() -> None:
    a, b = _w(), Tensor(np.ones((2, 2)))
    step = replay((a / b).sum())
    b.data[1, 0] = 0.0
    with pytest.raises(ValueError, match=r"div \(/\): needs divisor != 0"):
        step()


def test_overflow_is_silent_and_gives_the_engines_inf() -> None:
    w = Tensor(np.array([1000.0, 1.0]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        step = replay(w.exp().sum())
        assert step() == float("inf")
    assert w.grad[0] == float("inf")


# --- the record-time check catches a replay that is off by one ulp -----------------------------------------
def _ulp_up(f: Callable[..., Any]) -> Callable[..., Any]:
    def wrong(*args: Any, out: np.ndarray) -> np.ndarray:
        f(*args, out=out)
        return np.nextafter(out, np.inf, out=out)
    return wrong


def test_a_forward_off_by_one_ulp_is_caught_when_recording(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(KERNELS, "tanh", KERNELS["tanh"]._replace(forward=_ulp_up(np.tanh)))
    with pytest.raises(ReplayError, match=r"replayed value at node \d+ of \d+ \(op 'tanh'.*not the table's bit for "
                                          r"bit; the first difference.*KERNELS"):
        replay((_w() @ Tensor(np.ones((2, 3)))).tanh().sum())


def test_a_gradient_off_by_one_ulp_is_caught_when_recording(monkeypatch: pytest.MonkeyPatch) -> None:
    term = KERNELS["mul"].terms[0]

    def wrong(g: Any, xs: Any, value: Any, dest: np.ndarray) -> None:
        term(g, xs, value, dest)
        np.nextafter(dest, np.inf, out=dest)

    monkeypatch.setitem(KERNELS, "mul", KERNELS["mul"]._replace(terms=(wrong, KERNELS["mul"].terms[1])))
    with pytest.raises(ReplayError, match=r"replayed gradient at node .*not the table's bit for bit"):
        replay((_w() * Tensor(np.full((2, 2), 3.0))).sum())


def test_the_example_of_the_replay_page_runs(capsys: pytest.CaptureFixture[str]) -> None:
    text = (ROOT / "docs" / "replay.md").read_text()
    (code,) = [block.split("\n", 1)[1] for block in text.split("```")[1::2] if block.startswith("python")]
    exec(compile(code, "docs/replay.md", "exec"), {})
    assert capsys.readouterr().out.startswith("loss after 20 steps: ")


def test_the_public_names() -> None:
    assert autograd_core.replay is replay_module.replay
    assert autograd_core.Replay is Replay and autograd_core.ReplayError is ReplayError
    assert list(itertools.islice(KERNELS, 3)) == ["add", "sub", "mul"]


def test_a_declared_input_the_loss_does_not_read_is_refused_by_name() -> None:
    """A constant X normalized outside the graph becomes a constant leaf: new batches written into X would
    never reach the loss. Declared as an input, it is refused when recording instead of silently ignored."""
    W = Tensor(np.full((2, 3), 0.5), requires_grad=True)
    X = Tensor(np.arange(12.0).reshape(3, 4), label="X")
    Xn = (X - 5.0) * 0.5  # X does not require grad: Xn is a constant leaf, X is not in the graph
    loss = (W @ Xn).tanh().sum()
    with pytest.raises(ReplayError, match=r"input 'X' is not a leaf of the recorded graph.*Xn.data"):
        replay(loss, inputs=[X])
    step = replay(loss, inputs=[Xn])  # the Tensor the loss reads
    Xn.data[...] = 0.0
    assert step() == 0.0
    with pytest.raises(ReplayError, match=r"input #0 is computed \(op 'tanh'\), not a leaf"):
        replay(loss, inputs=[(W @ Xn).tanh()])
