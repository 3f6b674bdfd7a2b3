"""Who runs what: Connect's incremental cooperative and eager assignors as pure logic (reference §9.3).

The group leader calls `IncrementalCooperativeAssignor.assign` (or `eager_assign` when the group
speaks the ``default`` protocol) with every member's metadata and the config snapshot's task
counts. Mirrors ``IncrementalCooperativeAssignor`` and ``EagerAssignor``; time comes from the
caller (``now_ms``) so tests drive the clock. Members are visited in sorted id order where
Connect iterates a ``HashMap``, which keeps assignments deterministic.

Improvement over Connect: instances listed in ``released`` (stopped cleanly by a worker that
left with LeaveGroup, e.g. their last status is UNASSIGNED) are reassigned at once; only lost
instances of a worker that vanished without leaving wait for ``scheduled.rebalance.max.delay.ms``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from engine.cluster.protocol import CONFIG_MISMATCH, NO_ERROR, Assignment
from engine.herder.entities import ConnectorTaskId

__all__ = [
    "ClusterAssignment",
    "ConnectorsAndTasks",
    "IncrementalCooperativeAssignor",
    "LeaderState",
    "MemberState",
    "WorkerLoad",
    "eager_assign",
]

log = logging.getLogger("engine.cluster")

E = TypeVar("E", str, ConnectorTaskId)


@dataclass(frozen=True)
class MemberState:
    """One member as the leader sees it in JoinGroup: REST URL, config offset, current allocation."""

    url: str
    config_offset: int
    allocation: Assignment | None = None


class ConnectorsAndTasks:
    """Insertion-ordered sets of connector names and task ids."""

    def __init__(self, connectors: Iterable[str] = (), tasks: Iterable[ConnectorTaskId] = ()) -> None:
        self.connectors: dict[str, None] = dict.fromkeys(connectors)
        self.tasks: dict[ConnectorTaskId, None] = dict.fromkeys(tasks)

    def add_all(self, other: ConnectorsAndTasks) -> None:
        self.connectors.update(other.connectors)
        self.tasks.update(other.tasks)

    def is_empty(self) -> bool:
        return not self.connectors and not self.tasks

    def __repr__(self) -> str:
        return f"ConnectorsAndTasks(connectors={list(self.connectors)}, tasks={list(self.tasks)})"


@dataclass
class WorkerLoad:
    """A worker's connectors and tasks while an assignment is computed."""

    worker: str
    connectors: list[str] = field(default_factory=list)
    tasks: list[ConnectorTaskId] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not self.connectors and not self.tasks


@dataclass(frozen=True)
class ClusterAssignment:
    """Per worker: newly assigned, newly revoked and everything assigned after this round."""

    assigned_connectors: dict[str, list[str]]
    assigned_tasks: dict[str, list[ConnectorTaskId]]
    revoked_connectors: dict[str, list[str]]
    revoked_tasks: dict[str, list[ConnectorTaskId]]
    all_connectors: dict[str, list[str]]
    all_tasks: dict[str, list[ConnectorTaskId]]

    def workers(self) -> set[str]:
        maps: tuple[Mapping[str, object], ...] = (
            self.assigned_connectors,
            self.assigned_tasks,
            self.revoked_connectors,
            self.revoked_tasks,
            self.all_connectors,
            self.all_tasks,
        )
        return {worker for m in maps for worker in m}


@dataclass(frozen=True)
class LeaderState:
    """Where each connector and task runs after the leader's last assignment (Connect's ``LeaderState``)."""

    member_urls: dict[str, str]
    connector_owners: dict[str, str]
    task_owners: dict[ConnectorTaskId, str]

    def owner_url(self, instance: str | ConnectorTaskId) -> str | None:
        """The REST URL of the worker running a connector or task, None if unassigned."""
        if isinstance(instance, str):
            owner = self.connector_owners.get(instance)
        else:
            owner = self.task_owners.get(instance)
        return None if owner is None else self.member_urls.get(owner)


def _connectors_of(load: WorkerLoad) -> list[str]:
    return load.connectors


def _tasks_of(load: WorkerLoad) -> list[ConnectorTaskId]:
    return load.tasks


def _configured(snapshot: Mapping[str, int]) -> ConnectorsAndTasks:
    connectors = sorted(snapshot)
    return ConnectorsAndTasks(
        connectors, (ConnectorTaskId(c, n) for c in connectors for n in range(snapshot[c]))
    )


