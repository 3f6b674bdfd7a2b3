"""The assignor, with cases ported from Kafka's IncrementalCooperativeAssignorTest."""

from __future__ import annotations

import pytest

from engine.cluster.assignor import (
    ClusterAssignment,
    ConnectorsAndTasks,
    IncrementalCooperativeAssignor,
    MemberState,
    WorkerLoad,
    eager_assign,
)
from engine.cluster.membership import apply_assignment
from engine.cluster.protocol import (
    CONFIG_MISMATCH,
    Assignment,
    Compatibility,
    decode_assignment,
    encode_assignment,
)
from engine.herder.entities import ConnectorTaskId as T

DEFAULT_DELAY = 300_000


class Cluster:
    """The test harness of IncrementalCooperativeAssignorTest: members apply what the assignor returns."""

    def __init__(self, max_delay: int = DEFAULT_DELAY) -> None:
        self.max_delay = max_delay
        self.now = 1_000_000
        self.generation = 1000
        self.connectors = {"connector1": 4, "connector2": 4}
        self.members: dict[str, ConnectorsAndTasks] = {"worker1": ConnectorsAndTasks()}
        self.init_assignor()
        self.returned: ClusterAssignment | None = None

    def init_assignor(self) -> None:
        self.assignor = IncrementalCooperativeAssignor(self.max_delay)
        self.assignor.previous_generation = self.generation

    def add(self, *workers: str) -> None:
        for worker in workers:
            assert worker not in self.members
            self.members[worker] = ConnectorsAndTasks()

    def remove(self, *workers: str) -> None:
        for worker in workers:
            del self.members[worker]

    def rebalance(
        self, *, failed: bool = False, mismatched: bool = False, released: tuple[object, ...] = ()
    ) -> None:
        self.generation += 1
        last = self.generation - 2 if mismatched else self.generation - 1
        copy = {w: ConnectorsAndTasks(c.connectors, c.tasks) for w, c in self.members.items()}
        self.returned = self.assignor.perform_task_assignment(
            self.connectors,
            last,
            self.generation,
            copy,
            self.now,
            released=released,  # type: ignore[arg-type]  # test passes mixed ids
        )
        self._assert_no_redundant_assignments()
        if not failed:
            self._apply()

    def _apply(self) -> None:
        returned = self.returned
        assert returned is not None
        for worker in returned.workers():
            cat = self.members.setdefault(worker, ConnectorsAndTasks())
            for c in returned.revoked_connectors.get(worker, []):
                cat.connectors.pop(c, None)
            cat.connectors.update(dict.fromkeys(returned.assigned_connectors.get(worker, [])))
            for t in returned.revoked_tasks.get(worker, []):
                cat.tasks.pop(t, None)
            cat.tasks.update(dict.fromkeys(returned.assigned_tasks.get(worker, [])))
            assert set(cat.connectors) == set(returned.all_connectors[worker])
            assert set(cat.tasks) == set(returned.all_tasks[worker])

    def _assert_no_redundant_assignments(self) -> None:
        returned = self.returned
        assert returned is not None
        new_connectors = [c for cs in returned.assigned_connectors.values() for c in cs]
        new_tasks = [t for ts in returned.assigned_tasks.values() for t in ts]
        assert len(set(new_connectors)) == len(new_connectors)
        assert len(set(new_tasks)) == len(new_tasks)
        existing = {c for cat in self.members.values() for c in cat.connectors}
        assert not existing & set(new_connectors)

    def sleep(self, ms: int) -> None:
        self.now += ms

    def connector_counts(self) -> list[int]:
        return sorted(len(c.connectors) for c in self.members.values())

    def task_counts(self) -> list[int]:
        return sorted(len(c.tasks) for c in self.members.values())

    def assert_allocations(self, connectors: list[int], tasks: list[int]) -> None:
        assert self.connector_counts() == sorted(connectors)
        assert self.task_counts() == sorted(tasks)

    def assert_workers(self, *workers: str) -> None:
        assert self.returned is not None
        assert self.returned.workers() == set(workers)

    def assert_no_revocations(self) -> None:
        assert self.returned is not None
        assert not any(self.returned.revoked_connectors.values())
        assert not any(self.returned.revoked_tasks.values())

    def assert_empty_assignment(self) -> None:
        self.assert_no_revocations()
        assert self.returned is not None
        assert not any(self.returned.assigned_connectors.values())
        assert not any(self.returned.assigned_tasks.values())

    def assert_balanced_and_complete(self) -> None:
        connectors, tasks = self.connector_counts(), self.task_counts()
        assert connectors[-1] - connectors[0] <= 1
        assert tasks[-1] - tasks[0] <= 1
        assert {c for cat in self.members.values() for c in cat.connectors} == set(self.connectors)
        assigned = {t for cat in self.members.values() for t in cat.tasks}
        assert assigned == {T(c, n) for c, count in self.connectors.items() for n in range(count)}

    @property
    def delay(self) -> int:
        return self.assignor.delay


