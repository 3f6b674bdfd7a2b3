"""Connector-level keys: Connect's `ConnectorConfig`/`SinkConnectorConfig`/`SourceConnectorConfig`.

The framework keys every connector has are declared here once, with Connect's groups, order,
widths and display names, plus kconnect's restart-policy keys; `connector_spec` gives a sink's or
a source's keys. Validating a config against them is `engine.config.validation`.
"""

from __future__ import annotations

import re
from typing import Any

from engine.api.config import (
    ConfigKey,
    ConfigSpec,
    ConfigType,
    Importance,
    Validator,
    at_least,
    non_empty_string,
    one_of,
)
from engine.errors import ConfigError

__all__ = [
    "ADMIN_OVERRIDES_PREFIX",
    "COMMON_GROUP",
    "CONNECTOR_CLASS_CONFIG",
    "CONSUMER_OVERRIDES_PREFIX",
    "DLQ_CONTEXT_HEADERS_ENABLE_CONFIG",
    "DLQ_TOPIC_NAME_CONFIG",
    "DLQ_TOPIC_REPLICATION_FACTOR_CONFIG",
    "ERRORS_LOG_ENABLE_CONFIG",
    "ERRORS_LOG_INCLUDE_MESSAGES_CONFIG",
    "ERRORS_RETRY_MAX_DELAY_CONFIG",
    "ERRORS_RETRY_TIMEOUT_CONFIG",
    "ERRORS_TOLERANCE_CONFIG",
    "HEADER_CONVERTER_CLASS_CONFIG",
    "KEY_CONVERTER_CLASS_CONFIG",
    "NAME_CONFIG",
    "PREDICATES_CONFIG",
    "PREDICATES_GROUP",
    "PRODUCER_OVERRIDES_PREFIX",
    "SINK_SPEC",
    "SOURCE_SPEC",
    "TASKS_MAX_CONFIG",
    "TASK_RESTART_BACKOFF_INITIAL_MS_CONFIG",
    "TASK_RESTART_BACKOFF_MAX_MS_CONFIG",
    "TASK_RESTART_MAX_ATTEMPTS_CONFIG",
    "TASK_RESTART_POLICY_CONFIG",
    "TOPICS_CONFIG",
    "TOPICS_REGEX_CONFIG",
    "TOPIC_CREATION_PREFIX",
    "TRANSFORMS_CONFIG",
    "TRANSFORMS_GROUP",
    "VALUE_CONVERTER_CLASS_CONFIG",
    "connector_spec",
    "invalid_value",
    "java_text",
]

COMMON_GROUP = "Common"
TRANSFORMS_GROUP = "Transforms"
PREDICATES_GROUP = "Predicates"
ERROR_GROUP = "Error Handling"
TOPIC_CREATION_GROUP = "Topic Creation"
EXACTLY_ONCE_SUPPORT_GROUP = "Exactly Once Support"
OFFSETS_TOPIC_GROUP = "offsets.topic"
RESTART_GROUP = "Restart Policy"