def _diff(base: ConnectorsAndTasks, *subtract: ConnectorsAndTasks) -> ConnectorsAndTasks:
    connectors = set(base.connectors)
    tasks = set(base.tasks)
    for sub in subtract:
        connectors.difference_update(sub.connectors)
        tasks.difference_update(sub.tasks)
    return ConnectorsAndTasks(sorted(connectors), sorted(tasks))


def _diff_map(base: Mapping[str, list[E]], subtract: Mapping[str, Collection[E]]) -> dict[str, list[E]]:
    result: dict[str, list[E]] = {}
    for worker, values in base.items():
        removed = set(subtract.get(worker, ()))
        result[worker] = [v for v in values if v not in removed]
    return result


def _take_released(
    lost: ConnectorsAndTasks, released: Collection[str | ConnectorTaskId], to_reassign: ConnectorsAndTasks
) -> ConnectorsAndTasks:
    """Move the lost instances a departed worker stopped cleanly to ``to_reassign``; return the rest."""
    if released:
        freed = ConnectorsAndTasks(
            (c for c in lost.connectors if c in released), (t for t in lost.tasks if t in released)
        )
        if not freed.is_empty():
            log.info("Reassigning connectors and tasks released by departed workers at once.")
            to_reassign.add_all(freed)
            return ConnectorsAndTasks(
                (c for c in lost.connectors if c not in freed.connectors),
                (t for t in lost.tasks if t not in freed.tasks),
            )
    return lost


def _remove_all(loads: list[WorkerLoad], remove: Mapping[str, ConnectorsAndTasks]) -> None:
    for load in loads:
        gone = remove.get(load.worker)
        if gone is not None:
            load.connectors = [c for c in load.connectors if c not in gone.connectors]
            load.tasks = [t for t in load.tasks if t not in gone.tasks]


def _add_all(base: dict[str, ConnectorsAndTasks], add: Mapping[str, ConnectorsAndTasks]) -> None:
    for worker, cat in add.items():
        base.setdefault(worker, ConnectorsAndTasks()).add_all(cat)


def _intersection(
    instances: ConnectorsAndTasks, members: Mapping[str, ConnectorsAndTasks]
) -> dict[str, ConnectorsAndTasks]:
    return {
        worker: ConnectorsAndTasks(
            (c for c in cat.connectors if c in instances.connectors),
            (t for t in cat.tasks if t in instances.tasks),
        )
        for worker, cat in members.items()
    }


def _exponential_backoff(max_delay: int, attempts: int) -> int:
    """Kafka's ``ExponentialBackoff(1, 40, maxDelay, 0)`` (``maxDelay == 0`` → initial interval 0)."""
    initial = min(max_delay, 0 if max_delay == 0 else 1)
    exp_max = math.log(max_delay / max(initial, 1)) / math.log(40) if max_delay > initial else 0.0
    if exp_max == 0:
        return initial
    term = initial * math.pow(40, min(attempts, exp_max))
    return min(int(term), max_delay)


