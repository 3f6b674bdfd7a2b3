"""The single exception hierarchy of the runtime and the plugin API.

Each class carries the HTTP status the REST layer answers with, as Connect's exception mappers do.
"""

from __future__ import annotations

__all__ = ["ConfigError", "ConnectError", "DataError", "NotFoundError", "RetriableError"]


class ConnectError(Exception):
    """Base class (Connect's `ConnectException`); REST answers 500 unless a subclass says otherwise."""

    error_code = 500


class ConfigError(ConnectError):
    """Invalid configuration (Connect's `ConfigException`); REST answers 400."""

    error_code = 400


class DataError(ConnectError):
    """Data that cannot be converted or transformed (Connect's `DataException`)."""


class NotFoundError(ConnectError):
    """An unknown connector, task or plugin; REST answers 404."""

    error_code = 404


class RetriableError(ConnectError):
    """A transient failure: the runtime retries the operation (Connect's `RetriableException`)."""
