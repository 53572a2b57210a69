"""Linear algebra on the graph, where PyTorch users look for it (``torch.linalg.det`` ...).

The same functions as :mod:`autograd_core.tensor.functions` (and as ``np.linalg.*`` on a Tensor):
``autograd_core.linalg.det(X)`` is ``np.linalg.det(X)``.
"""

from .functions import cholesky, det, eigh, eigvalsh, inv, norm, slogdet, solve

__all__ = ["cholesky", "det", "eigh", "eigvalsh", "inv", "norm", "slogdet", "solve"]