class IncrementalCooperativeAssignor:
    """Connect's KIP-415 assignor; one lives on a worker for as long as it may lead. Not thread-safe."""

    def __init__(self, max_delay_ms: int) -> None:
        self.max_delay = max_delay_ms
        self.previous_assignment = ConnectorsAndTasks()
        self.previous_revocation = ConnectorsAndTasks()
        self.revoked_in_previous = False
        self.candidate_workers: dict[str, None] = {}
        self.scheduled_rebalance = 0
        self.delay = 0
        self.previous_generation = -1
        self.previous_members: set[str] = set()
        self.successive_revoking_rebalances = 0

    def assign(
        self,
        leader_id: str,
        members: Mapping[str, MemberState],
        snapshot: Mapping[str, int],
        now_ms: int,
        *,
        config_offset: int,
        generation: int,
        last_completed_generation: int,
        version: int,
        released: Collection[str | ConnectorTaskId] = (),
    ) -> tuple[dict[str, Assignment], LeaderState | None]:
        """Compute every member's assignment delta for this rebalance.

        Args:
            leader_id: this member's id.
            members: all members' JoinGroup metadata.
            snapshot: ``{connector: task count}`` of the leader's config snapshot at ``config_offset``.
            now_ms: the current time in ms (wall or monotonic, consistently).
            config_offset: the offset of ``snapshot``; if a member reported a higher one, every
                member gets an empty assignment with CONFIG_MISMATCH.
            generation: the generation being assigned.
            last_completed_generation: the last generation this worker completed a join for.
            version: the header version of the chosen protocol (1 or 2).
            released: connectors and tasks known to be stopped cleanly; reassigned without delay.

        Returns:
            The assignments by member id, and the leader state (None on CONFIG_MISMATCH).
        """
        max_offset = max(m.config_offset for m in members.values())
        leader_url = members[leader_id].url
        if config_offset < max_offset:
            log.info(
                "Was selected to perform assignments, but do not have latest config found in sync request."
            )
            return {
                member: Assignment(version, CONFIG_MISMATCH, leader_id, leader_url, max_offset)
                for member in members
            }, None
        current = {
            member: ConnectorsAndTasks(state.allocation.connectors, state.allocation.tasks)
            if state.allocation is not None
            else ConnectorsAndTasks()
            for member, state in sorted(members.items())
        }
        result = self.perform_task_assignment(
            snapshot, last_completed_generation, generation, current, now_ms, released=released
        )
        assignments = {
            member: Assignment(
                version,
                NO_ERROR,
                leader_id,
                leader_url,
                config_offset,
                tuple(result.assigned_connectors.get(member, ())),
                tuple(result.assigned_tasks.get(member, ())),
                tuple(result.revoked_connectors.get(member, ())),
                tuple(result.revoked_tasks.get(member, ())),
                self.delay,
            )
            for member in members
        }
        return assignments, _leader_state(members, result.all_connectors, result.all_tasks)

    def perform_task_assignment(
        self,
        snapshot: Mapping[str, int],
        last_completed_generation: int,
        current_generation: int,
        member_assignments: Mapping[str, ConnectorsAndTasks],
        now_ms: int,
        *,
        released: Collection[str | ConnectorTaskId] = (),
    ) -> ClusterAssignment:
        """The core of Connect's ``performTaskAssignment`` on decoded allocations."""
        if self.previous_generation != last_completed_generation:
            log.debug("Clearing the view of previous assignments due to a generation mismatch.")
            self.previous_assignment = ConnectorsAndTasks()
        configured = _configured(snapshot)
        active = ConnectorsAndTasks()
        for cat in member_assignments.values():
            active.add_all(cat)
        if not self.previous_revocation.is_empty():
            if any(c in active.connectors for c in self.previous_revocation.connectors) or any(
                t in active.tasks for t in self.previous_revocation.tasks
            ):
                self.previous_assignment = ConnectorsAndTasks(active.connectors, active.tasks)
            self.previous_revocation = ConnectorsAndTasks()

        deleted = _diff(self.previous_assignment, configured)
        duplicated = self._duplicated(member_assignments)
        lost = _diff(self.previous_assignment, active, deleted)
        created = _diff(configured, self.previous_assignment, active)
        current_loads = [
            WorkerLoad(
                worker,
                [c for c in cat.connectors if c not in deleted.connectors],
                [t for t in cat.tasks if t not in deleted.tasks],
            )
            for worker, cat in member_assignments.items()
        ]

        to_revoke: dict[str, ConnectorsAndTasks] = {}
        deleted_to_revoke = _intersection(deleted, member_assignments)
        _add_all(to_revoke, deleted_to_revoke)
        duplicated_to_revoke = _intersection(duplicated, member_assignments)
        _add_all(to_revoke, duplicated_to_revoke)

        next_loads = [
            WorkerLoad(w, list(cat.connectors), list(cat.tasks)) for w, cat in member_assignments.items()
        ]
        _remove_all(next_loads, deleted_to_revoke)
        _remove_all(next_loads, duplicated_to_revoke)

        lost_to_reassign = ConnectorsAndTasks()
        self.handle_lost_assignments(lost, lost_to_reassign, next_loads, now_ms, released=released)

        self._balance(configured, next_loads, to_revoke, now_ms)

        to_assign = ConnectorsAndTasks()
        to_assign.add_all(created)
        to_assign.add_all(lost_to_reassign)
        self.assign_connectors(next_loads, list(to_assign.connectors))
        self.assign_tasks(next_loads, list(to_assign.tasks))

        next_connectors = {load.worker: load.connectors for load in next_loads}
        next_tasks = {load.worker: load.tasks for load in next_loads}
        current_connectors = {load.worker: load.connectors for load in current_loads}
        current_tasks = {load.worker: load.tasks for load in current_loads}
        revoked_connectors = {w: list(cat.connectors) for w, cat in to_revoke.items()}
        revoked_tasks = {w: list(cat.tasks) for w, cat in to_revoke.items()}

        self.previous_assignment = self._previous(to_revoke, next_connectors, next_tasks, lost)
        self.previous_generation = current_generation
        self.previous_members = set(member_assignments)

        return ClusterAssignment(
            _diff_map(next_connectors, current_connectors),
            _diff_map(next_tasks, current_tasks),
            revoked_connectors,
            revoked_tasks,
            _diff_map(next_connectors, revoked_connectors),
            _diff_map(next_tasks, revoked_tasks),
        )

    def _balance(
        self,
        configured: ConnectorsAndTasks,
        next_loads: list[WorkerLoad],
        to_revoke: dict[str, ConnectorsAndTasks],
        now_ms: int,
    ) -> None:
        """Load-balancing revocations, throttled by an exponential back-off when they come in a row."""
        if self.delay == 0:
            balancing = self._load_balancing_revocations(configured, next_loads)
            if self.revoked_in_previous and balancing:
                self.successive_revoking_rebalances += 1
                self.delay = _exponential_backoff(self.max_delay, self.successive_revoking_rebalances)
                if self.delay != 0:
                    self.scheduled_rebalance = now_ms + self.delay
                else:
                    _add_all(to_revoke, balancing)
                    _remove_all(next_loads, balancing)
            elif balancing:
                _add_all(to_revoke, balancing)
                _remove_all(next_loads, balancing)
                self.revoked_in_previous = True
            elif self.revoked_in_previous:
                self.revoked_in_previous = False
                self.successive_revoking_rebalances = 0
        else:
            log.debug(
                "Delayed rebalance is active; no revocations this round.", extra={"delay_ms": self.delay}
            )
            self.revoked_in_previous = False

    def _previous(
        self,
        to_revoke: Mapping[str, ConnectorsAndTasks],
        next_connectors: Mapping[str, list[str]],
        next_tasks: Mapping[str, list[ConnectorTaskId]],
        lost: ConnectorsAndTasks,
    ) -> ConnectorsAndTasks:
        previous = ConnectorsAndTasks(
            (c for cs in next_connectors.values() for c in cs), (t for ts in next_tasks.values() for t in ts)
        )
        for cat in to_revoke.values():
            for c in cat.connectors:
                previous.connectors.pop(c, None)
            for t in cat.tasks:
                previous.tasks.pop(t, None)
            self.previous_revocation.add_all(cat)
        previous.add_all(lost)
        return previous

    @staticmethod
    def _duplicated(members: Mapping[str, ConnectorsAndTasks]) -> ConnectorsAndTasks:
        seen = ConnectorsAndTasks()
        duplicated = ConnectorsAndTasks()
        for cat in members.values():
            for c in cat.connectors:
                (duplicated if c in seen.connectors else seen).connectors[c] = None
            for t in cat.tasks:
                (duplicated if t in seen.tasks else seen).tasks[t] = None
        return duplicated

    def handle_lost_assignments(
        self,
        lost: ConnectorsAndTasks,
        to_reassign: ConnectorsAndTasks,
        loads: list[WorkerLoad],
        now_ms: int,
        *,
        released: Collection[str | ConnectorTaskId] = (),
    ) -> None:
        """Decide what happens to lost instances: now, after the scheduled delay, or later."""
        lost = _take_released(lost, released, to_reassign)
        if lost.is_empty() and not self.revoked_in_previous:
            self._reset_delay()
            return
        active_members = {load.worker for load in loads}
        if self.scheduled_rebalance <= 0 and active_members >= self.previous_members:
            log.debug("No worker departed; reassigning missing connectors and tasks as new.")
            to_reassign.add_all(lost)
            return
        if self.max_delay == 0:
            to_reassign.add_all(lost)
            return
        if 0 < self.scheduled_rebalance <= now_ms:
            by_worker = {load.worker: load for load in loads}
            candidates = [by_worker[w] for w in self.candidate_workers if w in by_worker]
            if candidates:
                for i, connector in enumerate(lost.connectors):
                    candidates[i % len(candidates)].connectors.append(connector)
                for i, task in enumerate(lost.tasks):
                    candidates[i % len(candidates)].tasks.append(task)
            else:
                to_reassign.add_all(lost)
            self._reset_delay()
            self.revoked_in_previous = False
        else:
            self.candidate_workers.update(
                dict.fromkeys(sorted(load.worker for load in loads if load.is_empty()))
            )
            if now_ms < self.scheduled_rebalance:
                self.delay = self._remaining_delay(now_ms)
            else:
                self.delay = self.max_delay
            self.scheduled_rebalance = now_ms + self.delay

    def _remaining_delay(self, now_ms: int) -> int:
        diff = self.scheduled_rebalance - now_ms
        return min(diff, self.max_delay) if diff > 0 else 0

    def _reset_delay(self) -> None:
        self.candidate_workers.clear()
        self.scheduled_rebalance = 0
        self.delay = 0

    def _load_balancing_revocations(
        self, configured: ConnectorsAndTasks, loads: list[WorkerLoad]
    ) -> dict[str, ConnectorsAndTasks]:
        if all(load.is_empty() for load in loads) or configured.is_empty():
            return {}
        result: dict[str, ConnectorsAndTasks] = {}
        for worker, revoked_connectors in _revocations(
            len(configured.connectors), loads, _connectors_of
        ).items():
            result.setdefault(worker, ConnectorsAndTasks()).connectors.update(
                dict.fromkeys(revoked_connectors)
            )
        for worker, revoked_tasks in _revocations(len(configured.tasks), loads, _tasks_of).items():
            result.setdefault(worker, ConnectorsAndTasks()).tasks.update(dict.fromkeys(revoked_tasks))
        return result

    @staticmethod
    def assign_connectors(loads: list[WorkerLoad], connectors: list[str]) -> None:
        """Round robin over the least-loaded workers (by connector count, then id)."""
        loads.sort(key=lambda load: (len(load.connectors), load.worker))
        _round_robin(loads, connectors, _connectors_of)

    @staticmethod
    def assign_tasks(loads: list[WorkerLoad], tasks: list[ConnectorTaskId]) -> None:
        """Round robin over the least-loaded workers (by task count, then id)."""
        loads.sort(key=lambda load: (len(load.tasks), load.worker))
        _round_robin(loads, tasks, _tasks_of)