def test_task_assignment_when_worker_joins() -> None:
    cluster = Cluster()
    cluster.rebalance()
    assert cluster.delay == 0
    cluster.assert_workers("worker1")
    cluster.assert_allocations([2], [8])
    cluster.assert_balanced_and_complete()

    cluster.add("worker2")
    cluster.rebalance()
    assert cluster.delay == 0
    cluster.assert_allocations([0, 1], [0, 4])

    cluster.rebalance()
    cluster.assert_no_revocations()
    cluster.assert_allocations([1, 1], [4, 4])
    cluster.assert_balanced_and_complete()

    cluster.rebalance()
    assert cluster.delay == 0
    cluster.assert_empty_assignment()


def test_assignments_when_workers_join_after_revocations() -> None:
    cluster = Cluster()
    cluster.connectors["connector3"] = 4
    cluster.rebalance()
    cluster.assert_allocations([3], [12])
    cluster.add("worker2")
    cluster.rebalance()
    cluster.assert_allocations([0, 2], [0, 6])

    # A successive revoking rebalance: no revocations, but a back-off delay.
    cluster.add("worker3")
    cluster.rebalance()
    assert cluster.delay > 0
    cluster.assert_allocations([0, 1, 2], [3, 3, 6])

    cluster.sleep(cluster.delay)
    cluster.add("worker4")
    cluster.rebalance()
    cluster.assert_allocations([0, 0, 1, 1], [0, 3, 3, 3])

    cluster.add("worker5")
    cluster.rebalance()
    assert cluster.delay > 40
    cluster.assert_allocations([0, 0, 1, 1, 1], [1, 2, 3, 3, 3])

    cluster.sleep(cluster.delay)
    cluster.add("worker6")
    cluster.rebalance()
    assert cluster.delay == 0
    cluster.assert_allocations([0, 0, 0, 1, 1, 1], [0, 1, 2, 2, 2, 2])

    cluster.rebalance()
    cluster.assert_allocations([0, 0, 0, 1, 1, 1], [2, 2, 2, 2, 2, 2])
    cluster.assert_balanced_and_complete()


def test_immediate_revocations_when_max_delay_is_0() -> None:
    cluster = Cluster(max_delay=0)
    cluster.connectors["connector3"] = 4
    cluster.rebalance()
    cluster.add("worker2")
    cluster.rebalance()
    cluster.assert_allocations([0, 2], [0, 6])
    cluster.add("worker3")
    cluster.rebalance()
    assert cluster.delay == 0
    cluster.assert_allocations([0, 1, 1], [3, 3, 4])
    cluster.rebalance()
    cluster.assert_no_revocations()
    cluster.assert_allocations([1, 1, 1], [4, 4, 4])
    cluster.assert_balanced_and_complete()


def test_successive_revocations_when_max_delay_equals_backoff_initial_interval() -> None:
    cluster = Cluster(max_delay=1)
    cluster.connectors["connector3"] = 4
    cluster.rebalance()
    cluster.add("worker2")
    cluster.rebalance()
    cluster.add("worker3")
    cluster.rebalance()
    assert cluster.delay == 1
    cluster.assert_allocations([0, 1, 2], [3, 3, 6])


