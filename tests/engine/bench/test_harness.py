"""Integration tests of engine.bench.harness: real runs on the session broker, small record counts."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition

from engine.bench import cli
from engine.bench.errors import BenchError
from engine.bench.harness import run_scenario, run_sweep
from engine.bench.settings import Knob, Settings
from engine.bench.stats import SystemResult
from engine.config import properties

pytestmark = pytest.mark.integration

ISSUE_KEYS = {"system", "records_per_s", "mb_per_s", "p50_ms", "p99_ms", "cpu_s", "peak_rss_mb"}


@pytest.mark.parametrize(
    ("scenario", "settings"),
    [
        ("file-source", Settings(records=5_000, converter="json")),
        # Two rounds: the second must read the whole input topic again, in a group of its own.
        ("file-sink-smt", Settings(records=5_000, repeat=2)),
        ("tasks-scaling", Settings(records=6_000, tasks=2)),
    ],
)
def test_raw_moves_every_record_of_each_scenario(
    scenario: str, settings: Settings, kafka_bootstrap: str, tmp_path: Path
) -> None:
    report = run_scenario(
        scenario, settings, ["raw"], bootstrap=kafka_bootstrap, timeout_s=120, workdir=tmp_path
    )
    (result,) = report.results
    assert result.failed_runs == 0, [run.error for run in result.runs]
    assert len(result.runs) == settings.repeat
    assert result.records_per_s > 0 and result.mb_per_s > 0
    assert result.peak_rss_mb > 5 and result.cpu_total_s > 0
    assert result.p50_ms is None  # only end-to-end measures latency
    document = json.loads(json.dumps(report.as_json()))
    assert document["scenario"] == scenario
    assert {"cpu", "cores", "memory_gib", "kernel", "python", "java"} <= set(document["machine"])
    assert set(document["results"][0]) >= ISSUE_KEYS
    if scenario == "file-sink-smt":
        for index in (1, 2):
            lines = (tmp_path / f"round-{index}" / "file-sink-smt-raw.txt").read_text().splitlines()
            assert len(lines) == settings.records
            assert json.loads(lines[0])["payload"]["id"] == 0


def test_raw_end_to_end_measures_latency(kafka_bootstrap: str, tmp_path: Path) -> None:
    settings = Settings(records=2_000, rate=4_000, record_size=60)
    report = run_scenario("end-to-end", settings, ["raw"], bootstrap=kafka_bootstrap, workdir=tmp_path)
    (result,) = report.results
    assert result.error is None, result.error
    assert result.p50_ms is not None and result.p99_ms is not None
    assert 0 < result.p50_ms <= result.p99_ms < 5_000
    # Offered at 4000/s: delivered at no more than that (plus one tick of slack).
    assert result.records_per_s < 4_000 * 1.5


def test_sweep_runs_each_value_on_one_broker(kafka_bootstrap: str, tmp_path: Path) -> None:
    knob = Knob("record-size", ("50", "200"))
    sweep = run_sweep(
        "file-source", Settings(records=3_000), knob, ["raw"], bootstrap=kafka_bootstrap, workdir=tmp_path
    )
    document = json.loads(json.dumps(sweep.as_json()))
    assert document["knob"] == "record-size"
    assert [point["value"] for point in document["points"]] == ["50", "200"]
    assert [point.settings.record_size for point in sweep.points] == [50, 200]
    assert all(point.results[0].error is None for point in sweep.points)


def test_a_failing_system_gets_an_error_with_its_log_tail(kafka_bootstrap: str, tmp_path: Path) -> None:
    # A producer property librdkafka rejects makes the raw process exit with status 1.
    settings = Settings(records=1_000, worker_properties={"producer.no.such.property": "1"})
    report = run_scenario("file-source", settings, ["raw"], bootstrap=kafka_bootstrap, workdir=tmp_path)
    (result,) = report.results
    assert result.error is not None
    assert result.error.startswith("raw exited with status 1 after 0 of 1000 records")
    assert "no.such.property" in result.error


@pytest.mark.slow
def test_raw_and_connect_java_on_file_source(kafka_bootstrap: str, tmp_path: Path) -> None:
    report = run_scenario(
        "file-source",
        Settings(records=20_000),
        ["raw", "connect-java"],
        bootstrap=kafka_bootstrap,
        workdir=tmp_path,
    )
    raw, java = report.results
    assert raw.error is None, raw.error
    assert java.error is None, java.error
    assert java.rest_ready_s is not None and java.rest_ready_s > 0
    # A JVM with a 256 MiB minimum heap: far above the raw client's Python process.
    assert java.peak_rss_mb > raw.peak_rss_mb
    assert raw.ratios == {"connect-java": pytest.approx(raw.records_per_s / java.records_per_s)}
    worker = properties.load(tmp_path / "connect-java" / "worker.properties")
    assert worker["bootstrap.servers"] == kafka_bootstrap
    assert worker["value.converter"] == "org.apache.kafka.connect.storage.StringConverter"


class _RecordedProgress:
    """Keeps the order in which runs finished, by round."""

    def __init__(self) -> None:
        self.round = 0
        self.finished: list[tuple[int, str]] = []

    def update(self, system: str, count: int, expected: int, rate: float) -> None:
        return None

    def finish(self, system: str, result: SystemResult) -> None:
        self.finished.append((self.round, system))

    def start_round(self, index: int, rounds: int) -> None:
        assert rounds == 2
        self.round = index


def _end_offset(bootstrap: str, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-test-reader"})
    try:
        return int(consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1])
    finally:
        consumer.close()


@pytest.mark.slow
def test_kconnect_and_raw_on_file_source_repeated_in_interleaved_rounds(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    records = 20_000
    progress = _RecordedProgress()
    report = run_scenario(
        "file-source",
        Settings(records=records, repeat=2),
        ["kconnect", "raw"],
        bootstrap=kafka_bootstrap,
        progress=progress,
        timeout_s=120,
        workdir=tmp_path,
    )
    # Interleaved, and each round starts with the next system.
    assert progress.finished == [(1, "kconnect"), (1, "raw"), (2, "raw"), (2, "kconnect")]
    kconnect, raw = report.results
    assert kconnect.failed_runs == 0, [run.error for run in kconnect.runs]
    assert raw.failed_runs == 0, [run.error for run in raw.runs]
    assert kconnect.rest_ready_s is not None
    # The supervisor, the forkserver, the connector and the task processes are all counted.
    assert kconnect.peak_rss_mb > raw.peak_rss_mb
    for result in (kconnect, raw):
        assert len(result.runs) == 2
        rates = [run.records_per_s for run in result.runs]
        assert result.records_per_s == pytest.approx(sum(rates) / 2)  # the median of two
        assert result.records_per_s_range == (min(rates), max(rates))
        assert all(0 < run.records <= records for run in result.runs)
    assert kconnect.ratios == {"raw": pytest.approx(kconnect.records_per_s / raw.records_per_s)}
    # Each run did the whole job on state of its own: the topic it filled holds every line of
    # the input, and kconnect's second run started from an empty offsets file rather than the
    # first run's, which would have left it nothing to read.
    topics = set()
    for index in (1, 2):
        round_dir = tmp_path / f"round-{index}"
        worker = properties.load(round_dir / "kconnect" / "worker.properties")
        assert worker["offset.storage.file.filename"] == str(round_dir / "kconnect" / "offsets")
        connector = properties.load(round_dir / "kconnect" / "connector-0.properties")
        raw_job = json.loads((round_dir / "raw" / "raw-job.json").read_text())
        assert connector["file"] == raw_job["file"] == str(tmp_path / "input.txt")  # written once
        for topic in (connector["topic"], raw_job["topic"]):
            assert _end_offset(kafka_bootstrap, topic) == records, topic
            topics.add(topic)
    assert len(topics) == 4
    document = json.loads(json.dumps(report.as_json()))
    assert document["settings"]["repeat"] == 2
    assert [[run["round"] for run in result["runs"]] for result in document["results"]] == [[1, 2], [1, 2]]


def _config_topic_keys(bootstrap: str, topic: str) -> list[str]:
    """The keys of every record in a (one-partition) config topic."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-test-reader"})
    try:
        partition = TopicPartition(topic, 0, 0)
        _, end = consumer.get_watermark_offsets(partition, timeout=10)
        consumer.assign([partition])
        keys: list[str] = []
        while len(keys) < end:
            message = consumer.poll(10)
            assert message is not None and message.error() is None, message
            keys.append((message.key() or b"").decode())
        return keys
    finally:
        consumer.close()


