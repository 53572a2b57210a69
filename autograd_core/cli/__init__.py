"""The ``autograd-core`` command line: one module per command; the only place argparse lives."""

from .app import main

__all__ = ["main"]
