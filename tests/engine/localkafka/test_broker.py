"""`engine.localkafka.broker`: a real Kafka broker started, used, restarted and stopped.

No mocks: every broker here is the real Apache Kafka JVM. Most tests share
the session broker from ``tests/conftest.py``; only restart, side-by-side
and startup-failure tests pay for their own broker.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from engine.localkafka import BROKER_HOST, BrokerStatus, LocalKafka, LocalKafkaError, default_dir

FreePorts = Callable[[int], list[int]]


def produce(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for key, value in records:
        producer.produce(topic, key=key, value=value)
    assert producer.flush(15) == 0, "records still unacknowledged after 15 s"


def consume(
    bootstrap: str, topic: str, count: int, *, group: bool = True, timeout: float = 30.0
) -> list[tuple[bytes, bytes]]:
    """Read ``count`` records from the start of partition 0.

    ``group=False`` assigns the partition directly instead of joining a
    consumer group, which skips the group rebalance (~3 s on a fresh broker).
    """
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"g-{topic}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    received: list[tuple[bytes, bytes]] = []
    try:
        if group:
            consumer.subscribe([topic])
        else:
            consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        deadline = time.monotonic() + timeout
        while len(received) < count and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            assert message.error() is None, message.error()
            received.append((message.key() or b"", message.value() or b""))
    finally:
        consumer.close()
    return received


def cluster_metadata(bootstrap: str) -> tuple[str | None, set[str]]:
    """The cluster id and topic names; asks for all topics, so nothing is auto-created."""
    metadata = AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10)
    return metadata.cluster_id, set(metadata.topics)


def broker_pids(properties: Path) -> list[int]:
    """Every live `kafka.Kafka` JVM started on ``properties``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"kafka.Kafka" in args and str(properties).encode() in args:
            pids.append(int(entry.name))
    return pids


@pytest.fixture
def own_broker(tmp_path: Path, free_ports: FreePorts) -> Iterator[LocalKafka]:
    """A second, not yet started broker in its own directory; always stopped afterwards."""
    port, controller_port = free_ports(2)
    broker = LocalKafka(tmp_path / "kafka", port=port, controller_port=controller_port)
    try:
        yield broker
    finally:
        broker.stop()


@pytest.mark.integration
def test_session_broker_round_trips_records(kafka_bootstrap: str, unique_topic: str) -> None:
    records = [(f"k{i}".encode(), f"v{i}".encode()) for i in range(5)]
    produce(kafka_bootstrap, unique_topic, records)
    assert consume(kafka_bootstrap, unique_topic, len(records)) == records


@pytest.mark.integration
def test_status_reports_the_running_broker(local_kafka: LocalKafka, kafka_bootstrap: str) -> None:
    status = local_kafka.status()
    assert status.running
    assert status.bootstrap == kafka_bootstrap == f"{BROKER_HOST}:{local_kafka.port}"
    assert status.dir == local_kafka.dir
    assert status.pid == int((local_kafka.dir / "broker.pid").read_text())
    assert broker_pids(local_kafka.dir / "server.properties") == [status.pid]


@pytest.mark.integration
def test_broker_logs_through_log4j_with_one_slf4j_binding(local_kafka: LocalKafka) -> None:
    log = local_kafka.log_path.read_text()
    # Only reaches the file if SLF4J found the Log4j 2 binding and our config.
    assert "Kafka Server started (kafka.server.KafkaRaftServer)" in log
    assert "SLF4J" not in log, "SLF4J complained about missing or multiple bindings"


@pytest.mark.integration
def test_start_returns_the_running_broker_instead_of_launching_another(local_kafka: LocalKafka) -> None:
    pid = local_kafka.status().pid
    again = LocalKafka(local_kafka.dir, port=local_kafka.port, controller_port=local_kafka.controller_port)
    assert again.start() == local_kafka.bootstrap
    assert again.status().pid == pid
    assert broker_pids(local_kafka.dir / "server.properties") == [pid]


@pytest.mark.integration
def test_start_refuses_another_port_while_the_broker_runs(
    local_kafka: LocalKafka, free_ports: FreePorts
) -> None:
    port, controller_port = free_ports(2)
    other = LocalKafka(local_kafka.dir, port=port, controller_port=controller_port)
    with pytest.raises(LocalKafkaError, match=rf"already running on {BROKER_HOST}:{local_kafka.port} "):
        other.start()
    assert local_kafka.status().running


@pytest.mark.integration
def test_stop_then_start_keeps_the_data(own_broker: LocalKafka, unique_topic: str) -> None:
    records = [(b"a", b"1"), (b"b", b"2"), (b"c", b"3")]
    bootstrap = own_broker.start()
    pid = own_broker.status().pid
    assert pid is not None
    produce(bootstrap, unique_topic, records)

    assert own_broker.stop() is True
    assert own_broker.status().running is False
    assert not (own_broker.dir / "broker.pid").exists()
    assert broker_pids(own_broker.dir / "server.properties") == []
    # Kafka writes this marker only at the end of a controlled shutdown.
    assert (own_broker.dir / "data" / ".kafka_cleanshutdown").is_file()
    assert own_broker.stop() is False

    # A pid file left by a crash must not block the restart.
    (own_broker.dir / "broker.pid").write_text(f"{pid}\n")
    assert own_broker.start() == bootstrap
    assert own_broker.status().pid != pid
    assert consume(bootstrap, unique_topic, len(records), group=False) == records


