"""The statuses a worker of a cluster writes for the instances assigned to it.

Connect compat: an instance writes its first status itself once started (`WorkerTask.onStartup`,
RUNNING or PAUSED); starting it writes none. The assignor takes an UNASSIGNED status for an
instance released cleanly, so one written while an instance starts would let a crash at that
moment skip the delay that waits for a lost worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from engine.config.providers import ConfigProviders
from engine.herder.assigned import AssignedWork
from engine.herder.distributed_instances import DistributedLifecycle, TaskConfigPublisher
from engine.herder.entities import ConnectorTaskId
from engine.herder.instances import ConnectorRecord
from engine.herder.restart import RestartPolicy
from engine.runtime.protocol import StatusChanged
from engine.storage.status_topic import Status
from tests.engine.herder.test_distributed import FakeOffsets, FakeStatusStore, Snapshot
from tests.engine.herder.test_standalone import SOURCE, FakeLauncher, FakePlugins, settle, until

WORKER = "w1:1"
T0, T1 = ConnectorTaskId("c", 0), ConnectorTaskId("c", 1)


class Here:
    """One worker's assigned work over a fake launcher whose processes report only when told."""

    def __init__(self) -> None:
        self.launcher = FakeLauncher()
        self.launcher.silent = True
        self.statuses = FakeStatusStore()
        self.snapshot = Snapshot(
            connector_configs={"c": dict(SOURCE)},
            task_configs={T0: {"task.id": "0"}, T1: {"task.id": "1"}},
            task_counts={"c": 2},
        )

        async def no_publish(name: str, configs: list[dict[str, str]]) -> None:
            return None

        self.lifecycle = DistributedLifecycle(
            publisher=TaskConfigPublisher(lambda name: [], no_publish),
            launcher=self.launcher,
            plugins=FakePlugins(),
            providers=ConfigProviders({}),
            offsets=FakeOffsets(),
            restart_policy=lambda _: RestartPolicy.of("on-failure", 2, 20, 1000),
            current=self._record,
            graceful_timeout_ms=1000,
        )
        self.work = AssignedWork(self.lifecycle, FakePlugins(), ConfigProviders({}), self.statuses, WORKER)

    def _record(self, name: str) -> ConnectorRecord | None:
        return self.work.records.get(name)

    async def assign(self, generation: int, *, connectors: set[str], tasks: set[ConnectorTaskId]) -> None:
        self.work.connectors, self.work.tasks = connectors, tasks
        await self.work.reconcile(self.snapshot, generation)
        await self.work.publish_statuses(generation)

    def writes(self, instance: str | ConnectorTaskId) -> list[tuple[str, str, int]]:
        return [(s.state, s.worker_id, s.generation) for s in self.statuses.writes if s.id == instance]


def run(body: Callable[[Here], Awaitable[None]]) -> None:
    async def main() -> None:
        here = Here()
        try:
            await body(here)
        finally:
            await here.lifecycle.shutdown(list(here.work.records.values()))

    asyncio.run(main())


def test_a_task_starting_here_writes_nothing_until_it_reports_running() -> None:
    async def body(here: Here) -> None:
        # Task 1 ran on a worker that crashed; the assignor hands it here.
        lost = Status(T1, "RUNNING", "w2:2", 3)
        here.statuses.put(lost)
        await here.assign(5, connectors=set(), tasks={T1})
        assert [h.name for h in here.launcher.tasks] == ["c-1"]
        assert here.statuses.statuses[T1] == lost
        assert here.writes(T1) == [("RUNNING", "w2:2", 3)]
        here.launcher.tasks[0].emit(StatusChanged("RUNNING"))
        await settle()
        await here.work.publish_statuses(5)
        assert here.writes(T1) == [("RUNNING", "w2:2", 3), ("RUNNING", WORKER, 5)]

    run(body)


def test_a_failed_task_restarting_by_policy_stays_failed_until_it_reports() -> None:
    async def body(here: Here) -> None:
        await here.assign(5, connectors=set(), tasks={T0})
        first = here.launcher.tasks[0]
        first.emit(StatusChanged("RUNNING"))
        first.emit(StatusChanged("FAILED", "boom"))
        first.emit(None)
        await until(lambda: len(here.launcher.tasks) == 2)  # the restart by policy (20 ms)
        await here.work.publish_statuses(5)
        assert here.writes(T0) == [("FAILED", WORKER, 5)]
        here.launcher.tasks[1].emit(StatusChanged("RUNNING"))
        await settle()
        await here.work.publish_statuses(5)
        assert here.writes(T0) == [("FAILED", WORKER, 5), ("RUNNING", WORKER, 5)]

    run(body)


def test_a_connector_assigned_here_again_writes_nothing_until_it_reports() -> None:
    """Its task stayed here, so the worker still holds the connector's record from the instance
    it ran before; that instance's UNASSIGNED is not the new one's status."""

    async def body(here: Here) -> None:
        here.launcher.silent = False
        await here.assign(5, connectors={"c"}, tasks={T0})
        await settle()
        await here.work.publish_statuses(5)
        assert here.writes("c") == [("RUNNING", WORKER, 5)]
        await here.work.revoke({"c"}, set(), here.snapshot, 6)
        assert here.writes("c")[-1] == ("UNASSIGNED", WORKER, 6)
        # Another worker ran it, then crashed; it comes back here.
        here.statuses.put(Status("c", "RUNNING", "w2:2", 7))
        here.launcher.silent = True
        await here.assign(8, connectors={"c"}, tasks={T0})
        assert len(here.launcher.connectors) == 2
        assert here.writes("c")[-1] == ("RUNNING", "w2:2", 7)
        here.launcher.connectors[1].emit(StatusChanged("RUNNING"))
        await settle()
        await here.work.publish_statuses(8)
        assert here.writes("c")[-1] == ("RUNNING", WORKER, 8)

    run(body)
