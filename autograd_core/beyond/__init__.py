"""Beyond the seed: functional transforms (``grad``, ``jacobian``, ``hessian``, ``vjp``, ``jvp``),
forward mode with dual numbers, and ``gradcheck``."""
