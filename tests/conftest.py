"""Shared fixtures: the project's own local Kafka broker, free ports and unique topic names.

The session broker is a real Apache Kafka broker started through the same
`engine.localkafka.LocalKafka` code path the ``kconnect kafka`` CLI uses, on
free ports in a temporary directory, so tests never touch a developer's
broker on 9092. Tests that use it are marked ``@pytest.mark.integration``.
"""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from engine.localkafka import BROKER_HOST, LocalKafka

# Kafka's legal topic characters are [a-zA-Z0-9._-]; '.' is dropped too,
# because the broker warns that '.' and '_' collide in metric names.
_TOPIC_ILLEGAL_RE = re.compile(r"[^a-zA-Z0-9_-]")


def _free_ports(count: int) -> list[int]:
    """Ports nothing listens on right now; all sockets are held until every port is picked, so they differ."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind((BROKER_HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]


@pytest.fixture
def free_ports() -> Callable[[int], list[int]]:
    """``free_ports(n)`` returns ``n`` distinct ports free on 127.0.0.1."""
    return _free_ports


@pytest.fixture(scope="session")
def local_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafka]:
    """The running session broker; stopped when the session ends."""
    port, controller_port = _free_ports(2)
    broker = LocalKafka(tmp_path_factory.mktemp("kafka"), port=port, controller_port=controller_port)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(local_kafka: LocalKafka) -> str:
    """``bootstrap.servers`` of the session broker, e.g. ``"127.0.0.1:41234"``."""
    return local_kafka.bootstrap


@pytest.fixture
def unique_topic(request: pytest.FixtureRequest) -> str:
    """A topic name no other test uses, derived from the test's name."""
    return _TOPIC_ILLEGAL_RE.sub("-", f"t-{request.node.name[:40]}-{uuid.uuid4().hex[:8]}")
