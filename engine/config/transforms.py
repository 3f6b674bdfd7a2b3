"""The `transforms.*`, `predicates.*` and `*.converter` parts of a connector configuration.

Connect compat: `ConnectorConfig` enriches the config with one group per alias listed in
`transforms` (`transforms.<alias>.type` plus that class's own keys, with `predicate` and `negate`)
and in `predicates`. We parse the same keys into plain stage descriptions that the native chain
builds from once per task.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from engine.errors import ConfigError

__all__ = [
    "DEFAULT_CONVERTER",
    "PluginConfig",
    "StageConfig",
    "converter_config",
    "parse_transforms",
]

TRANSFORMS_CONFIG = "transforms"
PREDICATES_CONFIG = "predicates"
TYPE_SUFFIX = "type"
PREDICATE_SUFFIX = "predicate"
NEGATE_SUFFIX = "negate"
# The converter connect-standalone.properties and connect-distributed.properties ship with.
DEFAULT_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"


@dataclass(frozen=True, slots=True)
class PluginConfig:
    """A plugin class name and its own configuration (the alias prefix removed)."""

    type_name: str
    props: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StageConfig:
    """One transformation of the chain, optionally guarded by a predicate."""

    alias: str
    transform: PluginConfig
    predicate_alias: str | None = None
    predicate: PluginConfig | None = None
    negate: bool = False


def _aliases(config: Mapping[str, str], key: str) -> list[str]:
    raw = config.get(key, "")
    aliases = [a.strip() for a in raw.split(",")] if raw.strip() else []
    if len(set(aliases)) != len(aliases):
        raise ConfigError(f"Invalid value {raw} for configuration {key}: Duplicate alias provided.")
    if any(not a for a in aliases):
        raise ConfigError(f"Invalid value {raw} for configuration {key}: Empty alias provided.")
    return aliases


def _plugin(config: Mapping[str, str], prefix: str, reserved: tuple[str, ...]) -> PluginConfig:
    type_key = prefix + TYPE_SUFFIX
    type_name = config.get(type_key, "").strip()
    if not type_name:
        raise ConfigError(f'Missing required configuration "{type_key}" which has no default value.')
    props = {
        k[len(prefix) :]: v
        for k, v in config.items()
        if k.startswith(prefix) and k[len(prefix) :] not in reserved
    }
    return PluginConfig(type_name, props)


def _boolean(config: Mapping[str, str], key: str) -> bool:
    raw = config.get(key, "false").strip().lower()
    if raw not in ("true", "false"):
        raise ConfigError(
            f"Invalid value {config[key]} for configuration {key}: Expected value to be either true or false"
        )
    return raw == "true"


def parse_transforms(config: Mapping[str, str]) -> list[StageConfig]:
    """The chain a connector config describes, in order.

    Raises:
        ConfigError: duplicate or empty aliases, a missing `type`, a predicate alias that is not
            listed in `predicates`, or a `negate` that is not a boolean (Connect's messages).
    """
    predicate_aliases = _aliases(config, PREDICATES_CONFIG)
    predicates = {
        alias: _plugin(config, f"{PREDICATES_CONFIG}.{alias}.", (TYPE_SUFFIX,)) for alias in predicate_aliases
    }
    stages = []
    for alias in _aliases(config, TRANSFORMS_CONFIG):
        prefix = f"{TRANSFORMS_CONFIG}.{alias}."
        transform = _plugin(config, prefix, (TYPE_SUFFIX, PREDICATE_SUFFIX, NEGATE_SUFFIX))
        predicate_alias = config.get(prefix + PREDICATE_SUFFIX, "").strip() or None
        if predicate_alias is not None and predicate_alias not in predicates:
            raise ConfigError(
                f"Invalid value {predicate_alias} for configuration {prefix}{PREDICATE_SUFFIX}: "
                f"Predicate alias not found in {PREDICATES_CONFIG}: {sorted(predicates)}"
            )
        stages.append(
            StageConfig(
                alias=alias,
                transform=transform,
                predicate_alias=predicate_alias,
                predicate=predicates[predicate_alias] if predicate_alias else None,
                negate=_boolean(config, prefix + NEGATE_SUFFIX),
            )
        )
    return stages


def converter_config(
    config: Mapping[str, str], which: Literal["key", "value"], worker: Mapping[str, str] | None = None
) -> PluginConfig:
    """The key or value converter: the connector's own `<which>.converter`, else the worker's.

    As in Connect, the converter's settings are the `<which>.converter.`-prefixed keys of whichever
    config names the class; with neither, the JsonConverter the Kafka distribution's worker
    properties ship with.
    """
    key = f"{which}.converter"
    for source in (config, worker or {}):
        type_name = source.get(key, "").strip()
        if type_name:
            prefix = key + "."
            props = {k[len(prefix) :]: v for k, v in source.items() if k.startswith(prefix)}
            return PluginConfig(type_name, props)
    return PluginConfig(DEFAULT_CONVERTER, {})
