"""Tests of engine.bench.plot that need no matplotlib: the series a sweep plot draws."""

from __future__ import annotations

from engine.bench.harness import BenchReport, SweepReport
from engine.bench.plot import sweep_series
from engine.bench.settings import Knob, Settings
from engine.bench.stats import SystemResult


def test_series_per_system_with_gaps_where_a_point_failed() -> None:
    def point(*results: SystemResult) -> BenchReport:
        return BenchReport("tasks-scaling", Settings(), {}, list(results))

    sweep = SweepReport(
        "tasks-scaling",
        Knob("tasks", ("1", "2")),
        Settings(),
        {},
        [
            point(
                SystemResult("kconnect", records_per_s=10.0, peak_rss_mb=5.0), SystemResult("raw", error="x")
            ),
            point(
                SystemResult("kconnect", records_per_s=20.0, peak_rss_mb=6.0),
                SystemResult("raw", records_per_s=9.0),
            ),
        ],
    )
    assert sweep_series(sweep) == {"kconnect": ([10.0, 20.0], [5.0, 6.0]), "raw": ([None, 9.0], [None, 0.0])}
    assert [p["value"] for p in sweep.as_json()["points"]] == ["1", "2"]  # type: ignore[attr-defined]
