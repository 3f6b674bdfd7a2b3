"""A real local Apache Kafka broker (KRaft, from the Maven Central jars) for kconnect.

Used by ``kconnect kafka start|stop|status`` and by the test fixtures in
``tests/conftest.py``: `LocalKafka` starts, finds and stops a detached
single-node broker in a state directory; `resolve_jars` fetches the broker
jars once into a cache. Needs ``java`` (17+) and, on first use, ``mvn``.
"""

from __future__ import annotations

from engine.localkafka.broker import BROKER_HOST, BrokerStatus, LocalKafka, default_dir
from engine.localkafka.errors import LocalKafkaError
from engine.localkafka.jars import KAFKA_VERSION, default_cache_dir, resolve_jars

__all__ = [
    "BROKER_HOST",
    "KAFKA_VERSION",
    "BrokerStatus",
    "LocalKafka",
    "LocalKafkaError",
    "default_cache_dir",
    "default_dir",
    "resolve_jars",
]