def _round_robin(loads: list[WorkerLoad], items: list[E], of: Callable[[WorkerLoad], list[E]]) -> None:
    if not items:
        return
    first = loads[0]
    pending = iter(items)
    left = len(items)
    while left:
        first_load = len(of(first))
        up_to = next((i for i, load in enumerate(loads) if len(of(load)) > first_load), len(loads))
        for load in loads[:up_to]:
            of(load).append(next(pending))
            left -= 1
            if not left:
                break


def _revocations(
    total: int, loads: list[WorkerLoad], of: Callable[[WorkerLoad], list[E]]
) -> dict[str, list[E]]:
    allocations = {load.worker: of(load) for load in loads}
    workers = len(loads)
    minimum = total // workers
    extras = total % workers
    at_minimum = sum(1 for a in allocations.values() if len(a) == minimum)
    at_extra = sum(1 for a in allocations.values() if len(a) == minimum + 1)
    if at_extra == extras and at_minimum + at_extra == workers:
        return {}
    result: dict[str, list[E]] = {}
    allocated_extras = 0
    for worker, allocation in allocations.items():
        size = len(allocation)
        if size <= minimum:
            continue
        if allocated_extras < extras:
            allocated_extras += 1
            if size == minimum + 1:
                continue
            allowed = minimum + 1
        else:
            allowed = minimum
        result[worker] = allocation[: size - allowed]
    return result


