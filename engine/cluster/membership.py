"""A worker's membership in the Connect group (Connect's ``WorkerGroupMember`` + ``WorkerCoordinator``).

Built on kafka-python's `BaseCoordinator` with protocol type ``connect``: FindCoordinator,
JoinGroup, SyncGroup, Heartbeat and LeaveGroup run on kafka-python's own IO thread, whose event
loop also sends the heartbeats. The herder's thread calls `WorkerGroupMember.poll` (which rejoins
when needed) and gets the `GroupListener` rebalance callbacks on that same thread, as Connect's
herder thread does: `on_revoked` may block until the revoked work stopped while the IO thread
keeps heartbeating, and has ``rebalance.timeout.ms`` to return (kafka-python's poll interval, as
in Connect's ``Heartbeat``). Only `GroupListener.config_snapshot` and the leader's assignor run on
the IO thread. An exception in a callback, or in the assignor, is raised from `poll`; a generation
whose callbacks raised is delivered again at the next `poll` (as Connect's
``AbstractCoordinator.joinGroupIfNeeded`` retries ``onJoinComplete``).

The member rejoins by itself when the protocol needs another round: after an assignment that
revoked anything here (the revoked work reaches other workers only in the next round, KIP-415)
and when an assignment's ``delay`` expires. The herder asks for a rebalance only for reasons of
its own (configs changed).
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

# kafka-python 3.0.12 reads its protocol schemas with the deprecated importlib.resources.read_text
# at import time; the warning is theirs, not ours.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka.coordinator.base import BaseCoordinator  # type: ignore[import-untyped]  # kafka-python ships no types
    from kafka.net.compat import KafkaNetClient  # type: ignore[import-untyped]  # kafka-python ships no types

from engine.cluster.assignor import IncrementalCooperativeAssignor, LeaderState, MemberState, eager_assign
from engine.cluster.protocol import (
    CONNECT_PROTOCOL_TYPE,
    Assignment,
    Compatibility,
    WorkerState,
    decode_assignment,
    decode_metadata,
    encode_assignment,
    join_protocols,
)
from engine.herder.entities import ConnectorTaskId

__all__ = ["ConfigSnapshot", "GroupListener", "WorkerGroupMember", "apply_assignment"]

log = logging.getLogger("engine.cluster")


@dataclass(frozen=True)
class ConfigSnapshot:
    """What membership needs of the herder's config state.

    ``offset`` is the next config topic offset to read, ``task_counts`` every configured
    connector with its number of applied task configs (0 if inconsistent), and ``released`` the
    connectors and tasks known to be stopped cleanly (their last status is UNASSIGNED), which the
    leader reassigns without waiting for ``scheduled.rebalance.max.delay.ms``.
    """

    offset: int
    task_counts: Mapping[str, int]
    released: frozenset[str | ConnectorTaskId] = field(default_factory=frozenset)


class GroupListener(Protocol):
    """The herder's side of membership (Connect's ``WorkerRebalanceListener`` plus the config snapshot)."""

    def config_snapshot(self) -> ConfigSnapshot:
        """The current config state; called from the IO thread at each join and on the leader.

        It must not block: heartbeats wait while it runs.
        """
        ...

    def on_assigned(self, assignment: Assignment, generation: int) -> None:
        """A rebalance completed: ``connectors``/``tasks`` are everything this worker should run.

        Called on the thread that calls `WorkerGroupMember.poll`. If the round revoked anything
        here, the member rejoins at once by itself.
        """
        ...

    def on_revoked(
        self, leader: str, connectors: tuple[str, ...], tasks: tuple[ConnectorTaskId, ...]
    ) -> None:
        """Stop these before the assignment continues.

        Called on the thread that calls `WorkerGroupMember.poll`; it may block until they stopped
        (the member keeps heartbeating), for less than ``rebalance.timeout.ms``.
        """
        ...


@dataclass(frozen=True)
class _Joined:
    """A completed JoinGroup/SyncGroup round whose callbacks have not run yet."""

    generation: int
    protocol: str
    assignment: bytes


class _Coordinator(BaseCoordinator):  # type: ignore[misc]  # kafka-python is untyped
    # kafka-python's in-flight JoinGroup/SyncGroup task (a `kafka.future.Future`), or None.
    _join_task: Any

    def __init__(self, member: WorkerGroupMember, client: KafkaNetClient, **configs: Any) -> None:
        super().__init__(client, **configs)
        self.member = member

    def protocol_type(self) -> str:
        return CONNECT_PROTOCOL_TYPE

    def group_protocols(self) -> list[tuple[str, bytes]]:
        return self.member._metadata()

    async def _on_join_prepare_async(
        self, generation: int, member_id: str, timeout_ms: int | None = None
    ) -> None:
        # Nothing here: this runs on the IO thread, where a slow revocation would stop the
        # heartbeats; `WorkerGroupMember.ensure_active` prepares on the polling thread instead.
        pass

    def _perform_assignment(self, leader_id: str, protocol: str, members: list[Any]) -> dict[str, bytes]:
        return self.member._perform_assignment(
            leader_id,
            protocol,
            {m.member_id: bytes(m.metadata) for m in members},
            self._generation.generation_id,
        )

    async def _on_join_complete_async(
        self, generation: int, member_id: str, protocol: str, member_assignment_bytes: bytes
    ) -> None:
        # Only recorded: the callbacks run on the polling thread once the join call returns, so
        # the IO thread goes on heartbeating while the herder stops revoked work.
        self.member._joined = _Joined(generation, protocol, bytes(member_assignment_bytes))
        self.member._needs_prepare = True

    async def join_group_async(self, timeout_ms: int | None = None) -> bool:
        # kafka-python 3.0.12 keeps the JoinGroup/SyncGroup task of a call that timed out running,
        # but if it finishes before the next call, that call starts a new JoinGroup and drops the
        # result: the generation's callbacks never run, and a leader's new JoinGroup starts one more
        # rebalance. `poll` gives each call at most its own timeout, so under load this happened
        # in the middle of rebalances; hand the finished task's outcome to the join loop instead.
        finished = self._join_task
        if finished is not None and finished.is_done:
            self._join_task = self._manager.call_soon(_outcome, finished)
        try:
            return bool(await super().join_group_async(timeout_ms))
        except Exception as exc:
            task = self._join_task
            if task is not None and task.is_done and task.exception is exc:
                # This failure was just delivered; the next call must start a new join.
                self._join_task = None
            raise

    def request_rejoin(self) -> None:
        super().request_rejoin()
        self.member._wake.set()

    def reset_generation(self, member_id: str = "") -> None:
        super().reset_generation(member_id)
        self.member._wake.set()


class WorkerGroupMember:
    """Joins ``group_id`` as a Connect worker and keeps this worker's assignment.

    Args:
        bootstrap: ``bootstrap.servers``.
        group_id: ``group.id``.
        url: this worker's advertised REST URL (e.g. ``http://host:8083/``).
        listener: the herder.
        compatibility: ``connect.protocol``.
        session_timeout_ms, heartbeat_interval_ms, rebalance_timeout_ms: the worker keys of the same names.
        max_delay_ms: ``scheduled.rebalance.max.delay.ms``.
        clock_ms: the assignor's clock.
        client_configs: extra kafka-python client settings (security, client_id…).
    """

    def __init__(
        self,
        *,
        bootstrap: str,
        group_id: str,
        url: str,
        listener: GroupListener,
        compatibility: Compatibility = Compatibility.SESSIONED,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 3_000,
        rebalance_timeout_ms: int = 60_000,
        max_delay_ms: int = 300_000,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        client_configs: Mapping[str, Any] | None = None,
    ) -> None:
        self.url = url
        self.listener = listener
        self.compatibility = compatibility
        self.current_protocol = compatibility
        self.clock_ms = clock_ms
        self.assignment: Assignment | None = None
        self.leader_state: LeaderState | None = None
        self.last_completed_generation = -1
        self._assignor = IncrementalCooperativeAssignor(max_delay_ms)
        self._wake = threading.Event()
        self._rejoin_requested = False
        self._rejoin_at: float | None = None
        # Set on the IO thread when a round completes, delivered (and cleared) on the polling thread.
        self._joined: _Joined | None = None
        # Connect's needsJoinPrepare: the next join round still has to run `_on_join_prepare`.
        self._needs_prepare = True
        self._closed = False
        configs = {"bootstrap_servers": bootstrap, "client_id": f"connect-{url}", **(client_configs or {})}
        self._client = KafkaNetClient(**configs)
        self._client._net.start()
        try:
            version = self._client.get_broker_version(timeout_ms=rebalance_timeout_ms)
            self._coordinator = _Coordinator(
                self,
                self._client,
                group_id=group_id,
                session_timeout_ms=session_timeout_ms,
                heartbeat_interval_ms=heartbeat_interval_ms,
                max_poll_interval_ms=rebalance_timeout_ms,
                api_version=version,
            )
        except BaseException:
            self._client.close()
            raise

    @property
    def member_id(self) -> str:
        generation = self._coordinator.generation_if_stable()
        return "" if generation is None else str(generation.member_id)

    @property
    def generation(self) -> int:
        return int(self._coordinator._generation.generation_id)

    def is_leader(self) -> bool:
        assignment = self.assignment
        return assignment is not None and assignment.leader == self.member_id

    def rejoin_needed(self) -> bool:
        assignment = self.assignment
        return bool(
            self._coordinator.need_rejoin()
            or assignment is None
            or assignment.failed
            or self._rejoin_requested
        )

    def request_rejoin(self) -> None:
        """Rejoin at the next `poll` (e.g. after catching up on the config topic).

        A request made while a round is under way, after this member sent its JoinGroup, is kept
        for one more round: that round's assignment may predate what prompted it.
        """
        self._rejoin_requested = True
        self._wake.set()

    def ensure_active(self, timeout_s: float | None = None) -> bool:
        """Join (or rejoin) the group if needed; True once a generation's assignment was delivered.

        The rebalance callbacks run here, on the calling thread.
        """
        if self._deliver():
            return True
        if not self.rejoin_needed():
            return True
        if self._needs_prepare:
            # Cleared first, as Connect does: a prepare callback that raises is not run again.
            self._needs_prepare = False
            self._on_join_prepare()
        self._coordinator.request_rejoin()
        timeout_ms = None if timeout_s is None else int(timeout_s * 1000)
        self._coordinator.ensure_active_group(timeout_ms=timeout_ms)
        return self._deliver()

    def poll(self, timeout_s: float) -> None:
        """Rejoin if needed, then wait up to ``timeout_s`` for a wakeup, a rebalance or a scheduled rejoin.

        Raises:
            Exception: whatever the heartbeat loop, the assignor or a listener callback raised.
        """
        deadline = time.monotonic() + timeout_s
        while not self._closed:
            if self._rejoin_at is not None and time.monotonic() >= self._rejoin_at:
                log.info("Rejoining the group for the scheduled rebalance.")
                self._rejoin_at = None
                self._rejoin_requested = True
            if self._joined is not None or self.rejoin_needed():
                self.ensure_active(max(0.0, deadline - time.monotonic()))
            self._coordinator.poll_heartbeat()
            remaining = deadline - time.monotonic()
            if self._rejoin_at is not None:
                remaining = min(remaining, self._rejoin_at - time.monotonic())
            if remaining <= 0 and time.monotonic() >= deadline:
                return
            if self._wake.wait(max(0.0, remaining)):
                self._wake.clear()
                if not self.rejoin_needed():
                    return
            elif time.monotonic() >= deadline:
                return

    def wakeup(self) -> None:
        """Make a blocked `poll` return early."""
        self._wake.set()

    def leave(self, reason: str = "the worker is stopping") -> None:
        """Send LeaveGroup; the group rebalances at once and this member must rejoin to get work."""
        self._coordinator.maybe_leave_group(reason=reason)
        self.assignment = None
        self._joined = None

    def close(self, timeout_s: float = 5.0) -> None:
        """Leave the group and stop the client and its IO thread."""
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        try:
            self._coordinator.close(timeout_ms=int(timeout_s * 1000))
        finally:
            self._client.close()

    # Called on the polling thread.

    def _on_join_prepare(self) -> None:
        log.info("Rebalance started.")
        self.leader_state = None
        assignment = self.assignment
        if self.current_protocol is Compatibility.EAGER and assignment is not None and not assignment.failed:
            self.listener.on_revoked(assignment.leader, assignment.connectors, assignment.tasks)

    def _deliver(self) -> bool:
        """Runs the callbacks of a completed round; True if there was one and they returned."""
        joined = self._joined
        if joined is None:
            return False
        current = self._coordinator.generation_if_stable()
        if current is None or current.generation_id != joined.generation:
            # The session lapsed or the member left before its callbacks ran: that generation's
            # assignment is void, and Connect's AbstractCoordinator.joinGroupIfNeeded rejoins too.
            log.info(
                "Dropping a generation that ended before it was delivered; rejoining.",
                extra={"generation": joined.generation},
            )
            self._joined = None
            self._coordinator.request_rejoin()
            return False
        # Kept until the callbacks returned: if one raises, the next `poll` delivers it again.
        self._on_join_complete(joined.generation, joined.protocol, joined.assignment)
        self._joined = None
        return True

    def _on_join_complete(self, generation: int, protocol: str, data: bytes) -> None:
        received = decode_assignment(data)
        self.current_protocol = Compatibility.from_protocol(protocol)
        if self.current_protocol is not Compatibility.EAGER and (
            received.revoked_connectors or received.revoked_tasks
        ):
            self.listener.on_revoked(received.leader, received.revoked_connectors, received.revoked_tasks)
        new, follow_up = apply_assignment(self.assignment, received, self.current_protocol)
        self._rejoin_at = time.monotonic() + new.delay / 1000 if new.delay > 0 else None
        self.assignment = new
        self.last_completed_generation = generation
        if follow_up:
            log.info("Rejoining the group to complete a rebalance that revoked work here.")
            self._rejoin_requested = True
            self._wake.set()
        self.listener.on_assigned(new, generation)

    # Called on kafka-python's IO thread.

    def _metadata(self) -> list[tuple[str, bytes]]:
        # This JoinGroup carries the snapshot read next, so it answers every rejoin request made
        # so far; one made from now on needs another round.
        self._rejoin_requested = False
        snapshot = self.listener.config_snapshot()
        return join_protocols(WorkerState(self.url, snapshot.offset, self.assignment), self.compatibility)

    def _perform_assignment(
        self, leader_id: str, protocol: str, metadata: Mapping[str, bytes], generation: int
    ) -> dict[str, bytes]:
        mode = Compatibility.from_protocol(protocol)
        members = {member: _member_state(data) for member, data in metadata.items()}
        snapshot = self.listener.config_snapshot()
        if mode is Compatibility.EAGER:
            assignments, self.leader_state = eager_assign(
                leader_id, members, snapshot.task_counts, snapshot.offset
            )
        else:
            assignments, self.leader_state = self._assignor.assign(
                leader_id,
                members,
                snapshot.task_counts,
                self.clock_ms(),
                config_offset=snapshot.offset,
                generation=generation,
                last_completed_generation=self.last_completed_generation,
                version=mode.version,
                released=snapshot.released,
            )
        log.debug("Computed assignments.", extra={"assignments": assignments})
        return {member: encode_assignment(assignment) for member, assignment in assignments.items()}


def apply_assignment(
    previous: Assignment | None, received: Assignment, mode: Compatibility
) -> tuple[Assignment, bool]:
    """What a member runs after receiving ``received``, and whether it must rejoin at once.

    Under the cooperative protocols ``received`` lists only newly assigned and revoked work, and
    the member keeps the rest of ``previous``; the result lists everything it runs. A member that
    had work revoked rejoins as soon as that work stopped (KIP-415; Connect compat:
    DistributedHerder#handleRebalanceCompleted requests the rejoin): the leader hands revoked work
    to other members only in the next round, and no other member has a reason to start one, so
    without this rejoin the revoked work stays stopped until some unrelated rebalance.
    """
    if mode is Compatibility.EAGER:
        return received, False
    revoked = bool(received.revoked_connectors or received.revoked_tasks)
    if previous is None:
        return received, revoked
    kept_connectors = tuple(c for c in previous.connectors if c not in received.revoked_connectors)
    kept_tasks = tuple(t for t in previous.tasks if t not in received.revoked_tasks)
    merged = Assignment(
        received.version,
        received.error,
        received.leader,
        received.leader_url,
        received.offset,
        tuple(dict.fromkeys(received.connectors + kept_connectors)),
        tuple(dict.fromkeys(received.tasks + kept_tasks)),
        received.revoked_connectors,
        received.revoked_tasks,
        received.delay,
    )
    return merged, revoked


async def _outcome(task: Any) -> Any:
    """The result of a finished kafka-python task, or its exception raised again."""
    return await task


def _member_state(data: bytes) -> MemberState:
    state = decode_metadata(data)
    return MemberState(state.url, state.offset, state.allocation)
