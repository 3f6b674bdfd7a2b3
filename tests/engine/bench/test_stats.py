"""Tests of engine.bench.stats: percentiles, throughput, ratios, medians over repeats and the JSON shape."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from engine.bench.stats import SystemResult, aggregate, percentile, ratios, throughput

ISSUE_KEYS = ["system", "records_per_s", "mb_per_s", "p50_ms", "p99_ms", "cpu_s", "peak_rss_mb"]


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # 1..100, unsorted on purpose
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([7.0], 0.99) == 7.0


def test_percentile_of_nothing_is_none_and_fraction_is_checked() -> None:
    assert percentile([], 0.5) is None
    with pytest.raises(ValueError, match="fraction"):
        percentile([1.0], 0.0)
    with pytest.raises(ValueError, match="fraction"):
        percentile([1.0], 1.5)


def test_throughput_in_records_and_megabytes_per_second() -> None:
    assert throughput(1000, 2_000_000, 2.0) == (500.0, 1.0)
    with pytest.raises(ValueError, match="positive"):
        throughput(1, 1, 0.0)


def test_ratios_compare_each_system_with_every_other_successful_one() -> None:
    fast = SystemResult("kconnect", records_per_s=300.0)
    slow = SystemResult("connect-java", records_per_s=100.0)
    broken = SystemResult("raw", error="boom")
    ratios([fast, slow, broken])
    assert fast.ratios == {"connect-java": 3.0}
    assert slow.ratios == {"kconnect": pytest.approx(1 / 3)}
    assert broken.ratios == {}


def test_json_has_the_issue_keys_first_and_rounds() -> None:
    result = SystemResult("raw", records_per_s=1234.56789, mb_per_s=0.1234567, cpu_s=1.23456, p50_ms=None)
    document = result.as_json()
    assert list(document)[: len(ISSUE_KEYS)] == ISSUE_KEYS
    assert document["records_per_s"] == 1234.6
    assert document["mb_per_s"] == 0.123
    assert document["p50_ms"] is None
    assert document["error"] is None


def _run(rate: float, **figures: Any) -> SystemResult:
    """A successful run whose other figures follow from its records/s, so medians are checkable."""
    run = SystemResult(
        "kconnect",
        records=int(rate),
        seconds=1.0,
        records_per_s=rate,
        mb_per_s=rate / 10_000,
        cpu_s=rate / 100_000,
        cpu_total_s=rate / 50_000,
        peak_rss_mb=rate / 1_000,
        peak_pss_mb=rate / 2_000,
        startup_s=rate / 1_000_000,
    )
    return dataclasses.replace(run, **figures)


def test_aggregate_takes_medians_and_the_highest_peak_memory() -> None:
    runs = [
        _run(300_000.0, peak_rss_mb=150.0, p50_ms=4.0, p99_ms=9.0, rest_ready_s=0.8),
        _run(100_000.0, peak_rss_mb=210.0, p50_ms=2.0, p99_ms=7.0, rest_ready_s=None),
        _run(200_000.0, peak_rss_mb=120.0, p50_ms=None, p99_ms=8.0, rest_ready_s=0.6),
    ]
    result = aggregate("kconnect", runs)
    assert result.error is None and result.note is None
    assert result.records_per_s == 200_000.0
    assert result.mb_per_s == 20.0
    assert result.cpu_s == 2.0 and result.cpu_total_s == 4.0
    assert result.startup_s == 0.2
    assert result.records == 200_000 and result.seconds == 1.0
    assert result.peak_rss_mb == 210.0  # the highest run, not the median (150)
    assert result.peak_pss_mb == 150.0
    assert result.p50_ms == 3.0  # the median of the runs that measured it
    assert result.p99_ms == 8.0
    assert result.rest_ready_s == pytest.approx(0.7)
    assert result.records_per_s_range == (100_000.0, 300_000.0)
    assert result.runs == runs and result.failed_runs == 0


def test_aggregate_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    result = aggregate("raw", [_run(100.0), _run(400.0), _run(200.0), _run(900.0)])
    assert result.records_per_s == 300.0
    assert result.records_per_s_range == (100.0, 900.0)


def test_ratios_of_aggregates_compare_the_medians() -> None:
    kconnect = aggregate("kconnect", [_run(300.0), _run(500.0), _run(400.0)])
    java = aggregate("connect-java", [_run(100.0), _run(50.0), _run(200.0)])
    ratios([kconnect, java])
    assert kconnect.ratios == {"connect-java": 4.0}
    assert java.ratios == {"kconnect": 0.25}


def test_aggregate_with_failed_runs_reports_the_median_of_the_others() -> None:
    failed = SystemResult("kconnect", error="kconnect timed out after 600 s with 5 of 10 records\n  log tail")
    result = aggregate(
        "kconnect", [_run(300.0), failed, _run(100.0, note="finished between two observations")]
    )
    assert result.error is None
    assert result.records_per_s == 200.0
    assert result.records_per_s_range == (100.0, 300.0)
    assert result.failed_runs == 1
    assert result.note == (
        "1 of 3 runs failed (round 2: kconnect timed out after 600 s with 5 of 10 records); "
        "the figures are the median of the other 2; round 3: finished between two observations"
    )
    document = result.as_json()
    runs = document["runs"]
    assert isinstance(runs, list)
    assert [run["round"] for run in runs] == [1, 2, 3]
    assert runs[1]["error"] == failed.error and runs[1]["records_per_s"] == 0.0
    assert (document["records_per_s_min"], document["records_per_s_max"]) == (100.0, 300.0)


def test_aggregate_with_one_successful_run_reports_it() -> None:
    result = aggregate("raw", [SystemResult("raw", error="boom"), _run(7.0)])
    assert result.records_per_s == 7.0
    assert result.note == "1 of 2 runs failed (round 1: boom); the figures are the other run's"


def test_aggregate_groups_a_note_repeated_by_several_rounds() -> None:
    note = "finished between two observations"
    result = aggregate("raw", [_run(1.0, note=note), _run(2.0), _run(3.0, note=note)])
    assert result.note == f"rounds 1, 3: {note}"


def test_aggregate_of_only_failed_runs_is_an_error_row() -> None:
    runs = [SystemResult("raw", error="raw exited with status 1\n  tail"), SystemResult("raw", error="other")]
    result = aggregate("raw", runs)
    assert result.error == "all 2 runs failed; round 1: raw exited with status 1\n  tail"
    assert result.records_per_s == 0.0 and result.records_per_s_range is None
    assert result.failed_runs == 2
    document = result.as_json()
    assert document["records_per_s_min"] is None and document["records_per_s_max"] is None
    ratios([result, aggregate("kconnect", [_run(5.0)])])
    assert result.ratios == {}


def test_aggregate_of_one_run_keeps_its_figures_error_and_note() -> None:
    run = _run(1234.5, p50_ms=1.5, rest_ready_s=0.4, note="a caveat")
    result = aggregate("kconnect", [run])
    assert {**result.as_json(), "runs": None} == {
        **run.as_json(),
        "records_per_s_min": 1234.5,
        "records_per_s_max": 1234.5,
        "runs": None,
    }
    assert result.runs == [run]
    broken = SystemResult("raw", error="raw exited with status 1")
    assert aggregate("raw", [broken]).error == "raw exited with status 1"
    assert aggregate("raw", [broken]).failed_runs == 1


def test_aggregate_needs_a_run() -> None:
    with pytest.raises(ValueError, match="no runs"):
        aggregate("raw", [])
