"""The names of the scenarios and systems, importable without Kafka clients.

`engine.bench.cli` builds ``kconnect``'s argument parser from these on
every ``kconnect`` invocation, so this module must stay free of heavy
imports; `engine.bench.scenarios` and `engine.bench.systems` implement
exactly these names (a test checks it).
"""

from __future__ import annotations

__all__ = ["SCENARIOS", "SYSTEMS"]

SCENARIOS = {
    "file-source": "N lines of ~B bytes from a file to a topic (FileStreamSource; --converter string|json)",
    "file-sink-smt": "a topic of JSON-with-schema records to a file through RegexRouter + ReplaceField$Value",
    "end-to-end": "file -> topic -> file at a fixed offered rate (--rate); latency percentiles",
    "tasks-scaling": "VerifiableSourceConnector with --tasks T tasks, unthrottled, to a topic",
}

SYSTEMS = ("kconnect", "connect-java", "raw")
