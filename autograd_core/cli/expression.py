"""Building a ``Value`` graph from a formula typed on the command line, safely.

``build("tanh(w*x + b)", {"x": 2, "w": -3, "b": 1})`` parses the text with :mod:`ast` and walks
the tree against a whitelist -- numbers, variable names, ``+ - * / **``, unary ``-`` and ``+``,
and calls of the functions in :data:`FUNCTIONS` with one argument. Nothing is ever passed to
``eval``; anything else (attributes, subscripts, lambdas, comprehensions, strings, keyword
arguments, unknown functions such as ``__import__``) is refused with a one-line
:class:`ExpressionError` naming what was refused and where.

The tree is evaluated with an explicit stack, so a deeply nested formula cannot overflow
Python's call stack, and the input length is capped so the parser itself stays bounded.

Formulas are ASCII: a control character (a NUL, an escape) or any other non-ASCII character is
refused by name and column (in characters) before Python parses the text -- in particular the
look-alikes that Python would silently normalise (NFKC): ``ｘ + x`` would otherwise be ``x + x``.
Messages quote at most :data:`~autograd_core.cli.messages.MAX_ECHO` characters of the input.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from ..engine import ops
from ..scalar.value import Value
from .messages import clip, quote, quote_all

#: Function names the formula may call; each is the ``Value`` method of the same name.
FUNCTIONS = tuple(sorted(name for name in ops.UNARY if name != "neg"))  # every unary entry of the table
MAX_LENGTH = 2000
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class ExpressionError(ValueError):
    """The formula or the variable values were refused; the message is one line naming the problem."""


def _column(text: str, byte_offset: int) -> int:
    """The 1-based column, in characters, of ``ast``'s ``col_offset`` (which counts UTF-8 bytes)."""
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "ignore")) + 1


def _where(node: ast.AST, text: str) -> str:
    segment = ast.get_source_segment(text, node) or type(node).__name__
    if len(segment) > 40:
        segment = segment[:37] + "..."
    return f"{segment!r} at column {_column(text, getattr(node, 'col_offset', 0))}"


_CONTROL_NAMES = {0: "NUL", 7: "BEL", 8: "BACKSPACE", 10: "LINE FEED (a newline)", 11: "LINE TABULATION",
                  12: "FORM FEED", 13: "CARRIAGE RETURN", 27: "ESCAPE", 127: "DELETE"}


def _check_characters(text: str) -> None:
    """Refuse control and non-ASCII characters by name and column, before Python's parser sees them.

    Python's own messages are wrong for these: a NUL is "at the end", and a look-alike such as the
    fullwidth ``ｘ`` is silently normalised (NFKC) to ``x``, merging two variables that look distinct.
    """
    for column, char in enumerate(text, start=1):
        if char == "\t":
            continue  # a tab is whitespace, like a space
        code = f"U+{ord(char):04X}"
        if unicodedata.category(char)[0] == "C":  # Cc control, Cf format (zero-width ...), Co, Cs, Cn
            name = _CONTROL_NAMES.get(ord(char)) or unicodedata.name(char, "control character")
            raise ExpressionError(f"refused control character {code} ({name}) at column {column}: a formula is "
                                  "one line of visible text")
        if not char.isascii():
            name = unicodedata.name(char, "unnamed character")
            normal = unicodedata.normalize("NFKC", char)
            if normal != char and normal.isascii():
                raise ExpressionError(f"refused {char!r} ({code} {name}) at column {column}: Python would silently "
                                      f"read it as {normal!r} (Unicode NFKC normalisation); type {normal!r} instead")
            raise ExpressionError(f"refused {char!r} ({code} {name}) at column {column}: formulas are ASCII "
                                  "(names use the letters a-z and A-Z, digits and _)")


_DESCRIPTIONS = {
    ast.Attribute: "attribute access", ast.Subscript: "subscript", ast.Lambda: "lambda",
    ast.Compare: "comparison", ast.BoolOp: "boolean operator", ast.IfExp: "conditional expression",
    ast.ListComp: "comprehension", ast.SetComp: "comprehension", ast.DictComp: "comprehension",
    ast.GeneratorExp: "generator expression", ast.List: "list", ast.Tuple: "tuple", ast.Dict: "dict",
    ast.Set: "set", ast.Starred: "starred expression", ast.NamedExpr: "assignment expression",
    ast.JoinedStr: "f-string", ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
    ast.Slice: "slice",
}


