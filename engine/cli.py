"""The `kconnect` command line: the only place flags are declared.

Each command is a small function taking the parsed arguments; user errors surface as one line on
standard error (`kconnect: error: ...`) with exit status 2 for bad input and 1 for runtime failures.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import engine

if TYPE_CHECKING:
    from engine.localkafka import LocalKafka

__all__ = ["main"]

DEFAULT_KAFKA_PORT = 9092


class CliError(Exception):
    """A failure to report as one line; `status` is the process exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


@contextmanager
def _broker_errors() -> Iterator[None]:
    """Turns the broker manager's one-line errors into CLI errors."""
    from engine.localkafka import LocalKafkaError

    try:
        yield
    except LocalKafkaError as exc:
        raise CliError(str(exc)) from exc


def _local_kafka(args: argparse.Namespace) -> LocalKafka:
    from engine.localkafka import LocalKafka, default_dir

    directory = Path(args.dir) if args.dir else default_dir(args.port)
    return LocalKafka(directory, port=args.port, heap_mb=getattr(args, "heap_mb", 256))


def _kafka_start(args: argparse.Namespace) -> int:
    broker = _local_kafka(args)
    with _broker_errors():
        bootstrap = broker.start(timeout=args.timeout)
    print(bootstrap)
    return 0


def _kafka_install(args: argparse.Namespace) -> int:
    from engine.localkafka import resolve_jars

    with _broker_errors():
        resolve_jars()
    return 0


def _kafka_stop(args: argparse.Namespace) -> int:
    broker = _local_kafka(args)
    with _broker_errors():
        stopped = broker.stop()
    if stopped:
        print(f"Stopped the local Kafka broker in {broker.dir}.")
    else:
        print(f"No local Kafka broker was running in {broker.dir}.")
    return 0


def _kafka_status(args: argparse.Namespace) -> int:
    broker = _local_kafka(args)
    with _broker_errors():
        status = broker.status()
    if status.running:
        print(f"running  pid={status.pid}  bootstrap={status.bootstrap}  dir={status.dir}")
        return 0
    print(f"stopped  dir={status.dir}")
    return 3  # Like `systemctl status`: scripts can test for "not running".


def _demo(args: argparse.Namespace) -> int:
    from engine.demo import run_demo

    return run_demo(bootstrap_servers=args.bootstrap_servers, records=args.records, port=args.port)


def _standalone(args: argparse.Namespace) -> int:
    from engine.errors import ConfigError, ConnectError
    from engine.standalone import run_standalone

    try:
        return run_standalone(args.worker, args.connectors)
    except ConfigError as exc:
        raise CliError(str(exc), status=2) from exc
    except ConnectError as exc:
        raise CliError(str(exc)) from exc


def _transforms_test(args: argparse.Namespace) -> int:
    from engine.config import properties
    from engine.dryrun import build_pipeline, load_connector_config, run_dry_run
    from engine.errors import ConfigError

    try:
        config = load_connector_config(args.config)
        worker = properties.load(args.worker) if args.worker else None
        pipeline = build_pipeline(config, worker)
    except (ConfigError, OSError, properties.PropertiesError) as exc:
        raise CliError(str(exc), status=2) from exc
    for warning in pipeline.warnings:
        print(f"kconnect: warning: {warning}", file=sys.stderr)
    run_dry_run(pipeline, sys.stdin)
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
    return value


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kconnect",
        description="A Kafka Connect-compatible data-integration engine.",
    )
    parser.add_argument("--version", action="version", version=f"kconnect {engine.__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    kafka = commands.add_parser("kafka", help="run a local single-node Kafka broker (KRaft) for development")
    kafka_commands = kafka.add_subparsers(title="kafka commands", metavar="ACTION", required=True)
    for name, handler, text in (
        ("start", _kafka_start, "start the broker and print its bootstrap address"),
        ("stop", _kafka_stop, "stop the broker cleanly"),
        ("status", _kafka_status, "say whether the broker runs (exit status 3 when it does not)"),
    ):
        sub = kafka_commands.add_parser(name, help=text, description=text)
        sub.add_argument(
            "--port",
            type=int,
            default=DEFAULT_KAFKA_PORT,
            help="client port (default 9092); the controller listens on PORT+1",
        )
        sub.add_argument("--dir", help="state directory (default: ~/.local/state/kconnect/kafka-PORT)")
        if name == "start":
            sub.add_argument("--heap-mb", type=int, default=256, help="broker JVM heap in MiB (default 256)")
            sub.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for the broker")
        sub.set_defaults(handler=handler)
    install_text = "resolve Apache Kafka's jars from Maven Central with Maven (once; cached afterwards)"
    install = kafka_commands.add_parser("install", help=install_text, description=install_text)
    install.set_defaults(handler=_kafka_install)

    transforms = commands.add_parser("transforms", help="work with single-message transform chains")
    transforms_commands = transforms.add_subparsers(
        title="transforms commands", metavar="ACTION", required=True
    )
    dry_run_text = (
        "dry-run a connector config's converters, predicates and transforms on JSON-line records from "
        'standard input ({"topic", "key", "value", "headers"?, "partition"?, "timestamp"?}); '
        "prints one JSON line per record"
    )
    dry_run = transforms_commands.add_parser("test", help=dry_run_text, description=dry_run_text)
    dry_run.add_argument("config", help="connector config: .properties, JSON, or a POST /connectors body")
    dry_run.add_argument("--worker", help="worker .properties supplying default key/value converters")
    dry_run.set_defaults(handler=_transforms_test)

    standalone_text = (
        "run a standalone worker (like connect-standalone.sh) until SIGTERM/SIGINT, with the connectors "
        'of the given files (.properties, or JSON: a config map or a {"name", "config"} body)'
    )
    standalone = commands.add_parser("standalone", help=standalone_text, description=standalone_text)
    standalone.add_argument("worker", help="worker .properties (CONNECT_* environment variables override it)")
    standalone.add_argument("connectors", nargs="*", help="connector config files to create at start-up")
    standalone.set_defaults(handler=_standalone)

    demo = commands.add_parser(
        "demo", help="run a standalone worker with a file → Kafka → file pipeline and show the result"
    )
    demo.add_argument("--bootstrap-servers", help="an existing cluster (default: start the local broker)")
    demo.add_argument(
        "--port", type=int, default=DEFAULT_KAFKA_PORT, help="local broker port when one is started"
    )
    demo.add_argument(
        "--records", type=_positive_int, default=10_000, help="how many records to send (default 10000)"
    )
    demo.set_defaults(handler=_demo)

    from engine.bench import cli as bench_cli
    from engine.cluster import cli as cluster_cli

    bench_cli.add_parser(commands)
    cluster_cli.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line and returns the process exit status."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except CliError as exc:
        print(f"kconnect: error: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130
