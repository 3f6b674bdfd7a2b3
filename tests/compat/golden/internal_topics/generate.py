"""Captures the records Apache Kafka Connect 4.3.1's distributed worker writes to its internal topics.

Run once (`.venv/bin/python tests/compat/golden/internal_topics/generate.py`); it starts a throw-away
local broker and one `ConnectDistributed` JVM on free ports, drives a FileStream source and sink
connector through create, pause, resume, stop, offset alteration and reset, restart, a cluster-wide
logger level, and deletion, then dumps every record of the config, offsets and status topics to
`records.jsonl` next to this file: one JSON object per record with `topic` (`config`, `offset` or
`status`), `partition`, `offset`, `key` and `value` (the UTF-8 text of the bytes, null for none).
The keys and values are JSON text as Connect wrote them, so a JSON string holds them losslessly.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, TopicPartition

from engine.bench.connectjars import resolve_connect_jars
from engine.config import properties
from engine.localkafka import LocalKafka

HERE = Path(__file__).parent
OUTPUT = HERE / "records.jsonl"
TOPICS = {"config": "golden-configs", "offset": "golden-offsets", "status": "golden-status"}
SOURCE = "golden-source"
SINK = "golden-sink"
DATA_TOPIC = "golden-data"
LOG4J = Path(__file__).parents[4] / "engine" / "bench" / "connect-log4j2.properties"


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def rest(base: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as exc:
        text = exc.read()
        try:
            return exc.code, json.loads(text or b"null")
        except ValueError:
            return exc.code, text.decode(errors="replace")


def wait_for(what: str, check: Any, timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
        except (urllib.error.URLError, ConnectionError):
            result = None
        if result:
            return result
        time.sleep(0.5)
    raise TimeoutError(f"timed out waiting for {what}")


def state_is(base: str, name: str, connector_state: str, task_state: str | None) -> bool:
    code, body = rest(base, "GET", f"/connectors/{name}/status")
    if code != 200 or body["connector"]["state"] != connector_state:
        return False
    states = [task["state"] for task in body["tasks"]]
    return states == ([] if task_state is None else [task_state])


def drive(base: str, workdir: Path) -> None:
    source_file = workdir / "in.txt"
    source_file.write_text("one\ntwo\nthree\n")
    sink_file = workdir / "out.txt"
    wait_for("the REST API", lambda: rest(base, "GET", "/connectors")[0] == 200)
    code, body = rest(
        base,
        "POST",
        "/connectors",
        {
            "name": SOURCE,
            "config": {
                "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
                "tasks.max": "1",
                "file": str(source_file),
                "topic": DATA_TOPIC,
            },
        },
    )
    assert code == 201, body
    wait_for("the source running", lambda: state_is(base, SOURCE, "RUNNING", "RUNNING"))
    code, body = rest(
        base,
        "POST",
        "/connectors",
        {
            "name": SINK,
            "config": {
                "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                "tasks.max": "1",
                "file": str(sink_file),
                "topics": DATA_TOPIC,
            },
            "initial_state": "PAUSED",
        },
    )
    assert code == 201, body
    wait_for("the sink paused", lambda: state_is(base, SINK, "PAUSED", None))
    wait_for(
        "the source offset",
        lambda: rest(base, "GET", f"/connectors/{SOURCE}/offsets")[1].get("offsets"),
    )
    assert rest(base, "PUT", f"/connectors/{SOURCE}/pause")[0] == 202
    wait_for("the source paused", lambda: state_is(base, SOURCE, "PAUSED", "PAUSED"))
    assert rest(base, "PUT", f"/connectors/{SOURCE}/resume")[0] == 202
    wait_for("the source resumed", lambda: state_is(base, SOURCE, "RUNNING", "RUNNING"))
    assert rest(base, "PUT", f"/connectors/{SOURCE}/stop")[0] == 204
    wait_for("the source stopped", lambda: state_is(base, SOURCE, "STOPPED", None))
    code, body = rest(
        base,
        "PATCH",
        f"/connectors/{SOURCE}/offsets",
        {"offsets": [{"partition": {"filename": str(source_file)}, "offset": {"position": 4}}]},
    )
    assert code == 200, body
    code, body = rest(base, "DELETE", f"/connectors/{SOURCE}/offsets")
    assert code == 200, body
    assert rest(base, "PUT", f"/connectors/{SOURCE}/resume")[0] == 202
    wait_for("the source running again", lambda: state_is(base, SOURCE, "RUNNING", "RUNNING"))
    code, body = rest(base, "POST", f"/connectors/{SOURCE}/restart?includeTasks=true&onlyFailed=false")
    assert code == 202, body
    wait_for("the source restarted", lambda: state_is(base, SOURCE, "RUNNING", "RUNNING"))
    code, body = rest(
        base, "PUT", "/admin/loggers/org.apache.kafka.connect.file?scope=cluster", {"level": "DEBUG"}
    )
    assert code == 204, (code, body)
    assert rest(base, "PUT", f"/connectors/{SINK}/resume")[0] == 202
    wait_for("the sink running", lambda: state_is(base, SINK, "RUNNING", "RUNNING"))
    wait_for("the sink file", lambda: sink_file.exists() and sink_file.read_text().count("\n") >= 3)
    assert rest(base, "DELETE", f"/connectors/{SINK}")[0] == 204
    assert rest(base, "DELETE", f"/connectors/{SOURCE}")[0] == 204
    time.sleep(3)  # the tombstones of the statuses of deleted instances come after the rebalance


def dump(bootstrap: str) -> list[dict[str, Any]]:
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "golden-dump", "enable.auto.commit": False}
    )
    records: list[dict[str, Any]] = []
    try:
        for kind, topic in TOPICS.items():
            metadata = consumer.list_topics(topic, timeout=10)
            partitions = sorted(metadata.topics[topic].partitions)
            for partition in partitions:
                low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
                if high <= low:
                    continue
                consumer.assign([TopicPartition(topic, partition, low)])
                position = low
                while position < high:
                    message = consumer.poll(10)
                    if message is None:
                        raise TimeoutError(f"no record at {topic}-{partition}@{position}")
                    if message.error():
                        raise RuntimeError(str(message.error()))
                    key, value = message.key(), message.value()
                    records.append(
                        {
                            "topic": kind,
                            "partition": partition,
                            "offset": message.offset(),
                            "key": None if key is None else key.decode(),
                            "value": None if value is None else value.decode(),
                        }
                    )
                    position = (message.offset() or 0) + 1
    finally:
        consumer.close()
    return records


def main() -> None:
    java = shutil.which("java")
    assert java is not None, "java is needed"
    libs = resolve_connect_jars()
    with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
        workdir = Path(tmp)
        broker_port, controller_port, rest_port = free_ports(3)
        broker = LocalKafka(workdir / "kafka", port=broker_port, controller_port=controller_port)
        broker.start()
        worker = None
        try:
            worker_props = {
                "bootstrap.servers": broker.bootstrap,
                "group.id": "golden-cluster",
                "key.converter": "org.apache.kafka.connect.json.JsonConverter",
                "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                "config.storage.topic": TOPICS["config"],
                "offset.storage.topic": TOPICS["offset"],
                "status.storage.topic": TOPICS["status"],
                "config.storage.replication.factor": "1",
                "offset.storage.replication.factor": "1",
                "status.storage.replication.factor": "1",
                "offset.flush.interval.ms": "500",
                "listeners": f"http://127.0.0.1:{rest_port}",
                "rest.advertised.host.name": "127.0.0.1",
            }
            (workdir / "worker.properties").write_text(properties.dumps(worker_props))
            log = open(workdir / "connect.log", "wb")  # noqa: SIM115 - closed with the process below
            worker = subprocess.Popen(
                [
                    java,
                    "-Xmx512m",
                    f"-Dlog4j2.configurationFile={LOG4J}",
                    "-cp",
                    f"{libs}/*",
                    "org.apache.kafka.connect.cli.ConnectDistributed",
                    str(workdir / "worker.properties"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
            try:
                drive(f"http://127.0.0.1:{rest_port}", workdir)
            except BaseException:
                print((workdir / "connect.log").read_text()[-5000:])
                raise
            records = dump(broker.bootstrap)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(30)
            broker.stop()
    with OUTPUT.open("w") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} records to {OUTPUT}")


if __name__ == "__main__":
    main()
