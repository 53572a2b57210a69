"""The seed's results, and a few classic identities, as plain numpy functions: the *oracles*.

Everything the engines compute by the chain rule is checked against these formulas. They are
written independently of the derivative table in :mod:`autograd_core.engine.ops` on purpose: an
oracle that reused the table could not notice a mistake in it.

Conventions (the seed's, Section 3):

* ``W`` is ``p×n``, ``b`` has ``p`` entries, one datum ``x^(k)`` has ``n`` entries, and a batch
  ``X = [x^(1), …, x^(m)]`` is ``n×m`` -- **samples are columns**; ``Z = W X + B`` is ``p×m``.
* ``grad_z`` is the vector ``∇_{z^(k)} L^(k)`` (entries ``∂L^(k)/∂z_i^(k)``, shape ``(p,)``).
* ``grad_Z`` is the ``p×m`` matrix whose column ``k`` is ``∇_{z^(k)} L^(k)``. **This is what the
  seed writes "∇_Z L" in Eq. 28–30: the per-sample gradients as columns, *without* the 1/m.**
  (The gradient of the batch loss of Eq. 26 w.r.t. ``Z`` is ``grad_Z / m``.)
* *Derivative* (numerator layout, Eq. 1a, 3): ``∂L/∂x`` is a ``1×n`` row, ``∂L/∂W`` is ``n×p``
  (the transposed shape). Returned here as 2-D arrays so the row is visible.
* *Gradient* ∇ (Eq. 16, 19, 24, 29, 30): the same shape as the variable.

Identities not in the seed cite their source next to the function.

**Independent on purpose.** Nothing here shares code with the engines -- not the derivative table,
not the losses of :mod:`autograd_core.layer.losses`, not the label checks: an oracle that reused
them could not notice a mistake in them. The functions live in :mod:`.seed` (Eq. 10–30, per-sample
losses, identities) and :mod:`.networks` (network losses, activations, MLP backprop); all are
importable from here. :mod:`.cookbook` holds the Matrix Cookbook's derivatives (2012 equation numbers),
each with the scalar function it differentiates and a sampler of valid arguments; its registries
``IDENTITIES`` and ``VEC_IDENTITIES`` are importable from here, its functions from the submodule.
"""

from . import cookbook
from .checks import LossGrad
from .cookbook import IDENTITIES, VEC_IDENTITIES, Identity, VecIdentity
from .networks import *  # noqa: F403
from .networks import __all__ as _networks
from .seed import *  # noqa: F403
from .seed import __all__ as _seed

__all__ = ["IDENTITIES", "VEC_IDENTITIES", "Identity", "LossGrad", "VecIdentity", "cookbook", *_seed, *_networks]