@pytest.mark.slow
@pytest.mark.cluster
def test_distributed_mode_gives_each_worker_its_connectors_over_rest(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    parser = argparse.ArgumentParser(prog="kconnect")
    cli.add_parser(parser.add_subparsers())
    args = parser.parse_args(
        [
            "bench",
            "run",
            "file-source",
            "--mode",
            "distributed",
            "--records",
            "20000",
            "--against",
            "connect-java,raw",
            "--bootstrap-servers",
            kafka_bootstrap,
            "--workdir",
            str(tmp_path / "work"),
            "--json",
            str(report),
        ]
    )
    assert cli.run(args) == 0
    document = json.loads(report.read_text())
    assert document["settings"]["mode"] == "distributed"
    results = {result["system"]: result for result in document["results"]}
    assert list(results) == ["kconnect", "connect-java", "raw"]
    for name, result in results.items():
        assert result["error"] is None, result["error"]
        assert result["records_per_s"] > 0, name
    for name in ("kconnect", "connect-java"):
        workdir = tmp_path / "work" / name
        worker = properties.load(workdir / "worker.properties")
        assert "offset.storage.file.filename" not in worker
        assert list(workdir.glob("connector-*.properties")) == []
        # The connector was created over REST after the worker answered, and so before any output.
        assert 0 < results[name]["rest_ready_s"] <= results[name]["startup_s"]
        # ...and stored by the worker in its own config topic, as a distributed herder does.
        keys = _config_topic_keys(kafka_bootstrap, worker["config.storage.topic"])
        assert any(key.startswith("connector-bench-") and key.endswith(f"file-source-{name}") for key in keys)


@pytest.mark.parametrize("systems", [[], ["raw", "raw"]])
def test_systems_are_named_once_each(systems: list[str], tmp_path: Path) -> None:
    # Refused before any broker or input is set up.
    with pytest.raises(BenchError, match="named once each"):
        run_scenario("file-source", Settings(records=10), systems, bootstrap="127.0.0.1:1", workdir=tmp_path)
