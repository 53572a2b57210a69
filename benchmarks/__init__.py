"""autograd-core benchmarks: `python benchmarks/run.py` prints the table (see docs/benchmarks.md)."""
