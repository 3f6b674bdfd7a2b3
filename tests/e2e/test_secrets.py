"""End to end: secrets never leave the worker.

A PASSWORD-typed connector key and a value from a config provider must not appear in the REST API
(the provider's placeholder is shown instead), in status traces, or anywhere in the worker's output
(its log and its task processes'), even when the task fails with both values in its error and logs
them itself.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration


def test_password_and_provider_values_stay_out_of_the_api_traces_and_logs(
    shared_worker: Any, tmp_path: Path
) -> None:
    worker, name = shared_worker, f"secret-{uuid.uuid4().hex[:8]}"
    password, token = f"pw-{uuid.uuid4().hex}", f"tok-{uuid.uuid4().hex}"
    secrets = tmp_path / "secrets.properties"
    secrets.write_text(f"token={token}\n")
    placeholder = f"${{file:{secrets}:token}}"
    config = {
        "connector.class": "com.example.SecretSourceConnector",
        "password": password,
        "token": placeholder,
        "task.restart.policy": "none",
    }
    assert worker.call("PUT", f"/connectors/{name}/config", config)[0] == 201
    worker.wait_state(name, "RUNNING", ["FAILED"])
    status = worker.call("GET", f"/connectors/{name}/status")[1]
    trace = status["tasks"][0]["trace"]
    assert "Login with password [hidden] and token [hidden] refused" in trace
    assert worker.call("GET", f"/connectors/{name}/config")[1]["token"] == placeholder
    assert worker.call("GET", f"/connectors/{name}/tasks")[1][0]["config"]["token"] == placeholder
    api = "".join(
        str(worker.call("GET", path)[1])
        for path in (
            f"/connectors/{name}/status",
            f"/connectors/{name}/tasks/0/status",
            f"/connectors/{name}",
        )
    )
    assert token not in api
    assert password not in str(status)
    worker.wait_for("the task's log line", lambda: "Logging in with password" in worker.log_text())
    assert worker.call("DELETE", f"/connectors/{name}") == (204, None)
    leaked = [
        what for what, value in (("password", password), ("token", token)) if value in worker.log_text()
    ]
    assert not leaked, leaked
