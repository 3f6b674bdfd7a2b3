"""Connector-level configuration: Connect's `ConnectorConfig`/`SinkConnectorConfig`/`SourceConnectorConfig`.

The framework keys every connector has are declared here once, with Connect's groups, order,
widths and display names, plus kconnect's restart-policy keys. `validate_connector` produces the
exact body of `PUT /connector-plugins/{type}/config/validate` (Connect's
`AbstractHerder.validateConnectorConfig`): framework keys (with one group per transform and
predicate alias), then the plugin's own keys, then the converters' keys when the connector names
its own converters, then client overrides; unknown keys are not reported (except null values).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.api.config import (
    NO_DEFAULT,
    ConfigKey,
    ConfigSpec,
    ConfigType,
    Importance,
    Validator,
    at_least,
    non_empty_string,
    one_of,
)
from engine.config.transforms import PluginConfig, StageConfig
from engine.errors import BadRequestError, ConfigError
from engine.herder.entities import ConfigInfo, ConfigInfos, ConfigKeyInfo, ConfigValueInfo

if TYPE_CHECKING:
    from engine.plugins.registry import PluginRegistry

__all__ = [
    "CONNECTOR_CLASS_CONFIG",
    "NAME_CONFIG",
    "TASKS_MAX_CONFIG",
    "TASK_RESTART_BACKOFF_INITIAL_MS_CONFIG",
    "TASK_RESTART_BACKOFF_MAX_MS_CONFIG",
    "TASK_RESTART_MAX_ATTEMPTS_CONFIG",
    "TASK_RESTART_POLICY_CONFIG",
    "check_validate_request_type",
    "config_key_info",
    "connector_spec",
    "invalid_config_message",
    "validate_connector",
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

NULL_VALUE_ERROR = "Null value can not be supplied as the configuration value."
HIDDEN = "[hidden]"


def _invalid(name: str, value: Any, reason: str) -> ConfigError:
    return ConfigError(f"Invalid value {_java_text(value)} for configuration {name}: {reason}")


def _java_text(value: Any) -> str:
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
        raise _invalid(name, value, "String may not be empty")
    controls = [str(ord(c)) for c in value if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F]
    if controls:
        raise _invalid(
            name,
            value,
            "String may not contain control sequences but had the following ASCII chars: "
            + ", ".join(controls),
        )


def _unique_aliases(name: str, value: Any) -> None:
    if value is not None and len(set(value)) != len(value):
        raise _invalid(name, value, "Duplicate alias provided.")


def _one_of_ignoring_case(*allowed: str) -> Validator:
    # Connect compat: ConfigDef.CaseInsensitiveValidString's message.
    def check(name: str, value: Any) -> None:
        if value is None or value.lower() not in allowed:
            raise _invalid(name, value, "String must be one of (case insensitive): " + ", ".join(allowed))

    return check


def _regex_valid(name: str, value: Any) -> None:
    try:
        re.compile(value or "")
    except re.error as exc:
        raise _invalid(name, value, f"Invalid regex: {exc}") from None


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
    ),
]

_RESTART_KEYS = [
    ConfigKey(
        TASK_RESTART_POLICY_CONFIG,
        ConfigType.STRING,
        "What the worker does when a task fails: 'on-failure' restarts it automatically with exponential "
        "backoff, up to task.restart.max.attempts times in a row; 'none' leaves it FAILED until restarted "
        "through the REST API (Connect's behaviour). kconnect's own key.",
        default="on-failure",
        importance=Importance.MEDIUM,
        validator=one_of("on-failure", "none"),
        group=RESTART_GROUP,
        order_in_group=1,
        display_name="Task restart policy",
    ),
    ConfigKey(
        TASK_RESTART_MAX_ATTEMPTS_CONFIG,
        ConfigType.INT,
        "How many automatic restarts of a failed task are attempted in a row before it stays FAILED; the "
        "count starts again after the task ran healthily for task.restart.backoff.max.ms.",
        default=5,
        importance=Importance.LOW,
        validator=at_least(0),
        group=RESTART_GROUP,
        order_in_group=2,
        display_name="Task restart max attempts",
    ),
    ConfigKey(
        TASK_RESTART_BACKOFF_INITIAL_MS_CONFIG,
        ConfigType.LONG,
        "Delay before the first automatic restart of a failed task; each further attempt doubles it.",
        default=1000,
        importance=Importance.LOW,
        validator=at_least(0),
        group=RESTART_GROUP,
        order_in_group=3,
        display_name="Task restart initial backoff",
    ),
    ConfigKey(
        TASK_RESTART_BACKOFF_MAX_MS_CONFIG,
        ConfigType.LONG,
        "The longest delay between automatic restarts of a failed task.",
        default=60000,
        importance=Importance.LOW,
        validator=at_least(0),
        group=RESTART_GROUP,
        order_in_group=4,
        display_name="Task restart max backoff",
    ),
]

_WIDTHS = {
    NAME_CONFIG: "MEDIUM",
    CONNECTOR_CLASS_CONFIG: "LONG",
    TASKS_MAX_CONFIG: "SHORT",
    TASKS_MAX_ENFORCE_CONFIG: "SHORT",
    KEY_CONVERTER_CLASS_CONFIG: "SHORT",
    VALUE_CONVERTER_CLASS_CONFIG: "SHORT",
    HEADER_CONVERTER_CLASS_CONFIG: "SHORT",
    TRANSFORMS_CONFIG: "LONG",
    PREDICATES_CONFIG: "LONG",
    CONFIG_RELOAD_ACTION_CONFIG: "MEDIUM",
    ERRORS_RETRY_TIMEOUT_CONFIG: "MEDIUM",
    ERRORS_RETRY_MAX_DELAY_CONFIG: "MEDIUM",
    ERRORS_TOLERANCE_CONFIG: "SHORT",
    ERRORS_LOG_ENABLE_CONFIG: "SHORT",
    ERRORS_LOG_INCLUDE_MESSAGES_CONFIG: "SHORT",
    TOPICS_CONFIG: "LONG",
    TOPICS_REGEX_CONFIG: "LONG",
    DLQ_TOPIC_NAME_CONFIG: "MEDIUM",
    DLQ_TOPIC_REPLICATION_FACTOR_CONFIG: "MEDIUM",
    DLQ_CONTEXT_HEADERS_ENABLE_CONFIG: "MEDIUM",
    TOPIC_CREATION_GROUPS_CONFIG: "LONG",
    EXACTLY_ONCE_SUPPORT_CONFIG: "SHORT",
    TRANSACTION_BOUNDARY_CONFIG: "SHORT",
    TRANSACTION_BOUNDARY_INTERVAL_CONFIG: "SHORT",
    OFFSETS_TOPIC_CONFIG: "LONG",
    TASK_RESTART_POLICY_CONFIG: "SHORT",
    TASK_RESTART_MAX_ATTEMPTS_CONFIG: "SHORT",
    TASK_RESTART_BACKOFF_INITIAL_MS_CONFIG: "SHORT",
    TASK_RESTART_BACKOFF_MAX_MS_CONFIG: "SHORT",
}

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


def config_key_info(key: ConfigKey, *, prefix: str = "", width: str | None = None) -> ConfigKeyInfo:
    """Connect's `AbstractHerder.convertConfigKey`: the definition as REST shows it."""
    default = (
        None if key.default is NO_DEFAULT or key.default is None else key.to_text(key.parse(key.default))
    )
    return ConfigKeyInfo(
        name=prefix + key.name,
        type=key.type.value,
        required=key.required,
        default_value=default,
        importance=key.importance.value,
        documentation=key.doc,
        group=key.group,
        order=key.order_in_group,
        width=width or _WIDTHS.get(key.name, "NONE"),
        # Connect compat: ConfigDef.define without a display name uses the key's name.
        display_name=key.display_name or key.name,
        dependents=list(key.dependents),
    )


