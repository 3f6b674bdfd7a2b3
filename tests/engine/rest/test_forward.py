"""Forwarding between two real REST servers: a follower's herder names the leader's URL."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from engine.herder.entities import ConnectorInfo, ConnectorStateInfo
from engine.rest import create_app, serve
from engine.rest.forward import (
    CONFLICT_MESSAGE,
    NO_LEADER_MESSAGE,
    LeaderForwarding,
    RequestTargetError,
    request_target,
)
from tests.engine.rest.conftest import Client, FakeHerder


class Follower(FakeHerder):
    """Writes need the leader at `leader_url` (None: no leader known)."""

    def __init__(self, leader_url: str | None) -> None:
        super().__init__()
        self.leader_url = leader_url
        self.headers_seen: list[Any] = []

    def _not_leader(self) -> RequestTargetError:
        return request_target(
            RequestTargetError("This worker is not able to communicate with the leader", self.leader_url)
        )

    async def create_connector(
        self, name: str, config: Mapping[str, str | None], initial_state: str | None
    ) -> ConnectorInfo:
        raise self._not_leader()

    async def restart_connector(
        self, name: str, include_tasks: bool, only_failed: bool
    ) -> ConnectorStateInfo | None:
        raise self._not_leader()

    async def delete_connector(self, name: str) -> None:
        raise self._not_leader()


class Server:
    """A REST app over `herder` behind `LeaderForwarding`, served on a free port; `seen` records
    the query string and Authorization header of every request it receives."""

    def __init__(self, herder: FakeHerder) -> None:
        self.herder = herder
        self.seen: list[tuple[str, str | None]] = []
        self.app = create_app(herder, request_timeout_s=5.0)
        forwarding = LeaderForwarding(self.app, timeout_s=5.0)

        async def recording(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                auth = dict(scope["headers"]).get(b"authorization")
                self.seen.append((scope["query_string"].decode(), auth.decode() if auth else None))
            await forwarding(scope, receive, send)

        self.server = serve(recording, ["http://127.0.0.1:0"])
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve()), daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "REST server did not start"
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{self.server.ports[0]}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def cluster() -> Iterator[tuple[Server, Server]]:
    leader = Server(FakeHerder())
    follower = Server(Follower(leader.url))
    try:
        yield leader, follower
    finally:
        follower.close()
        leader.close()


def test_create_through_a_follower_answers_with_the_leaders_status_and_body(
    cluster: tuple[Server, Server],
) -> None:
    leader, follower = cluster
    reply = Client(follower.url)("POST", "/connectors", {"name": "c1", "config": {"connector.class": "X"}})
    assert reply.status == 201
    assert reply.body["name"] == "c1"
    location = {k.lower(): v for k, v in reply.headers.items()}["location"]
    assert location == f"{follower.url}/connectors/c1"
    assert "c1" in leader.herder.connectors_


def test_leader_errors_are_passed_back_verbatim(cluster: tuple[Server, Server]) -> None:
    _, follower = cluster
    reply = Client(follower.url)("DELETE", "/connectors/missing")
    assert reply.status == 404
    assert reply.body == {"error_code": 404, "message": "Connector missing not found"}


def test_forward_flags_query_parameters_and_authorization_go_along(cluster: tuple[Server, Server]) -> None:
    leader, follower = cluster
    Client(leader.url)("POST", "/connectors", {"name": "c1", "config": {"connector.class": "X"}})
    reply = Client(follower.url)(
        "POST",
        "/connectors/c1/restart?includeTasks=true&onlyFailed=true",
        headers={"Authorization": "Basic dTpw"},
    )
    assert reply.status == 202
    assert reply.body["name"] == "c1"
    assert leader.herder.calls[-1] == ("restart", "c1", True, True)
    assert leader.seen[-1] == ("forward=true&includeTasks=true&onlyFailed=true", "Basic dTpw")


def test_second_hop_is_sent_with_forward_false_and_a_third_is_refused() -> None:
    end = Server(FakeHerder())
    middle = Server(Follower(end.url))
    first = Server(Follower(middle.url))
    try:
        # user → first (forward=true) → middle (forward=false) → end
        reply = Client(first.url)("POST", "/connectors", {"name": "c1", "config": {"connector.class": "X"}})
        assert reply.status == 201
        assert "c1" in end.herder.connectors_
        assert middle.seen[-1][0] == "forward=true"
        assert end.seen[-1][0] == "forward=false"
        reply = Client(middle.url)("DELETE", "/connectors/c1?forward=false")
        assert reply.status == 409
        assert reply.body == {"error_code": 409, "message": CONFLICT_MESSAGE}
    finally:
        first.close()
        middle.close()
        end.close()


def test_no_known_leader_answers_409() -> None:
    lonely = Server(Follower(None))
    try:
        reply = Client(lonely.url)("DELETE", "/connectors/c1")
        assert reply.status == 409
        assert reply.body == {"error_code": 409, "message": NO_LEADER_MESSAGE}
    finally:
        lonely.close()


def test_unreachable_leader_answers_500_io_error() -> None:
    lonely = Server(Follower("http://127.0.0.1:9"))
    try:
        reply = Client(lonely.url)("DELETE", "/connectors/c1")
        assert reply.status == 500
        assert reply.body["message"].startswith("IO Error trying to forward REST request: ")
    finally:
        lonely.close()


def test_requests_completed_locally_are_not_forwarded(cluster: tuple[Server, Server]) -> None:
    leader, follower = cluster
    Client(leader.url)("POST", "/connectors", {"name": "c1", "config": {"connector.class": "X"}})
    reply = Client(follower.url)("GET", "/connectors")
    assert reply.status == 200
    assert reply.body == []
    assert leader.seen == [("", None)]
