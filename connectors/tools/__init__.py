"""Kafka's test connectors (`org.apache.kafka.connect.tools`), for exercising a worker or a cluster.

`VerifiableSourceConnector`/`VerifiableSinkConnector` produce and check sequence numbers and print
one JSON line per event to standard output, as Kafka's system tests read them;
`MockSourceConnector`/`MockSinkConnector` fail on purpose (`mock_mode`, `delay_ms`).
"""

from connectors.tools.mock import (
    MockConnector,
    MockSinkConnector,
    MockSinkTask,
    MockSourceConnector,
    MockSourceTask,
)
from connectors.tools.verifiable import (
    VerifiableSinkConnector,
    VerifiableSinkTask,
    VerifiableSourceConnector,
    VerifiableSourceTask,
)

__all__ = [
    "MockConnector",
    "MockSinkConnector",
    "MockSinkTask",
    "MockSourceConnector",
    "MockSourceTask",
    "VerifiableSinkConnector",
    "VerifiableSinkTask",
    "VerifiableSourceConnector",
    "VerifiableSourceTask",
]