@dataclass
class _Value:
    """Connect's `ConfigValue`: a key's parsed value (None when it did not parse) and its errors."""

    name: str
    value: Any = None
    errors: list[str] = field(default_factory=list)
    recommended: list[str] = field(default_factory=list)


class _Validation:
    """The keys and values of one validate answer, built in Connect's order."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[ConfigKey, str | None]] = {}  # name → (definition, width override)
        self.values: dict[str, _Value] = {}
        self.groups: list[str] = []

    def define(self, key: ConfigKey, width: str | None = None) -> None:
        self.keys[key.name] = (key, width)
        if key.group is not None and key.group not in self.groups:
            self.groups.append(key.group)


def _validate_key(key: ConfigKey, props: Mapping[str, str | None]) -> _Value:
    """Connect's `ConfigDef.parseForValidate` for one key."""
    result = _Value(key.name)
    if key.name in props:
        try:
            result.value = key.parse(props[key.name])
        except ConfigError as exc:
            result.errors.append(str(exc))
    elif key.required:
        result.errors.append(f'Missing required configuration "{key.name}" which has no default value.')
    else:
        result.value = key.parse(key.default)
    if key.validator is not None and not result.errors:
        try:
            key.validator(key.name, result.value)
        except ConfigError as exc:
            result.errors.append(str(exc))
    return result


