"""The distributed herder's tick loop against in-memory stores, member and launcher.

The fakes stand for the config and status topics (writes are read back at once and reported to the
herder as the log thread would) and for the group member (the tests deliver assignments by hand,
as the member thread would after a rebalance).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from engine.cluster.protocol import Assignment
from engine.config.providers import ConfigProviders
from engine.errors import AlreadyExistsError, NotFoundError
from engine.herder.distributed import DistributedHerder, DistributedSettings
from engine.herder.entities import ConnectorTaskId
from engine.herder.restart import RestartPolicy
from engine.rest.forward import RequestTargetError
from engine.runtime.protocol import StatusChanged, TopicsUsed
from engine.storage.status_topic import Status, TopicStatus
from tests.engine.herder.test_standalone import SOURCE, FakeLauncher, FakePlugins, until


@dataclass
class Snapshot:
    offset: int = 0
    connector_configs: dict[str, dict[str, str]] = field(default_factory=dict)
    task_configs: dict[ConnectorTaskId, dict[str, str]] = field(default_factory=dict)
    target_states: dict[str, str] = field(default_factory=dict)
    task_counts: dict[str, int] = field(default_factory=dict)
    inconsistent: frozenset[str] = frozenset()


class FakeConfigStore:
    def __init__(self) -> None:
        self.state = Snapshot()
        self.herders: list[DistributedHerder] = []
        self.writes: list[tuple[Any, ...]] = []

    def _written(self, *record: Any) -> None:
        self.writes.append(record)
        self.state.offset += 1
        for herder in self.herders:
            herder.on_config_changed()

    def snapshot(self) -> Snapshot:
        s = self.state
        return Snapshot(
            s.offset,
            dict(s.connector_configs),
            dict(s.task_configs),
            dict(s.target_states),
            dict(s.task_counts),
            s.inconsistent,
        )

    def put_connector_config(
        self, name: str, config: Mapping[str, str], target_state: str | None = None
    ) -> None:
        if target_state is not None:
            self.state.target_states[name] = target_state
        self.state.connector_configs[name] = dict(config)
        self._written("connector", name)

    def remove_connector_config(self, name: str) -> None:
        self.state.connector_configs.pop(name, None)
        self.state.target_states.pop(name, None)
        self._written("remove", name)

    def put_task_configs(self, name: str, configs: list[dict[str, str]]) -> None:
        for task_id in [t for t in self.state.task_configs if t.connector == name]:
            del self.state.task_configs[task_id]
        for number, config in enumerate(configs):
            self.state.task_configs[ConnectorTaskId(name, number)] = config
        self.state.task_counts[name] = len(configs)
        self._written("tasks", name, len(configs))

    def put_target_state(self, name: str, state: str) -> None:
        self.state.target_states[name] = state
        self._written("target", name, state)

    def put_restart_request(self, name: str, only_failed: bool, include_tasks: bool) -> None:
        self.writes.append(("restart", name, only_failed, include_tasks))
        for herder in self.herders:
            herder.on_restart_request(name, only_failed, include_tasks)

    def refresh(self, timeout: float) -> None:
        return None


class FakeStatusStore:
    """Generation-fenced like Connect's KafkaStatusBackingStore.putSafe."""

    def __init__(self) -> None:
        self.statuses: dict[str | ConnectorTaskId, Status] = {}
        self.fenced: list[Status] = []
        self.topic_writes: list[TopicStatus | tuple[str, str]] = []
        """`put_topic`s, and `delete_topic`s as (connector, topic)."""
        self.active: dict[tuple[str, str], TopicStatus] = {}
        self.flushes = 0
        self.writes: list[Status] = []
        """Every status written (not fenced), in order."""

    def put(self, status: Status) -> None:
        self.statuses[status.id] = status
        self.writes.append(status)

    def put_topic(self, status: TopicStatus) -> None:
        self.topic_writes.append(status)
        self.active[(status.connector, status.topic)] = status

    def get_topic(self, connector: str, topic: str) -> TopicStatus | None:
        return self.active.get((connector, topic))

    def topics(self, connector: str) -> list[TopicStatus]:
        return sorted((s for (c, _), s in self.active.items() if c == connector), key=lambda s: s.topic)

    def delete_topic(self, connector: str, topic: str) -> None:
        self.topic_writes.append((connector, topic))
        self.active.pop((connector, topic), None)

    def flush(self, timeout: float) -> None:
        self.flushes += 1

    def put_safe(self, status: Status) -> None:
        current = self.statuses.get(status.id)
        if (
            current is not None
            and current.worker_id != status.worker_id
            and current.generation > status.generation
        ):
            self.fenced.append(status)
            return
        self.statuses[status.id] = status
        self.writes.append(status)

    def get(self, connector: str) -> Status | None:
        return self.statuses.get(connector)

    def tasks(self, connector: str) -> list[Status]:
        return [
            s for k, s in self.statuses.items() if isinstance(k, ConnectorTaskId) and k.connector == connector
        ]

    def all(self) -> list[Status]:
        return list(self.statuses.values())

    def delete(self, id: str | ConnectorTaskId, worker_id: str, generation: int) -> None:
        self.statuses.pop(id, None)