def _leader_state(
    members: Mapping[str, MemberState],
    connectors: Mapping[str, list[str]],
    tasks: Mapping[str, list[ConnectorTaskId]],
) -> LeaderState:
    return LeaderState(
        {member: state.url for member, state in members.items()},
        {c: worker for worker, cs in connectors.items() for c in cs},
        {t: worker for worker, ts in tasks.items() for t in ts},
    )


def eager_assign(
    leader_id: str,
    members: Mapping[str, MemberState],
    snapshot: Mapping[str, int],
    config_offset: int,
) -> tuple[dict[str, Assignment], LeaderState | None]:
    """Connect's ``EagerAssignor``: complete V0 assignments, connectors then tasks round robin."""
    max_offset = max(m.config_offset for m in members.values())
    leader_url = members[leader_id].url
    if config_offset < max_offset:
        return {
            member: Assignment(0, CONFIG_MISMATCH, leader_id, leader_url, max_offset) for member in members
        }, None
    order = sorted(members)
    connectors: dict[str, list[str]] = {}
    tasks: dict[str, list[ConnectorTaskId]] = {}
    position = 0
    names = sorted(snapshot)
    for name in names:
        connectors.setdefault(order[position % len(order)], []).append(name)
        position += 1
    for name in names:
        for n in range(snapshot[name]):
            tasks.setdefault(order[position % len(order)], []).append(ConnectorTaskId(name, n))
            position += 1
    assignments = {
        member: Assignment(
            0,
            NO_ERROR,
            leader_id,
            leader_url,
            config_offset,
            tuple(connectors.get(member, ())),
            tuple(tasks.get(member, ())),
        )
        for member in members
    }
    return assignments, _leader_state(members, connectors, tasks)