NAME_CONFIG = "name"
CONNECTOR_CLASS_CONFIG = "connector.class"
TASKS_MAX_CONFIG = "tasks.max"
TASKS_MAX_ENFORCE_CONFIG = "tasks.max.enforce"
KEY_CONVERTER_CLASS_CONFIG = "key.converter"
VALUE_CONVERTER_CLASS_CONFIG = "value.converter"
HEADER_CONVERTER_CLASS_CONFIG = "header.converter"
TRANSFORMS_CONFIG = "transforms"
PREDICATES_CONFIG = "predicates"
CONFIG_RELOAD_ACTION_CONFIG = "config.action.reload"
ERRORS_RETRY_TIMEOUT_CONFIG = "errors.retry.timeout"
ERRORS_RETRY_MAX_DELAY_CONFIG = "errors.retry.delay.max.ms"
ERRORS_TOLERANCE_CONFIG = "errors.tolerance"
ERRORS_LOG_ENABLE_CONFIG = "errors.log.enable"
ERRORS_LOG_INCLUDE_MESSAGES_CONFIG = "errors.log.include.messages"
TOPICS_CONFIG = "topics"
TOPICS_REGEX_CONFIG = "topics.regex"
DLQ_TOPIC_NAME_CONFIG = "errors.deadletterqueue.topic.name"
DLQ_TOPIC_REPLICATION_FACTOR_CONFIG = "errors.deadletterqueue.topic.replication.factor"
DLQ_CONTEXT_HEADERS_ENABLE_CONFIG = "errors.deadletterqueue.context.headers.enable"
TOPIC_CREATION_PREFIX = "topic.creation."
TOPIC_CREATION_GROUPS_CONFIG = "topic.creation.groups"
EXACTLY_ONCE_SUPPORT_CONFIG = "exactly.once.support"
TRANSACTION_BOUNDARY_CONFIG = "transaction.boundary"
TRANSACTION_BOUNDARY_INTERVAL_CONFIG = "transaction.boundary.interval.ms"
OFFSETS_TOPIC_CONFIG = "offsets.storage.topic"
TASK_RESTART_POLICY_CONFIG = "task.restart.policy"
TASK_RESTART_MAX_ATTEMPTS_CONFIG = "task.restart.max.attempts"
TASK_RESTART_BACKOFF_INITIAL_MS_CONFIG = "task.restart.backoff.initial.ms"
TASK_RESTART_BACKOFF_MAX_MS_CONFIG = "task.restart.backoff.max.ms"

PRODUCER_OVERRIDES_PREFIX = "producer.override."
CONSUMER_OVERRIDES_PREFIX = "consumer.override."
ADMIN_OVERRIDES_PREFIX = "admin.override."


def invalid_value(name: str, value: Any, reason: str) -> ConfigError:
    """Connect's `ConfigException(name, value, reason)` text."""
    return ConfigError(f"Invalid value {java_text(value)} for configuration {name}: {reason}")