class FakeMember:
    """Assignments are delivered by the tests; `rejoining` stands for a rebalance under way."""

    def __init__(self, member_id: str) -> None:
        self.member_id = member_id
        self.rejoins = 0
        self.rejoining = False
        self.left = False
        self.polls = 0

    def poll(self, timeout_s: float) -> None:
        self.polls += 1
        time.sleep(0.01)

    def wakeup(self) -> None:
        return None

    def rejoin_needed(self) -> bool:
        return self.rejoining

    def request_rejoin(self) -> None:
        self.rejoins += 1

    def leave(self, reason: str = "") -> None:
        self.left = True

    def close(self, timeout_s: float = 0.0) -> None:
        return None


class FakeOffsets:
    def __init__(self) -> None:
        self.refreshes = 0
        self.flushes = 0

    def offsets(self, connector: str) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        return []

    def put(self, connector: str, offsets: Any) -> None:
        return None

    def refresh(self, timeout: float) -> None:
        self.refreshes += 1

    def flush(self, timeout: float) -> None:
        self.flushes += 1


class Worker:
    def __init__(self, config: FakeConfigStore, statuses: FakeStatusStore, member_id: str, port: int) -> None:
        self.launcher = FakeLauncher()
        self.member = FakeMember(member_id)
        self.url = f"http://w{port}:{port}/"
        self.sent: list[tuple[str, str, list[dict[str, str]]]] = []
        self.offsets = FakeOffsets()
        self.herder = DistributedHerder(
            settings=DistributedSettings(worker_id=f"w{port}:{port}", url=self.url, request_timeout_s=7.0),
            launcher=self.launcher,
            plugins=FakePlugins(),
            providers=ConfigProviders({}),
            config=config,
            statuses=statuses,
            offsets=self.offsets,
            admin=lambda: None,
            restart_policy=lambda _: RestartPolicy.of("none", 0, 1, 1),
            send_task_configs=self._send,
        )
        self.herder.attach(self.member)
        config.herders.append(self.herder)

    async def _send(self, url: str, name: str, configs: list[dict[str, str]]) -> None:
        self.sent.append((url, name, configs))


def assignment(
    leader: str,
    generation_offset: int = 0,
    *,
    connectors: tuple[str, ...] = (),
    tasks: tuple[ConnectorTaskId, ...] = (),
    revoked_tasks: tuple[ConnectorTaskId, ...] = (),
    revoked_connectors: tuple[str, ...] = (),
) -> Assignment:
    return Assignment(
        version=1,
        error=0,
        leader=leader,
        leader_url="http://w1:1/",
        offset=generation_offset,
        connectors=connectors,
        tasks=tasks,
        revoked_connectors=revoked_connectors,
        revoked_tasks=revoked_tasks,
    )


def run(body: Callable[[FakeConfigStore, FakeStatusStore, Worker, Worker], Awaitable[None]]) -> None:
    async def main() -> None:
        config, statuses = FakeConfigStore(), FakeStatusStore()
        leader, follower = Worker(config, statuses, "m1", 1), Worker(config, statuses, "m2", 2)
        await leader.herder.start()
        await follower.herder.start()
        try:
            await body(config, statuses, leader, follower)
        finally:
            await follower.herder.stop()
            await leader.herder.stop()

    asyncio.run(main())


T0, T1 = ConnectorTaskId("c", 0), ConnectorTaskId("c", 1)


