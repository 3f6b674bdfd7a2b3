"""The contract between the REST layer and a herder (standalone now, distributed in issue 5).

Every method is a coroutine run on the supervisor's event loop; none may block it (anything slow,
such as talking to a task process or to Kafka, is awaited). Errors are raised as the classes of
`engine.errors`, whose `error_code` the REST layer answers with, and whose message is Connect's
text for the same situation (the messages are listed per method).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from engine.herder.entities import (
    ConfigInfos,
    ConfigKeyInfo,
    ConnectorInfo,
    ConnectorOffset,
    ConnectorStateInfo,
    PluginInfo,
    ServerInfo,
    TaskInfo,
    TaskState,
)

__all__ = ["Herder", "TargetState"]

TargetState = str
"""`STARTED`, `PAUSED` or `STOPPED` (Connect's `TargetState`)."""


class Herder(Protocol):
    """What the REST API asks of the worker."""

    @property
    def worker_id(self) -> str:
        """`host:port` of the advertised REST URL."""

    def ready(self) -> bool:
        """Whether start-up finished (`GET /health` answers 503 `starting` until then)."""

    async def healthy(self) -> bool:
        """Whether the herder's loop answers now (`GET /health` answers 500 `unhealthy` if not)."""

    async def server_info(self) -> ServerInfo: ...

    async def connectors(self) -> list[str]:
        """Names of all connectors, sorted."""

    async def connector_info(self, name: str) -> ConnectorInfo:
        """Raises NotFoundError(`Connector {name} not found`)."""

    async def connector_config(self, name: str) -> dict[str, str]:
        """The config as submitted: `${provider:...}` placeholders unresolved.

        Raises NotFoundError(`Connector {name} not found`)."""

    async def create_connector(
        self, name: str, config: Mapping[str, str | None], initial_state: TargetState | None
    ) -> ConnectorInfo:
        """Validates then stores and starts a connector (`config["name"]` is set to `name`).

        Raises:
            AlreadyExistsError: `Connector {name} already exists`.
            BadRequestError: the config is invalid; the message is Connect's
                `Connector configuration is invalid and contains the following N error(s):\\n...`
                followed by `You can also find the above list of errors at the endpoint
                `/connector-plugins/{connectorType}/config/validate``.
            BadRequestError: the connector class cannot be found (400), in Connect's words.
        """

    async def put_connector_config(
        self, name: str, config: Mapping[str, str | None]
    ) -> tuple[bool, ConnectorInfo]:
        """Creates or replaces; returns (created, info). Same errors as `create_connector`
        except AlreadyExistsError."""

    async def patch_connector_config(self, name: str, patch: Mapping[str, str | None]) -> ConnectorInfo:
        """Merges `patch` into the current config (a None value removes the key), validates and
        applies it. Raises NotFoundError(`Connector {name} not found`) or BadRequestError."""

    async def connector_status(self, name: str) -> ConnectorStateInfo:
        """Raises NotFoundError(`No status found for connector {name}`)."""

    async def task_status(self, name: str, task: int) -> TaskState:
        """Raises NotFoundError(`No status found for task {name}-{task}`)."""

    async def task_infos(self, name: str) -> list[TaskInfo]:
        """Raises NotFoundError(`Connector {name} not found`)."""

    async def restart_connector(
        self, name: str, include_tasks: bool, only_failed: bool
    ) -> ConnectorStateInfo | None:
        """With both flags false, restarts the connector instance only and returns None (REST 204);
        otherwise returns the status with the instances to restart shown as RESTARTING (REST 202).

        Raises:
            NotFoundError: `Unknown connector: {name}`, when a flag is set.
            ConnectError (500): `Connector {name} not found`, with both flags false (Connect
                fails there with a NullPointerException: the status is Connect's, the text ours).
        """

    async def restart_task(self, name: str, task: int) -> None:
        """Restarts one task instance.

        Raises:
            ConnectError (500): `Failed to start task {name}-{task} since it is not a recognizable
                type (source or sink)` for an unknown connector (Connect's text: it looks the
                connector's type up before the task).
            NotFoundError: `Task {name}-{task} not found` for an unknown task of a known connector.
        """

    async def pause_connector(self, name: str) -> None:
        """Idempotent. Raises NotFoundError(`Unknown connector {name}`)."""

    async def resume_connector(self, name: str) -> None:
        """Also resumes a STOPPED connector. Raises NotFoundError(`Unknown connector {name}`)."""

    async def stop_connector(self, name: str) -> None:
        """Idempotent. Raises ConnectError (500) `No connector `{name}` configured` for an unknown
        connector (Connect's text and status)."""

    async def delete_connector(self, name: str) -> None:
        """Raises NotFoundError(`Connector {name} not found`)."""

    async def connector_topics(self, name: str) -> list[str]:
        """Topics the connector used since the last reset, sorted (empty for an unknown connector).
        Raises ForbiddenError(`Topic tracking is disabled.`)."""

    async def reset_connector_topics(self, name: str) -> None:
        """Raises ForbiddenError(`Topic tracking is disabled.` / `Topic tracking reset is disabled.`)."""

    async def connector_offsets(self, name: str) -> list[ConnectorOffset]:
        """Raises NotFoundError(`Connector {name} not found`)."""

    async def alter_connector_offsets(self, name: str, offsets: list[ConnectorOffset]) -> str:
        """Returns the success message. Raises NotFoundError, or BadRequestError when the connector
        is not STOPPED / the offsets are malformed (Connect's texts)."""

    async def reset_connector_offsets(self, name: str) -> str:
        """Returns the success message; errors as `alter_connector_offsets`."""

    async def connector_plugins(self, connectors_only: bool) -> list[PluginInfo]: ...

    async def plugin_config(self, plugin: str) -> list[ConfigKeyInfo]:
        """Raises NotFoundError(`Unknown plugin {plugin}.`)."""

    async def validate_connector_config(
        self, plugin_type: str, config: Mapping[str, str | None]
    ) -> ConfigInfos:
        """`PUT /connector-plugins/{plugin_type}/config/validate`: problems go inside the result.

        Raises BadRequestError(`Included connector type X does not match request type Y`) and
        ConnectError (500) for a missing or unknown `connector.class`."""
