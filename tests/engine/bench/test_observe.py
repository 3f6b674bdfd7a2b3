"""Tests of engine.bench.observe: counting sink-file lines and end-to-end latencies."""

from __future__ import annotations

import time
from pathlib import Path

from engine.bench.observe import FileOutput, latency_line, parse_latency_line


def test_latency_line_has_the_size_and_round_trips_its_send_time() -> None:
    line = latency_line(7, 123_456_789, 64)
    assert len(line) == 65 and line.endswith(b"\n")
    assert parse_latency_line(line.rstrip(b"\n")) == 123_456_789
    assert latency_line(7, 1, 64, warmup=True).startswith(b"w")
    assert parse_latency_line(b"not a latency line") is None


def test_file_output_counts_only_appended_complete_lines(tmp_path: Path) -> None:
    path = tmp_path / "sink.txt"
    output = FileOutput(path)
    assert output.count() == 0  # not created yet
    path.write_bytes(b"a\nb\n")
    assert output.count() == 2
    with open(path, "ab") as sink:
        sink.write(b"c\nd\ne\n")
    assert output.count() == 5
    assert output.latencies_ms() == []


def test_file_output_latency_skips_warmups_and_joins_split_lines(tmp_path: Path) -> None:
    path = tmp_path / "sink.txt"
    output = FileOutput(path, latency=True)
    sent = time.monotonic_ns() - 5_000_000  # 5 ms ago
    first, second = latency_line(0, sent, 40), latency_line(1, sent, 40)
    with open(path, "ab") as sink:
        sink.write(latency_line(0, sent, 40, warmup=True) + first + second[:10])
    assert output.count() == 1
    assert output.warmups == 1
    with open(path, "ab") as sink:
        sink.write(second[10:])
    assert output.count() == 2
    latencies = output.latencies_ms()
    assert len(latencies) == 2
    assert all(5.0 <= latency < 5_000.0 for latency in latencies)
