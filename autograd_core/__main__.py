"""``python -m autograd_core``: same as the ``autograd-core`` command."""

import sys

from .cli import main

sys.exit(main())
