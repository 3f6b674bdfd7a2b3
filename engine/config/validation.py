"""Connect's validate body for a connector config (`AbstractHerder.validateConnectorConfig`).

`validate_connector` produces the exact body of `PUT /connector-plugins/{type}/config/validate`:
the framework keys of `engine.config.connector` (with one group per transform and predicate
alias), then the plugin's own keys, then the converters' keys when the connector names its own
converters, then client overrides; unknown keys are not reported (except null values).
`config_key_info` is a key's definition as REST shows it, also in `GET …/config`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.api.config import NO_DEFAULT, ConfigKey, ConfigType, Importance
from engine.config.connector import (
    ADMIN_OVERRIDES_PREFIX,
    CONNECTOR_CLASS_CONFIG,
    CONSUMER_OVERRIDES_PREFIX,
    DLQ_TOPIC_NAME_CONFIG,
    HEADER_CONVERTER_CLASS_CONFIG,
    KEY_CONVERTER_CLASS_CONFIG,
    PREDICATES_CONFIG,
    PREDICATES_GROUP,
    PRODUCER_OVERRIDES_PREFIX,
    SINK_SPEC,
    SOURCE_SPEC,
    TOPIC_CREATION_PREFIX,
    TOPICS_CONFIG,
    TOPICS_REGEX_CONFIG,
    TRANSFORMS_CONFIG,
    TRANSFORMS_GROUP,
    VALUE_CONVERTER_CLASS_CONFIG,
    invalid_value,
    java_text,
)
from engine.config.transforms import PluginConfig, StageConfig
from engine.errors import BadRequestError, ConfigError
from engine.herder.entities import ConfigInfo, ConfigInfos, ConfigKeyInfo, ConfigValueInfo

if TYPE_CHECKING:
    from engine.plugins.registry import PluginRegistry

__all__ = [
    "check_validate_request_type",
    "config_key_info",
    "invalid_config_message",
    "validate_connector",
]

NULL_VALUE_ERROR = "Null value can not be supplied as the configuration value."
HIDDEN = "[hidden]"


def config_key_info(key: ConfigKey, *, prefix: str = "") -> ConfigKeyInfo:
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
        width=key.width,
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
        self.keys: dict[str, ConfigKey] = {}
        self.values: dict[str, _Value] = {}
        self.groups: list[str] = []

    def define(self, key: ConfigKey) -> None:
        self.keys[key.name] = key
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
            str(invalid_value(key.name, result.value, f"Class {result.value} could not be found."))
        )
        result.value = None
    elif registry.find(plugin.class_name, (kind,)) is None:
        result.errors.append(
            str(
                invalid_value(
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
            width="LONG",
        )
        validation.define(type_key)
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
                f"('topics={java_text(listed)}') consumed by the connector",
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
    from engine.plugins.catalog import CONVERTER_SPECS  # noqa: PLC0415

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
        infos.append((result, config_key_info(key, prefix=prefix)))
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
    for name, key in validation.keys.items():
        checked = validation.values[name]
        configs.append(ConfigInfo(config_key_info(key), _value_info(checked, key, shown_raw)))
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
