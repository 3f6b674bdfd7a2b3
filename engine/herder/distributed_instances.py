"""Running the instances assigned to one worker of a cluster: `engine.herder.lifecycle` adapted.

Connect compat: in distributed mode the worker running a connector generates its task configs but
does not start the tasks: it hands the configs to the leader, which writes them to the config topic
(`DistributedHerder.reconfigureConnector`), and each task then runs wherever it is assigned. A worker
may run tasks of a connector whose instance runs elsewhere; those follow the connector's target
state directly.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from engine.errors import ConnectError
from engine.herder.configs import restore_placeholders
from engine.herder.instances import ConnectorRecord, InstanceHandle, TaskRecord, mask_secrets
from engine.herder.lifecycle import PAUSED, STARTED, Lifecycle
from engine.herder.restart import RestartTracker

__all__ = ["DistributedLifecycle", "TaskConfigPublisher"]

logger = logging.getLogger("engine.herder")

TASKS_MAX_CONFIG = "tasks.max"
FAILED = "FAILED"


@dataclass(frozen=True)
class TaskConfigPublisher:
    """`current(name)`: the task configs the config topic holds; `publish(name, configs)`: has the
    leader write new ones."""

    current: Callable[[str], list[dict[str, str]]]
    publish: Callable[[str, list[dict[str, str]]], Awaitable[None]]


class DistributedLifecycle(Lifecycle):
    """A `Lifecycle` whose connectors publish task configs instead of starting tasks.

    Args:
        publisher: where generated task configs go.
        **kwargs: as `Lifecycle`.
    """

    def __init__(self, *, publisher: TaskConfigPublisher, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._publisher = publisher
        self.owned: set[str] = set()
        """Connectors whose instance this worker runs."""

    async def reconfigure_tasks(self, record: ConnectorRecord) -> None:
        """Regenerates the task configs; has them written when they (or the connector config they
        were generated from) changed. The tasks restart wherever they run once they are read back."""
        handle = record.handle
        if handle is None or record.target != STARTED:
            return
        resolved = self.resolved(record, record.config)
        try:
            generated = await handle.request_task_configs(int(resolved.get(TASKS_MAX_CONFIG, "1")))
        except (ConnectError, OSError) as exc:
            if record.handle is handle and record.state != FAILED:
                trace = "".join(traceback.format_exception(exc)).rstrip()
                record.state, record.trace = FAILED, mask_secrets(trace, record.secrets)
                self._connector_failed(record, handle)
            logger.error("Connector `%s` could not generate task configs.", record.name)
            return
        configs = [restore_placeholders(record.config, resolved, c) for c in generated]
        unchanged_config = record.applied_config is None or record.applied_config == record.config
        if configs == self._publisher.current(record.name) and unchanged_config:
            record.applied_config = dict(record.config)
            return
        await self._publisher.publish(record.name, configs)
        record.applied_config = dict(record.config)
        logger.info("Connector `%s` generated %d task configs.", record.name, len(configs))

    async def start_new_task(self, record: ConnectorRecord, task_id: int, config: dict[str, str]) -> None:
        """Starts task `task_id` of `record` with `config` (replacing any record of it)."""
        tracker = RestartTracker(self._restart_policy(self.resolved(record, record.config)))
        task = TaskRecord(task_id, config, tracker)
        record.tasks[task_id] = task
        await self.start_task(record, task)

    async def transition_tasks(self, record: ConnectorRecord, target: str) -> None:
        """Moves the local tasks of a connector that runs elsewhere to `target` (PAUSED/STARTED)."""
        handles = [t.handle for t in record.tasks.values() if t.handle is not None]
        await asyncio.gather(*(self._move(h, target) for h in handles))

    @staticmethod
    async def _move(handle: InstanceHandle, target: str) -> None:
        try:
            await (handle.pause() if target == PAUSED else handle.resume())
        except ConnectError as exc:
            logger.info("Could not change the target state of a process: %s", exc)
