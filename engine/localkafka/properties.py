"""The local broker's ``server.properties`` and ``meta.properties``.

`render_server_properties` is the whole broker configuration `LocalKafka`
uses: a single combined broker+controller (KRaft, KIP-853 dynamic quorum)
on 127.0.0.1 with every replication factor at 1. The readers recover what a
running broker was started with, because a later process only has the state
directory to go on.
"""

from __future__ import annotations

import base64
import re
import uuid
from pathlib import Path

from engine.localkafka.errors import LocalKafkaError

__all__ = [
    "META_PROPERTIES_FILE",
    "new_cluster_id",
    "read_client_port",
    "read_cluster_id",
    "render_server_properties",
]

# Written by `StorageTool format` into the data directory; the broker refuses
# to start without it, so its presence means "formatted".
META_PROPERTIES_FILE = "meta.properties"

_NODE_ID = 1
_LISTENERS_RE = re.compile(r"^listeners=PLAINTEXT://[^:\s]+:(\d+),", re.MULTILINE)


def render_server_properties(*, host: str, port: int, controller_port: int, data_dir: Path) -> str:
    """Return the text of ``server.properties`` for one single-node broker."""
    plaintext = f"PLAINTEXT://{host}:{port}"
    controller = f"CONTROLLER://{host}:{controller_port}"
    properties = {
        "process.roles": "broker,controller",
        "node.id": str(_NODE_ID),
        # KIP-853 dynamic quorum; pairs with `StorageTool format --standalone`.
        # A single node re-forms its quorum from this even when the
        # controller port differs from the one it was formatted with.
        "controller.quorum.bootstrap.servers": f"{host}:{controller_port}",
        "listeners": f"{plaintext},{controller}",
        "advertised.listeners": f"{plaintext},{controller}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data_dir),
        "num.partitions": "1",
        "auto.create.topics.enable": "true",
        # A single node cannot hold more than one replica of anything.
        "default.replication.factor": "1",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # The 3 s default only pays off when many members join at once; in
        # tests it is pure latency on every first rebalance.
        "group.initial.rebalance.delay.ms": "0",
    }
    header = "# Written by engine.localkafka on every start; edits are overwritten.\n"
    return header + "".join(f"{key}={value}\n" for key, value in properties.items())


def read_client_port(path: Path) -> int | None:
    """The PLAINTEXT port in a ``server.properties`` this module wrote, or ``None``."""
    try:
        text = path.read_text()
    except OSError:
        return None
    match = _LISTENERS_RE.search(text)
    return int(match.group(1)) if match else None


def read_cluster_id(data_dir: Path) -> str:
    """The ``cluster.id`` the storage in ``data_dir`` was formatted with.

    Raises:
        LocalKafkaError: ``data_dir`` is not formatted.
    """
    path = data_dir / META_PROPERTIES_FILE
    try:
        text = path.read_text()
    except OSError as exc:
        raise LocalKafkaError(f"{data_dir} is not a formatted Kafka data directory: {exc.strerror}") from None
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "cluster.id":
            return value.strip()
    raise LocalKafkaError(f"{path} has no cluster.id")


def new_cluster_id() -> str:
    """A fresh Kafka ``Uuid`` string: 16 random bytes, URL-safe base64 without padding.

    Same rule as Kafka's ``Uuid.randomUuid()``: an id starting with ``-``
    is redrawn because command-line parsers take it for a flag. Doing this
    in Python saves the JVM start of ``StorageTool random-uuid``.
    """
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not text.startswith("-"):
            return text
