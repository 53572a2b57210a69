"""The CLI's formula parser: builds correct graphs from a whitelist, refuses everything else in one line."""

from __future__ import annotations

import math

import pytest

from autograd_core import Value
from autograd_core.cli.expression import FUNCTIONS, ExpressionError, build, parse, parse_assignments, variables


def test_neuron_gradients():
    root, leaves = build("tanh(w*x + b)", {"x": 2, "w": -3, "b": 1})
    root.backward()
    t = math.tanh(-5.0)
    assert root.data == pytest.approx(t)
    assert leaves["w"].grad == pytest.approx((1 - t * t) * 2)
    assert leaves["x"].grad == pytest.approx((1 - t * t) * -3)
    assert leaves["b"].grad == pytest.approx(1 - t * t)
    assert root.label == "out" and leaves["w"].label == "w"


@pytest.mark.parametrize(
    ("text", "values", "expected", "grad_x"),
    [
        ("x ** 2", {"x": -2.0}, 4.0, -4.0),  # a number exponent: the power rule works for negative x
        ("-x + +x * 3", {"x": 1.5}, 3.0, 2.0),
        ("x / 4 - 1", {"x": 2.0}, -0.5, 0.25),
        ("exp(log(x))", {"x": 3.0}, 3.0, 1.0),
        ("sigmoid(0) * x", {"x": 2.0}, 1.0, 0.5),  # a function of a constant
        ("sqrt(abs(x)) + relu(x) + softplus(0*x) + sin(x) + cos(x)", {"x": 0.5},
         math.sqrt(0.5) + 0.5 + math.log(2) + math.sin(0.5) + math.cos(0.5),
         0.5 / math.sqrt(0.5) + 1 + 0.0 + math.cos(0.5) - math.sin(0.5)),
        ("2 ** 3 * x", {"x": 1.0}, 8.0, 8.0),
        ("x", {"x": 7.0}, 7.0, 1.0),
    ],
)
def test_values_and_gradients(text, values, expected, grad_x):
    root, leaves = build(text, values)
    root.backward()
    assert root.data == pytest.approx(expected)
    assert leaves["x"].grad == pytest.approx(grad_x)


def test_a_formula_without_variables_is_a_value():
    root, leaves = build("1 + 2 * 3", {})
    assert isinstance(root, Value) and root.data == 7.0 and leaves == {}


def test_every_whitelisted_function_is_a_value_method():
    assert all(callable(getattr(Value(1.0), name)) for name in FUNCTIONS)


HOSTILE = [
    ("__import__('os')", "refused call to '__import__'"),
    ("__import__('os').system('ls')", "refused call of something that is not a plain function name"),
    ("os.system('ls')", "refused call of something that is not a plain function name"),
    ("x.__class__", "refused attribute access: 'x.__class__'"),
    ("().__class__.__bases__[0]", "refused"),
    ("(lambda: 1)()", "refused call of something that is not a plain function name"),
    ("lambda: 1", "refused lambda"),
    ("eval('1')", "refused call to 'eval'"),
    ("exec('x=1')", "refused call to 'exec'"),
    ("open('/etc/passwd')", "refused call to 'open'"),
    ("getattr(x, 'data')", "refused call to 'getattr'"),
    ("x[0]", "refused subscript"),
    ("[c for c in ()]", "refused comprehension"),
    ("(c for c in ())", "refused generator expression"),
    ("'text'", "refused constant of type str"),
    ("b'bytes'", "refused constant of type bytes"),
    ("f'{x}'", "refused f-string"),
    ("True", "refused constant of type bool"),
    ("1j", "refused constant of type complex"),
    ("...", "refused constant of type ellipsis"),
    ("x if x else x", "refused conditional expression"),
    ("x < 1", "refused comparison"),
    ("x and x", "refused boolean operator"),
    ("not x", "refused operator Not"),
    ("~x", "refused operator Invert"),
    ("x @ x", "refused operator MatMult"),
    ("x // 2", "refused operator FloorDiv"),
    ("x % 2", "refused operator Mod"),
    ("x << 1", "refused operator LShift"),
    ("(x := 2)", "refused assignment expression"),
    ("[x]", "refused list"),
    ("(x, x)", "refused tuple"),
    ("{x: 1}", "refused dict"),
    ("exp", "refused bare function name 'exp'"),
    ("exp(x, x)", "other than one positional argument"),
    ("exp(x=1)", "other than one positional argument"),
    ("exp(*x)", "other than one positional argument"),
    ("foo(x)", "refused call to 'foo'"),
    ("__builtins__", "refused name '__builtins__'"),
    ("_x", "refused name '_x'"),
    ("x; x", "cannot parse the expression"),
    ("import os", "cannot parse the expression"),
    ("x = 1", "cannot parse the expression"),
    ("", "the expression is empty"),
    ("(" * 300 + "x" + ")" * 300, "cannot parse the expression"),
    ("x" + " + x" * 1000, "refused expression of 4001 characters"),
]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x*", "cannot parse the expression 'x*': invalid syntax at the end (is something missing?)"),
        ("tanh(x", "cannot parse the expression 'tanh(x': '(' was never closed at column 5"),
        ("x +* x", "invalid syntax at column 4"),
    ],
)
def test_syntax_errors_name_the_expression_and_a_real_column(text, message):
    with pytest.raises(ExpressionError) as info:
        build(text, {"x": 1.0})
    assert message in str(info.value)
    assert "column 0" not in str(info.value)