@pytest.mark.integration
def test_two_brokers_run_side_by_side(
    local_kafka: LocalKafka, kafka_bootstrap: str, own_broker: LocalKafka, unique_topic: str
) -> None:
    second = own_broker.start()
    assert second != kafka_bootstrap
    produce(second, unique_topic, [(b"k", b"only on the second cluster")])

    first_cluster, first_topics = cluster_metadata(kafka_bootstrap)
    second_cluster, second_topics = cluster_metadata(second)
    assert first_cluster != second_cluster
    assert unique_topic in second_topics
    assert unique_topic not in first_topics
    assert local_kafka.status().pid != own_broker.status().pid
    assert local_kafka.status().running and own_broker.status().running

    # No grace period: the SIGKILL fallback must still leave nothing behind,
    # and must not touch the other broker.
    assert own_broker.stop(timeout=0) is True
    assert broker_pids(own_broker.dir / "server.properties") == []
    assert not (own_broker.dir / "data" / ".kafka_cleanshutdown").exists()
    assert cluster_metadata(kafka_bootstrap)[0] == first_cluster


@pytest.mark.parametrize("taken", ["port", "controller port"])
def test_start_fails_fast_when_a_port_is_in_use(tmp_path: Path, free_ports: FreePorts, taken: str) -> None:
    port, controller_port = free_ports(2)
    busy = port if taken == "port" else controller_port
    broker = LocalKafka(tmp_path / "kafka", port=port, controller_port=controller_port)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind((BROKER_HOST, busy))
        squatter.listen()
        started = time.monotonic()
        with pytest.raises(LocalKafkaError) as caught:
            broker.start()
        elapsed = time.monotonic() - started
    assert str(caught.value) == f"{taken} {busy} is already in use by another process"
    # Nothing was launched: a JVM start alone takes longer than this.
    assert elapsed < 1.0
    assert not (broker.dir / "broker.pid").exists()
    assert not (broker.dir / "server.properties").exists()


def test_start_reports_the_log_tail_when_the_broker_dies(tmp_path: Path, free_ports: FreePorts) -> None:
    port, controller_port = free_ports(2)
    broker = LocalKafka(tmp_path / "kafka", port=port, controller_port=controller_port)
    # Storage that claims another node id: the real broker refuses to start.
    data = broker.dir / "data"
    data.mkdir(parents=True)
    (data / "meta.properties").write_text("version=1\ncluster.id=AAAAAAAAAAAAAAAAAAAAAA\nnode.id=7\n")

    with pytest.raises(LocalKafkaError) as caught:
        broker.start()

    error = caught.value
    assert error.message == f"the Kafka broker exited with exit code 1 during startup; see {broker.log_path}"
    assert any("Stored node id 7" in line for line in error.tail)
    log_lines = broker.log_path.read_text().splitlines()
    assert all(line in log_lines for line in error.tail)
    assert not (broker.dir / "broker.pid").exists()
    assert broker_pids(broker.dir / "server.properties") == []


def test_stale_pid_file_of_an_exited_process_is_removed(tmp_path: Path) -> None:
    broker = LocalKafka(tmp_path)
    exited = subprocess.Popen(["true"])
    exited.wait()
    (tmp_path / "broker.pid").write_text(f"{exited.pid}\n")

    assert broker.status().running is False
    assert broker.stop() is False
    assert not (tmp_path / "broker.pid").exists()


def test_pid_reused_by_another_program_is_neither_reported_nor_signalled(tmp_path: Path) -> None:
    broker = LocalKafka(tmp_path)
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / "broker.pid").write_text(f"{stranger.pid}\n")
        assert broker.status() == BrokerStatus(running=False, pid=None, bootstrap=None, dir=tmp_path)
        assert broker.stop() is False
        assert not (tmp_path / "broker.pid").exists()
        assert stranger.poll() is None, "stop() signalled a process that is not the broker"
    finally:
        stranger.send_signal(signal.SIGKILL)
        stranger.wait()


def test_start_in_a_path_that_is_a_file_is_a_one_line_error(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    with pytest.raises(LocalKafkaError) as caught:
        LocalKafka(not_a_dir).start()
    assert str(caught.value) == f"cannot create the broker directory {not_a_dir}: File exists"


def test_stop_without_a_broker_returns_false_and_creates_nothing(tmp_path: Path) -> None:
    broker = LocalKafka(tmp_path / "never-started")
    assert broker.stop() is False
    assert not broker.dir.exists()


def test_controller_port_defaults_to_the_next_port() -> None:
    first = LocalKafka(Path("a"), port=9092)
    second = LocalKafka(Path("b"), port=9192)
    assert (first.port, first.controller_port) == (9092, 9093)
    assert (second.port, second.controller_port) == (9192, 9193)
    assert not {first.port, first.controller_port} & {second.port, second.controller_port}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"port": 9092, "controller_port": 9092},
            "the controller port must differ from the broker port 9092",
        ),
        ({"port": 0}, "port 0 is out of range 1-65535"),
        ({"port": 65535}, "controller port 65536 is out of range 1-65535"),
        ({"heap_mb": 0}, "the heap size must be a positive number of MiB, not 0"),
    ],
)
def test_constructor_rejects_bad_arguments(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(LocalKafkaError) as caught:
        LocalKafka(Path("unused"), **kwargs)
    assert str(caught.value) == message


def test_default_dir_follows_xdg_state_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_dir(9192) == tmp_path / "kconnect" / "kafka-9192"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/is/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_dir(9092) == tmp_path / "home" / ".local" / "state" / "kconnect" / "kafka-9092"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert default_dir() == tmp_path / "home" / ".local" / "state" / "kconnect" / "kafka-9092"