async def _running_cluster(
    config: FakeConfigStore, statuses: FakeStatusStore, leader: Worker, follower: Worker
) -> None:
    """`c` created through the leader; its connector on the leader, task 0 on each worker."""
    leader.herder.on_assigned(assignment("m1"), 1)
    follower.herder.on_assigned(assignment("m1"), 1)
    await until(lambda: leader.herder.is_leader)
    info = await leader.herder.create_connector("c", SOURCE, None)
    assert info.tasks == []
    await until(lambda: leader.member.rejoins > 0 and follower.member.rejoins > 0)
    leader.herder.on_assigned(assignment("m1", connectors=("c",)), 2)
    follower.herder.on_assigned(assignment("m1"), 2)
    # The connector generates two task configs; the leader writes them; a rebalance is asked for.
    await until(lambda: config.state.task_counts.get("c") == 2)
    leader.herder.on_assigned(assignment("m1", connectors=("c",), tasks=(T0,)), 3)
    follower.herder.on_assigned(assignment("m1", tasks=(T1,)), 3)
    await until(
        lambda: len(statuses.tasks("c")) == 2 and all(s.state == "RUNNING" for s in statuses.tasks("c"))
    )


def test_create_generates_task_configs_and_runs_the_assignment_with_statuses_fenced_by_generation() -> None:
    async def body(
        config: FakeConfigStore, statuses: FakeStatusStore, leader: Worker, follower: Worker
    ) -> None:
        await _running_cluster(config, statuses, leader, follower)
        assert len(leader.launcher.connectors) == 1
        assert not follower.launcher.connectors
        assert [h.name for h in leader.launcher.tasks] == ["c-0"]
        assert [h.name for h in follower.launcher.tasks] == ["c-1"]
        status = await follower.herder.connector_status("c")
        assert status.connector.state == "RUNNING"
        assert status.connector.worker_id == "w1:1"
        assert [(t.id, t.state, t.worker_id) for t in status.tasks] == [
            (0, "RUNNING", "w1:1"),
            (1, "RUNNING", "w2:2"),
        ]
        assert statuses.statuses[T1].generation == 3
        info = await follower.herder.connector_info("c")
        assert info.tasks == [T0, T1]
        with pytest.raises(AlreadyExistsError):
            await leader.herder.create_connector("c", SOURCE, None)

    run(body)


def test_a_follower_names_the_leader_for_leader_writes() -> None:
    async def body(
        config: FakeConfigStore, statuses: FakeStatusStore, leader: Worker, follower: Worker
    ) -> None:
        follower.herder.on_assigned(assignment("m1"), 1)
        await until(lambda: follower.herder.cluster_view()["generation"] == 1)
        with pytest.raises(RequestTargetError) as raised:
            await follower.herder.create_connector("c", SOURCE, None)
        assert raised.value.url == "http://w1:1/"
        assert config.writes == []

    run(body)


def test_a_write_during_a_rebalance_waits_for_it_instead_of_answering_409() -> None:
    async def body(
        config: FakeConfigStore, statuses: FakeStatusStore, leader: Worker, follower: Worker
    ) -> None:
        leader.herder.on_assigned(assignment("m1"), 1)
        await until(lambda: leader.herder.is_leader)
        leader.member.rejoining = True
        create = asyncio.create_task(leader.herder.create_connector("c", SOURCE, None))
        await asyncio.sleep(0.3)
        assert not create.done()
        leader.member.rejoining = False
        leader.herder.on_assigned(assignment("m1"), 2)
        info = await asyncio.wait_for(create, 3)
        assert info.name == "c"
        assert "c" in config.state.connector_configs

    run(body)


def test_revoked_tasks_stop_and_turn_unassigned_and_older_generations_are_fenced() -> None:
    async def body(
        config: FakeConfigStore, statuses: FakeStatusStore, leader: Worker, follower: Worker
    ) -> None:
        await _running_cluster(config, statuses, leader, follower)
        await asyncio.to_thread(follower.herder.on_revoked, "m1", (), (T1,))
        assert follower.launcher.live_tasks("c") == []
        assert statuses.statuses[T1].state == "UNASSIGNED"
        assert follower.offsets.flushes == 1
        refreshes = leader.offsets.refreshes
        # The task runs on the leader at generation 5; a late write of generation 3 is fenced.
        leader.herder.on_assigned(assignment("m1", connectors=("c",), tasks=(T0, T1)), 5)
        await until(lambda: statuses.statuses[T1].worker_id == "w1:1")
        await until(lambda: statuses.statuses[T1].state == "RUNNING")
        assert leader.offsets.refreshes == refreshes + 1
        statuses.put_safe(Status(T1, "UNASSIGNED", "w2:2", 3))
        assert statuses.statuses[T1].state == "RUNNING"

    run(body)


