"""The figures of one benchmark run: per-system results, percentiles and ratios."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["SystemResult", "percentile", "ratios", "throughput"]

_MB = 1_000_000


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile of ``values`` (``fraction`` in (0, 1]), or ``None`` when empty.

    Nearest rank, not interpolation, so p99 of 100 latencies is the 99th
    smallest: an observed value, never a blend of two.
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"percentile fraction must be in (0, 1], not {fraction}")
    if not values:
        return None
    ordered = sorted(values)
    rank = math.ceil(fraction * len(ordered))
    return ordered[max(rank, 1) - 1]


def throughput(records: int, payload_bytes: int, seconds: float) -> tuple[float, float]:
    """``(records/s, MB/s)`` for ``records`` of ``payload_bytes`` in total over ``seconds``."""
    if seconds <= 0.0:
        raise ValueError(f"a measured window must be positive, not {seconds} s")
    return records / seconds, payload_bytes / _MB / seconds


@dataclass
class SystemResult:
    """What one system achieved in one scenario run.

    Attributes:
        system: ``kconnect``, ``connect-java`` or ``raw``.
        records: Records counted in the measured window.
        seconds: Length of the measured window: from the first output the
            harness saw to the last expected record (start-up excluded).
        records_per_s: ``records / seconds``.
        mb_per_s: Payload megabytes (10^6) per second.
        p50_ms, p99_ms: End-to-end latency percentiles, where the scenario
            measures latency.
        cpu_s: CPU seconds of the system's processes in the measured window.
        cpu_total_s: CPU seconds from launch to exit (start-up and shutdown
            included).
        peak_rss_mb: Highest sum of the RSS of the system's processes.
        peak_pss_mb: The same with shared pages divided among processes.
        startup_s: Launch to first output.
        rest_ready_s: Launch to the REST API answering (workers only).
        ratios: ``records_per_s`` divided by every other system's.
        error: Why the run failed; the figures are then zero.
        note: A caveat about the figures (e.g. a window too short to measure).
    """

    system: str
    records: int = 0
    seconds: float = 0.0
    records_per_s: float = 0.0
    mb_per_s: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    cpu_s: float = 0.0
    cpu_total_s: float = 0.0
    peak_rss_mb: float = 0.0
    peak_pss_mb: float = 0.0
    startup_s: float = 0.0
    rest_ready_s: float | None = None
    ratios: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    note: str | None = None

    def as_json(self) -> dict[str, object]:
        """The result in the issue's JSON shape (its keys first), rounded for reading."""
        return {
            "system": self.system,
            "records_per_s": round(self.records_per_s, 1),
            "mb_per_s": round(self.mb_per_s, 3),
            "p50_ms": _round_optional(self.p50_ms),
            "p99_ms": _round_optional(self.p99_ms),
            "cpu_s": round(self.cpu_s, 3),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "peak_pss_mb": round(self.peak_pss_mb, 1),
            "cpu_total_s": round(self.cpu_total_s, 3),
            "startup_s": round(self.startup_s, 3),
            "rest_ready_s": _round_optional(self.rest_ready_s),
            "records": self.records,
            "seconds": round(self.seconds, 4),
            "ratios": {name: round(value, 3) for name, value in self.ratios.items()},
            "error": self.error,
            "note": self.note,
        }


def _round_optional(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def ratios(results: Sequence[SystemResult]) -> None:
    """Fill each result's ``ratios``: its records/s over every other successful system's."""
    for result in results:
        result.ratios = {
            other.system: result.records_per_s / other.records_per_s
            for other in results
            if other is not result
            and other.error is None
            and other.records_per_s > 0
            and result.error is None
        }
