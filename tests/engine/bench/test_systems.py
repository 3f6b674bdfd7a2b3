"""Tests of engine.bench.systems: each mode's worker properties, command lines and connectors (no broker)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.bench.scenarios import BenchContext, FileSinkSmt, Plan
from engine.bench.settings import Settings
from engine.bench.systems import ConnectJava, Kconnect, Launch, worker_properties
from engine.config import properties

BOOTSTRAP = "127.0.0.1:1"


def _context(tmp_path: Path, mode: str) -> BenchContext:
    context = BenchContext(
        bootstrap=BOOTSTRAP,
        workdir=tmp_path,
        settings=Settings(records=10, mode=mode, worker_properties={"producer.linger.ms": "5"}),
    )
    context.inputs.update(topic="input", payload_bytes=10)
    return context


def _plan(context: BenchContext, system: str) -> Plan:
    return FileSinkSmt().plan(context, system)


def _connect_java() -> ConnectJava:
    system = ConnectJava()
    # What prepare() would find; the command line is all this test needs, not a JVM.
    system._java, system._libs = "/usr/bin/java", Path("/cache/libs")
    return system


def _launch(system: Kconnect | ConnectJava, context: BenchContext, port: int) -> Launch:
    workdir = context.workdir / system.name
    workdir.mkdir()
    return system.launch(_plan(context, system.name), context, workdir, port)


def test_standalone_workers_take_connector_files_and_an_offsets_file(tmp_path: Path) -> None:
    context = _context(tmp_path, "standalone")
    launch = _launch(Kconnect(), context, 8123)
    worker_file, connector_file = launch.command[-2:]
    assert launch.command[:-2] == [sys.executable, "-m", "engine", "standalone"]
    assert launch.rest_url == "http://127.0.0.1:8123/"
    assert launch.connectors == ()
    worker = properties.load(worker_file)
    assert worker["offset.storage.file.filename"] == str(tmp_path / "kconnect" / "offsets")
    assert "group.id" not in worker
    assert worker["producer.linger.ms"] == "5"  # overrides come last
    assert properties.load(connector_file)["connector.class"].endswith("FileStreamSinkConnector")
    java = _launch(_connect_java(), context, 8124)
    assert java.command[-3] == "org.apache.kafka.connect.cli.ConnectStandalone"


@pytest.mark.parametrize(
    ("system", "main"),
    [
        (Kconnect, [sys.executable, "-m", "engine", "distributed"]),
        (_connect_java, "org.apache.kafka.connect.cli.ConnectDistributed"),
    ],
)
def test_distributed_workers_take_their_connectors_over_rest(
    system: Callable[[], Kconnect | ConnectJava], main: list[str] | str, tmp_path: Path
) -> None:
    context = _context(tmp_path, "distributed")
    instance = system()
    launch = _launch(instance, context, 8125)
    *command, worker_file = launch.command
    if isinstance(main, list):
        assert command == main
    else:
        assert command[-1] == main
    assert list((tmp_path / instance.name).glob("connector-*")) == []
    assert launch.connectors == tuple(_plan(context, instance.name).connectors)
    assert launch.connectors[0]["name"].endswith(f"file-sink-smt-{instance.name}")
    worker = properties.load(worker_file)
    assert "offset.storage.file.filename" not in worker
    for store in ("config", "offset", "status"):
        assert worker[f"{store}.storage.replication.factor"] == "1"
        assert worker[f"{store}.storage.topic"].startswith(f"bench-{context.run_id}-{instance.name}-")
    assert worker["group.id"] == f"bench-{context.run_id}-{instance.name}-cluster"
    assert worker["value.converter"] == "org.apache.kafka.connect.json.JsonConverter"


def test_each_distributed_worker_gets_a_fresh_cluster_per_system_and_run(tmp_path: Path) -> None:
    def cluster(context: BenchContext, system: str) -> tuple[str, ...]:
        worker = worker_properties(_plan(context, system), context, system, tmp_path, 8126)
        return tuple(worker[key] for key in sorted(worker) if key == "group.id" or key.endswith(".topic"))

    first, second = _context(tmp_path, "distributed"), _context(tmp_path, "distributed")
    names = [cluster(first, "kconnect"), cluster(first, "connect-java"), cluster(second, "kconnect")]
    assert all(len(group) == 4 for group in names)
    assert len({name for group in names for name in group}) == 12


def test_the_raw_consumer_gets_the_tuning_of_kconnect_sinks_and_the_runs_overrides(
    tmp_path: Path,
) -> None:
    plan = _plan(_context(tmp_path, "standalone"), "raw")
    assert plan.raw_job is not None
    assert plan.raw_job["consumer"] == {"fetch.queue.backoff.ms": "10", "queued.max.messages.kbytes": "16384"}
    context = _context(tmp_path, "standalone")
    context.settings = Settings(
        records=10,
        worker_properties={"consumer.fetch.queue.backoff.ms": "1000", "consumer.fetch.wait.max.ms": "5"},
    )
    plan = _plan(context, "raw")
    assert plan.raw_job is not None
    assert plan.raw_job["consumer"] == {
        "fetch.queue.backoff.ms": "1000",
        "queued.max.messages.kbytes": "16384",
        "fetch.wait.max.ms": "5",
    }