_SUPERCLASS = {
    "converter": "org.apache.kafka.connect.storage.Converter",
    "header_converter": "org.apache.kafka.connect.storage.HeaderConverter",
    "transformation": "org.apache.kafka.connect.transforms.Transformation",
    "predicate": "org.apache.kafka.connect.transforms.predicates.Predicate",
}


def _class_value(
    registry: PluginRegistry, key: ConfigKey, props: Mapping[str, str | None], kind: str
) -> _Value:
    """A CLASS key naming a plugin: the value shown is the class the alias resolves to."""
    result = _validate_key(key, props)
    if result.errors or result.value is None:
        return result
    plugin = registry.find(result.value)
    if plugin is None:
        result.errors.append(
            str(_invalid(key.name, result.value, f"Class {result.value} could not be found."))
        )
        result.value = None
    elif registry.find(plugin.class_name, (kind,)) is None:
        result.errors.append(
            str(
                _invalid(
                    key.name, result.value, f"Class {result.value} is not a subclass of {_SUPERCLASS[kind]}"
                )
            )
        )
        result.value = plugin.class_name
    else:
        result.value = plugin.class_name
    return result


def _transform_stages(
    registry: PluginRegistry, props: Mapping[str, str | None], validation: _Validation, kind: str
) -> None:
    """Connect's `ConnectorConfig.enrich`: one group per transform/predicate alias."""
    section = TRANSFORMS_CONFIG if kind == "transformation" else PREDICATES_CONFIG
    group_name = TRANSFORMS_GROUP if kind == "transformation" else PREDICATES_GROUP
    base = "Transformation" if kind == "transformation" else "Predicate"
    raw = props.get(section) or ""
    aliases = list(dict.fromkeys(a.strip() for a in raw.split(",") if a.strip()))
    recommended = sorted(p.class_name for p in registry.plugins() if p.type == kind)
    for alias in aliases:
        prefix = f"{section}.{alias}."
        group = f"{group_name}: {alias}"
        type_key = ConfigKey(
            prefix + "type",
            ConfigType.CLASS,
            f"Class for the '{alias}' {kind}.",
            importance=Importance.HIGH,
            group=group,
            order_in_group=0,
            display_name=f"{base} type for {alias}",
        )
        validation.define(type_key, "LONG")
        value = _class_value(registry, type_key, props, kind)
        value.recommended = recommended
        if kind == "transformation" and prefix + "negate" in props and prefix + "predicate" not in props:
            value.errors.append(
                f"Config '{prefix}negate' was provided but there is no config '{prefix}predicate' defining a "
                "predicate to be negated."
            )
        validation.values[type_key.name] = value
        if value.value is None or kind != "transformation":
            continue
        # Connect compat: the implicit keys of every transformation, embedded after `type`.
        implicit_keys = (
            ConfigKey(
                prefix + "predicate",
                ConfigType.STRING,
                "The alias of a predicate used to determine whether to apply this transformation.",
                default=None,
                group=group,
                order_in_group=1,
                display_name="predicate",
            ),
            ConfigKey(
                prefix + "negate",
                ConfigType.BOOLEAN,
                "Whether the configured predicate should be negated.",
                default=False,
                group=group,
                order_in_group=2,
                display_name="negate",
            ),
        )
        for implicit in implicit_keys:
            validation.define(implicit)
            validation.values[implicit.name] = _validate_key(implicit, props)


