"""End to end: a real `kconnect standalone` worker, the real broker, FileStream connectors.

Every test here runs the worker as a subprocess on free ports and talks to it over HTTP, as a user
would. Tests that leave the worker's other connectors alone share one worker.
"""

from __future__ import annotations

import json
import os
import signal
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import consume

pytestmark = pytest.mark.integration

JSON_SCHEMALESS = {
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
}


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_file_to_kafka_to_file_through_converters_and_a_chain(shared_worker: Any, tmp_path: Path) -> None:
    worker = shared_worker
    topic, source, sink = _name("lines"), _name("src"), _name("snk")
    routed = f"routed-{topic}"
    infile, outfile = tmp_path / "in.txt", tmp_path / "out.txt"
    infile.write_text("".join(f'{{"id":{i},"name":"n{i}","secret":"s{i}"}}\n' for i in range(5)))
    code, body = worker.call(
        "POST",
        "/connectors",
        {
            "name": source,
            "config": {
                "connector.class": "FileStreamSource",
                "file": str(infile),
                "topic": topic,
                "value.converter": "org.apache.kafka.connect.storage.StringConverter",
                "transforms": "route",
                "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
                "transforms.route.regex": "lines-(.*)",
                "transforms.route.replacement": "routed-lines-$1",
            },
        },
    )
    assert code == 201, body
    assert body["name"] == source and body["type"] == "source"
    code, body = worker.call(
        "PUT",
        f"/connectors/{sink}/config",
        {
            "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
            "file": str(outfile),
            "topics": routed,
            **JSON_SCHEMALESS,
            "transforms": "drop",
            "transforms.drop.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
            "transforms.drop.exclude": "secret",
        },
    )
    assert code == 201, body
    expected = [f"{{id={i}, name=n{i}}}" for i in range(5)]
    worker.wait_for("the sink file", lambda: len(_lines(outfile)) >= 5)
    with infile.open("a") as file:
        file.write('{"id":5,"name":"n5","secret":"s5"}\n')
    worker.wait_for("the appended line", lambda: len(_lines(outfile)) >= 6)
    assert _lines(outfile) == [*expected, "{id=5, name=n5}"]
    # Connect compat: task configs name the tasks' Java classes, which the worker started.
    for name, task in ((source, "FileStreamSourceTask"), (sink, "FileStreamSinkTask")):
        code, tasks = worker.call("GET", f"/connectors/{name}/tasks")
        assert code == 200
        assert [t["config"]["task.class"] for t in tasks] == [f"org.apache.kafka.connect.file.{task}"]
    code, topics = worker.call("GET", f"/connectors/{source}/topics")
    assert (code, topics) == (200, {source: {"topics": [routed]}})
    code, offsets = worker.call("GET", f"/connectors/{source}/offsets")
    assert code == 200
    assert offsets["offsets"][0]["partition"] == {"filename": str(infile)}
    for name in (source, sink):
        assert worker.call("DELETE", f"/connectors/{name}") == (204, None)


