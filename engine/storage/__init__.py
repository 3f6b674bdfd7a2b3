"""Stores of the worker's state: the standalone offsets file (distributed topic stores: issue 5)."""
