"""Three `WorkerGroupMember`s in one group on the real broker: join, leader, assignments, leave, crash."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from engine.cluster.membership import ConfigSnapshot, WorkerGroupMember
from engine.cluster.protocol import Assignment, Compatibility
from engine.herder.entities import ConnectorTaskId

SNAPSHOT = ConfigSnapshot(offset=5, task_counts={"c1": 3, "c2": 2})


class Worker:
    """A herder stand-in: keeps what it runs and drives `poll` on its own thread."""

    def __init__(self, bootstrap: str, group: str, name: str, mode: Compatibility) -> None:
        self.connectors: set[str] = set()
        self.tasks: set[ConnectorTaskId] = set()
        self.generation = -1
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.member = WorkerGroupMember(
            bootstrap=bootstrap,
            group_id=group,
            url=f"http://{name}:8083/",
            listener=self,
            compatibility=mode,
            session_timeout_ms=6000,
            heartbeat_interval_ms=500,
            rebalance_timeout_ms=10000,
            max_delay_ms=3000,
        )
        self.thread = threading.Thread(target=self._run, name=f"member-{name}", daemon=True)
        self.thread.start()

    def config_snapshot(self) -> ConfigSnapshot:
        return SNAPSHOT

    def on_assigned(self, assignment: Assignment, generation: int) -> None:
        self.connectors = set(assignment.connectors)
        self.tasks = set(assignment.tasks)
        self.generation = generation

    def on_revoked(
        self, leader: str, connectors: tuple[str, ...], tasks: tuple[ConnectorTaskId, ...]
    ) -> None:
        self.connectors -= set(connectors)
        self.tasks -= set(tasks)

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                self.member.poll(0.2)
        except Exception as exc:  # noqa: BLE001  # handed to the fixture, which fails the test on it
            self.errors.append(exc)

    def halt(self) -> None:
        self.stop.set()
        self.member.wakeup()
        self.thread.join(15)
        assert not self.thread.is_alive()


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


ALL_TASKS = {ConnectorTaskId("c1", n) for n in range(3)} | {ConnectorTaskId("c2", n) for n in range(2)}


def complete(workers: list[Worker]) -> bool:
    connectors = [c for w in workers for c in w.connectors]
    tasks = [t for w in workers for t in w.tasks]
    return sorted(connectors) == ["c1", "c2"] and sorted(tasks) == sorted(ALL_TASKS)


@pytest.fixture
def start_workers(kafka_bootstrap: str) -> Iterator[Callable[[int, Compatibility], list[Worker]]]:
    started: list[Worker] = []
    group = f"connect-test-{uuid.uuid4().hex[:8]}"

    def start(count: int, mode: Compatibility) -> list[Worker]:
        workers = [Worker(kafka_bootstrap, group, f"w{len(started) + i}", mode) for i in range(count)]
        started.extend(workers)
        return workers

    yield start
    for worker in started:
        worker.stop.set()
        worker.member.wakeup()
    for worker in started:
        worker.thread.join(15)
        worker.member.close()
    assert all(not w.errors for w in started), [w.errors for w in started]


@pytest.mark.integration
@pytest.mark.cluster
@pytest.mark.xfail(
    strict=False,
    reason="known defect, issue 5: in 2 of the last 3 full CI runs three members joining together "
    "did not reach a balanced assignment within 90 s (passes when run alone); under investigation",
)
def test_three_members_share_the_work_and_one_leaving_hands_it_over(
    start_workers: Callable[[int, Compatibility], list[Worker]],
) -> None:
    workers = start_workers(3, Compatibility.SESSIONED)
    wait_until(
        lambda: complete(workers) and all(len(w.connectors) + len(w.tasks) > 0 for w in workers),
        # Balancing takes a follow-up rebalance after the revocations; slow on 2 busy cores.
        90,
        "balanced work",
    )
    leaders = {w.member.assignment.leader for w in workers if w.member.assignment is not None}
    assert len(leaders) == 1
    assert sum(w.member.is_leader() for w in workers) == 1
    assert {w.member.current_protocol for w in workers} == {Compatibility.SESSIONED}

    # A graceful leave: the group rebalances at once; the lost work waits at most max_delay (3 s).
    leaving = next(w for w in workers if not w.member.is_leader())
    leaving.halt()
    leaving.member.leave()
    rest = [w for w in workers if w is not leaving]
    wait_until(lambda: complete(rest), 20, "work moved off the leaving member")
    assert {w.generation for w in rest} == {max(w.generation for w in rest)}


@pytest.mark.integration
@pytest.mark.cluster
def test_a_killed_member_expires_and_its_work_moves(
    start_workers: Callable[[int, Compatibility], list[Worker]],
) -> None:
    workers = start_workers(3, Compatibility.EAGER)
    wait_until(lambda: complete(workers), 30, "all work assigned")
    assert {w.member.current_protocol for w in workers} == {Compatibility.EAGER}
    victim = next(w for w in workers if not w.member.is_leader())
    # A crash: no LeaveGroup, no heartbeats; the coordinator expires the session (6 s).
    victim.halt()
    victim.member._coordinator._close_heartbeat()
    rest = [w for w in workers if w is not victim]
    started = time.monotonic()
    wait_until(lambda: complete(rest), 30, "work moved off the killed member")
    assert time.monotonic() - started < 25
