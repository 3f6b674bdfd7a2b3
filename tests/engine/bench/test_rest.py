"""Tests of engine.bench.rest: submitting connectors to a worker that is not ready at once (no broker)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from engine.bench.rest import ConnectorSubmitter, rest_answers


class _Worker(ThreadingHTTPServer):
    """A fake worker answering ``POST /connectors`` with scripted statuses, then 201."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: list[tuple[int, str]] = []
        self.created: list[dict[str, object]] = []
        self.posts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class _Handler(BaseHTTPRequestHandler):
    server: _Worker

    def do_GET(self) -> None:
        self._reply(200, '{"version": "fake"}')

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.posts += 1
        if self.path != "/connectors" or self.headers["Content-Type"] != "application/json":
            self._reply(400, '{"message": "bad request"}')
        elif self.server.script:
            self._reply(*self.server.script.pop(0))
        else:
            self.server.created.append(body)
            self._reply(201, json.dumps(body))

    def _reply(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return None  # keeps the test output clean; the assertions check what was asked


@pytest.fixture
def worker() -> Iterator[_Worker]:
    server = _Worker()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _run(submitter: ConnectorSubmitter) -> None:
    submitter.start()
    submitter._thread.join(timeout=30)
    assert not submitter._thread.is_alive()


CONNECTORS = [{"name": "a", "topic": "t"}, {"name": "b", "topic": "u"}]


def test_rest_answers_only_while_the_worker_listens(worker: _Worker) -> None:
    assert rest_answers(worker.url)
    assert not rest_answers("http://127.0.0.1:1/")


def test_connectors_are_created_in_order_after_conflicts_and_unavailable(worker: _Worker) -> None:
    worker.script = [(503, '{"message": "starting"}'), (409, '{"message": "rebalance"}')]
    submitter = ConnectorSubmitter(worker.url, CONNECTORS, time.monotonic() + 30)
    _run(submitter)
    assert submitter.error is None
    assert (submitter.submitted, worker.posts) == (2, 4)
    assert worker.created == [{"name": "a", "config": CONNECTORS[0]}, {"name": "b", "config": CONNECTORS[1]}]


def test_a_refused_connector_is_an_error_with_the_workers_answer(worker: _Worker) -> None:
    worker.script = [(400, '{"error_code": 400, "message": "Connector config is invalid"}')]
    submitter = ConnectorSubmitter(worker.url, CONNECTORS, time.monotonic() + 30)
    _run(submitter)
    assert submitter.error is not None
    assert submitter.error.startswith("POST /connectors for `a` answered 400: ")
    assert "Connector config is invalid" in submitter.error
    assert (submitter.submitted, worker.posts, worker.created) == (0, 1, [])


def test_a_worker_never_ready_fails_at_the_deadline_with_its_last_answer(worker: _Worker) -> None:
    worker.script = [(409, '{"message": "rebalance in progress"}')] * 1000
    submitter = ConnectorSubmitter(worker.url, CONNECTORS, time.monotonic() + 1.0)
    _run(submitter)
    assert submitter.error is not None
    assert submitter.error.startswith("the worker was not ready to create connector `a` in time")
    assert "answered 409: " in submitter.error and "rebalance in progress" in submitter.error
    assert worker.created == []


def test_stop_ends_the_retries(worker: _Worker) -> None:
    worker.script = [(503, "{}")] * 1000
    submitter = ConnectorSubmitter(worker.url, CONNECTORS, time.monotonic() + 60)
    submitter.start()
    started = time.monotonic()
    submitter.stop()
    assert time.monotonic() - started < 5
    assert submitter.error is not None and "answered 503" in submitter.error
