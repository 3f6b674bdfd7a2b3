"""Connector configs on their way in and out of the herder: validation, secrets, placeholders.

Connect compat: `AbstractHerder.validateConnectorConfig` (validation on the resolved config),
`StandaloneHerder.maybeAddConfigErrors` (the 400 text) and `AbstractHerder.reverseTransform` (task
configs stored with the connector's placeholders). Values resolved from a config provider, and values
of PASSWORD-typed keys, are secrets: they are masked in every text the herder shows.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.config.providers import ConfigProviders, resolved_keys
from engine.errors import BadRequestError, ConnectError
from engine.herder.instances import ConnectorPlugins, mask_secrets

__all__ = ["restore_placeholders", "unknown_connector_on_validate", "validated_config"]

NAME_CONFIG = "name"
CONNECTOR_CLASS_CONFIG = "connector.class"
# Connect compat: AbstractHerder.getConnector wraps a failed lookup in a BadRequestException; the
# validate endpoint answers it as a 500 whose message is the exception chain's `toString`.
_LOOKUP_FAILURE_PREFIX = (
    "org.apache.kafka.connect.runtime.rest.errors.BadRequestException: "
    "org.apache.kafka.connect.errors.ConnectException: "
)


def _is_lookup_failure(exc: ConnectError) -> bool:
    # The plugin registry raises a plain ConnectError when no (or more than one) connector matches.
    return type(exc) is ConnectError


def unknown_connector_on_validate(exc: ConnectError) -> ConnectError | None:
    """The error `PUT /connector-plugins/{type}/config/validate` answers in Connect's text when `exc`
    is a failed connector class lookup; None when `exc` stands as it is."""
    return ConnectError(_LOOKUP_FAILURE_PREFIX + str(exc)) if _is_lookup_failure(exc) else None


def validated_config(
    plugins: ConnectorPlugins, providers: ConfigProviders, name: str, config: Mapping[str, str | None]
) -> tuple[dict[str, str], set[str]]:
    """The config to store (as submitted, `name` set) and its secret values.

    Raises:
        BadRequestError: the name differs from the URL's, the config is invalid (Connect's text,
            secrets masked), or the connector class cannot be found.
    """
    if config.get(NAME_CONFIG) is not None and config[NAME_CONFIG] != name:
        raise BadRequestError(
            f"Connector name configuration ({config[NAME_CONFIG]}) doesn't match connector name "
            f"in the URL ({name})"
        )
    raw: dict[str, str | None] = {**config, NAME_CONFIG: name}
    resolved = providers.resolve(raw)
    try:
        infos = plugins.validate(resolved, raw)
    except ConnectError as exc:
        # Connect compat: creating or updating a connector whose class is unknown answers 400.
        if _is_lookup_failure(exc):
            raise BadRequestError(str(exc)) from exc
        raise
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
