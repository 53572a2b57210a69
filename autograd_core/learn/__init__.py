"""Learning something real: modules (``nn``), optimizers (``optim``), datasets (``data``) and the fit loop."""
