"""Tests of engine.bench.observe: counting sink-file lines and end-to-end latencies."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicPartition

from engine.bench import observe
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


class _FlakyWatermarks:
    """A consumer whose partition 1 answers NOT_LEADER_FOR_PARTITION on the second read."""

    def __init__(self, _settings: dict[str, object]) -> None:
        self.reads = 0

    def get_watermark_offsets(
        self, partition: TopicPartition, timeout: float, cached: bool
    ) -> tuple[int, int]:
        self.reads += 1
        if partition.partition == 1 and self.reads == 4:
            raise KafkaException(KafkaError(KafkaError.NOT_LEADER_FOR_PARTITION))
        return 0, 10 * self.reads

    def close(self) -> None:
        return None


def test_topic_output_keeps_the_last_count_of_a_partition_whose_leader_moved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(observe, "Consumer", _FlakyWatermarks)
    output = observe.TopicOutput("localhost:1", "t", 2)
    assert output.count() == 10 + 20
    assert output.count() == 30 + 20  # partition 1's leader moved: its last count stands
    assert output.count() == 50 + 60


def test_topic_output_raises_a_non_retriable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class Denied(_FlakyWatermarks):
        def get_watermark_offsets(
            self, partition: TopicPartition, timeout: float, cached: bool
        ) -> tuple[int, int]:
            raise KafkaException(KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED))

    monkeypatch.setattr(observe, "Consumer", Denied)
    with pytest.raises(RuntimeError, match="cannot read the end offsets of topic `t`"):
        observe.TopicOutput("localhost:1", "t", 1).count()
