"""Reference cross-check: our gradients and Hessians against ``torch.autograd`` in float64.

Runs only where PyTorch is installed (``.ci/run`` installs ``torch==2.13.0``); elsewhere the module
is skipped, so the README's test command passes without it.

* **1,000 random expression graphs** from a seeded generator: DAGs over 1–4 inputs whose nodes
  reuse earlier nodes, drawn from ``+ - * / **`` (constant and graph exponents) and every unary entry of
  the table (``exp``, ``log``, ``tanh`` … ``log1p``, ``tan``, ``arcsin``, ``arctanh`` …), each applied only
  on a safe domain (``log``/``sqrt`` of values > 0.1, divisors away from 0, ``exp`` of |x| ≤ 5,
  ``softplus`` below torch's linear threshold 20, kinks of ``relu``/``abs`` avoided). The output is
  the sum of every node no other node uses, so every node matters. Gradient and Hessian of each.
* **Forward over reverse and nested forward mode** on 500 of those graphs each: the Hessian-vector
  product ``jvp(grad(f), x, v)`` against ``torch.func.jvp(torch.func.grad(f))`` (every 5th graph on the
  Tensor engine too), and the second directional derivative ``uᵀ H v`` as a ``jvp`` nested in a ``jvp``
  against ``torch.func.jvp`` of ``torch.func.jvp``.
* **The natural Jacobian layout** ``out.shape + in.shape`` (``jacobian(f, layout="natural")``) against
  ``torch.autograd.functional.jacobian``, which returns that layout: ``A v`` by the 2×3 matrix ``A`` (shape
  (2, 2, 3)) and ``tanh(A X) ⊙ X₀₀`` on random matrices, on both engines and in both modes.
* **Random layers** ``Z = W X + b`` with a per-sample loss averaged over the m samples (squares,
  softmax cross-entropy, tanh), on the Value engine and on the Tensor engine: ∇_W, ∇_X, ∇_b and
  the Hessians with respect to ``b`` and ``W``.

Errors are norm-wise relative, ``‖ours − torch‖∞ / max(‖torch‖∞, 1e-6)`` (the floor only matters
for references that are zero in theory and rounding noise in practice), and must stay below 1e-9.
The last test prints the count and the worst errors.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import pytest

from autograd_core import Tensor, grad, hessian, jacobian, jvp

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

TOLERANCE = 1e-9
# A derivative that is exactly 0 in theory (x/x, a dead relu) comes out as 0 on one side and as
# rounding noise (~1e-16) on the other; relative to the noise that is an error of 1. Below FLOOR the
# comparison is therefore absolute (error/FLOOR): it still rejects any difference above 1e-15.
FLOOR = 1e-6
GRAPHS = 1000
CHUNKS = 10
LAYERS_PER_ENGINE = 60
TENSOR_EVERY = 5  # every 5th expression graph also runs on the Tensor engine (0-d Tensors)
# per comparison: (error, where, whether the reference was above FLOOR, i.e. a truly relative error)
RESULTS: dict[str, list[tuple[float, str, bool]]] = {
    "graph_grad": [], "graph_hessian": [], "graph_grad_tensor": [], "graph_hessian_tensor": [],
    "layer_grad": [], "layer_hessian": [], "forward_over_reverse": [], "forward_over_reverse_tensor": [],
    "nested_jvp": [], "jacobian_natural": [],
}
NESTED_GRAPHS = 500  # forward over reverse, and forward over forward, each

UNARY = ["exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "sqrt", "abs", "softplus", "neg", "log1p", "expm1",
         "log2", "log10", "tan", "sinh", "cosh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh",
         "exp2", "square", "reciprocal"]
# the safe domain of the functions that have one (besides exp, log, sqrt, relu, abs, softplus, sigmoid below)
SAFE = {"log1p": lambda a: a > -0.8, "expm1": lambda a: abs(a) <= 5, "log2": lambda a: a > 0.1,
        "log10": lambda a: a > 0.1, "tan": lambda a: abs(a) < 1.2, "sinh": lambda a: abs(a) <= 5,
        "cosh": lambda a: abs(a) <= 5, "arcsin": lambda a: abs(a) < 0.9, "arccos": lambda a: abs(a) < 0.9,
        "arccosh": lambda a: a > 1.1, "arctanh": lambda a: abs(a) < 0.9, "exp2": lambda a: abs(a) <= 5,
        "reciprocal": lambda a: abs(a) > 0.3}
MATH = {"arcsin": math.asin, "arccos": math.acos, "arctan": math.atan, "arcsinh": math.asinh, "arccosh": math.acosh,
        "arctanh": math.atanh}
BINARY = ["add", "sub", "mul", "div", "pow_const", "pow"]
EXPONENTS = [2.0, 3.0, -1.0, 0.5, 1.5, -2.0]


class Instr(NamedTuple):
    op: str
    args: tuple[int, ...]  # indices of earlier nodes
    const: float = 0.0  # the exponent of pow_const

    def text(self) -> str:
        names = [f"n{i}" for i in self.args]
        return f"{self.op}({', '.join(names)}{f', {self.const:g}' if self.op == 'pow_const' else ''})"


class Program(NamedTuple):
    seed: int
    inputs: np.ndarray
    body: list[Instr]
    outputs: list[int]  # nodes summed into the result

    def text(self) -> str:
        n = len(self.inputs)
        lines = [f"seed {self.seed}: inputs n0..n{n - 1} = {self.inputs.tolist()}"]
        lines += [f"n{n + k} = {ins.text()}" for k, ins in enumerate(self.body)]
        lines.append("out = " + " + ".join(f"n{i}" for i in self.outputs))
        return "\n".join(lines)


# --- the generator, on plain floats ------------------------------------------------------------------
def _float_unary(op: str, a: float) -> float | None:
    """The value, or None where the op is outside the safe domain."""
    if op == "exp":
        return math.exp(a) if abs(a) <= 5 else None
    if op == "log":
        return math.log(a) if a > 0.1 else None
    if op == "sqrt":
        return math.sqrt(a) if a > 0.1 else None
    if op in ("relu", "abs"):
        return (max(a, 0.0) if op == "relu" else abs(a)) if abs(a) > 1e-3 else None
    if op == "softplus":
        return math.log1p(math.exp(a)) if abs(a) < 15 else None
    if op == "sigmoid":
        return 1 / (1 + math.exp(-a)) if abs(a) < 30 else None
    if op in SAFE and not SAFE[op](a):
        return None
    if op in ("tanh", "sin", "cos", "log1p", "expm1", "log2", "log10", "tan", "sinh", "cosh"):
        return getattr(math, op)(a)
    if op in MATH:
        return MATH[op](a)
    return {"neg": lambda t: -t, "exp2": lambda t: 2.0**t, "square": lambda t: t * t,
            "reciprocal": lambda t: 1.0 / t}[op](a)


def _float_binary(op: str, a: float, b: float, c: float) -> float | None:
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        return a / b if abs(b) > 0.2 else None
    if op == "pow_const":
        if (not c.is_integer() and a <= 0.1) or (c < 0 and abs(a) < 0.2):
            return None
        return a**c
    if op == "pow":  # graph exponent: the base must be positive
        return a**b if a > 0.1 and abs(b) <= 3 else None
    raise AssertionError(op)


def random_program(seed: int) -> Program:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 5))
    inputs = rng.uniform(-2.0, 2.0, size=n)
    values = list(inputs)
    body: list[Instr] = []
    used: set[int] = set()
    steps = int(rng.integers(3, 15))
    while len(body) < steps:
        op = str(rng.choice(UNARY + BINARY))
        # prefer recent nodes (depth) but allow any earlier one (reuse, fan-out)
        pick = lambda: int(len(values) - 1 - min(rng.geometric(0.35) - 1, len(values) - 1))
        if op in UNARY:
            args: tuple[int, ...] = (pick(),)
            value = _float_unary(op, values[args[0]])
            const = 0.0
        else:
            args = (pick(), pick())
            const = float(rng.choice(EXPONENTS))
            value = _float_binary(op, values[args[0]], values[args[1]], const)
            if op == "pow_const":
                args = args[:1]
        if value is None or not math.isfinite(value) or abs(value) > 1e4:
            continue
        body.append(Instr(op, args, const))
        values.append(value)
        used.update(args)
    outputs = [i for i in range(n, len(values)) if i not in used]
    return Program(seed, inputs, body, outputs)


# --- evaluating a program on either side -------------------------------------------------------------
def run_ours(program: Program, x: Any) -> Any:
    nodes = [x[i] for i in range(len(program.inputs))]
    for ins in program.body:
        a = nodes[ins.args[0]]
        if ins.op == "neg":
            nodes.append(-a)
        elif ins.op in UNARY:
            nodes.append(getattr(a, ins.op)())
        elif ins.op == "pow_const":
            nodes.append(a**ins.const)
        else:
            b = nodes[ins.args[1]]
            nodes.append({"add": a + b, "sub": a - b, "mul": a * b}.get(ins.op) if ins.op in ("add", "sub", "mul")
                         else (a / b if ins.op == "div" else a**b))
    out = nodes[program.outputs[0]]
    for i in program.outputs[1:]:
        out = out + nodes[i]
    return out


TORCH_UNARY = {
    "exp": torch.exp, "log": torch.log, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
    "sin": torch.sin, "cos": torch.cos, "sqrt": torch.sqrt, "abs": torch.abs,
    "softplus": torch.nn.functional.softplus, "neg": torch.neg, "log1p": torch.log1p, "expm1": torch.expm1,
    "log2": torch.log2, "log10": torch.log10, "tan": torch.tan, "sinh": torch.sinh, "cosh": torch.cosh,
    "arcsin": torch.asin, "arccos": torch.acos, "arctan": torch.atan, "arcsinh": torch.asinh, "arccosh": torch.acosh,
    "arctanh": torch.atanh, "exp2": torch.exp2, "square": torch.square, "reciprocal": torch.reciprocal,
}


def run_torch(program: Program, x: Any) -> Any:
    nodes = [x[i] for i in range(len(program.inputs))]
    for ins in program.body:
        a = nodes[ins.args[0]]
        if ins.op in TORCH_UNARY:
            nodes.append(TORCH_UNARY[ins.op](a))
        elif ins.op == "pow_const":
            nodes.append(a**ins.const)
        else:
            b = nodes[ins.args[1]]
            nodes.append({"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
                          "pow": torch.pow}[ins.op](a, b))
    out = nodes[program.outputs[0]]
    for i in program.outputs[1:]:
        out = out + nodes[i]
    return out


def record(kind: str, ours: Any, reference: Any, where: str) -> float:
    err = rel_error(ours, reference)
    above = bool(np.size(reference)) and float(np.max(np.abs(reference))) >= FLOOR
    RESULTS[kind].append((err, where, above))
    return err


def rel_error(ours: Any, reference: Any) -> float:
    """``‖ours − ref‖∞ / max(‖ref‖∞, FLOOR)``: relative, except for a reference that is rounding noise."""
    ours = np.asarray(ours, dtype=float)
    reference = np.asarray(reference, dtype=float)
    assert ours.shape == reference.shape, (ours.shape, reference.shape)
    if reference.size == 0:
        return 0.0
    scale = max(float(np.max(np.abs(reference))), FLOOR)
    return float(np.max(np.abs(ours - reference)) / scale)


def torch_grad_and_hessian(f: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(f(t), t)
    H = torch.autograd.functional.hessian(f, torch.tensor(x, dtype=torch.float64))
    return g.numpy(), H.numpy()


# --- the tests ---------------------------------------------------------------------------------------
def test_generator_is_seeded_and_covers_every_operation():
    assert random_program(3).text() == random_program(3).text()
    seen = {ins.op for s in range(200) for ins in random_program(s).body}
    assert seen == set(UNARY + BINARY)
    reuse = sum(any(len({*ins.args}) < len(ins.args) or ins.args[0] < len(p.inputs) + k - 1
                    for k, ins in enumerate(p.body)) for p in (random_program(s) for s in range(100)))
    assert reuse > 50  # most graphs reuse an earlier node somewhere: DAGs, not chains


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_random_expression_graphs_match_torch(chunk):
    per_chunk = GRAPHS // CHUNKS
    for seed in range(chunk * per_chunk, (chunk + 1) * per_chunk):
        program = random_program(seed)
        f_ours = lambda v, p=program: run_ours(p, v)
        g_ref, H_ref = torch_grad_and_hessian(lambda t, p=program: run_torch(p, t), program.inputs)
        engines = ["value", "tensor"] if seed % TENSOR_EVERY == 0 else ["value"]
        for engine in engines:
            g = grad(f_ours, engine=engine)(program.inputs)
            H = hessian(f_ours, engine=engine)(program.inputs)
            suffix = "" if engine == "value" else "_tensor"
            for kind, ours, ref in (("graph_grad", g, g_ref), ("graph_hessian", H, H_ref)):
                err = record(kind + suffix, ours, ref, program.text())
                assert err < TOLERANCE, (f"{kind} ({engine}): relative error {err:.3g}\n{program.text()}\n"
                                         f"ours {ours}\ntorch {ref}")


def directions(program: Program) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(50_000 + program.seed)
    return rng.normal(size=len(program.inputs)), rng.normal(size=len(program.inputs))


def torch_f(program: Program) -> Any:
    return lambda t: run_torch(program, t)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_forward_over_reverse_matches_torch(chunk):
    per_chunk = NESTED_GRAPHS // CHUNKS
    for seed in range(chunk * per_chunk, (chunk + 1) * per_chunk):
        program = random_program(seed)
        v, _ = directions(program)
        x = torch.tensor(program.inputs, dtype=torch.float64)
        _, hv_ref = torch.func.jvp(torch.func.grad(torch_f(program)), (x,), (torch.tensor(v),))
        engines = ["value", "tensor"] if seed % TENSOR_EVERY == 0 else ["value"]
        for engine in engines:
            f = lambda y, p=program: run_ours(p, y)
            _, hv = jvp(grad(f, engine=engine), program.inputs, v, engine=engine)
            kind = "forward_over_reverse" + ("" if engine == "value" else "_tensor")
            err = record(kind, hv, hv_ref.numpy(force=True), program.text())
            assert err < TOLERANCE, f"{kind}: relative error {err:.3g}\n{program.text()}\nours {hv}\ntorch {hv_ref}"


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_nested_forward_mode_matches_torch(chunk):
    per_chunk = NESTED_GRAPHS // CHUNKS
    for seed in range(chunk * per_chunk, (chunk + 1) * per_chunk):
        program = random_program(seed)
        u, v = directions(program)
        f = lambda y, p=program: run_ours(p, y)
        _, uhv = jvp(lambda y, f=f, u=u: jvp(f, y, u)[1], program.inputs, v)
        inner = lambda y, p=program, u=u: torch.func.jvp(torch_f(p), (y,), (torch.tensor(u),))[1]
        x = torch.tensor(program.inputs, dtype=torch.float64)
        _, ref = torch.func.jvp(inner, (x,), (torch.tensor(v),))
        err = record("nested_jvp", uhv, ref.numpy(force=True), program.text())
        assert err < TOLERANCE, f"nested jvp: relative error {err:.3g}\n{program.text()}\nours {uhv}\ntorch {ref}"


# --- random layers -----------------------------------------------------------------------------------
LOSSES = ["squares", "softmax_ce", "tanh"]


def layer_loss_value(W: Any, X: Any, b: Any, loss: str, Y: np.ndarray, labels: np.ndarray) -> Any:
    """(1/m) Σ_k L^(k)(z^(k)) for Z = W X + b, on object arrays of Values."""
    Z = W @ X + b[:, None]
    m = Z.shape[1]
    if loss == "squares":
        R = Z - Y
        return np.sum(R * R) / m
    if loss == "tanh":
        return np.sum(np.tanh(Z)) / m
    total = 0.0
    for k in range(m):
        total = total + np.sum(np.exp(Z[:, k])).log() - Z[labels[k], k]
    return total / m


def layer_loss_tensor(W: Any, X: Any, b: Any, loss: str, Y: np.ndarray, labels: np.ndarray) -> Any:
    Z = W @ X + b.reshape(-1, 1)
    m = Z.shape[1]
    if loss == "squares":
        R = Z - Y
        return (R * R).sum() / m
    if loss == "tanh":
        return Z.tanh().sum() / m
    lse = Z.exp().sum(axis=0).log()
    return (lse.sum() - Z[labels, np.arange(m)].sum()) / m


def layer_loss_torch(W: Any, X: Any, b: Any, loss: str, Y: np.ndarray, labels: np.ndarray) -> Any:
    Z = W @ X + b.reshape(-1, 1)
    m = Z.shape[1]
    if loss == "squares":
        R = Z - torch.tensor(Y, dtype=torch.float64)
        return (R * R).sum() / m
    if loss == "tanh":
        return torch.tanh(Z).sum() / m
    lse = torch.logsumexp(Z, dim=0)
    return (lse.sum() - Z[torch.tensor(labels), torch.arange(m)].sum()) / m


def random_layer(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(10_000 + seed)
    loss = LOSSES[seed % len(LOSSES)]
    p, n, m = (int(v) for v in rng.integers(1, 5, size=3))
    if loss == "softmax_ce":
        p = max(p, 2)  # one class: the loss is identically 0 and its derivatives pure rounding noise
    return {"W": rng.normal(size=(p, n)), "X": rng.normal(size=(n, m)), "b": rng.normal(size=p),
            "Y": rng.normal(size=(p, m)), "labels": rng.integers(0, p, size=m), "loss": loss}


@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_random_layers_match_torch(engine):
    ours_loss = layer_loss_value if engine == "value" else layer_loss_tensor
    for seed in range(LAYERS_PER_ENGINE):
        case = random_layer(seed)
        extra = (case["loss"], case["Y"], case["labels"])
        f = lambda W, X, b, e=extra: ours_loss(W, X, b, *e)
        gW, gX, gb = grad(f, argnums=(0, 1, 2), engine=engine)(case["W"], case["X"], case["b"])
        Hb = hessian(f, argnums=2, engine=engine)(case["W"], case["X"], case["b"])
        HW = hessian(f, argnums=0, engine=engine)(case["W"], case["X"], case["b"])

        tW, tX, tb = (torch.tensor(case[k], dtype=torch.float64, requires_grad=True) for k in ("W", "X", "b"))
        refs = torch.autograd.grad(layer_loss_torch(tW, tX, tb, *extra), (tW, tX, tb))
        W0, X0, b0 = (t.detach() for t in (tW, tX, tb))
        of_b = lambda b_, c=(W0, X0, extra): layer_loss_torch(c[0], c[1], b_, *c[2])
        of_W = lambda W_, c=(X0, b0, extra): layer_loss_torch(W_, c[0], c[1], *c[2])
        Hb_ref = torch.autograd.functional.hessian(of_b, b0)
        HW_ref = torch.autograd.functional.hessian(of_W, W0)
        where = f"{engine} layer seed {seed}: loss {case['loss']}, W {case['W'].shape}, X {case['X'].shape}"
        for ours, ref in zip((gW, gX, gb), refs, strict=True):
            err = record("layer_grad", ours, ref.numpy(), where)
            assert err < TOLERANCE, f"{where}: gradient relative error {err:.3g}"
        for ours, ref in ((Hb, Hb_ref), (HW, HW_ref)):
            err = record("layer_hessian", ours, ref.numpy(), where)
            assert err < TOLERANCE, f"{where}: Hessian relative error {err:.3g}"


@pytest.mark.parametrize("engine", ["value", "tensor"])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_natural_layout_is_what_torch_jacobian_returns(engine, mode):
    rng = np.random.default_rng(2024)
    A, v = rng.normal(size=(2, 3)), rng.normal(size=3)
    ours = jacobian(lambda M: M @ v, layout="natural", mode=mode, engine=engine)(A)
    ref = torch.autograd.functional.jacobian(lambda M: M @ torch.tensor(v), torch.tensor(A)).numpy()
    assert ours.shape == ref.shape == (2, 2, 3)
    np.testing.assert_array_equal(ours, ref)  # products of one entry each: exact
    for seed in range(10):
        rng = np.random.default_rng(seed)
        A, X = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
        if engine == "value":
            f = lambda M, A=A: np.tanh(A @ M) * M[0, 0]
        else:
            f = lambda M, A=A: (Tensor(A) @ M).tanh() * M[0, 0]
        ours = jacobian(f, layout="natural", mode=mode, engine=engine)(X)
        tA = torch.tensor(A)
        ref = torch.autograd.functional.jacobian(lambda M, tA=tA: torch.tanh(tA @ M) * M[0, 0], torch.tensor(X)).numpy()
        assert ours.shape == ref.shape == (2, 4, 3, 4)
        where = f"natural layout, {engine} engine, {mode} mode, seed {seed}"
        err = record("jacobian_natural", ours, ref, where)
        assert err < TOLERANCE, f"{where}: relative error {err:.3g}"


def test_summary_counts_and_worst_errors(capsys):
    if not RESULTS["graph_grad"]:
        pytest.skip("run with the cross-check tests above to get the summary")
    assert len(RESULTS["graph_grad"]) == GRAPHS and len(RESULTS["graph_hessian"]) == GRAPHS
    with capsys.disabled():
        print()
        for kind, results in RESULTS.items():
            worst, where, _ = max(results, key=lambda r: r[0]) if results else (math.nan, "", False)
            relative = [r for r in results if r[2]]
            worst_rel = max(r[0] for r in relative) if relative else math.nan
            print(f"torch cross-check {kind}: {len(results)} comparisons, worst error {worst:.3g} "
                  f"({where.splitlines()[0] if where else '-'}); worst where the reference is above "
                  f"{FLOOR:g} (purely relative): {worst_rel:.3g} over {len(relative)}")
    assert all(err < TOLERANCE for results in RESULTS.values() for err, _, _ in results)
