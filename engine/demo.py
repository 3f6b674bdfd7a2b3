"""`kconnect demo` (and `make demo`): a standalone worker runs a file → Kafka → file pipeline.

Starts the local broker if no cluster is given, then a real `kconnect standalone` worker (a
subprocess on a free port) with a FileStreamSource that reads JSON lines into a topic (RegexRouter
renames the topic on the way) and a FileStreamSink that reads them back through JsonConverter,
drops a field with ReplaceField and writes each record as Connect's Java text. Shows the REST status
and the output file, then stops the worker with SIGTERM as an operator would.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engine.localkafka import LocalKafka, default_dir

__all__ = ["run_demo"]

DEADLINE_S = 60.0
STOP_TIMEOUT_S = 30.0


@contextmanager
def _bootstrap(bootstrap_servers: str | None, port: int) -> Iterator[str]:
    """Yields a bootstrap address; starts (and afterwards stops) the local broker when none is given."""
    if bootstrap_servers:
        yield bootstrap_servers
        return
    broker = LocalKafka(default_dir(port), port=port)
    already_running = broker.status().running
    print(f"No bootstrap servers given: using the local Kafka broker on 127.0.0.1:{port} ({broker.dir}).")
    address = broker.start()
    try:
        yield address
    finally:
        if not already_running:
            broker.stop()
            print("Stopped the local Kafka broker the demo started.")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _call(url: str, method: str = "GET", body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return json.loads(text) if text else None


def _wait(what: str, check: Any, worker: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"The worker exited with status {worker.returncode} while waiting for {what}.")
        try:
            if check():
                return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"Timed out after {DEADLINE_S:.0f} s waiting for {what}.")


def _files(directory: Path, bootstrap: str, port: int, records: int) -> tuple[Path, Path, list[Path]]:
    topic = f"kconnect-demo-orders-{uuid.uuid4().hex[:8]}"
    infile, outfile = directory / "orders.jsonl", directory / "orders.out"
    infile.write_text(
        "".join(
            json.dumps({"id": i, "customer": f"customer-{i % 97}", "card": f"4111-{i:04d}"}) + "\n"
            for i in range(records)
        )
    )
    worker = directory / "worker.properties"
    worker.write_text(
        f"bootstrap.servers={bootstrap}\n"
        "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
        "value.converter=org.apache.kafka.connect.json.JsonConverter\n"
        "value.converter.schemas.enable=false\n"
        f"offset.storage.file.filename={directory / 'connect.offsets'}\n"
        "offset.flush.interval.ms=1000\n"
        f"listeners=http://127.0.0.1:{port}\n"
    )
    source = directory / "source.properties"
    source.write_text(
        "name=demo-source\nconnector.class=FileStreamSource\n"
        f"file={infile}\ntopic={topic}\n"
        "value.converter=org.apache.kafka.connect.storage.StringConverter\n"
        "transforms=route\ntransforms.route.type=org.apache.kafka.connect.transforms.RegexRouter\n"
        "transforms.route.regex=kconnect-demo-(.*)\ntransforms.route.replacement=routed-$1\n"
    )
    sink = directory / "sink.json"
    sink.write_text(
        json.dumps(
            {
                "name": "demo-sink",
                "config": {
                    "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                    "file": str(outfile),
                    "topics": topic.replace("kconnect-demo-", "routed-"),
                    "transforms": "drop",
                    "transforms.drop.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
                    "transforms.drop.exclude": "card",
                },
            }
        )
    )
    return infile, outfile, [worker, source, sink]


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def run_demo(bootstrap_servers: str | None, records: int, port: int) -> int:
    """Runs the demo and returns the exit status (0 when the output file is exactly as expected)."""
    with _bootstrap(bootstrap_servers, port) as bootstrap, tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        rest_port = _free_port()
        _, outfile, files = _files(directory, bootstrap, rest_port, records)
        log = directory / "worker.log"
        url = f"http://127.0.0.1:{rest_port}"
        started = time.perf_counter()
        with open(log, "wb") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "engine", "standalone", *map(str, files)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            print(
                f"Started `kconnect standalone` (pid {worker.pid}) with a file source and a file sink; "
                f"REST on {url}."
            )
            _wait("the REST API", lambda: _call(f"{url}/connectors") == ["demo-sink", "demo-source"], worker)
            _wait(f"{records} lines in the sink file", lambda: len(_lines(outfile)) >= records, worker)
            elapsed = time.perf_counter() - started
            status = _call(f"{url}/connectors?expand=status")
            for name, entry in sorted(status.items()):
                tasks = ", ".join(f"task {t['id']} {t['state']}" for t in entry["status"]["tasks"])
                print(f"  {name}: connector {entry['status']['connector']['state']}; {tasks}")
            lines = _lines(outfile)
            print(
                f"{len(lines)} records went file → Kafka → file in {elapsed:.1f} s "
                "(worker start-up included)."
            )
            print(f"First lines of {outfile.name}:")
            for line in lines[:3]:
                print(f"  {line}")
            expected = [f"{{id={i}, customer=customer-{i % 97}}}" for i in range(records)]
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            print(f"Stopped the worker (exit status {worker.returncode}).")
        if lines != expected or worker.returncode != 0:
            print("FAILED: the output file is not what the pipeline should produce.")
            print(log.read_text()[-3000:])
            return 1
        print("The output is exactly the input with the `card` field removed, in order.")
        return 0
