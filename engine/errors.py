"""The single exception hierarchy of the runtime and the plugin API.

Each class carries the HTTP status the REST layer answers with, as Connect's exception mappers do.
"""

from __future__ import annotations

__all__ = [
    "AlreadyExistsError",
    "BadRequestError",
    "ConfigError",
    "ConnectError",
    "DataError",
    "ForbiddenError",
    "NotFoundError",
    "RebalanceInProgressError",
    "RetriableError",
]


class ConnectError(Exception):
    """Base class (Connect's `ConnectException`); REST answers 500 unless a subclass says otherwise."""

    error_code = 500


class ConfigError(ConnectError):
    """Invalid configuration (Connect's `ConfigException`); REST answers 400."""

    error_code = 400


class BadRequestError(ConnectError):
    """A request the worker refuses as malformed (Connect's `BadRequestException`); REST answers 400."""

    error_code = 400


class DataError(ConnectError):
    """Data that cannot be converted or transformed (Connect's `DataException`)."""


class NotFoundError(ConnectError):
    """An unknown connector, task or plugin; REST answers 404."""

    error_code = 404


class AlreadyExistsError(ConnectError):
    """A connector of that name exists (Connect's `AlreadyExistsException`); REST answers 409."""

    error_code = 409


class ForbiddenError(ConnectError):
    """An operation the worker's configuration disables (e.g. topic tracking); REST answers 403."""

    error_code = 403


class RebalanceInProgressError(ConnectError):
    """The cluster is rebalancing (distributed mode); REST answers 409 as Connect does."""

    error_code = 409


class RetriableError(ConnectError):
    """A transient failure: the runtime retries the operation (Connect's `RetriableException`)."""