def _refuse(node: ast.AST, text: str, what: str | None = None) -> ExpressionError:
    kind = what or _DESCRIPTIONS.get(type(node), f"{type(node).__name__} syntax")
    return ExpressionError(f"refused {kind}: {_where(node, text)}")


def _check_name(node: ast.Name, text: str) -> None:
    if not _NAME.match(node.id):
        raise _refuse(node, text, f"name {node.id!r} (variable names start with a letter and use letters, "
                                  "digits and _)")
    if node.id in FUNCTIONS:
        raise _refuse(node, text, f"bare function name {node.id!r} (call it: {node.id}(...))")


def _check_call(node: ast.Call, text: str) -> None:
    if not isinstance(node.func, ast.Name):
        raise _refuse(node, text, "call of something that is not a plain function name")
    name = node.func.id
    if name not in FUNCTIONS:
        raise _refuse(node, text, f"call to {name!r} (allowed functions: {', '.join(FUNCTIONS)})")
    if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
        raise _refuse(node, text, f"call to {name}() with other than one positional argument")


def parse(text: str) -> ast.Expression:
    """Parse ``text`` and check every node against the whitelist; return the checked tree.

    Raises :class:`ExpressionError` (one line) for syntax errors, over-long input, and anything
    outside the whitelist.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"refused expression of {len(text)} characters (at most {MAX_LENGTH})")
    if not text.strip():
        raise ExpressionError("the expression is empty")
    _check_characters(text.strip())
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        stripped = text.strip()
        where = (f"at column {exc.offset}" if exc.offset and exc.offset <= len(stripped)
                 else "at the end (is something missing?)")
        raise ExpressionError(f"cannot parse the expression {quote(stripped)}: {exc.msg} {where}") from None
    except (RecursionError, MemoryError, ValueError) as exc:  # nesting too deep, NUL bytes
        raise ExpressionError(f"cannot parse the expression: {type(exc).__name__}") from None
    text = text.strip()
    callee = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if id(node) in callee and isinstance(node, ast.Name):
            continue  # a function name, checked with its call
        if isinstance(node, (ast.Expression, ast.Load)) or type(node) in _BINARY or type(node) in _UNARY:
            continue
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise _refuse(node, text, f"operator {type(node.op).__name__}")
        elif isinstance(node, ast.UnaryOp):
            if type(node.op) not in _UNARY:
                raise _refuse(node, text, f"operator {type(node.op).__name__}")
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise _refuse(node, text, f"constant of type {type(node.value).__name__}")
        elif isinstance(node, ast.Name):
            _check_name(node, text)
        elif isinstance(node, ast.Call):
            _check_call(node, text)
        else:
            raise _refuse(node, text)
    return tree


def variables(tree: ast.Expression) -> list[str]:
    """The variable names used in a checked tree, sorted (function names excluded)."""
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in calls})


def parse_assignments(items: list[str] | tuple[str, ...]) -> dict[str, float]:
    """``["x=2", "w=-3"]`` or ``["x=2,w=-3"]`` -> ``{"x": 2.0, "w": -3.0}``; malformed items are named in the error."""
    values: dict[str, float] = {}
    for item in _items(items):
        name, sep, number = item.partition("=")
        name, number = name.strip(), number.strip()
        if not sep or not name:
            raise ExpressionError(f"cannot read {quote(item)}: write NAME=NUMBER, e.g. x=2 (several: x=2 y=3 "
                                  "or x=2,y=3)")
        if not _NAME.match(name) or name in FUNCTIONS:
            raise ExpressionError(f"cannot read {quote(item)}: {quote(name, 40)} is not a usable variable name")
        try:
            value = float(number)
        except ValueError:
            raise ExpressionError(f"cannot read {quote(item)}: {quote(number, 40)} is not a number") from None
        if not math.isfinite(value):
            raise ExpressionError(f"cannot read {quote(item)}: give a finite number")
        if name in values:
            raise ExpressionError(f"{quote(name)} is given twice")
        values[name] = value
    return values


def _items(words: list[str] | tuple[str, ...]) -> list[str]:
    """The ``NAME=NUMBER`` items of ``--set``: words, each split at commas (``x=1, y=2`` has an empty piece)."""
    items = []
    for word in words:
        pieces = [piece for piece in word.split(",") if piece.strip()]
        items += pieces or [word]  # a word of commas alone stays, to be refused by name
    return items


def _apply(op: type, a: Any, b: Any) -> Any:
    if op is ast.Add:
        return a + b
    if op is ast.Sub:
        return a - b
    if op is ast.Mult:
        return a * b
    if op is ast.Div:
        return a / b
    return a**b  # ast.Pow: a number exponent stays a number, so x ** 2 uses the power rule


def _constant(value: int | float, node: ast.AST, text: str) -> float:
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):  # 1e999 is read as inf: refused, like --set x=inf
        raise _refuse(node, text, "number too large for a float (it would be inf)")
    return number


def _evaluate(tree: ast.Expression, text: str, leaves: Mapping[str, Value]) -> Any:
    """Post-order evaluation with an explicit stack (no recursion)."""
    results: dict[int, Any] = {}
    stack: list[tuple[ast.AST, bool]] = [(tree.body, False)]
    while stack:
        node, ready = stack.pop()
        if not ready:
            stack.append((node, True))
            for child in _operands(node):
                stack.append((child, False))
            continue
        results[id(node)] = _value_of(node, results, text, leaves)
    result = results[id(tree.body)]
    return result if isinstance(result, Value) else Value(result)


def _operands(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp):
        return [node.right, node.left]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return [node.args[0]]
    return []


def _value_of(node: ast.AST, results: dict[int, Any], text: str, leaves: Mapping[str, Value]) -> Any:
    try:
        if isinstance(node, ast.Constant):
            return _constant(node.value, node, text)
        if isinstance(node, ast.Name):
            return leaves[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = results[id(node.operand)]
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            result = _apply(type(node.op), results[id(node.left)], results[id(node.right)])
            if isinstance(result, complex):  # number ** fraction with a negative base
                raise ExpressionError(f"cannot evaluate {_where(node, text)}: the result is not a real number")
            return result
        if isinstance(node, ast.Call):
            argument = results[id(node.args[0])]
            argument = argument if isinstance(argument, Value) else Value(argument)
            return getattr(argument, node.func.id)()
    except ExpressionError:
        raise
    except ZeroDivisionError:
        raise ExpressionError(f"division by zero in {_where(node, text)}") from None
    except OverflowError:
        raise ExpressionError(f"cannot evaluate {_where(node, text)}: the result overflows a float") from None
    except (ValueError, TypeError) as exc:
        raise ExpressionError(f"cannot evaluate {_where(node, text)}: {exc}") from None
    raise _refuse(node, text)  # unreachable after parse(); kept as a guard


def build(text: str, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """Build the graph of ``text`` with the given variable values; return ``(root, {name: leaf Value})``.

    Every variable must have a value and every value must belong to a variable of the formula;
    both mistakes are named in the :class:`ExpressionError`. The leaves are labelled with their
    names; the root is labelled ``"out"`` unless a variable has that name.
    """
    tree = parse(text)
    names = variables(tree)
    missing = [n for n in names if n not in values]
    unknown = sorted(n for n in values if n not in names)
    if missing:
        hint = clip(" ".join(f"{n}=..." for n in missing))
        raise ExpressionError(f"missing value for {quote_all(missing)}: add --set {hint}")
    if unknown:
        raise ExpressionError(f"unknown variable {quote_all(unknown)}: the expression uses "
                              f"{clip(', '.join(names)) or 'no variables'}")
    leaves = {name: Value(values[name], label=name) for name in names}
    root = _evaluate(tree, text.strip(), leaves)
    if not root.label and "out" not in leaves:
        root.label = "out"
    return root, leaves


# --- matrix formulas: the parser of ``autograd-core derive`` ------------------------------------------
#: Functions of whole arrays a matrix formula may call, besides the table's elementwise ones (FUNCTIONS):
#: ``sum``/``mean`` of every entry, ``det``, ``inv``, ``trace``, ``logdet`` (ln|det|), and ``softmax``/
#: ``logsumexp`` of each column (the seed's samples are columns).
MATRIX_FUNCTIONS = ("det", "inv", "logdet", "logsumexp", "mean", "softmax", "sum", "trace")
_MATRIX_BINARY = {**_BINARY, ast.MatMult: "@"}


def parse_matrix(text: str) -> ast.Expression:
    """:func:`parse` for matrix formulas: the same whitelist, plus ``@``, ``.T`` and :data:`MATRIX_FUNCTIONS`.

    ``"mean(tanh(W@X + b))"``, ``"trace(X.T @ A @ X)"``, ``"det(X)"``. Never ``eval``: anything else is an
    :class:`ExpressionError` naming what was refused and where.
    """
    if not isinstance(text, str) or len(text) > MAX_LENGTH or not text.strip():
        return parse(text)  # the same one-line refusals
    stripped = text.strip()
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError:
        return parse(text)  # raises, naming the column
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ExpressionError(f"cannot parse the expression: {type(exc).__name__}") from None
    allowed = set(FUNCTIONS) | set(MATRIX_FUNCTIONS)
    callee = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if id(node) in callee and isinstance(node, ast.Name):
            continue
        if isinstance(node, (ast.Expression, ast.Load)) or type(node) in _MATRIX_BINARY or type(node) in _UNARY:
            continue
        if isinstance(node, ast.BinOp) and type(node.op) not in _MATRIX_BINARY:
            raise _refuse(node, stripped, f"operator {type(node.op).__name__}")
        if isinstance(node, ast.UnaryOp) and type(node.op) not in _UNARY:
            raise _refuse(node, stripped, f"operator {type(node.op).__name__}")
        if isinstance(node, ast.BinOp | ast.UnaryOp):
            continue
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise _refuse(node, stripped, f"constant of type {type(node.value).__name__}")
        elif isinstance(node, ast.Attribute):
            if node.attr != "T":
                raise _refuse(node, stripped, f"attribute .{node.attr} (only .T, the transpose)")
        elif isinstance(node, ast.Name):
            if not _NAME.match(node.id) or node.id in allowed:
                raise _refuse(node, stripped, f"name {node.id!r} (a variable name that is not a function's)")
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in allowed:
                name = getattr(node.func, "id", "something that is not a plain function name")
                raise _refuse(node, stripped, f"call to {name!r} (allowed functions: {', '.join(sorted(allowed))})")
            if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
                raise _refuse(node, stripped, f"call to {node.func.id}() with other than one positional argument")
        else:
            raise _refuse(node, stripped)
    return tree


def _matrix_call(name: str, x: Any) -> Any:
    from ..tensor import Tensor
    from ..tensor import functions as F

    x = x if isinstance(x, Tensor) else Tensor(x)
    calls = {
        "sum": lambda: x.sum(), "mean": lambda: x.mean(), "det": lambda: F.det(x), "inv": lambda: F.inv(x),
        "trace": lambda: Tensor.einsum("ii->", x), "logdet": lambda: F.slogdet(x).logabsdet,
        "softmax": lambda: F.softmax(x, axis=0), "logsumexp": lambda: F.logsumexp(x, axis=0),
    }
    return calls[name]() if name in calls else getattr(x, name)()


def matrix_function(text: str, names: list[str]) -> Any:
    """The formula as a function of Tensors with parameters ``names`` (in that order), for ``derive``.

    Every variable of the formula must be among ``names`` and every name must be used; both mistakes are named.
    """
    import inspect

    tree = parse_matrix(text)
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    used = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in calls})
    missing, unknown = [v for v in used if v not in names], [v for v in names if v not in used]
    if missing:
        raise ExpressionError(f"missing shape for {', '.join(map(repr, missing))}: add --shape "
                              + " ".join(f"{v}=..." for v in missing))
    if unknown:
        raise ExpressionError(f"unknown variable {', '.join(map(repr, unknown))}: the formula uses {', '.join(used)}")
    body = tree.body

    def f(*arrays: Any) -> Any:
        env = dict(zip(names, arrays, strict=True))
        results: dict[int, Any] = {}
        stack: list[tuple[ast.AST, bool]] = [(body, False)]
        while stack:  # post-order with an explicit stack, as _evaluate
            node, ready = stack.pop()
            if not ready:
                stack.append((node, True))
                kids = [node.value] if isinstance(node, ast.Attribute) else _operands(node)
                stack.extend((k, False) for k in kids)
                continue
            if isinstance(node, ast.Constant):
                results[id(node)] = float(node.value)
            elif isinstance(node, ast.Name):
                results[id(node)] = env[node.id]
            elif isinstance(node, ast.Attribute):
                results[id(node)] = results[id(node.value)].T
            elif isinstance(node, ast.UnaryOp):
                operand = results[id(node.operand)]
                results[id(node)] = -operand if isinstance(node.op, ast.USub) else operand
            elif isinstance(node, ast.BinOp):
                a, b = results[id(node.left)], results[id(node.right)]
                results[id(node)] = a @ b if isinstance(node.op, ast.MatMult) else _apply(type(node.op), a, b)
            elif isinstance(node, ast.Call):
                results[id(node)] = _matrix_call(node.func.id, results[id(node.args[0])])
        return results[id(body)]

    f.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(v, inspect.Parameter.POSITIONAL_OR_KEYWORD) for v in names])
    f.__name__ = "f"
    return f