def test_pause_resume_stop_offsets_and_restart(shared_worker: Any, tmp_path: Path) -> None:
    worker = shared_worker
    name, infile = _name("flow"), tmp_path / "flow.txt"
    infile.write_text("a\nb\n")
    config = {"connector.class": "FileStreamSource", "file": str(infile), "topic": _name("flow")}
    assert worker.call("POST", "/connectors", {"name": name, "config": config})[0] == 201
    worker.wait_state(name, "RUNNING", ["RUNNING"])
    assert worker.call("PUT", f"/connectors/{name}/pause") == (202, None)
    worker.wait_state(name, "PAUSED", ["PAUSED"])
    assert worker.call("PUT", f"/connectors/{name}/resume") == (202, None)
    worker.wait_state(name, "RUNNING", ["RUNNING"])
    code, body = worker.call(
        "PATCH", f"/connectors/{name}/offsets", {"offsets": [{"partition": {}, "offset": None}]}
    )
    assert code == 400 and body["message"].startswith("Connectors must be in the STOPPED state")
    worker.wait_for(
        "committed offsets", lambda: worker.call("GET", f"/connectors/{name}/offsets")[1]["offsets"] != []
    )
    assert worker.call("PUT", f"/connectors/{name}/stop") == (204, None)
    worker.wait_state(name, "STOPPED", [])
    assert worker.call("GET", f"/connectors/{name}")[1]["tasks"] == []
    partition = {"filename": str(infile)}
    code, body = worker.call(
        "PATCH",
        f"/connectors/{name}/offsets",
        {"offsets": [{"partition": partition, "offset": {"position": 2}}]},
    )
    assert (code, body) == (200, {"message": "The offsets for this connector have been altered successfully"})
    assert worker.call("GET", f"/connectors/{name}/offsets") == (
        200,
        {"offsets": [{"partition": partition, "offset": {"position": 2}}]},
    )
    assert worker.call("DELETE", f"/connectors/{name}/offsets") == (
        200,
        {"message": "The offsets for this connector have been reset successfully"},
    )
    assert worker.call("GET", f"/connectors/{name}/offsets") == (200, {"offsets": []})
    assert worker.call("PUT", f"/connectors/{name}/resume") == (202, None)
    worker.wait_state(name, "RUNNING", ["RUNNING"])
    code, plan = worker.call("POST", f"/connectors/{name}/restart?includeTasks=true&onlyFailed=false")
    assert code == 202
    assert plan["connector"]["state"] == "RESTARTING" and [t["state"] for t in plan["tasks"]] == [
        "RESTARTING"
    ]
    worker.wait_state(name, "RUNNING", ["RUNNING"])
    assert worker.call("POST", f"/connectors/{name}/restart") == (204, None)
    assert worker.call("POST", f"/connectors/{name}/tasks/0/restart") == (204, None)
    assert worker.call("POST", f"/connectors/{name}/tasks/9/restart") == (
        404,
        {"error_code": 404, "message": f"Task {name}-9 not found"},
    )
    worker.wait_state(name, "RUNNING", ["RUNNING"])
    assert worker.call("DELETE", f"/connectors/{name}") == (204, None)


def _payloads(bootstrap: str, topic: str, expected: int) -> list[str]:
    # One more short poll after the expected count: duplicates would show up there.
    return [
        json.loads(m.value() or b"null")["payload"] for m in consume(bootstrap, topic, expected, linger_s=1.0)
    ]


def test_a_restarted_worker_resumes_from_its_committed_offsets(
    worker_factory: Callable[..., Any], kafka_bootstrap: str, tmp_path: Path
) -> None:
    worker = worker_factory()
    topic, infile = _name("resume"), tmp_path / "resume.txt"
    infile.write_text("".join(f"line {i}\n" for i in range(100)))
    connector = tmp_path / "source.properties"
    connector.write_text(f"name=resume\nconnector.class=FileStreamSource\nfile={infile}\ntopic={topic}\n")
    worker.start(connector)
    worker.wait_for(
        "offsets of 100 lines",
        lambda: "position" in worker.offsets_file.read_text() if worker.offsets_file.exists() else False,
    )
    worker.wait_for(
        "all 100 lines committed",
        lambda: (
            worker.call("GET", "/connectors/resume/offsets")[1]["offsets"][0]["offset"]["position"]
            == infile.stat().st_size
        ),
    )
    assert worker.stop() == 0
    with infile.open("a") as file:
        file.write("".join(f"line {i}\n" for i in range(100, 150)))
    worker.start(connector)
    values = _payloads(kafka_bootstrap, topic, 150)
    assert values == [f"line {i}" for i in range(150)]  # nothing lost, nothing repeated