def test_worker_joining_during_delayed_rebalance() -> None:
    cluster = Cluster()
    cluster.connectors["connector3"] = 4
    cluster.rebalance()
    cluster.add("worker2")
    cluster.rebalance()
    cluster.add("worker3")
    cluster.rebalance()
    assert cluster.delay > 0
    cluster.assert_no_revocations()
    cluster.assert_allocations([0, 1, 2], [3, 3, 6])

    cluster.sleep(cluster.delay // 2)
    cluster.add("worker4")
    cluster.rebalance()
    assert cluster.delay > 0
    cluster.assert_no_revocations()
    cluster.assert_allocations([0, 0, 1, 2], [0, 3, 3, 6])

    cluster.sleep(cluster.delay)
    cluster.add("worker5")
    cluster.rebalance()
    assert cluster.delay == 0
    cluster.assert_allocations([0, 0, 0, 1, 1], [0, 0, 2, 3, 3])

    cluster.rebalance()
    cluster.assert_no_revocations()
    cluster.assert_allocations([0, 0, 1, 1, 1], [2, 2, 2, 3, 3])
    cluster.assert_balanced_and_complete()


def test_task_assignment_when_worker_leaves_permanently() -> None:
    cluster = Cluster()
    cluster.add("worker2")
    cluster.rebalance()
    cluster.assert_allocations([1, 1], [4, 4])

    cluster.remove("worker2")
    cluster.rebalance()
    assert cluster.delay == DEFAULT_DELAY
    cluster.assert_workers("worker1")
    cluster.assert_empty_assignment()

    cluster.sleep(DEFAULT_DELAY // 2)
    cluster.rebalance()
    assert cluster.delay == DEFAULT_DELAY // 2
    cluster.assert_empty_assignment()

    cluster.sleep(DEFAULT_DELAY // 2 + 1)
    cluster.rebalance()
    assert cluster.delay == 0
    cluster.assert_allocations([2], [8])
    cluster.assert_balanced_and_complete()


def test_work_released_by_a_worker_that_left_is_reassigned_at_once() -> None:
    cluster = Cluster()
    cluster.add("worker2")
    cluster.rebalance()
    released = tuple(cluster.members["worker2"].connectors) + tuple(cluster.members["worker2"].tasks)
    cluster.remove("worker2")
    cluster.rebalance(released=released)
    assert cluster.delay == 0
    cluster.assert_allocations([2], [8])
    cluster.assert_balanced_and_complete()


def test_only_unreleased_work_of_departed_workers_waits() -> None:
    cluster = Cluster()
    cluster.add("worker2", "worker3")
    cluster.rebalance()
    graceful = cluster.members["worker2"]
    released = tuple(graceful.connectors) + tuple(graceful.tasks)
    crashed_count = len(cluster.members["worker3"].tasks)
    cluster.remove("worker2", "worker3")
    cluster.rebalance(released=released)
    assert cluster.delay == DEFAULT_DELAY
    assert len(cluster.members["worker1"].tasks) == 8 - crashed_count

    cluster.sleep(DEFAULT_DELAY)
    cluster.rebalance()
    assert cluster.delay == 0
    cluster.assert_allocations([2], [8])


def test_task_assignment_when_worker_bounces() -> None:
    cluster = Cluster()
    cluster.add("worker2")
    cluster.rebalance()
    cluster.remove("worker2")
    cluster.rebalance()
    assert cluster.delay == DEFAULT_DELAY
    cluster.sleep(DEFAULT_DELAY // 2)
    cluster.rebalance()
    assert cluster.delay == DEFAULT_DELAY // 2
    cluster.sleep(DEFAULT_DELAY // 4)
    cluster.add("worker2")
    cluster.rebalance()
    assert cluster.delay == DEFAULT_DELAY // 4
    cluster.assert_empty_assignment()
    cluster.sleep(DEFAULT_DELAY // 4)
    cluster.rebalance()
    assert cluster.delay == 0
    cluster.assert_no_revocations()
    cluster.assert_allocations([1, 1], [4, 4])
    cluster.assert_balanced_and_complete()


@pytest.mark.parametrize("returns", [False, True])
def test_task_assignment_when_leader_leaves(returns: bool) -> None:
    cluster = Cluster()
    cluster.add("worker2", "worker3")
    cluster.rebalance()
    cluster.assert_allocations([0, 1, 1], [2, 3, 3])
    cluster.remove("worker1")
    cluster.init_assignor()  # a new leader starts from a clean slate
    cluster.rebalance()
    assert cluster.delay == 0
    cluster.assert_allocations([1, 1], [4, 4])
    cluster.assert_balanced_and_complete()
    if returns:
        cluster.add("worker1")
        cluster.rebalance()
        cluster.assert_allocations([0, 1, 1], [0, 3, 3])
        cluster.rebalance()
        cluster.assert_no_revocations()
        cluster.assert_allocations([0, 1, 1], [2, 3, 3])
        cluster.assert_balanced_and_complete()
    else:
        cluster.rebalance()
        cluster.assert_empty_assignment()


def test_task_assignment_when_first_assignment_attempt_fails() -> None:
    cluster = Cluster()
    cluster.add("worker2")
    cluster.rebalance(failed=True)
    cluster.assert_allocations([0, 0], [0, 0])
    cluster.rebalance()
    assert cluster.delay == 0
    cluster.assert_allocations([1, 1], [4, 4])
    cluster.assert_balanced_and_complete()


@pytest.mark.parametrize("mismatched", [False, True])
def test_task_assignment_when_subsequent_assignment_attempt_fails(mismatched: bool) -> None:
    cluster = Cluster()
    cluster.add("worker2")
    cluster.rebalance()
    cluster.add("worker3")
    cluster.rebalance(failed=True)
    cluster.assert_allocations([0, 1, 1], [0, 4, 4])
    cluster.rebalance(mismatched=mismatched)
    assert cluster.delay > 0
    cluster.assert_allocations([0, 1, 1], [0, 4, 4])
    cluster.sleep(cluster.delay)
    cluster.rebalance()
    cluster.assert_allocations([0, 1, 1], [0, 3, 3])
    cluster.rebalance()
    cluster.assert_allocations([0, 1, 1], [2, 3, 3])
    cluster.assert_balanced_and_complete()


def test_task_assignment_when_connectors_are_deleted() -> None:
    cluster = Cluster()
    cluster.connectors["connector3"] = 4
    cluster.add("worker2")
    cluster.rebalance()
    cluster.assert_allocations([1, 2], [6, 6])
    del cluster.connectors["connector3"]
    cluster.rebalance()
    assert cluster.delay == 0
    cluster.assert_allocations([1, 1], [4, 4])
    cluster.assert_balanced_and_complete()


def test_scheduled_delay_is_disabled() -> None:
    cluster = Cluster(max_delay=0)
    cluster.add("worker2")
    cluster.rebalance()
    cluster.remove("worker2")
    cluster.rebalance()
    assert cluster.delay == 0
    cluster.assert_allocations([2], [8])
    cluster.assert_balanced_and_complete()


def test_duplicated_tasks_are_revoked_then_reassigned() -> None:
    cluster = Cluster()
    cluster.rebalance()
    cluster.members["worker2"] = ConnectorsAndTasks(["connector1"], [T("connector1", n) for n in range(4)])
    cluster.rebalance()
    assert cluster.delay == 0
    cluster.assert_allocations([0, 1], [0, 4])
    cluster.rebalance()
    cluster.assert_no_revocations()
    cluster.assert_allocations([1, 1], [4, 4])
    cluster.assert_balanced_and_complete()
    cluster.rebalance()
    cluster.assert_empty_assignment()


def test_duplicated_assignment_of_a_deleted_connector() -> None:
    cluster = Cluster()
    cluster.rebalance()
    del cluster.connectors["connector1"]
    cluster.members["worker2"] = ConnectorsAndTasks(["connector1"], [T("connector1", n) for n in range(4)])
    cluster.rebalance()
    cluster.assert_allocations([0, 1], [0, 2])
    cluster.rebalance()
    cluster.assert_no_revocations()
    cluster.assert_allocations([0, 1], [2, 2])
    cluster.assert_balanced_and_complete()


def loads(spec: list[tuple[int, int, int, int]]) -> list[WorkerLoad]:
    return [
        WorkerLoad(
            f"worker{i}",
            [f"connector{n}" for n in range(c0, c0 + cn)],
            [T("task", n) for n in range(t0, t0 + tn)],
        )
        for i, (c0, cn, t0, tn) in enumerate(spec)
    ]


def test_assign_connectors_and_tasks_when_balanced() -> None:
    existing = loads([(0, 2, 0, 2), (2, 2, 2, 2), (4, 2, 4, 2)])
    IncrementalCooperativeAssignor.assign_connectors(existing, [f"connector{n}" for n in range(6, 11)])
    IncrementalCooperativeAssignor.assign_tasks(existing, [T("task", n) for n in range(6, 11)])
    assert [w.connectors[2:] for w in existing] == [
        ["connector6", "connector9"],
        ["connector7", "connector10"],
        ["connector8"],
    ]
    assert [w.tasks[2:] for w in existing] == [
        [T("task", 6), T("task", 9)],
        [T("task", 7), T("task", 10)],
        [T("task", 8)],
    ]


def test_assign_connectors_when_imbalanced() -> None:
    existing = loads([(0, 2, 0, 2), (2, 3, 2, 3), (5, 4, 5, 4), (0, 0, 0, 0)])
    IncrementalCooperativeAssignor.assign_connectors(existing, [f"connector{n}" for n in range(9, 24)])
    IncrementalCooperativeAssignor.assign_tasks(existing, [T("task", n) for n in range(9, 24)])
    assert all(len(w.connectors) == 6 and len(w.tasks) == 6 for w in existing)


def test_lost_assignment_goes_to_a_candidate_worker_after_the_delay() -> None:
    assignor = IncrementalCooperativeAssignor(DEFAULT_DELAY)
    now = 0
    configured = {w.worker: w for w in loads([(0, 2, 0, 4), (2, 2, 4, 4), (4, 2, 8, 4)])}
    assignor.handle_lost_assignments(
        ConnectorsAndTasks(), ConnectorsAndTasks(), list(configured.values()), now
    )
    assert (assignor.scheduled_rebalance, assignor.delay) == (0, 0)
    assignor.previous_members = set(configured)
    lost_load = configured.pop("worker1")
    lost = ConnectorsAndTasks(lost_load.connectors, lost_load.tasks)
    assignor.handle_lost_assignments(lost, ConnectorsAndTasks(), list(configured.values()), now)
    assert not assignor.candidate_workers
    assert (assignor.scheduled_rebalance, assignor.delay) == (DEFAULT_DELAY, DEFAULT_DELAY)

    now += DEFAULT_DELAY // 2
    configured["worker1"] = WorkerLoad("worker1")
    assignor.handle_lost_assignments(lost, ConnectorsAndTasks(), list(configured.values()), now)
    assert list(assignor.candidate_workers) == ["worker1"]
    assert assignor.delay == DEFAULT_DELAY // 2

    now += DEFAULT_DELAY // 2
    to_reassign = ConnectorsAndTasks()
    assignor.handle_lost_assignments(lost, to_reassign, list(configured.values()), now)
    assert set(configured["worker1"].connectors) == set(lost.connectors)
    assert set(configured["worker1"].tasks) == set(lost.tasks)
    assert to_reassign.is_empty()
    assert (assignor.scheduled_rebalance, assignor.delay, assignor.candidate_workers) == (0, 0, {})


def test_a_member_whose_work_was_revoked_asks_for_the_round_that_hands_it_out() -> None:
    """The order of the three-member CI failures (issue 5), through the wire format and the
    members' own bookkeeping: the first member's generation completes alone, so it runs
    everything; when two more join, that round only revokes from it and gives them nothing. No
    member joins or leaves after that, so the member whose work was revoked must ask for the next
    round, and that round completes the balance."""
    assignor = IncrementalCooperativeAssignor(3000)
    snapshot = {"c1": 3, "c2": 2}
    held: dict[str, Assignment | None] = {"w0": None}
    generation = 0

    def rebalance() -> set[str]:
        """One round led by w0, applied by every member; the members that ask for another."""
        nonlocal generation
        generation += 1
        states = {m: MemberState(f"http://{m}:8083/", 5, a) for m, a in held.items()}
        result, _ = assignor.assign(
            "w0",
            states,
            snapshot,
            0,
            config_offset=5,
            generation=generation,
            last_completed_generation=generation - 1,
            version=2,
        )
        again = set()
        for member, assignment in result.items():
            received = decode_assignment(encode_assignment(assignment))
            held[member], rejoin = apply_assignment(held[member], received, Compatibility.SESSIONED)
            if rejoin:
                again.add(member)
        return again

    def running(member: str) -> list[str | T]:
        assignment = held[member]
        return [] if assignment is None else [*assignment.connectors, *assignment.tasks]

    everything = {"c1", "c2", T("c1", 0), T("c1", 1), T("c1", 2), T("c2", 0), T("c2", 1)}
    assert rebalance() == set()
    assert set(running("w0")) == everything

    held.update(w1=None, w2=None)
    assert rebalance() == {"w0"}
    assert running("w1") == running("w2") == []
    assert len(running("w0")) < len(everything)

    assert rebalance() == set()
    instances = [i for m in held for i in running(m)]
    assert len(instances) == len(set(instances))
    assert set(instances) == everything
    assert sorted(len([i for i in running(m) if isinstance(i, str)]) for m in held) == [0, 1, 1]
    assert sorted(len([i for i in running(m) if isinstance(i, T)]) for m in held) == [1, 2, 2]


def members(*ids: str, offset: int = 618) -> dict[str, MemberState]:
    return {m: MemberState(f"http://{m}:8083/", offset) for m in ids}


@pytest.mark.parametrize("version", [1, 2])
def test_assign_speaks_the_chosen_protocol_version(version: int) -> None:
    assignor = IncrementalCooperativeAssignor(DEFAULT_DELAY)
    result, state = assignor.assign(
        "a",
        members("a", "b"),
        {"c1": 2},
        0,
        config_offset=618,
        generation=1,
        last_completed_generation=-1,
        version=version,
    )
    assert {a.version for a in result.values()} == {version}
    assert {a.leader_url for a in result.values()} == {"http://a:8083/"}
    assert state is not None
    assert state.owner_url("c1") is not None
    assert {state.owner_url(T("c1", 0)), state.owner_url(T("c1", 1))} == {"http://a:8083/", "http://b:8083/"}
    assert state.owner_url("unknown") is None


def test_assign_refuses_when_leader_is_behind_on_config() -> None:
    assignor = IncrementalCooperativeAssignor(DEFAULT_DELAY)
    ahead = members("a") | {"b": MemberState("http://b:8083/", 700)}
    result, state = assignor.assign(
        "a", ahead, {"c1": 1}, 0, config_offset=618, generation=1, last_completed_generation=-1, version=2
    )
    assert state is None
    assert result == {m: Assignment(2, CONFIG_MISMATCH, "a", "http://a:8083/", 700) for m in ("a", "b")}


def test_eager_assign_round_robins_connectors_then_tasks() -> None:
    result, state = eager_assign("w1", members("w1", "w2"), {"b": 1, "a": 2}, 618)
    assert result["w1"] == Assignment(0, 0, "w1", "http://w1:8083/", 618, ("a",), (T("a", 0), T("b", 0)))
    assert result["w2"] == Assignment(0, 0, "w1", "http://w1:8083/", 618, ("b",), (T("a", 1),))
    assert state is not None and state.owner_url("b") == "http://w2:8083/"