def test_pause_is_written_by_any_worker_and_followed_everywhere_then_delete_tombstones() -> None:
    async def body(
        config: FakeConfigStore, statuses: FakeStatusStore, leader: Worker, follower: Worker
    ) -> None:
        await _running_cluster(config, statuses, leader, follower)
        await follower.herder.pause_connector("c")
        assert config.writes[-1] == ("target", "c", "PAUSED")
        await until(lambda: all(s.state == "PAUSED" for s in statuses.statuses.values()))
        await follower.herder.resume_connector("c")
        await until(lambda: all(s.state == "RUNNING" for s in statuses.statuses.values()))
        await leader.herder.delete_connector("c")
        await until(lambda: not statuses.statuses)
        assert leader.launcher.live_tasks("c") == [] and follower.launcher.live_tasks("c") == []
        with pytest.raises(NotFoundError):
            await follower.herder.connector_info("c")

    run(body)


def test_restart_request_is_written_by_the_leader_and_run_by_each_owner() -> None:
    async def body(
        config: FakeConfigStore, statuses: FakeStatusStore, leader: Worker, follower: Worker
    ) -> None:
        await _running_cluster(config, statuses, leader, follower)
        plan = await leader.herder.restart_connector("c", include_tasks=True, only_failed=False)
        assert plan is not None
        assert plan.connector.state == "RESTARTING"
        assert [t.state for t in plan.tasks] == ["RESTARTING", "RESTARTING"]
        assert config.writes[-1] == ("restart", "c", False, True)
        await until(lambda: len(follower.launcher.tasks) == 2 and len(leader.launcher.tasks) == 2)
        assert len(leader.launcher.connectors) == 2
        # The legacy form is run by the owner; another worker names the owner.
        with pytest.raises(RequestTargetError) as raised:
            await follower.herder.restart_connector("c", include_tasks=False, only_failed=False)
        assert raised.value.url == "http://w1:1/"

    run(body)


def test_the_member_view_counts_inconsistent_connectors_as_taskless_and_lists_released_instances() -> None:
    async def body(
        config: FakeConfigStore, statuses: FakeStatusStore, leader: Worker, follower: Worker
    ) -> None:
        await _running_cluster(config, statuses, leader, follower)
        assert leader.member.polls > 0
        await asyncio.to_thread(follower.herder.on_revoked, "m1", (), (T1,))
        offset, counts, released = follower.herder.assignor_view()
        assert offset == config.state.offset
        assert counts == {"c": 2}
        assert released == frozenset({T1})
        config.state.inconsistent = frozenset({"c"})
        assert follower.herder.assignor_view()[1] == {"c": 0}

    run(body)


def test_a_stopping_worker_leaves_the_group_after_its_instances_stopped() -> None:
    async def body(
        config: FakeConfigStore, statuses: FakeStatusStore, leader: Worker, follower: Worker
    ) -> None:
        await _running_cluster(config, statuses, leader, follower)
        await follower.herder.stop()
        assert follower.member.left
        assert statuses.statuses[T1].state == "UNASSIGNED"
        assert follower.offsets.flushes >= 1
        assert statuses.flushes >= 1

    run(body)


def test_restart_only_failed_with_tasks_restarts_exactly_the_failed_task() -> None:
    async def body(
        config: FakeConfigStore, statuses: FakeStatusStore, leader: Worker, follower: Worker
    ) -> None:
        await _running_cluster(config, statuses, leader, follower)
        follower.launcher.tasks[0].emit(StatusChanged("FAILED", "boom"))
        await until(lambda: statuses.statuses[T1].state == "FAILED")
        plan = await leader.herder.restart_connector("c", include_tasks=True, only_failed=True)
        assert plan is not None
        assert plan.connector.state == "RUNNING"
        assert [t.state for t in plan.tasks] == ["RUNNING", "RESTARTING"]
        await until(lambda: len(follower.launcher.tasks) == 2)
        await until(lambda: statuses.statuses[T1].state == "RUNNING")
        assert len(leader.launcher.tasks) == 1
        assert len(leader.launcher.connectors) == 1

    run(body)


