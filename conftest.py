"""The notebooks' kernels import the package of the tree under test.

nbmake runs each notebook in a fresh kernel started in ``notebooks/``; without this, the kernel imports whichever
``autograd_core`` the environment has installed, which need not be this tree (another checkout's editable install).
"""

import os
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent)
os.environ["PYTHONPATH"] = os.pathsep.join([_ROOT, *filter(None, [os.environ.get("PYTHONPATH")])])
