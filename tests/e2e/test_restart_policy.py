"""End to end: a failed connector instance restarts by policy, visible in its status like a task's."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

pytestmark = pytest.mark.integration


def _connector_trace(worker: Any, name: str) -> str:
    code, body = worker.call("GET", f"/connectors/{name}/status")
    return str(body["connector"].get("trace") or "") if code == 200 else ""


def test_a_failed_connector_restarts_automatically_with_backoff(shared_worker: Any) -> None:
    worker, name = shared_worker, f"mockfail-{uuid.uuid4().hex[:8]}"
    config = {
        "connector.class": "org.apache.kafka.connect.tools.MockSourceConnector",
        "mock_mode": "connector-failure",
        "delay_ms": "300",
        "task.restart.backoff.initial.ms": "700",
        "task.restart.max.attempts": "2",
    }
    assert worker.call("PUT", f"/connectors/{name}/config", config)[0] == 201
    worker.wait_for(
        "the first failure with its pending restart",
        lambda: _connector_trace(worker, name).endswith("kconnect: automatic restart 1 of 2 in 700 ms"),
        timeout_s=15,
    )
    state, _ = worker.state(name)
    assert state == "FAILED"
    assert "MockConnector failure (mock_mode=connector-failure)" in _connector_trace(worker, name)
    # The restarted instance fails again after its delay: the second attempt waits twice as long.
    worker.wait_for(
        "the second failure",
        lambda: _connector_trace(worker, name).endswith("kconnect: automatic restart 2 of 2 in 1400 ms"),
        timeout_s=15,
    )
    # Attempts used up: FAILED without a pending restart, until restarted by hand.
    worker.wait_for(
        "the attempts to run out",
        lambda: (
            worker.state(name)[0] == "FAILED" and "automatic restart" not in _connector_trace(worker, name)
        ),
        timeout_s=15,
    )
    assert worker.call("POST", f"/connectors/{name}/restart") == (204, None)
    worker.wait_for("the manual restart", lambda: worker.state(name)[0] == "RUNNING", timeout_s=10)
    assert worker.call("DELETE", f"/connectors/{name}") == (204, None)
