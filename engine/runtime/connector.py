"""The main of a connector process: one `Connector` instance driven by control frames.

Mirrors Connect's `WorkerConnector`: `initialize`, then `start` unless the target state is
PAUSED; pausing stops the connector and resuming starts it again; `task_configs` answers
`RequestTaskConfigs` with each config completed as `Worker.connectorTaskConfigs` does
(`task.class`, the task's Java name when it has one, see `engine.plugins.tasks`, and the
sink's `topics`/`topics.regex`). Anything that escapes `run_connector` fails the connector
(`process.main` reports it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

from engine.api.connector import Connector
from engine.errors import ConnectError
from engine.plugins.tasks import TASK_CLASS_CONFIG, task_class_name
from engine.runtime.channel import Channel
from engine.runtime.process import format_trace, load_object
from engine.runtime.protocol import (
    Commit,
    ReconfigurationRequested,
    RequestTaskConfigs,
    SetTargetState,
    StartConnector,
    StatusChanged,
    Stop,
    TaskConfigs,
)

__all__ = [
    "TASKS_MAX_ENFORCE_CONFIG",
    "TASK_CLASS_CONFIG",
    "TooManyTasksError",
    "class_path",
    "run_connector",
]

TASKS_MAX_ENFORCE_CONFIG = "tasks.max.enforce"
_TOPICS_CONFIG = "topics"
_TOPICS_REGEX_CONFIG = "topics.regex"

_POLL_S = 0.25
"""How often the loop looks at errors raised from connector threads while no frame arrives."""

log = logging.getLogger("engine.runtime.connector")


class TooManyTasksError(ConnectError):
    """A connector returned more task configs than `tasks.max` (Connect's `TooManyTasksException`)."""

    def __init__(self, name: str, num_tasks: int, max_tasks: int) -> None:
        # Connect compat: TooManyTasksException's message, word for word.
        super().__init__(
            f"The connector {name} has generated {num_tasks} tasks, which is greater than {max_tasks}, "
            "the maximum number of tasks it is configured to create. "
            "This behaviour should be considered a bug and is disallowed. "
            "If necessary, it can be permitted by reconfiguring the connector "
            f"with '{TASKS_MAX_ENFORCE_CONFIG}' set to false; however, this option will be removed in a "
            "future release of Kafka Connect."
        )


def class_path(cls: type) -> str:
    """`module:QualName`, the form `load_object` imports."""
    return f"{cls.__module__}:{cls.__qualname__}"


class _Context:
    """The `ConnectorContext` of the connector in this process; callable from any thread."""

    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self._lock = threading.Lock()
        self.error: Exception | None = None

    def request_task_reconfiguration(self) -> None:
        self._channel.emit(ReconfigurationRequested())

    def raise_error(self, error: Exception) -> None:
        log.error("The connector raised an error.", exc_info=error)
        with self._lock:
            if self.error is None:
                self.error = error


class _Instance:
    """The connector and its state: `INIT`, `STARTED` or `STOPPED` (paused or stopped)."""

    def __init__(self, name: str, connector: Connector, config: Mapping[str, str], channel: Channel) -> None:
        self.name = name
        self.connector = connector
        self.config = dict(config)
        self.channel = channel
        self.state = "INIT"

    def transition(self, target: str) -> None:
        if target == "STARTED":
            if self.state != "STARTED":
                self.connector.start(self.config)
                self.state = "STARTED"
            self.channel.emit(StatusChanged(state="RUNNING"))
        elif target in ("PAUSED", "STOPPED"):
            # Connect compat: WorkerConnector.pause stops the connector; resuming starts it again.
            if self.state == "STARTED":
                self.connector.stop()
            self.state = "STOPPED"
            self.channel.emit(StatusChanged(state=target if target == "STOPPED" else "PAUSED"))
        else:
            raise ConnectError(f"Unknown target state `{target}`.")

    def shutdown(self) -> None:
        if self.state == "STARTED":
            self.connector.stop()
        self.state = "STOPPED"

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        if self.state != "STARTED":
            raise ConnectError(f"Connector {self.name} is not running.")
        # Connect compat: Worker.connectorTaskConfigs writes the task's class name, so a bundled
        # task's config holds what Connect's does.
        task_class = task_class_name(self.connector.task_class())
        configs = self.connector.task_configs(max_tasks)
        enforce = self.config.get(TASKS_MAX_ENFORCE_CONFIG, "true").strip().lower() != "false"
        if len(configs) > max_tasks:
            if enforce:
                raise TooManyTasksError(self.name, len(configs), max_tasks)
            log.warning(
                "The connector `%s` generated %d tasks, more than `tasks.max` (%d).",
                self.name,
                len(configs),
                max_tasks,
            )
        result = []
        for props in configs:
            task_config = dict(props)
            task_config[TASK_CLASS_CONFIG] = task_class
            for key in (_TOPICS_CONFIG, _TOPICS_REGEX_CONFIG):
                if key in self.config:
                    task_config[key] = self.config[key]
            result.append(task_config)
        return result


def run_connector(start: StartConnector, channel: Channel) -> None:
    """Runs the connector of `start` until `Stop`; raises whatever should fail it.

    Raises:
        ConnectError: the class cannot be loaded or is not a `Connector`, a target state is
            unknown, or the connector generated more than `tasks.max` task configs.
        Exception: anything the connector raised from `initialize`, `start`, `stop` or through
            `context.raise_error`.
    """
    cls = load_object(start.connector_class)
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise ConnectError(f"`{start.connector_class}` is not a Connector.")
    connector = cls()
    log.info(
        "Instantiated connector `%s` with version %s of type `%s`.",
        start.name,
        connector.version(),
        cls.__name__,
    )
    context = _Context(channel)
    connector.initialize(context)
    instance = _Instance(start.name, connector, start.config, channel)
    instance.transition(start.target_state)
    while True:
        if context.error is not None:
            _stop_after_failure(instance)
            raise context.error
        for message in channel.poll_control(_POLL_S):
            if isinstance(message, Stop):
                instance.shutdown()
                return
            if isinstance(message, SetTargetState):
                instance.transition(message.state)
            elif isinstance(message, RequestTaskConfigs):
                _answer(instance, message)
            elif isinstance(message, Commit):
                pass  # a connector has no offsets of its own to commit
            else:
                raise ConnectError(
                    f"Unexpected control message {type(message).__name__} in a connector process."
                )
        if channel.control_closed:
            # The supervisor closes the ring only once it gave up on this process.
            instance.shutdown()
            return


def _answer(instance: _Instance, request: RequestTaskConfigs) -> None:
    try:
        configs = instance.task_configs(request.max_tasks)
    except TooManyTasksError as e:
        # Connect compat: Worker.connectorTaskConfigs fails the connector and the request.
        instance.channel.emit(TaskConfigs(request_id=request.request_id, configs=[], error=format_trace(e)))
        _stop_after_failure(instance)
        raise
    except Exception as e:  # any error of task_configs is the requester's answer
        log.error("The connector failed to generate task configs.", exc_info=e)
        instance.channel.emit(TaskConfigs(request_id=request.request_id, configs=[], error=format_trace(e)))
        return
    instance.channel.emit(TaskConfigs(request_id=request.request_id, configs=configs))


def _stop_after_failure(instance: _Instance) -> None:
    """Gives the failed connector a chance to release what it holds before the process ends."""
    try:
        instance.shutdown()
    except Exception:  # the first failure is the one reported
        log.exception("Stopping the failed connector failed too.")
