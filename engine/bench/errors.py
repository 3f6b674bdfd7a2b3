"""The one exception type of `engine.bench`."""

from __future__ import annotations

__all__ = ["BenchError"]


class BenchError(Exception):
    """A benchmark cannot run or finish; the message is one sentence for the user."""
