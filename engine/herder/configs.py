"""Connector configs on their way in and out of the herder: validation, secrets, placeholders.

Connect compat: `AbstractHerder.validateConnectorConfig` (validation on the resolved config),
`StandaloneHerder.maybeAddConfigErrors` (the 400 text) and `AbstractHerder.reverseTransform` (task
configs stored with the connector's placeholders). Values resolved from a config provider, and values
of PASSWORD-typed keys, are secrets: they are masked in every text the herder shows.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.config.providers import ConfigProviders, resolved_keys
from engine.errors import BadRequestError
from engine.herder.instances import ConnectorPlugins, mask_secrets

__all__ = ["restore_placeholders", "validated_config"]

NAME_CONFIG = "name"
CONNECTOR_CLASS_CONFIG = "connector.class"


def validated_config(
    plugins: ConnectorPlugins, providers: ConfigProviders, name: str, config: Mapping[str, str | None]
) -> tuple[dict[str, str], set[str]]:
    """The config to store (as submitted, `name` set) and its secret values.

    Raises:
        BadRequestError: the name differs from the URL's, or the config is invalid (Connect's text,
            secrets masked).
        ConnectError: the connector class cannot be found.
    """
    if config.get(NAME_CONFIG) is not None and config[NAME_CONFIG] != name:
        raise BadRequestError(
            f"Connector name configuration ({config[NAME_CONFIG]}) doesn't match connector name "
            f"in the URL ({name})"
        )
    raw: dict[str, str | None] = {**config, NAME_CONFIG: name}
    resolved = providers.resolve(raw)
    infos = plugins.validate(resolved, raw)
    secrets = {v for k in resolved_keys(raw, resolved) if (v := resolved.get(k))}
    secrets |= {
        v
        for info in infos.configs
        if info.definition is not None and info.definition.type == "PASSWORD"
        if (v := resolved.get(info.definition.name))
    }
    if infos.error_count > 0:
        errors = [mask_secrets(e, secrets) or "" for info in infos.configs for e in info.value.errors]
        raise BadRequestError(
            "Connector configuration is invalid and contains the following "
            f"{infos.error_count} error(s):\n"
            + "".join(f"{e}\n" for e in errors)
            + "You can also find the above list of errors at the endpoint "
            "`/connector-plugins/{connectorType}/config/validate`"
        )
    # Validation reports null values as errors, so every value is a string here.
    return {k: v for k, v in raw.items() if v is not None}, secrets


def restore_placeholders(
    raw: Mapping[str, str], resolved: Mapping[str, str], task_config: Mapping[str, str]
) -> dict[str, str]:
    """A generated task config with the connector's placeholders put back where the task carries a
    resolved value unchanged, so resolved values are never stored or shown."""
    restored = dict(task_config)
    for key, value in task_config.items():
        if key in raw and raw[key] != resolved.get(key) and value == resolved.get(key):
            restored[key] = raw[key]
    return restored