def _native_check(registry: PluginRegistry, props: Mapping[str, str | None], validation: _Validation) -> None:
    """Builds each transformation natively so its own settings are checked (the native chain
    raises ConfigError in Connect's words); the message goes on the alias's `type` key."""
    # Imported here: the native module is only needed when a chain is configured.
    from engine.config.transforms import parse_transforms  # noqa: PLC0415
    from engine.pipeline import Pipeline  # noqa: PLC0415

    text_props = {k: v for k, v in props.items() if v is not None}
    try:
        stages = parse_transforms(text_props)
    except ConfigError:
        return  # duplicate or missing aliases are reported on their own keys already
    passthrough = PluginConfig("org.apache.kafka.connect.converters.ByteArrayConverter")
    for stage in stages:
        type_value = validation.values.get(f"{TRANSFORMS_CONFIG}.{stage.alias}.type")
        if type_value is None or type_value.errors:
            continue
        resolved = StageConfig(
            alias=stage.alias,
            transform=PluginConfig(registry.resolve(stage.transform.type_name), stage.transform.props),
            predicate_alias=stage.predicate_alias,
            predicate=(
                PluginConfig(registry.resolve(stage.predicate.type_name), stage.predicate.props)
                if stage.predicate
                else None
            ),
            negate=stage.negate,
        )
        try:
            Pipeline(key_converter=passthrough, value_converter=passthrough, stages=[resolved])
        except ConfigError as exc:
            type_value.errors.append(str(exc))


def _sink_topics(props: Mapping[str, str | None], values: dict[str, _Value]) -> None:
    """Connect's `SinkConnectorConfig.validate`: topics vs topics.regex, and the DLQ topic."""
    topics = props.get(TOPICS_CONFIG)
    regex = props.get(TOPICS_REGEX_CONFIG)
    dlq = (props.get(DLQ_TOPIC_NAME_CONFIG) or "").strip()
    has_topics, has_regex = bool((topics or "").strip()), bool((regex or "").strip())

    def add(name: str, value: str | None, message: str) -> None:
        values.setdefault(name, _Value(name, value)).errors.append(message)

    if has_topics and has_regex:
        message = "topics and topics.regex are mutually exclusive options, but both are set."
        add(TOPICS_CONFIG, topics, message)
        add(TOPICS_REGEX_CONFIG, regex, message)
    if not has_topics and not has_regex:
        message = "Must configure one of topics or topics.regex"
        add(TOPICS_CONFIG, topics, message)
        add(TOPICS_REGEX_CONFIG, regex, message)
    if dlq and has_topics:
        listed = list(dict.fromkeys(t.strip() for t in (topics or "").split(",") if t.strip()))
        if dlq in listed:
            add(
                TOPICS_CONFIG,
                topics,
                f"The DLQ topic '{dlq}' may not be included in the list of topics "
                f"('topics={_java_text(listed)}') consumed by the connector",
            )
    if dlq and has_regex:
        try:
            matched = re.fullmatch(regex or "", dlq) is not None
        except re.error:
            matched = False
        if matched:
            add(
                TOPICS_REGEX_CONFIG,
                regex,
                f"The DLQ topic '{dlq}' may not be matched by the regex for the topics "
                f"('topics.regex={regex}') consumed by the connector",
            )


# Connect compat: the client keys the `Principal` override policy allows.
_PRINCIPAL_KEYS = {"sasl.jaas.config", "sasl.mechanism", "security.protocol"}


def _override_infos(
    props: Mapping[str, str | None], prefix: str, policy: str
) -> list[tuple[_Value, ConfigKeyInfo | None]]:
    infos: list[tuple[_Value, ConfigKeyInfo | None]] = []
    for name, value in props.items():
        if not name.startswith(prefix):
            continue
        key = name[len(prefix) :]
        result = _Value(name, value)
        allowed = policy == "All" or (policy == "Principal" and key in _PRINCIPAL_KEYS)
        if not allowed:
            result.errors.append(
                f"The '{policy}' policy does not allow '{key}' to be overridden in the connector "
                "configuration."
            )
        infos.append((result, None))
    return infos


