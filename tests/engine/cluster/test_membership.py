"""Three `WorkerGroupMember`s in one group on the real broker: join, leader, assignments, leave, crash."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

import pytest

from engine.cluster.membership import ConfigSnapshot, WorkerGroupMember
from engine.cluster.protocol import Assignment, Compatibility
from engine.herder.entities import ConnectorTaskId

SNAPSHOT = ConfigSnapshot(offset=5, task_counts={"c1": 3, "c2": 2})


@dataclass(frozen=True)
class SlowRevocation:
    member_id: str
    revoked: frozenset[str | ConnectorTaskId]
    started: float
    ended: float
    # The longest time without an acknowledged heartbeat while the revocation blocked.
    longest_silence_s: float


class Worker:
    """A herder stand-in: keeps what it runs and drives `poll` on its own thread."""

    def __init__(
        self, bootstrap: str, group: str, name: str, mode: Compatibility, rebalance_timeout_ms: int = 10000
    ) -> None:
        self.connectors: set[str] = set()
        self.tasks: set[ConnectorTaskId] = set()
        self.generation = -1
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        # When set, a revocation takes this long (the real herder waits for the revoked instances
        # to stop), and each slow revocation is recorded.
        self.revocation_s = 0.0
        self.slow_revocations: list[SlowRevocation] = []
        # (when, what) of every assignment, to check no instance ran on two members at once.
        self.history: list[tuple[float, frozenset[str | ConnectorTaskId]]] = []
        self.member = WorkerGroupMember(
            bootstrap=bootstrap,
            group_id=group,
            url=f"http://{name}:8083/",
            listener=self,
            compatibility=mode,
            session_timeout_ms=6000,
            heartbeat_interval_ms=500,
            rebalance_timeout_ms=rebalance_timeout_ms,
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
        self.history.append((time.monotonic(), frozenset(self.connectors | self.tasks)))

    def on_revoked(
        self, leader: str, connectors: tuple[str, ...], tasks: tuple[ConnectorTaskId, ...]
    ) -> None:
        if self.revocation_s and (connectors or tasks):
            self._revoke_slowly(frozenset(connectors) | frozenset(tasks))
        self.connectors -= set(connectors)
        self.tasks -= set(tasks)

    def _revoke_slowly(self, revoked: frozenset[str | ConnectorTaskId]) -> None:
        """Blocks like a herder stopping instances, watching the member's heartbeats meanwhile."""
        heartbeat = self.member._coordinator.heartbeat
        member_id = self.member._coordinator._generation.member_id
        started = time.monotonic()
        silence = 0.0
        # The stop event only cuts the wait short at teardown.
        while not self.stop.wait(0.1) and time.monotonic() - started < self.revocation_s:
            # How long since the coordinator last acknowledged a heartbeat (or the join reset the
            # clock): kafka-python's own measure of a lapsing session.
            silence = max(silence, time.monotonic() - max(heartbeat.last_receive, heartbeat.last_reset))
        self.slow_revocations.append(SlowRevocation(member_id, revoked, started, time.monotonic(), silence))

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


class StartWorkers(Protocol):
    def __call__(
        self, count: int, mode: Compatibility, rebalance_timeout_ms: int = 10000
    ) -> list[Worker]: ...


@pytest.fixture
def start_workers(kafka_bootstrap: str) -> Iterator[StartWorkers]:
    started: list[Worker] = []
    group = f"connect-test-{uuid.uuid4().hex[:8]}"

    def start(count: int, mode: Compatibility, rebalance_timeout_ms: int = 10000) -> list[Worker]:
        workers = [
            Worker(kafka_bootstrap, group, f"w{len(started) + i}", mode, rebalance_timeout_ms)
            for i in range(count)
        ]
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


def balanced(workers: list[Worker]) -> bool:
    return complete(workers) and all(len(w.connectors) + len(w.tasks) > 0 for w in workers)


def settled(workers: list[Worker]) -> bool:
    """Every member completed the same generation and none is rebalancing (its member id is known
    only while its generation is stable); members get a generation's SyncGroup answers one by one."""
    return len({w.generation for w in workers}) == 1 and all(w.member.member_id for w in workers)


