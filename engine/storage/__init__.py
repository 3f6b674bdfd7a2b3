"""Stores of the worker's state: the standalone offsets file, and the distributed mode's config,
offsets and status topics."""
