"""The scalar graph (the seed's Eq. 1-9): ``Value`` nodes, object arrays of them, and the two layouts.

``W @ x + b`` on numpy object arrays of :class:`~autograd_core.scalar.value.Value` *is* the graph
of Eq. 9, one node per multiplication and addition, so every entry of the seed's Jacobians can
be traced to the paths that produce it.
"""
