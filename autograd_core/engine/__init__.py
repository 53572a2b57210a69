"""The engine: the derivative table and the one backward sweep.

Read :mod:`~autograd_core.engine.ops` (every primitive's forward value and derivative) and then
:mod:`~autograd_core.engine.graph` (the chain rule of Eq. 4, applied once for every engine).
Nothing here knows about the layers above: no drawing, no command line, no notebooks.
"""
