"""Shared by every test, the notebooks included: they run against this checkout's package.

nbmake executes each notebook in a fresh Jupyter kernel, a separate process that imports whichever
``autograd_core`` is installed; with the checkout first on ``PYTHONPATH`` (which the kernel inherits)
a notebook tests the code beside it, as the tests under ``tests/`` do.
"""

import os
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent)
os.environ["PYTHONPATH"] = os.pathsep.join([_ROOT, *filter(None, [os.environ.get("PYTHONPATH")])])