def _converter_infos(
    registry: PluginRegistry,
    props: Mapping[str, str | None],
    which: str,
    value: _Value | None,
) -> tuple[list[tuple[_Value, ConfigKeyInfo | None]], list[str]]:
    """Connect's `validateConverterConfig`: the converter's own keys, prefixed, when the connector
    names a converter class that resolved."""
    # Imported here to keep the module graph one-way (plugins import this module lazily too).
    from engine.plugins.catalog import CONVERTER_SPECS, CONVERTER_WIDTHS  # noqa: PLC0415

    if props.get(which) is None or value is None or value.errors or value.value is None:
        return [], []
    spec = CONVERTER_SPECS.get(value.value)
    if spec is None:
        return [], []
    prefix = which + "."
    own: dict[str, str | None] = {k[len(prefix) :]: v for k, v in props.items() if k.startswith(prefix)}
    own.setdefault("converter.type", which.split(".", 1)[0])
    infos: list[tuple[_Value, ConfigKeyInfo | None]] = []
    groups: list[str] = []
    for key in spec.keys.values():
        result = _validate_key(key, own)
        result.name = prefix + key.name
        result.value = key.to_text(result.value)
        infos.append(
            (result, config_key_info(key, prefix=prefix, width=CONVERTER_WIDTHS.get(key.name, "NONE")))
        )
        if key.group is not None and key.group not in groups:
            groups.append(key.group)
    return infos, groups


def _value_info(result: _Value, key: ConfigKey | None, shown: Mapping[str, str]) -> ConfigValueInfo:
    if result.name in shown:
        text: str | None = shown[result.name]
    elif key is not None and key.type is ConfigType.PASSWORD and result.value is not None:
        text = HIDDEN
    elif key is not None:
        text = key.to_text(result.value)
    else:
        text = None if result.value is None else str(result.value)
    return ConfigValueInfo(
        name=result.name, value=text, recommended_values=list(result.recommended), errors=list(result.errors)
    )


def _framework_values(registry: PluginRegistry, config: Mapping[str, str | None], kind: str) -> _Validation:
    """Connect's `validateSinkConnectorConfig`/`validateSourceConnectorConfig` over the enriched keys."""
    validation = _Validation()
    for key in (SINK_SPEC if kind == "sink" else SOURCE_SPEC).keys.values():
        validation.define(key)
        if key.name in (KEY_CONVERTER_CLASS_CONFIG, VALUE_CONVERTER_CLASS_CONFIG):
            validation.values[key.name] = _class_value(registry, key, config, "converter")
        elif key.name == HEADER_CONVERTER_CLASS_CONFIG:
            validation.values[key.name] = _class_value(registry, key, config, "header_converter")
        else:
            validation.values[key.name] = _validate_key(key, config)
    _transform_stages(registry, config, validation, "transformation")
    _transform_stages(registry, config, validation, "predicate")
    _native_check(registry, config, validation)
    if kind == "sink":
        _sink_topics(config, validation.values)
    return validation


def _extra_infos(
    registry: PluginRegistry,
    config: Mapping[str, str | None],
    kind: str,
    validation: _Validation,
    override_policy: str,
) -> tuple[list[tuple[_Value, ConfigKeyInfo | None]], list[str]]:
    """Client overrides then converter keys, in Connect's `mergeConfigInfos` order."""
    uses_dlq = bool((config.get(DLQ_TOPIC_NAME_CONFIG) or "").strip())
    uses_topic_creation = any(k.startswith(TOPIC_CREATION_PREFIX) for k in config)
    extra: list[tuple[_Value, ConfigKeyInfo | None]] = []
    if kind == "source" or uses_dlq:
        extra += _override_infos(config, PRODUCER_OVERRIDES_PREFIX, override_policy)
    if kind == "sink":
        extra += _override_infos(config, CONSUMER_OVERRIDES_PREFIX, override_policy)
    if (kind == "source" and uses_topic_creation) or (kind == "sink" and uses_dlq):
        extra += _override_infos(config, ADMIN_OVERRIDES_PREFIX, override_policy)
    groups: list[str] = []
    for which in (HEADER_CONVERTER_CLASS_CONFIG, KEY_CONVERTER_CLASS_CONFIG, VALUE_CONVERTER_CLASS_CONFIG):
        infos, converter_groups = _converter_infos(registry, config, which, validation.values.get(which))
        extra += infos
        groups += [g for g in converter_groups if g not in groups]
    return extra, groups


