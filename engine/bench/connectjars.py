"""Resolves Apache Kafka Connect's standalone worker jars from Maven Central into a local cache.

The ``connect-java`` system runs ``java -cp '<libs>/*'
org.apache.kafka.connect.cli.ConnectStandalone``; its class path is filled
by `engine.localkafka.resolve_jars` from the throw-away ``pom.xml`` next to
this module, once per Kafka version.
"""

from __future__ import annotations

from pathlib import Path

from engine.localkafka import KAFKA_VERSION, default_cache_dir, resolve_jars

__all__ = ["connect_cache_dir", "resolve_connect_jars"]

_POM = Path(__file__).with_name("pom.xml")


def connect_cache_dir(version: str = KAFKA_VERSION) -> Path:
    """``$XDG_CACHE_HOME/kconnect/connect-<version>/libs``, next to the broker's jar cache."""
    return default_cache_dir(version).parent.parent / f"connect-{version}" / "libs"


def resolve_connect_jars(version: str = KAFKA_VERSION, cache_dir: Path | None = None) -> Path:
    """Return a directory holding every jar Kafka Connect ``version``'s standalone worker needs.

    Raises:
        LocalKafkaError: As `engine.localkafka.resolve_jars`.
    """
    libs = cache_dir if cache_dir is not None else connect_cache_dir(version)
    return resolve_jars(version, libs, pom=_POM, artifact="connect-runtime", what="Kafka Connect")
