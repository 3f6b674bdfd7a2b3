"""`kconnect cluster`: per-worker properties, the state file, and the commands without a cluster."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from engine.cluster import cli
from engine.cluster.local import ClusterState, LocalCluster, WorkerProcess, worker_props
from engine.errors import ConfigError


def test_each_worker_listens_on_the_next_port() -> None:
    props = {"group.id": "g", "listeners": "http://localhost:9000"}
    assert [worker_props(props, i)["listeners"] for i in range(3)] == [
        "http://localhost:9000",
        "http://localhost:9001",
        "http://localhost:9002",
    ]
    assert worker_props({"group.id": "g"}, 1)["listeners"] == "http://127.0.0.1:8084"
    with pytest.raises(ConfigError):
        worker_props({"listeners": "ftp://x:1"}, 0)


def test_state_round_trips(tmp_path: Path) -> None:
    state = ClusterState("g", [WorkerProcess(0, 123, "http://127.0.0.1:8083", "a.properties", "a.log")])
    assert ClusterState.from_json(state.to_json()) == state


def test_down_and_status_without_a_cluster(tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path)
    assert cluster.down() == []
    assert cluster.status() == []


def test_the_group_id_names_the_default_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    props_file = tmp_path / "worker.properties"
    props_file.write_text("group.id=my-group\n")
    cluster, props = LocalCluster.for_props(str(props_file), None)
    assert cluster.directory == tmp_path / ".cache" / "kconnect" / "clusters" / "my-group"
    assert props["group.id"] == "my-group"
    props_file.write_text("bootstrap.servers=x:1\n")
    with pytest.raises(ConfigError, match=r'Missing required configuration "group\.id"'):
        LocalCluster.for_props(str(props_file), None)


def test_status_of_an_unreachable_worker_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = ClusterState("g", [WorkerProcess(0, 2**22 + 12345, "http://127.0.0.1:9", "p", "l")])
    (tmp_path / "cluster.json").write_text(state.to_json())
    props_file = tmp_path / "worker.properties"
    props_file.write_text("group.id=g\n")
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers())
    args = parser.parse_args(["cluster", "status", str(props_file), "--dir", str(tmp_path)])
    assert args.handler(args) == 1
    out = capsys.readouterr().out
    assert "worker 0  http://127.0.0.1:9  unreachable" in out