def validate_connector(
    registry: PluginRegistry,
    config: Mapping[str, str | None],
    *,
    raw: Mapping[str, str | None] | None = None,
    override_policy: str = "All",
) -> ConfigInfos:
    """Connect's validate body for a connector config (config providers already resolved).

    Args:
        registry: the plugins, to find the connector, converters and transformations.
        config: the resolved config.
        raw: the config as submitted; keys whose resolved value differs (provider placeholders)
            are shown with their raw text, so secrets never reach the answer.
        override_policy: the worker's `connector.client.config.override.policy` (All, None, Principal).

    Raises:
        BadRequestError: no `connector.class` (Connect's `... contains no connector type`).
        ConnectError: no connector matches `connector.class` (REST 500, Connect's words).
    """
    from engine.config.providers import resolved_keys  # noqa: PLC0415

    connector_class = config.get(CONNECTOR_CLASS_CONFIG)
    if connector_class is None:
        shown = ", ".join(f"{k}={v}" for k, v in (raw or config).items())
        raise BadRequestError(f"Connector config {{{shown}}} contains no connector type")
    plugin = registry.connector(connector_class)
    secret_keys = resolved_keys(raw, config) if raw is not None else set()
    shown_raw = {k: str(raw[k]) for k in secret_keys} if raw is not None else {}

    validation = _framework_values(registry, config, plugin.type)
    unknown_nulls = []
    for name, value in config.items():
        if value is None:
            if name in validation.values:
                validation.values[name].errors.append(NULL_VALUE_ERROR)
            else:
                unknown_nulls.append(_Value(name, None, [NULL_VALUE_ERROR]))

    plugin_spec = registry.connector_class(plugin.class_name)().config()
    for key in plugin_spec.keys.values():
        validation.define(key)
        validation.values[key.name] = _validate_key(key, config)

    configs: list[ConfigInfo] = [ConfigInfo(None, _value_info(v, None, shown_raw)) for v in unknown_nulls]
    error_count = sum(len(v.errors) for v in unknown_nulls)
    for name, (key, width) in validation.keys.items():
        checked = validation.values[name]
        configs.append(ConfigInfo(config_key_info(key, width=width), _value_info(checked, key, shown_raw)))
        error_count += len(checked.errors)
    groups = list(validation.groups)

    extra, converter_groups = _extra_infos(registry, config, plugin.type, validation, override_policy)
    groups += [g for g in converter_groups if g not in groups]
    for result, definition in extra:
        text = shown_raw.get(result.name, None if result.value is None else str(result.value))
        value_info = ConfigValueInfo(
            name=result.name, value=text, recommended_values=[], errors=list(result.errors)
        )
        configs.append(ConfigInfo(definition, value_info))
        error_count += 1 if result.errors else 0
    return ConfigInfos(name=connector_class, error_count=error_count, groups=groups, configs=configs)


def invalid_config_message(infos: ConfigInfos) -> str:
    """Connect's 400 message when a created or updated connector config has errors."""
    lines = [f"Connector configuration is invalid and contains the following {infos.error_count} error(s):"]
    for info in infos.configs:
        if info.value is not None:
            lines.extend(info.value.errors)
    lines.append(
        "You can also find the above list of errors at the endpoint "
        "`/connector-plugins/{connectorType}/config/validate`"
    )
    return "\n".join(lines)


def check_validate_request_type(plugin_type: str, config: Mapping[str, str | None]) -> None:
    """Connect's `ConnectorPluginsResource.validateConfigs` check of the path against the config.

    Raises:
        BadRequestError: `Included connector type X does not match request type Y`.
    """

    def normalized(name: str) -> str:
        return name.removesuffix("Connector")

    included = config.get(CONNECTOR_CLASS_CONFIG)
    if included is not None and not normalized(included).endswith(normalized(plugin_type)):
        raise BadRequestError(f"Included connector type {included} does not match request type {plugin_type}")
