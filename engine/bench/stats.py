"""The figures of one benchmark run: per-system results, percentiles, medians over repeats and ratios."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["SystemResult", "aggregate", "percentile", "ratios", "throughput"]

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
    """What one system achieved in one scenario run, or over its repeated runs (see `aggregate`).

    Attributes:
        system: ``kconnect``, ``connect-java`` or ``raw``.
        records: Records counted in the measured window.
        seconds: Length of the measured window: from the first output the
            harness saw to the last expected record (start-up excluded).
        records_per_s: ``records / seconds`` (over repeated runs: the median).
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
        runs: The results of the system's runs, one per round, failed ones
            included, when this result aggregates them (see `aggregate`:
            a run's report always does, with one run for ``--repeat 1``);
            empty for the result of one run itself.
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
    runs: list[SystemResult] = field(default_factory=list)

    @property
    def records_per_s_range(self) -> tuple[float, float] | None:
        """The lowest and highest records/s of the successful `runs`, or ``None`` when none succeeded."""
        rates = [run.records_per_s for run in self.runs if run.error is None]
        return (min(rates), max(rates)) if rates else None

    @property
    def failed_runs(self) -> int:
        """How many runs failed: counted in `runs`, or 1 or 0 for the result of a single run."""
        if not self.runs:
            return int(self.error is not None)
        return sum(1 for run in self.runs if run.error is not None)

    def as_json(self) -> dict[str, object]:
        """The result in the issue's JSON shape (its keys first), rounded for reading.

        ``runs`` lists each run's figures with its ``round``; ``records_per_s_min``
        and ``records_per_s_max`` are the spread of the successful ones.
        """
        spread = self.records_per_s_range
        return {
            "system": self.system,
            **self._figures(),
            "records_per_s_min": None if spread is None else round(spread[0], 1),
            "records_per_s_max": None if spread is None else round(spread[1], 1),
            "ratios": {name: round(value, 3) for name, value in self.ratios.items()},
            "error": self.error,
            "note": self.note,
            "runs": [
                {"round": index, **run._figures(), "error": run.error, "note": run.note}
                for index, run in enumerate(self.runs, start=1)
            ],
        }

    def _figures(self) -> dict[str, object]:
        return {
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


def aggregate(system: str, runs: Sequence[SystemResult]) -> SystemResult:
    """One system's result over its runs (one per round of ``--repeat``, in round order).

    Every figure is the median of that figure over the successful runs
    (an optional one, such as ``p99_ms``, over the runs that have it),
    except ``peak_rss_mb`` and ``peak_pss_mb``, which are the highest of
    them: a peak is what memory must be provisioned for, and the median
    would hide the run that needed more. The figures are medians each, so
    ``records_per_s`` is not ``records / seconds`` once there are several
    runs. ``ratios`` is left for `ratios` to fill from these medians.

    A system whose runs all failed gets an error result (the first run's
    error); one with some failed runs gets the median of the others and
    says so in ``note``. Either way ``runs`` keeps every run.

    Raises:
        ValueError: ``runs`` is empty.
    """
    if not runs:
        raise ValueError(f"no runs of `{system}` to aggregate")
    single = len(runs) == 1
    done = [run for run in runs if run.error is None]
    if not done:
        first = runs[0].error
        error = first if single else f"all {len(runs)} runs failed; round 1: {first}"
        return SystemResult(system=system, error=error, runs=list(runs))
    return SystemResult(
        system=system,
        records=round(statistics.median(run.records for run in done)),
        seconds=statistics.median(run.seconds for run in done),
        records_per_s=statistics.median(run.records_per_s for run in done),
        mb_per_s=statistics.median(run.mb_per_s for run in done),
        p50_ms=_median_optional([run.p50_ms for run in done]),
        p99_ms=_median_optional([run.p99_ms for run in done]),
        cpu_s=statistics.median(run.cpu_s for run in done),
        cpu_total_s=statistics.median(run.cpu_total_s for run in done),
        peak_rss_mb=max(run.peak_rss_mb for run in done),
        peak_pss_mb=max(run.peak_pss_mb for run in done),
        startup_s=statistics.median(run.startup_s for run in done),
        rest_ready_s=_median_optional([run.rest_ready_s for run in done]),
        note=_aggregate_note(runs, len(done)),
        runs=list(runs),
    )


def _median_optional(values: Sequence[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def _aggregate_note(runs: Sequence[SystemResult], succeeded: int) -> str | None:
    """The failed rounds' first error lines, then the successful runs' notes (by round when repeated)."""
    if len(runs) == 1:
        return runs[0].note
    parts = []
    failed = [(index, run.error) for index, run in enumerate(runs, start=1) if run.error is not None]
    if failed:
        reasons = "; ".join(f"round {index}: {error.splitlines()[0]}" for index, error in failed if error)
        rest = f"the median of the other {succeeded}" if succeeded > 1 else "the other run's"
        parts.append(f"{len(failed)} of {len(runs)} runs failed ({reasons}); the figures are {rest}")
    rounds_by_note: dict[str, list[str]] = {}
    for index, run in enumerate(runs, start=1):
        if run.error is None and run.note:
            rounds_by_note.setdefault(run.note, []).append(str(index))
    for note, rounds in rounds_by_note.items():
        parts.append(f"round{'s' if len(rounds) > 1 else ''} {', '.join(rounds)}: {note}")
    return "; ".join(parts) or None
