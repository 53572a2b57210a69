"""Symbolic reverse mode: the matrix formula of a gradient, derived from the recorded graph.

* :mod:`.expr` -- the expression tree (leaves, products, transposes, Hadamard products, elementwise
  maps, ones vectors, traces, inverses, determinants), each node printing itself in Unicode and LaTeX
  and evaluating itself with numpy;
* :mod:`.simplify` -- the smart constructors that keep every expression in a simplified form
  (scalars collected, transposes pushed to the leaves, identity and all-ones factors removed) and
  the naming of repeated subexpressions;
* :mod:`.rules` -- for each entry of the derivative table, its forward value and its reverse rule as
  expressions (a dict keyed by entry, like the table itself);
* :mod:`.derive` -- :func:`derive`: trace, sweep backward symbolically, simplify, check.
"""
