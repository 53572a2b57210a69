"""The floor of a Python scalar autodiff engine: one slotted object per node, nothing else.

A contender in ``run.py``'s scalar rows, so that "how close to the floor" is measured, not assumed. It
has what the benchmark programs use (``+``, ``*``, ``relu``, ``tanh``, numbers on either side) and no more:
no derivative table, no domain checks, no labels, no grad mode, no error messages. Its backward is the
same iterative topological sort as the library's (a shared marker object instead of a tuple per node),
then one branch per kind of node. It is what a node costs when it costs nothing but its object.
"""

from __future__ import annotations

import math
from typing import Any

_ADD, _MUL, _RELU, _TANH = 1, 2, 3, 4
_FINISH = object()


class Value:
    __slots__ = ("data", "grad", "_a", "_b", "_kind")

    def __init__(self, data: float, a: Value | None = None, b: Value | None = None, kind: int = 0) -> None:
        self.data = data
        self.grad = 0.0
        self._a = a
        self._b = b
        self._kind = kind

    def __add__(self, other: Any) -> Value:
        other = other if type(other) is Value else Value(float(other))
        return Value(self.data + other.data, self, other, _ADD)

    __radd__ = __add__

    def __mul__(self, other: Any) -> Value:
        other = other if type(other) is Value else Value(float(other))
        return Value(self.data * other.data, self, other, _MUL)

    __rmul__ = __mul__

    def __neg__(self) -> Value:
        return self * -1.0

    def relu(self) -> Value:
        return Value(self.data if self.data > 0 else 0.0, self, None, _RELU)

    def tanh(self) -> Value:
        return Value(math.tanh(self.data), self, None, _TANH)

    @property
    def parents(self) -> tuple[Value, ...]:
        return tuple(p for p in (self._a, self._b) if p is not None)

    def backward(self) -> None:
        order: list[Value] = []
        visited: set[Value] = set()
        stack: list[Any] = [self]
        while stack:
            node = stack.pop()
            if node is _FINISH:
                order.append(stack.pop())
                continue
            if node in visited:
                continue
            visited.add(node)
            stack.append(node)
            stack.append(_FINISH)
            if node._b is not None and node._b not in visited:
                stack.append(node._b)
            if node._a is not None and node._a not in visited:
                stack.append(node._a)
        for node in order:
            if node._kind:
                node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            kind, g, a = node._kind, node.grad, node._a
            if kind == _ADD:
                a.grad += g
                node._b.grad += g
            elif kind == _MUL:
                a.grad += g * node._b.data
                node._b.grad += g * a.data
            elif kind == _RELU:
                if a.data > 0:
                    a.grad += g
            elif kind == _TANH:
                a.grad += g * (1.0 - node.data * node.data)