@pytest.mark.integration
@pytest.mark.cluster
def test_three_members_share_the_work_and_one_leaving_hands_it_over(
    start_workers: StartWorkers,
) -> None:
    workers = start_workers(3, Compatibility.SESSIONED)
    wait_until(lambda: balanced(workers) and settled(workers), 30, "balanced work")
    leaders = {w.member.assignment.leader for w in workers if w.member.assignment is not None}
    assert len(leaders) == 1
    assert sum(w.member.is_leader() for w in workers) == 1
    assert {w.member.current_protocol for w in workers} == {Compatibility.SESSIONED}

    # A graceful leave: the group rebalances at once; the lost work waits at most max_delay (3 s).
    leaving = next(w for w in workers if not w.member.is_leader())
    leaving.halt()
    leaving.member.leave()
    rest = [w for w in workers if w is not leaving]
    wait_until(lambda: complete(rest) and settled(rest), 20, "work moved off the leaving member")


@pytest.mark.integration
@pytest.mark.cluster
def test_members_joining_a_member_that_runs_everything_get_their_share(
    start_workers: StartWorkers,
) -> None:
    # The order of the CI failures (issue 5): the first member's generation completes before the
    # others join, so the next round only revokes from it; a follow-up round must hand that out.
    first = start_workers(1, Compatibility.SESSIONED)
    wait_until(lambda: complete(first), 30, "the first member running everything")
    workers = first + start_workers(2, Compatibility.SESSIONED)
    wait_until(lambda: balanced(workers), 30, "balanced work")


class Recorder:
    """A listener that only records the generations it was given."""

    def __init__(self) -> None:
        self.generations: list[int] = []

    def config_snapshot(self) -> ConfigSnapshot:
        return SNAPSHOT

    def on_assigned(self, assignment: Assignment, generation: int) -> None:
        self.generations.append(generation)

    def on_revoked(
        self, leader: str, connectors: tuple[str, ...], tasks: tuple[ConnectorTaskId, ...]
    ) -> None:
        pass


@pytest.mark.integration
@pytest.mark.cluster
def test_a_join_that_outlives_the_call_that_started_it_is_delivered(kafka_bootstrap: str) -> None:
    listener = Recorder()
    member = WorkerGroupMember(
        bootstrap=kafka_bootstrap,
        group_id=f"connect-test-{uuid.uuid4().hex[:8]}",
        url="http://solo:8083/",
        listener=listener,
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
        rebalance_timeout_ms=10000,
    )
    try:
        assert member.ensure_active(30)
        assert listener.generations == [1]
        member.request_rejoin()
        # A call that gives up at once: its JoinGroup/SyncGroup (generation 2) goes on without it.
        assert not member.ensure_active(0)
        coordinator = member._coordinator
        wait_until(
            lambda: coordinator._join_task is not None and coordinator._join_task.is_done,
            30,
            "the abandoned join to finish",
        )
        # The next call delivers generation 2 rather than starting a third with a new JoinGroup.
        assert member.ensure_active(30)
        assert listener.generations == [1, 2]
        assert member.generation == 2
    finally:
        member.close()


@pytest.mark.integration
@pytest.mark.cluster
def test_a_killed_member_expires_and_its_work_moves(
    start_workers: StartWorkers,
) -> None:
    workers = start_workers(3, Compatibility.EAGER)
    # Every member must run something, or the first member to join could hold all the work and
    # the victim none: its "expiry" would then move nothing.
    wait_until(lambda: balanced(workers) and settled(workers), 30, "work on every member")
    assert {w.member.current_protocol for w in workers} == {Compatibility.EAGER}
    victim = next(w for w in workers if not w.member.is_leader())
    # A crash: no LeaveGroup, no heartbeats; the coordinator expires the session (6 s).
    victim.halt()
    victim.member._coordinator._close_heartbeat()
    rest = [w for w in workers if w is not victim]
    started = time.monotonic()
    wait_until(lambda: complete(rest), 30, "work moved off the killed member")
    assert time.monotonic() - started < 25