@pytest.mark.parametrize(("text", "message"), HOSTILE)
def test_hostile_input_is_refused_in_one_line(text, message):
    with pytest.raises(ExpressionError) as info:
        build(text, {"x": 1.0})
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_refusal_says_where():
    with pytest.raises(ExpressionError, match=r"refused attribute access: 'x\.real' at column 5"):
        parse("1 + x.real")


def test_deeply_nested_but_allowed_formula_is_evaluated_without_recursion():
    text = "-" * 1500 + "x"  # 1500 nested unary minus: deeper than Python's recursion limit
    root, leaves = build(text, {"x": 2.0})
    root.backward()
    assert root.data == 2.0 and leaves["x"].grad == 1.0


def test_missing_and_unknown_variables_are_named():
    with pytest.raises(ExpressionError, match=r"missing value for 'b': add --set b=\.\.\."):
        build("w*x + b", {"w": 1.0, "x": 2.0})
    with pytest.raises(ExpressionError, match=r"unknown variable 'q': the expression uses b, w, x"):
        build("w*x + b", {"w": 1.0, "x": 2.0, "b": 0.0, "q": 5.0})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("log(x)", "cannot evaluate 'log(x)' at column 1: log: needs x > 0, got x = -1.0"),
        ("1 / (x + 1)", "division by zero"),
        ("1 / 0 + x", "division by zero in '1 / 0'"),
        ("(-1) ** 0.5 + x", "the result is not a real number"),
        ("10.0 ** 400 + x", "overflows a float"),
        ("1" * 400 + " * x", "number too large for a float"),
    ],
)
def test_evaluation_errors_are_one_line(text, message):
    with pytest.raises(ExpressionError) as info:
        build(text, {"x": -1.0})
    assert message in str(info.value) and "\n" not in str(info.value)


def test_assignments():
    assert parse_assignments(["x=2", "w=-3", " b = 1e-3 "]) == {"x": 2.0, "w": -3.0, "b": 0.001}
    for bad, message in [("x", "write NAME=NUMBER"), ("=2", "write NAME=NUMBER"), ("x=two", "'two' is not a number"),
                         ("exp=1", "'exp' is not a usable variable name"), ("__x=1", "is not a usable")]:
        with pytest.raises(ExpressionError, match=message):
            parse_assignments([bad])
    with pytest.raises(ExpressionError, match="'x' is given twice"):
        parse_assignments(["x=1", "x=2"])


def test_variables_exclude_function_names():
    assert variables(parse("tanh(w*x) + exp(b)")) == ["b", "w", "x"]
