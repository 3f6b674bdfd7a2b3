"""Tests of engine.bench.report: the table (with repeated runs), the progress bar and rate formatting."""

from __future__ import annotations

import io

from engine.bench.report import ProgressBar, format_rate, render_bar, render_table
from engine.bench.stats import SystemResult, aggregate, ratios


def test_format_rate() -> None:
    assert format_rate(1_234_567) == "1.23M"
    assert format_rate(45_600) == "45.6k"
    assert format_rate(12.34) == "12.3"
    assert format_rate(0) == "0"


def test_table_has_a_ratio_column_per_system_and_lists_failures() -> None:
    results = [
        SystemResult("kconnect", records_per_s=200_000.0, mb_per_s=20.0, cpu_s=1.5, peak_rss_mb=90.0),
        SystemResult("connect-java", records_per_s=100_000.0, mb_per_s=10.0, p50_ms=3.25, p99_ms=9.5),
        SystemResult("raw", error="raw exited with status 1\n  details"),
    ]
    ratios(results)
    lines = render_table(results).splitlines()
    assert lines[0].split() == [
        "system", "records/s", "MB/s", "p50", "ms", "p99", "ms", "CPU", "s", "peak", "RSS", "MB",
        "vs", "kconnect", "vs", "connect-java", "vs", "raw",
    ]  # fmt: skip
    assert lines[2].split() == ["kconnect", "200,000", "20.00", "-", "-", "1.50", "90.0", "-", "2.00x", "-"]
    assert lines[3].split()[3:5] == ["3.2", "9.5"]
    assert lines[3].split()[-3:] == ["0.50x", "-", "-"]
    assert lines[4].split()[:2] == ["raw", "failed"]
    assert "raw: raw exited with status 1" in lines[5]


def test_bar_shows_fraction_counts_and_rate() -> None:
    line = render_bar("kconnect", 500, 1000, 250_000.0)
    assert line.startswith("kconnect      [")
    assert " 50.0%" in line and "500/1k" in line and "250k rec/s" in line
    assert render_bar("raw", 5000, 1000, 0.0).count("█") == 28  # overshoot is capped


def test_progress_draws_on_a_terminal_and_only_summaries_elsewhere() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, interactive=True)
    bar.update("raw", 1000, 1000, 10.0)
    bar.finish("raw", SystemResult("raw", records_per_s=10.0, mb_per_s=0.5))
    assert stream.getvalue().startswith("\r\x1b[2Kraw")
    assert stream.getvalue().endswith("raw: 10 records/s, 0.5 MB/s\n")
    plain = io.StringIO()
    quiet = ProgressBar(plain, interactive=False)
    quiet.update("raw", 1, 2, 1.0)
    quiet.finish("raw", SystemResult("raw", error="it broke\n  tail"))
    assert plain.getvalue() == "raw: failed: it broke\n"


def test_table_of_repeated_runs_shows_the_median_with_its_spread() -> None:
    def run(system: str, rate: float) -> SystemResult:
        return SystemResult(system, records_per_s=rate, mb_per_s=rate / 10_000, peak_rss_mb=rate / 1_000)

    kconnect = aggregate("kconnect", [run("kconnect", r) for r in (736_451.0, 660_000.0, 790_000.0)])
    raw = aggregate(
        "raw", [run("raw", 900_000.0), SystemResult("raw", error="raw exited with status 1"), run("raw", 1e6)]
    )
    java = aggregate("connect-java", [SystemResult("connect-java", error="no java")] * 3)
    results = [kconnect, raw, java]
    ratios(results)
    lines = render_table(results).splitlines()
    assert lines[0].split()[:3] == ["system", "records/s", "(min-max)"]
    assert lines[2].split()[:3] == ["kconnect", "736,451", "(660k-790k)"]
    assert lines[2].split()[-3:] == ["-", "0.78x", "-"]  # 736,451 over raw's median of 950,000
    assert lines[3].split()[:3] == ["raw", "950,000", "(900k-1M)"]
    assert lines[4].split()[:2] == ["connect-java", "failed"]
    assert lines[5] == (
        "Medians of 3 interleaved runs per system; records/s (min-max) over the successful runs; "
        "peak RSS: the highest run."
    )
    assert lines[6].startswith("raw: 1 of 3 runs failed (round 2: raw exited with status 1)")
    assert lines[7] == "connect-java: all 3 runs failed; round 1: no java"


def test_table_of_one_run_has_no_spread() -> None:
    result = aggregate("raw", [SystemResult("raw", records_per_s=1000.0)])
    lines = render_table([result]).splitlines()
    assert lines[0].split()[:2] == ["system", "records/s"] and "(min-max)" not in lines[0]
    assert lines[2].split()[:2] == ["raw", "1,000"]
    assert len(lines) == 3


def test_progress_names_the_round_when_there_are_several() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, interactive=False)
    bar.start_round(1, 1)
    bar.finish("raw", SystemResult("raw", records_per_s=10.0, mb_per_s=0.5))
    bar.start_round(2, 3)
    bar.finish("raw", SystemResult("raw", records_per_s=20.0, mb_per_s=1.0))
    assert stream.getvalue().splitlines() == [
        "raw: 10 records/s, 0.5 MB/s",
        "round 2/3  raw: 20 records/s, 1.0 MB/s",
    ]
    drawn = io.StringIO()
    live = ProgressBar(drawn, interactive=True)
    live.start_round(3, 3)
    live.update("kconnect", 10, 10, 5.0)
    assert drawn.getvalue().startswith("\r\x1b[2Kround 3/3  kconnect      [")
