"""Seeing the gradient: drawings of the graph, the chain-rule ledger (``explain``), backward frames."""