@pytest.mark.integration
@pytest.mark.cluster
@pytest.mark.parametrize("mode", [Compatibility.SESSIONED, Compatibility.EAGER])
def test_a_revocation_slower_than_the_session_timeout_keeps_the_member_in_the_group(
    start_workers: StartWorkers, mode: Compatibility
) -> None:
    # The real herder's on_revoked returns only once the revoked instances stopped, which may take
    # up to task.shutdown.graceful.timeout.ms x 2 + 30 s: far longer than a session. Connect's
    # worker keeps heartbeating meanwhile and only has to rejoin within rebalance.timeout.ms.
    revocation_s, session_s, rebalance_timeout_ms = 9.0, 6.0, 20000
    first = start_workers(1, mode, rebalance_timeout_ms)
    slow = first[0]
    wait_until(lambda: complete(first) and settled(first), 30, "the first member running everything")
    slow.revocation_s = revocation_s
    workers = first + start_workers(1, mode, rebalance_timeout_ms)
    other = workers[1]

    wait_until(lambda: bool(slow.slow_revocations), 60, "the slow revocation to end")
    revocation = slow.slow_revocations[0]
    assert revocation.ended - revocation.started >= revocation_s
    # Heartbeats kept flowing while the callback blocked: the session never came close to lapsing.
    assert revocation.longest_silence_s < session_s / 2, revocation

    wait_until(lambda: balanced(workers) and settled(workers), 40, "the group to converge")
    # Not expelled: a member the coordinator removed comes back under a new member id.
    assert slow.member.member_id == revocation.member_id
    # And the revoked work reached the other member only after it had stopped here.
    early = [what & revocation.revoked for when, what in other.history if when < revocation.ended]
    assert not any(early), early


def solo(bootstrap: str, listener: Recorder) -> WorkerGroupMember:
    """A member alone in a group of its own."""
    return WorkerGroupMember(
        bootstrap=bootstrap,
        group_id=f"connect-test-{uuid.uuid4().hex[:8]}",
        url="http://solo:8083/",
        listener=listener,
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
        rebalance_timeout_ms=10000,
    )


def poll_until(member: WorkerGroupMember, check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what}")
        member.poll(0.2)


@pytest.mark.integration
@pytest.mark.cluster
def test_a_rejoin_requested_during_a_round_gets_a_round_of_its_own(
    kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    listener = Recorder()
    member = solo(kafka_bootstrap, listener)
    assign = member._perform_assignment
    requests: list[int] = []

    def assign_then_request(
        leader_id: str, protocol: str, metadata: Mapping[str, bytes], generation: int
    ) -> dict[str, bytes]:
        if not requests:
            # The herder saw a new connector after this round's JoinGroup went out: the assignment
            # being computed may or may not include it, so the request must outlive the round.
            requests.append(generation)
            member.request_rejoin()
        return assign(leader_id, protocol, metadata, generation)

    monkeypatch.setattr(member, "_perform_assignment", assign_then_request)
    try:
        assert member.ensure_active(30)
        assert listener.generations == [1]
        poll_until(member, lambda: listener.generations == [1, 2], 30, "the requested round")
        assert requests == [1]
    finally:
        member.close()


class FailsOnce(Recorder):
    """A listener whose first `on_assigned` raises (e.g. the herder timed out)."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 0

    def on_assigned(self, assignment: Assignment, generation: int) -> None:
        if not self.failures:
            self.failures += 1
            raise RuntimeError("the herder could not take the assignment")
        super().on_assigned(assignment, generation)


@pytest.mark.integration
@pytest.mark.cluster
def test_a_generation_whose_callback_raised_is_delivered_again(kafka_bootstrap: str) -> None:
    listener = FailsOnce()
    member = solo(kafka_bootstrap, listener)
    try:
        with pytest.raises(RuntimeError, match="could not take"):
            member.ensure_active(30)
        assert listener.generations == []
        # The next poll hands the same generation over again, without another JoinGroup.
        poll_until(member, lambda: listener.generations == [1], 30, "generation 1 delivered again")
        assert member.generation == 1
        assert listener.failures == 1
    finally:
        member.close()