def test_revoked_instances_are_flushed_unassigned_then_run_paused_where_the_next_round_puts_them() -> None:
    """A full restart of a cluster with a paused connector: the first worker up runs everything,
    and the round that lets the others in revokes a share from it. The revocation returns only
    once the UNASSIGNED statuses are acknowledged (a late one would overwrite the next owner's
    PAUSED for good); the follow-up round, which the member starts by itself, hands them out."""

    async def body(
        config: FakeConfigStore, statuses: FakeStatusStore, leader: Worker, follower: Worker
    ) -> None:
        await _running_cluster(config, statuses, leader, follower)
        await follower.herder.pause_connector("c")
        await until(lambda: [s.state for s in statuses.statuses.values()] == ["PAUSED"] * 3)
        rejoins, flushes = leader.member.rejoins, statuses.flushes
        # Generation 4 revokes the connector and task 0 from the leader; the member stops them
        # first, then delivers what the leader keeps (nothing).
        await asyncio.to_thread(leader.herder.on_revoked, "m1", ("c",), (T0,))
        assert statuses.statuses["c"].state == "UNASSIGNED"
        assert statuses.statuses[T0].state == "UNASSIGNED"
        assert statuses.flushes > flushes
        leader.herder.on_assigned(assignment("m1", revoked_connectors=("c",), revoked_tasks=(T0,)), 4)
        follower.herder.on_assigned(assignment("m1", tasks=(T1,)), 4)
        await until(lambda: leader.herder.cluster_view()["generation"] == 4)
        # Generation 5, the follow-up round, gives them to the follower, which runs them paused.
        leader.herder.on_assigned(assignment("m1"), 5)
        follower.herder.on_assigned(assignment("m1", connectors=("c",), tasks=(T0, T1)), 5)
        await until(
            lambda: [(s.state, s.worker_id) for s in statuses.statuses.values()] == [("PAUSED", "w2:2")] * 3
        )
        assert [h.name for h in follower.launcher.live_tasks("c")] == ["c-1", "c-0"]
        # The member rejoins after a revocation by itself (engine.cluster.membership); the herder
        # asking too would cost every revoking round one more rebalance.
        assert leader.member.rejoins == rejoins

    run(body)


def test_active_topics_are_read_from_the_status_topic_by_every_worker_and_reset_with_tombstones() -> None:
    async def body(
        config: FakeConfigStore, statuses: FakeStatusStore, leader: Worker, follower: Worker
    ) -> None:
        await _running_cluster(config, statuses, leader, follower)
        # Task 1 runs on the follower only; the leader runs no task that used the topic.
        follower.launcher.live_tasks("c")[0].emit(TopicsUsed(["t1"]))
        await until(lambda: statuses.get_topic("c", "t1") is not None)
        written = statuses.get_topic("c", "t1")
        assert written is not None and (written.connector, written.task) == ("c", 1)
        assert await leader.herder.connector_topics("c") == ["t1"]
        assert await follower.herder.connector_topics("c") == ["t1"]
        await leader.herder.reset_connector_topics("c")
        assert statuses.topic_writes[-1] == ("c", "t1")
        assert await follower.herder.connector_topics("c") == []
        # Connect compat: GET …/topics answers an unknown connector with no topics.
        assert await follower.herder.connector_topics("gone") == []
        # A topic used after the reset is recorded; the reset one is not written again meanwhile.
        follower.launcher.live_tasks("c")[0].emit(TopicsUsed(["t2"]))
        await until(lambda: statuses.get_topic("c", "t2") is not None)
        assert await leader.herder.connector_topics("c") == ["t2"]
        assert [w.topic for w in statuses.topic_writes if isinstance(w, TopicStatus)] == ["t1", "t2"]
        # Deleting the connector tombstones its active topics too.
        await leader.herder.delete_connector("c")
        await until(lambda: not statuses.topics("c"))
        assert statuses.topic_writes[-1] == ("c", "t2")

    run(body)
