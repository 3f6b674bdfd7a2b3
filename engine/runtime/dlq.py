"""The dead letter queue of a sink task: failed records, as consumed, to another topic.

Connect compat: `DeadLetterQueueReporter`. The original record is produced again — its key and
value bytes, headers and timestamp — to `errors.deadletterqueue.topic.name`, created with one
partition if missing (replication factor `errors.deadletterqueue.topic.replication.factor`, capped
to the number of brokers so a small cluster still gets one). With
`errors.deadletterqueue.context.headers.enable`, the `__connect.errors.*` headers say where and why
the record failed.

`__connect.errors.exception.class.name` names Connect's Java class for the engine's exceptions
that mirror one (`DataError` is `org.apache.kafka.connect.errors.DataException`, ...), since
consumers of a dead letter queue match on it; any other exception gets its Python qualified name.
The message and stack trace headers, status traces and the error log keep Python's names: they
come with Python frames, and a Java class name over Python frames would point nowhere.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # NewTopic is re-exported without __all__
    AdminClient,
    NewTopic,
)

from engine.errors import ConfigError, ConnectError, DataError, RetriableError
from engine.pipeline import RawRecord
from engine.runtime.clients import admin_config, dlq_producer_config
from engine.runtime.errors import ErrorContext, ErrorCounters, ErrorHandlingConfig, error_details

__all__ = [
    "DeadLetterQueueReporter",
    "context_headers",
    "ensure_topic",
    "exception_class_name",
]

logger = logging.getLogger("engine.runtime.errors")

HEADER_PREFIX = "__connect.errors."
ERROR_HEADER_ORIG_TOPIC = HEADER_PREFIX + "topic"
ERROR_HEADER_ORIG_PARTITION = HEADER_PREFIX + "partition"
ERROR_HEADER_ORIG_OFFSET = HEADER_PREFIX + "offset"
ERROR_HEADER_CONNECTOR_NAME = HEADER_PREFIX + "connector.name"
ERROR_HEADER_TASK_ID = HEADER_PREFIX + "task.id"
ERROR_HEADER_STAGE = HEADER_PREFIX + "stage"
ERROR_HEADER_EXECUTING_CLASS = HEADER_PREFIX + "class.name"
ERROR_HEADER_EXCEPTION = HEADER_PREFIX + "exception.class.name"
ERROR_HEADER_EXCEPTION_MESSAGE = HEADER_PREFIX + "exception.message"
ERROR_HEADER_EXCEPTION_STACK_TRACE = HEADER_PREFIX + "exception.stacktrace"

_JAVA_EXCEPTION_CLASSES: dict[type[BaseException], str] = {
    DataError: "org.apache.kafka.connect.errors.DataException",
    ConnectError: "org.apache.kafka.connect.errors.ConnectException",
    RetriableError: "org.apache.kafka.connect.errors.RetriableException",
    ConfigError: "org.apache.kafka.common.config.ConfigException",
}

DLQ_NUM_PARTITIONS = 1
ADMIN_TIMEOUT_S = 30.0
FLUSH_TIMEOUT_S = 30.0


def _utf8(value: object | None) -> bytes | None:
    return None if value is None else str(value).encode()


def context_headers(context: ErrorContext, connector: str, task: int) -> list[tuple[str, bytes | None]]:
    """Connect compat: `DeadLetterQueueReporter.populateContextHeaders`, in its order."""
    headers: list[tuple[str, bytes | None]] = []
    consumed = context.consumed
    if consumed is not None:
        headers += [
            (ERROR_HEADER_ORIG_TOPIC, _utf8(consumed.topic)),
            (ERROR_HEADER_ORIG_PARTITION, _utf8(consumed.partition)),
            (ERROR_HEADER_ORIG_OFFSET, _utf8(consumed.offset)),
        ]
    headers += [
        (ERROR_HEADER_CONNECTOR_NAME, _utf8(connector)),
        (ERROR_HEADER_TASK_ID, _utf8(task)),
        (ERROR_HEADER_STAGE, _utf8(context.stage.value)),
        (ERROR_HEADER_EXECUTING_CLASS, _utf8(context.executing_class)),
    ]
    details = error_details(context.error)
    headers += [
        (ERROR_HEADER_EXCEPTION, _utf8(exception_class_name(context.error))),
        (ERROR_HEADER_EXCEPTION_MESSAGE, _utf8(details["message"])),
        (ERROR_HEADER_EXCEPTION_STACK_TRACE, _utf8(details["stacktrace"])),
    ]
    return headers


def exception_class_name(error: BaseException) -> str:
    """The class name the exception header shows: Connect's Java name for the engine's
    exceptions that mirror one (exact classes only: a subclass is its own class, as in Java),
    otherwise `module.QualName` (`QualName` for builtins)."""
    cls = type(error)
    java = _JAVA_EXCEPTION_CLASSES.get(cls)
    if java is not None:
        return java
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def ensure_topic(admin: AdminClient, topic: str, replication_factor: int) -> None:
    """Creates the dead letter queue topic unless it exists.

    Raises:
        ConnectError: Connect's `Could not initialize dead letter queue with topic=...`.
    """
    try:
        metadata = admin.list_topics(timeout=ADMIN_TIMEOUT_S)
        if topic in metadata.topics:
            return
        brokers = max(len(metadata.brokers), 1)
        factor = replication_factor if replication_factor < 0 else min(replication_factor, brokers)
        if factor != replication_factor:
            logger.warning(
                "The dead letter queue topic `%s` gets replication factor %d, not %d: "
                "the cluster has %d broker(s).",
                topic,
                factor,
                replication_factor,
                brokers,
            )
        logger.info("Topic `%s` doesn't exist. Will attempt to create topic.", topic)
        futures = admin.create_topics(
            [NewTopic(topic, num_partitions=DLQ_NUM_PARTITIONS, replication_factor=factor)]
        )
        futures[topic].result(ADMIN_TIMEOUT_S)
    except KafkaException as e:
        error = e.args[0] if e.args else None
        if isinstance(error, KafkaError) and error.code() == KafkaError.TOPIC_ALREADY_EXISTS:
            return
        raise ConnectError(f"Could not initialize dead letter queue with topic={topic}") from e


class DeadLetterQueueReporter:
    """Produces each failed consumed record to the dead letter queue (an `ErrorReporter`)."""

    def __init__(
        self,
        producer: Producer,
        config: ErrorHandlingConfig,
        connector: str,
        task: int,
        counters: ErrorCounters,
    ) -> None:
        self._producer = producer
        self._topic = config.dlq_topic.strip()
        self._context_headers = config.dlq_context_headers
        self._connector = connector
        self._task = task
        self._counters = counters

    @classmethod
    def create(
        cls,
        worker: Mapping[str, str],
        connector_config: Mapping[str, str],
        config: ErrorHandlingConfig,
        *,
        connector: str,
        task: int,
        counters: ErrorCounters,
    ) -> DeadLetterQueueReporter:
        """Makes sure the topic exists and creates the producer (`connector-dlq-producer-{c}-{t}`).

        Raises:
            ConnectError: the topic could not be created, or the producer configuration is invalid.
        """
        settings: dict[str, str | int | float | bool] = dict(
            admin_config(worker, connector_config, client_id=f"connector-dlq-adminclient-{connector}")
        )
        admin = AdminClient(settings)
        ensure_topic(admin, config.dlq_topic.strip(), config.dlq_replication_factor)
        try:
            producer = Producer(
                dlq_producer_config(worker, connector_config, connector_name=connector, task=task)
            )
        except KafkaException as e:
            raise ConnectError(f"Could not create the dead letter queue producer: {e}") from e
        return cls(producer, config, connector, task, counters)

    def record(self, context: ErrorContext) -> RawRecord | None:
        """What goes to the topic for this failure, or None when there is no consumed record."""
        consumed = context.consumed
        if consumed is None:
            return None
        headers = list(consumed.headers)
        if self._context_headers:
            headers += context_headers(context, self._connector, self._task)
        return RawRecord(self._topic, None, None, consumed.timestamp, consumed.key, consumed.value, headers)

    def report(self, context: ErrorContext) -> None:
        if not self._topic:
            return
        self._counters.add("deadletterqueue_produce_requests")
        record = self.record(context)
        if record is None:
            self._counters.add("deadletterqueue_produce_failures")
            return
        kwargs: dict[str, Any] = {"key": record.key, "value": record.value, "headers": record.headers}
        if record.timestamp is not None and record.timestamp >= 0:
            kwargs["timestamp"] = record.timestamp
        try:
            self._producer.produce(self._topic, on_delivery=self._delivered, **kwargs)
        except BufferError:
            self._producer.poll(1.0)
            self._producer.produce(self._topic, on_delivery=self._delivered, **kwargs)
        self._producer.poll(0)

    def _delivered(self, error: KafkaError | None, _message: Message) -> None:
        if error is not None:
            logger.error("Could not produce message to dead letter queue. topic=%s: %s", self._topic, error)
            self._counters.add("deadletterqueue_produce_failures")

    def flush(self, timeout: float = FLUSH_TIMEOUT_S) -> None:
        """Waits until every reported record was delivered (before the task commits offsets).

        Raises:
            ConnectError: records are still undelivered after `timeout` seconds.
        """
        remaining = self._producer.flush(timeout)
        if remaining:
            raise ConnectError(
                f"{remaining} record(s) could not be written to the dead letter queue topic "
                f"{self._topic} in time."
            )

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._producer.purge(in_queue=True, in_flight=True, blocking=False)
            self._producer.poll(0)
            self._producer.close()
