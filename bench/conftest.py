"""Benchmark settings: make `bench/` importable as modules and keep timings steady."""

import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _no_gc_during_benchmarks() -> Iterator[None]:
    # Collections triggered by earlier allocations would land in random rounds and blur the figures.
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