def java_text(value: Any) -> str:
    """How Java's string concatenation shows a config value (lists as `[a, b]`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def _name_valid(name: str, value: Any) -> None:
    # Connect compat: ConfigDef.NonEmptyStringWithoutControlChars.
    if value is None:
        return
    if value == "":
        raise invalid_value(name, value, "String may not be empty")
    controls = [str(ord(c)) for c in value if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F]
    if controls:
        raise invalid_value(
            name,
            value,
            "String may not contain control sequences but had the following ASCII chars: "
            + ", ".join(controls),
        )


def _unique_aliases(name: str, value: Any) -> None:
    if value is not None and len(set(value)) != len(value):
        raise invalid_value(name, value, "Duplicate alias provided.")


def _one_of_ignoring_case(*allowed: str) -> Validator:
    # Connect compat: ConfigDef.CaseInsensitiveValidString's message.
    def check(name: str, value: Any) -> None:
        if value is None or value.lower() not in allowed:
            raise invalid_value(
                name, value, "String must be one of (case insensitive): " + ", ".join(allowed)
            )

    return check


def _regex_valid(name: str, value: Any) -> None:
    try:
        re.compile(value or "")
    except re.error as exc:
        raise invalid_value(name, value, f"Invalid regex: {exc}") from None


def _at_least_if_set(minimum: int) -> Validator:
    check = at_least(minimum)

    def validate(name: str, value: Any) -> None:
        if value is not None:
            check(name, value)

    return validate


_CONVERTER_DOC = (
    "Converter class used to convert between Kafka Connect format and the serialized form that is written "
    "to Kafka. This controls the format of the {part} in messages written to or read from Kafka, and since "
    "this is independent of connectors it allows any connector to work with any serialization format. "
    "Examples of common formats include JSON and Avro."
)

_BASE_KEYS = [
    ConfigKey(
        NAME_CONFIG,
        ConfigType.STRING,
        "Globally unique name to use for this connector.",
        importance=Importance.HIGH,
        validator=_name_valid,
        group=COMMON_GROUP,
        order_in_group=1,
        display_name="Connector name",
        width="MEDIUM",
    ),
    ConfigKey(
        CONNECTOR_CLASS_CONFIG,
        ConfigType.STRING,
        "Name or alias of the class for this connector. Must be a subclass of "
        "org.apache.kafka.connect.connector.Connector. If the connector is "
        "org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name, "
        ' or use "FileStreamSink" or "FileStreamSinkConnector" to make the configuration a bit shorter',
        importance=Importance.HIGH,
        group=COMMON_GROUP,
        order_in_group=2,
        display_name="Connector class",
        width="LONG",
    ),
    ConfigKey(
        TASKS_MAX_CONFIG,
        ConfigType.INT,
        "Maximum number of tasks to use for this connector.",
        default=1,
        importance=Importance.HIGH,
        validator=at_least(1),
        group=COMMON_GROUP,
        order_in_group=3,
        display_name="Tasks max",
        width="SHORT",
    ),
    ConfigKey(
        TASKS_MAX_ENFORCE_CONFIG,
        ConfigType.BOOLEAN,
        "(Deprecated) Whether to enforce that the tasks.max property is respected by the connector. By "
        "default, connectors that generate too many tasks will fail, and existing sets of tasks that exceed "
        "the tasks.max property will also be failed. If this property is set to false, then connectors will "
        "be allowed to generate more than the maximum number of tasks, and existing sets of tasks that "
        "exceed the tasks.max property will be allowed to run. This property is deprecated and will be "
        "removed in an upcoming major release.",
        default=True,
        importance=Importance.LOW,
        group=COMMON_GROUP,
        order_in_group=4,
        display_name="Enforce tasks max",
        width="SHORT",
    ),
    ConfigKey(
        KEY_CONVERTER_CLASS_CONFIG,
        ConfigType.CLASS,
        _CONVERTER_DOC.format(part="keys"),
        default=None,
        importance=Importance.LOW,
        group=COMMON_GROUP,
        order_in_group=5,
        display_name="Key converter class",
        width="SHORT",
    ),
    ConfigKey(
        VALUE_CONVERTER_CLASS_CONFIG,
        ConfigType.CLASS,
        _CONVERTER_DOC.format(part="values"),
        default=None,
        importance=Importance.LOW,
        group=COMMON_GROUP,
        order_in_group=6,
        display_name="Value converter class",
        width="SHORT",
    ),
    ConfigKey(
        HEADER_CONVERTER_CLASS_CONFIG,
        ConfigType.CLASS,
        "HeaderConverter class used to convert between Kafka Connect format and the serialized form that is "
        "written to Kafka. This controls the format of the header values in messages written to or read from "
        "Kafka, and since this is independent of connectors it allows any connector to work with any "
        "serialization format. Examples of common formats include JSON and Avro. By default, the "
        "SimpleHeaderConverter is used to serialize header values to strings and deserialize them by "
        "inferring the schemas.",
        default=None,
        importance=Importance.LOW,
        group=COMMON_GROUP,
        order_in_group=7,
        display_name="Header converter class",
        width="SHORT",
    ),
    ConfigKey(
        TRANSFORMS_CONFIG,
        ConfigType.LIST,
        "Aliases for the transformations to be applied to records.",
        default="",
        importance=Importance.LOW,
        validator=_unique_aliases,
        group=TRANSFORMS_GROUP,
        order_in_group=8,
        display_name="Transforms",
        width="LONG",
    ),
    ConfigKey(
        PREDICATES_CONFIG,
        ConfigType.LIST,
        "Aliases for the predicates used by transformations.",
        default="",
        importance=Importance.LOW,
        validator=_unique_aliases,
        group=PREDICATES_GROUP,
        order_in_group=9,
        display_name="Predicates",
        width="LONG",
    ),
    ConfigKey(
        CONFIG_RELOAD_ACTION_CONFIG,
        ConfigType.STRING,
        "The action that Connect should take on the connector when changes in external configuration "
        "providers result in a change in the connector's configuration properties. A value of 'none' "
        "indicates that Connect will do nothing. A value of 'restart' indicates that Connect should "
        "restart/reload the connector with the updated configuration properties.The restart may actually be "
        "scheduled in the future if the external configuration provider indicates that a configuration value "
        "will expire in the future.",
        default="restart",
        importance=Importance.LOW,
        validator=one_of("none", "restart"),
        group=COMMON_GROUP,
        order_in_group=10,
        display_name="Reload Action",
        width="MEDIUM",
    ),
    ConfigKey(
        ERRORS_RETRY_TIMEOUT_CONFIG,
        ConfigType.LONG,
        "The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, "
        "which means no retries will be attempted. Use -1 for infinite retries.",
        default=0,
        importance=Importance.MEDIUM,
        group=ERROR_GROUP,
        order_in_group=1,
        display_name="Retry Timeout for Errors",
        width="MEDIUM",
    ),
    ConfigKey(
        ERRORS_RETRY_MAX_DELAY_CONFIG,
        ConfigType.LONG,
        "The maximum duration in milliseconds between consecutive retry attempts. Jitter will be added to "
        "the delay once this limit is reached to prevent thundering herd issues.",
        default=60000,
        importance=Importance.MEDIUM,
        group=ERROR_GROUP,
        order_in_group=2,
        display_name="Maximum Delay Between Retries for Errors",
        width="MEDIUM",
    ),
    ConfigKey(
        ERRORS_TOLERANCE_CONFIG,
        ConfigType.STRING,
        "Behavior for tolerating errors during connector operation. 'none' is the default value and signals "
        "that any error will result in an immediate connector task failure; 'all' changes the behavior to "
        "skip over problematic records.",
        default="none",
        importance=Importance.MEDIUM,
        validator=one_of("none", "all"),
        group=ERROR_GROUP,
        order_in_group=3,
        display_name="Error Tolerance",
        width="SHORT",
    ),
    ConfigKey(
        ERRORS_LOG_ENABLE_CONFIG,
        ConfigType.BOOLEAN,
        "If true, write each error and the details of the failed operation and problematic record to the "
        "Connect application log. This is 'false' by default, so that only errors that are not tolerated are "
        "reported.",
        default=False,
        importance=Importance.MEDIUM,
        group=ERROR_GROUP,
        order_in_group=4,
        display_name="Log Errors",
        width="SHORT",
    ),
    ConfigKey(
        ERRORS_LOG_INCLUDE_MESSAGES_CONFIG,
        ConfigType.BOOLEAN,
        "Whether to include in the log the Connect record that resulted in a failure. For sink records, the "
        "topic, partition, offset, and timestamp will be logged. For source records, the key and value (and "
        "their schemas), all headers, and the timestamp, Kafka topic, Kafka partition, source partition, and "
        "source offset will be logged. This is 'false' by default, which will prevent record keys, values, "
        "and headers from being written to log files.",
        default=False,
        importance=Importance.MEDIUM,
        group=ERROR_GROUP,
        order_in_group=5,
        display_name="Log Error Details",
        width="SHORT",
    ),
]

_SINK_KEYS = [
    ConfigKey(
        TOPICS_CONFIG,
        ConfigType.LIST,
        "List of topics to consume, separated by commas",
        default="",
        importance=Importance.HIGH,
        group=COMMON_GROUP,
        order_in_group=4,
        display_name="Topics",
        width="LONG",
    ),
    ConfigKey(
        TOPICS_REGEX_CONFIG,
        ConfigType.STRING,
        "Regular expression giving topics to consume. Under the hood, the regex is compiled to a "
        "<code>java.util.regex.Pattern</code>. Only one of topics or topics.regex should be specified.",
        default="",
        importance=Importance.HIGH,
        validator=_regex_valid,
        group=COMMON_GROUP,
        order_in_group=4,
        display_name="Topics regex",
        width="LONG",
    ),
    ConfigKey(
        DLQ_TOPIC_NAME_CONFIG,
        ConfigType.STRING,
        "The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an "
        "error when processed by this sink connector, or its transformations or converters. The topic name "
        "is blank by default, which means that no messages are to be recorded in the DLQ.",
        default="",
        importance=Importance.MEDIUM,
        group=ERROR_GROUP,
        order_in_group=6,
        display_name="Dead Letter Queue Topic Name",
        width="MEDIUM",
    ),
    ConfigKey(
        DLQ_TOPIC_REPLICATION_FACTOR_CONFIG,
        ConfigType.SHORT,
        "Replication factor used to create the dead letter queue topic when it doesn't already exist.",
        default=3,
        importance=Importance.MEDIUM,
        group=ERROR_GROUP,
        order_in_group=7,
        display_name="Dead Letter Queue Topic Replication Factor",
        width="MEDIUM",
    ),
    ConfigKey(
        DLQ_CONTEXT_HEADERS_ENABLE_CONFIG,
        ConfigType.BOOLEAN,
        "If true, add headers containing error context to the messages written to the dead letter queue. To "
        "avoid clashing with headers from the original record, all error context header keys, all error "
        "context header keys will start with <code>__connect.errors.</code>",
        default=False,
        importance=Importance.MEDIUM,
        group=ERROR_GROUP,
        order_in_group=8,
        display_name="Enable Error Context Headers",
        width="MEDIUM",
    ),
]

_SOURCE_KEYS = [
    ConfigKey(
        TOPIC_CREATION_GROUPS_CONFIG,
        ConfigType.LIST,
        "Groups of configurations for topics created by source connectors",
        default="",
        importance=Importance.LOW,
        validator=_unique_aliases,
        group=TOPIC_CREATION_GROUP,
        order_in_group=1,
        display_name="Topic Creation Groups",
        width="LONG",
    ),
    ConfigKey(
        EXACTLY_ONCE_SUPPORT_CONFIG,
        ConfigType.STRING,
        'Permitted values are requested, required. If set to "required", forces a preflight check for the '
        "connector to ensure that it can provide exactly-once semantics with the given configuration. Some "
        "connectors may be capable of providing exactly-once semantics but not signal to Connect that they "
        "support this; in that case, documentation for the connector should be consulted carefully before "
        'creating it, and the value for this property should be set to "requested". Additionally, if the '
        'value is set to "required" but the worker that performs preflight validation does not have '
        "exactly-once support enabled for source connectors, requests to create or validate the connector "
        "will fail.",
        default="requested",
        importance=Importance.MEDIUM,
        validator=_one_of_ignoring_case("requested", "required"),
        group=EXACTLY_ONCE_SUPPORT_GROUP,
        order_in_group=2,
        display_name="Exactly once support",
        width="SHORT",
    ),
    ConfigKey(
        TRANSACTION_BOUNDARY_CONFIG,
        ConfigType.STRING,
        "Permitted values are: poll, interval, connector. If set to 'poll', a new producer transaction will "
        "be started and committed for every batch of records that each task from this connector provides to "
        "Connect. If set to 'connector', relies on connector-defined transaction boundaries; note that not "
        "all connectors are capable of defining their own transaction boundaries, and in that case, attempts "
        "to instantiate a connector with this value will fail. Finally, if set to 'interval', commits "
        "transactions only after a user-defined time interval has passed.",
        default="poll",
        importance=Importance.MEDIUM,
        validator=_one_of_ignoring_case("poll", "interval", "connector"),
        group=EXACTLY_ONCE_SUPPORT_GROUP,
        order_in_group=3,
        display_name="Transaction Boundary",
        width="SHORT",
    ),
    ConfigKey(
        TRANSACTION_BOUNDARY_INTERVAL_CONFIG,
        ConfigType.LONG,
        "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction "
        "commits by connector tasks. If unset, defaults to the value of the worker-level "
        "'offset.flush.interval.ms' property. It has no effect if a different transaction.boundary is "
        "specified.",
        default=None,
        importance=Importance.LOW,
        validator=_at_least_if_set(0),
        group=EXACTLY_ONCE_SUPPORT_GROUP,
        order_in_group=4,
        display_name="Transaction boundary interval",
        width="SHORT",
    ),
    ConfigKey(
        OFFSETS_TOPIC_CONFIG,
        ConfigType.STRING,
        "The name of a separate offsets topic to use for this connector. If empty or not specified, the "
        "worker\u2019s global offsets topic name will be used. If specified, the offsets topic will be "
        "created if it does not already exist on the Kafka cluster targeted by this connector (which may "
        "be different from the one used for the worker's global offsets topic if the bootstrap.servers "
        "property of the connector's producer has been overridden from the worker's). Only applicable in "
        "distributed mode; in standalone mode, setting this property will have no effect.",
        default=None,
        importance=Importance.LOW,
        validator=non_empty_string,
        group=OFFSETS_TOPIC_GROUP,
        order_in_group=1,
        display_name="Offsets topic",
        width="LONG",
    ),
]

_RESTART_KEYS = [
    ConfigKey(
        TASK_RESTART_POLICY_CONFIG,
        ConfigType.STRING,
        "What the worker does when a task or connector instance fails: 'on-failure' restarts it "
        "automatically with exponential backoff, up to task.restart.max.attempts times in a row; 'none' "
        "leaves it FAILED until restarted through the REST API (Connect's behaviour). kconnect's own key.",
        default="on-failure",
        importance=Importance.MEDIUM,
        validator=one_of("on-failure", "none"),
        group=RESTART_GROUP,
        order_in_group=1,
        display_name="Task restart policy",
        width="SHORT",
    ),
    ConfigKey(
        TASK_RESTART_MAX_ATTEMPTS_CONFIG,
        ConfigType.INT,
        "How many automatic restarts of a failed task or connector instance are attempted in a row before "
        "it stays FAILED; the count starts again after the instance ran healthily for "
        "task.restart.backoff.max.ms.",
        default=5,
        importance=Importance.LOW,
        validator=at_least(0),
        group=RESTART_GROUP,
        order_in_group=2,
        display_name="Task restart max attempts",
        width="SHORT",
    ),
    ConfigKey(
        TASK_RESTART_BACKOFF_INITIAL_MS_CONFIG,
        ConfigType.LONG,
        "Delay before the first automatic restart of a failed task or connector instance; each further "
        "attempt doubles it.",
        default=1000,
        importance=Importance.LOW,
        validator=at_least(0),
        group=RESTART_GROUP,
        order_in_group=3,
        display_name="Task restart initial backoff",
        width="SHORT",
    ),
    ConfigKey(
        TASK_RESTART_BACKOFF_MAX_MS_CONFIG,
        ConfigType.LONG,
        "The longest delay between automatic restarts of a failed task or connector instance.",
        default=60000,
        importance=Importance.LOW,
        validator=at_least(0),
        group=RESTART_GROUP,
        order_in_group=4,
        display_name="Task restart max backoff",
        width="SHORT",
    ),
]


SINK_SPEC = ConfigSpec.of([*_BASE_KEYS, *_SINK_KEYS, *_RESTART_KEYS])
"""Keys every sink connector has (Connect's `SinkConnectorConfig`, plus the restart policy)."""

SOURCE_SPEC = ConfigSpec.of([*_BASE_KEYS, *_SOURCE_KEYS, *_RESTART_KEYS])
"""Keys every source connector has (Connect's `SourceConnectorConfig`, plus the restart policy)."""


def connector_spec(kind: str, plugin_spec: ConfigSpec | None = None) -> ConfigSpec:
    """The framework keys of a `source` or `sink` connector, then the plugin's keys it does not
    redefine (the plugin's definition of a shared key wins, in the framework key's place)."""
    base = SINK_SPEC if kind == "sink" else SOURCE_SPEC
    if plugin_spec is None:
        return base
    keys = {name: plugin_spec.keys.get(name, key) for name, key in base.keys.items()}
    keys.update({name: key for name, key in plugin_spec.keys.items() if name not in keys})
    return ConfigSpec(keys)
