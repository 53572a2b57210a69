"""Inside a derivative transform a traced node cannot silently become a plain number.

``grad(lambda x: math.sin(x) + x)(3.0)`` returned 1.0 (true: cos 3 + 1 ≈ 0.010): ``math.sin`` turned the
node into a float, and the engine saw only ``+ x``. Now every conversion of a traced node raises
``ConversionError`` naming the conversion and the fix, as JAX does with tracers; outside transforms
``float(node)`` keeps working.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_core import Tensor, Value, grad, hessian, jacobian, jvp
from autograd_core.engine.graph import ConversionError


def set_first(x):
    a = np.zeros(2)
    a[0] = x[0]  # numpy calls float() on the Value
    return (a * x).sum()


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("math.sin", lambda: grad(lambda x: math.sin(x) + x)(3.0)),
        ("math.exp in a jacobian", lambda: jacobian(lambda x: x * math.exp(x))(0.5)),
        ("float()", lambda: grad(lambda x: float(x) * x)(3.0)),
        ("np.float64()", lambda: grad(lambda x: np.float64(x) * x)(3.0)),
        ("astype(float)", lambda: grad(lambda x: (x.astype(float) * x).sum())(np.array([1.0, 2.0]))),
        ("item assignment into a float array", lambda: grad(set_first)(np.array([1.0, 2.0]))),
        ("float() of an intermediate node", lambda: grad(lambda x: x * float(x * x))(2.0)),
        ("hessian", lambda: hessian(lambda x: math.cos(x) * x)(1.0)),
        ("jvp", lambda: jvp(lambda x: math.sin(x), 1.0, 1.0)),
        ("Tensor item()", lambda: grad(lambda x: (x * x).sum().item() * x.sum(), engine="tensor")(np.ones(2))),
        ("Tensor float()", lambda: grad(lambda x: float((x * x).sum()) * x.sum(), engine="tensor")(np.ones(2))),
        ("np.asarray(Tensor)", lambda: grad(lambda x: (np.asarray(x) * x).sum(), engine="tensor")(np.ones(2))),
        ("Tensor numpy()", lambda: grad(lambda x: (x.numpy() * x).sum(), engine="tensor")(np.ones(2))),
    ],
)
def test_converting_a_traced_node_raises_and_names_the_conversion(name, call):
    with pytest.raises(ConversionError, match=r"inside a derivative transform.*would silently miss this path"):
        call()


def test_conversion_error_is_a_type_error_and_says_what_to_do():
    with pytest.raises(TypeError, match=r"x\.sin\(\).*instead of math\.sin\(x\)"):
        grad(lambda x: math.sin(x))(1.0)


def test_constants_and_results_still_convert():
    assert grad(lambda x: float(Value(2.0)) * x)(3.0) == 2.0  # a constant made inside f is just a number
    assert float(Value(2.0) * Value(3.0)) == 6.0  # outside a transform
    t = Tensor([1.0, 2.0], requires_grad=True)
    assert float((t * t).sum()) == 5.0 and np.asarray(t).tolist() == [1.0, 2.0]
    assert grad(lambda x: math.sin(x.data) * 0.0 + x.sin())(1.0) == pytest.approx(math.cos(1.0))  # .data is explicit
