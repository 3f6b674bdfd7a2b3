"""Connector base classes (Connect's `Connector`, `SourceConnector`, `SinkConnector`).

A connector is configured with a string map, splits its work into at most `tasks.max` task
configurations, and names the task class that does the work. The runtime calls `start` once,
`task_configs` whenever it (re)assigns tasks, and `stop` on shutdown; a connector never runs in
the same process as another connector's tasks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from engine.api.config import ConfigSpec

if TYPE_CHECKING:
    from engine.api.task import SinkTask, SourceTask, Task

__all__ = ["Connector", "ConnectorContext", "SinkConnector", "SourceConnector"]


class ConnectorContext(Protocol):
    """What the runtime offers a running connector."""

    def request_task_reconfiguration(self) -> None:
        """Asks the runtime to call `task_configs` again (e.g. the source's tables changed)."""

    def raise_error(self, error: Exception) -> None:
        """Marks the connector FAILED with `error` (from a background thread of the connector)."""


class Connector(ABC):
    """Base of every connector. Subclasses are created with no arguments by the runtime."""

    context: ConnectorContext | None = None

    def initialize(self, context: ConnectorContext) -> None:
        self.context = context

    def version(self) -> str:
        """The plugin version shown by `GET /connector-plugins`."""
        return "unknown"

    @abstractmethod
    def config(self) -> ConfigSpec:
        """The connector's own keys (the runtime adds the keys common to every connector)."""

    @abstractmethod
    def start(self, props: Mapping[str, str]) -> None:
        """Starts with the connector's configuration (config providers already resolved).

        Raises:
            ConfigError: the configuration is invalid; the connector is marked FAILED.
        """

    @abstractmethod
    def task_class(self) -> type[Task]:
        """The task class that does the work."""

    @abstractmethod
    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """At most `max_tasks` task configurations, one per task to run."""

    @abstractmethod
    def stop(self) -> None:
        """Stops; must be idempotent."""


class SourceConnector(Connector):
    """A connector that reads from an external system into Kafka."""

    @abstractmethod
    def task_class(self) -> type[SourceTask]:
        """The source task class that does the work."""


class SinkConnector(Connector):
    """A connector that writes from Kafka topics (`topics` or `topics.regex`) to an external system."""

    @abstractmethod
    def task_class(self) -> type[SinkTask]:
        """The sink task class that does the work."""