def test_a_killed_task_fails_then_restarts_without_loss(
    worker_factory: Callable[..., Any], kafka_bootstrap: str, tmp_path: Path
) -> None:
    worker = worker_factory()
    worker.start()
    topic, infile = _name("kill"), tmp_path / "kill.txt"
    infile.write_text("".join(f"line {i}\n" for i in range(20)))
    config = {
        "connector.class": "FileStreamSource",
        "file": str(infile),
        "topic": topic,
        "task.restart.backoff.initial.ms": "1500",
    }
    assert worker.call("PUT", "/connectors/kill/config", config)[0] == 201
    worker.wait_state("kill", "RUNNING", ["RUNNING"])
    pid = worker.task_pid("kill", 0)
    os.kill(pid, signal.SIGKILL)
    worker.wait_for(
        "FAILED with a pending restart",
        lambda: (
            "kconnect: automatic restart 1 of 5 in 1500 ms"
            in (worker.call("GET", "/connectors/kill/tasks/0/status")[1].get("trace") or "")
        ),
        timeout_s=10,
    )
    trace = worker.call("GET", "/connectors/kill/tasks/0/status")[1]["trace"]
    assert "SIGKILL" in trace
    worker.wait_for("the restarted task", lambda: worker.task_pid("kill", 0) != pid)
    worker.wait_state("kill", "RUNNING", ["RUNNING"])
    with infile.open("a") as file:
        file.write("".join(f"line {i}\n" for i in range(20, 30)))
    values = _payloads(kafka_bootstrap, topic, 30)
    assert sorted(set(values), key=lambda v: int(v.split()[1])) == [f"line {i}" for i in range(30)]  # no loss


def test_config_provider_placeholders_stay_unresolved_in_the_api(shared_worker: Any, tmp_path: Path) -> None:
    worker, name = shared_worker, _name("prov")
    secrets = tmp_path / "secrets.properties"
    infile = tmp_path / "provided.txt"
    infile.write_text("x\n")
    secrets.write_text(f"file={infile}\n")
    placeholder = f"${{file:{secrets}:file}}"
    config = {"connector.class": "FileStreamSource", "file": placeholder, "topic": _name("prov")}
    assert worker.call("PUT", f"/connectors/{name}/config", config)[0] == 201
    assert worker.call("GET", f"/connectors/{name}/config")[1]["file"] == placeholder
    worker.wait_state(name, "RUNNING", ["RUNNING"])
    tasks = worker.call("GET", f"/connectors/{name}/tasks")[1]
    assert tasks[0]["config"]["file"] == placeholder
    worker.wait_for(
        "offsets of the resolved file",
        lambda: (
            worker.call("GET", f"/connectors/{name}/offsets")[1]["offsets"]
            == [{"partition": {"filename": str(infile)}, "offset": {"position": 2}}]
        ),
    )
    assert worker.call("DELETE", f"/connectors/{name}") == (204, None)


def test_admin_logger_levels_reach_running_task_processes(shared_worker: Any) -> None:
    worker, name = shared_worker, _name("levels")
    config = {
        "connector.class": "org.apache.kafka.connect.tools.MockSourceConnector",
        "mock_mode": "task-failure",
        "delay_ms": "4000",
        "task.restart.policy": "none",
    }
    assert worker.call("PUT", f"/connectors/{name}/config", config)[0] == 201
    worker.wait_state(name, "RUNNING", ["RUNNING"])
    # Logged at DEBUG inside the task process, which was started while the level was INFO.
    debug_line = f"connector={name} task=0"
    try:
        status, _ = worker.call("PUT", "/admin/loggers/connectors.tools", {"level": "DEBUG"})
        assert status == 200
        worker.wait_state(name, "RUNNING", ["FAILED"])
        lines = [line for line in worker.log_text().splitlines() if debug_line in line]
        assert any("Triggering source task failure." in line for line in lines), lines
    finally:
        worker.call("PUT", "/admin/loggers/connectors.tools", {"level": "INFO"})
        worker.call("DELETE", f"/connectors/{name}")
