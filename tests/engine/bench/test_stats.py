"""Tests of engine.bench.stats: percentiles, throughput, ratios and the JSON shape."""

from __future__ import annotations

import pytest

from engine.bench.stats import SystemResult, percentile, ratios, throughput

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
