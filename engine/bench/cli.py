"""The ``kconnect bench`` commands: ``run`` a scenario, ``sweep`` a knob over it.

`add_parser` declares the flags (once, for both commands) on the main
parser's subcommands; `run` executes the parsed command and returns the
exit status: 0 when every run of every system finished, 1 when one failed
(with ``--repeat``, even if the system's other rounds succeeded) or the run
could not start, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.bench.catalog import SCENARIOS, SYSTEMS
from engine.bench.errors import BenchError
from engine.bench.settings import (
    CONVERTERS,
    MODES,
    Settings,
    SettingsError,
    apply_assignments,
    apply_knob,
    parse_assignment,
    parse_knob,
)

if TYPE_CHECKING:
    from engine.bench.stats import SystemResult

__all__ = ["add_parser", "parse_systems", "run"]

DEFAULT_AGAINST = "connect-java,raw"
_ALWAYS = "kconnect"


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
    return value


def add_parser(subparsers: Any) -> None:
    """Register ``bench run`` and ``bench sweep`` on ``subparsers`` (the main parser's subcommands).

    Both set ``handler`` to `run`.
    """
    scenarios = "; ".join(f"{name}: {text}" for name, text in SCENARIOS.items())
    bench = subparsers.add_parser(
        "bench",
        help="benchmark kconnect against Apache Kafka Connect and a raw client on a real broker",
        description=f"Scenarios — {scenarios}.",
    )
    actions = bench.add_subparsers(title="bench commands", metavar="ACTION", required=True)
    run_text = "run a scenario against each system (once, or --repeat N rounds) and print a table"
    run_parser = actions.add_parser("run", help=run_text, description=run_text)
    sweep_text = (
        "run a scenario per value of a knob (once, or --repeat N rounds) and plot records/s and "
        "memory against it"
    )
    sweep_parser = actions.add_parser("sweep", help=sweep_text, description=sweep_text)
    for action, parser in (("run", run_parser), ("sweep", sweep_parser)):
        _add_common(parser)
        parser.set_defaults(handler=run, bench_action=action)
    sweep_parser.add_argument(
        "--knob",
        required=True,
        metavar="NAME=V1,V2,...",
        help="what to vary: records, record-size, tasks, rate, partitions, converter, mode, "
        "a worker property (producer.linger.ms) or connector.<property>",
    )
    sweep_parser.add_argument("--plot", metavar="PNG", help="plot file (default: bench-SCENARIO-KNOB.png)")
    sweep_parser.add_argument("--no-plot", action="store_true", help="do not draw the plot")


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", choices=list(SCENARIOS), help="the scenario to run")
    parser.add_argument("--records", type=_positive_int, help="records per system and run (default 1000000)")
    parser.add_argument("--record-size", type=_positive_int, help="payload bytes per record (default 100)")
    parser.add_argument("--tasks", type=_positive_int, help="tasks.max of the connectors (default 1)")
    parser.add_argument("--rate", type=_positive_int, help="end-to-end: offered records/s (default 10000)")
    parser.add_argument("--partitions", type=_positive_int, help="partitions of created topics (default 1)")
    parser.add_argument(
        "--converter", choices=CONVERTERS, help="file-source: value converter (default string)"
    )
    parser.add_argument(
        "--mode",
        choices=MODES,
        help="how kconnect and connect-java run: one standalone worker with connector files, or one "
        "distributed worker (its own group and internal topics) given the connectors over REST "
        "(default standalone)",
    )
    parser.add_argument(
        "--repeat",
        type=_positive_int,
        metavar="N",
        help="run every system N times in interleaved rounds (round 1 runs each system once, then "
        "round 2, ...: a slow minute of a shared host hits all systems alike), each run on fresh "
        "topics, files and offsets, and report each system's medians with the records/s spread "
        "(default 1)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a worker property (producer.linger.ms=5) or connector.<property>; repeatable",
    )
    parser.add_argument(
        "--against",
        default=DEFAULT_AGAINST,
        metavar="LIST",
        help=f"systems to compare kconnect with, comma-separated: {', '.join(SYSTEMS)} "
        f"(default {DEFAULT_AGAINST})",
    )
    parser.add_argument(
        "--bootstrap-servers", help="an existing broker (default: start a local one for the run)"
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds each run of a system may take (default 600)"
    )
    parser.add_argument("--workdir", help="keep inputs, configs, outputs and logs here (default: a temp dir)")
    parser.add_argument("--json", metavar="OUT", help="write the JSON report here ('-' for standard output)")


def parse_systems(against: str) -> list[str]:
    """``kconnect`` first, then the ``--against`` systems in order, without repeats.

    Raises:
        SettingsError: A name is not a known system.
    """
    systems = [_ALWAYS]
    for name in (part.strip() for part in against.split(",")):
        if not name:
            continue
        if name not in SYSTEMS:
            raise SettingsError(f"unknown system {name!r} in --against; choose from {', '.join(SYSTEMS)}")
        if name not in systems:
            systems.append(name)
    return systems


def _settings(args: argparse.Namespace) -> Settings:
    flags = {
        "records": args.records,
        "record_size": args.record_size,
        "tasks": args.tasks,
        "rate": args.rate,
        "partitions": args.partitions,
        "converter": args.converter,
        "mode": args.mode,
        "repeat": args.repeat,
    }
    settings = Settings(**{name: value for name, value in flags.items() if value is not None})
    return apply_assignments(settings, [parse_assignment(text) for text in args.set])


def run(args: argparse.Namespace) -> int:
    """Execute a parsed ``bench run`` or ``bench sweep``; return the exit status."""
    from engine.bench.harness import run_scenario, run_sweep  # noqa: PLC0415 - keeps `kconnect --help` fast
    from engine.bench.report import ProgressBar, render_table  # noqa: PLC0415

    try:
        settings = _settings(args)
        systems = parse_systems(args.against)
        knob = parse_knob(args.knob) if args.bench_action == "sweep" else None
        if knob is not None:
            for value in knob.values:
                apply_knob(settings, knob.name, value)  # all checked before minutes of measuring
    except SettingsError as exc:
        print(f"kconnect: error: {exc}", file=sys.stderr)
        return 2
    workdir = Path(args.workdir) if args.workdir else None
    progress = ProgressBar()
    common: dict[str, Any] = {
        "bootstrap": args.bootstrap_servers,
        "progress": progress,
        "timeout_s": args.timeout,
        "workdir": workdir,
    }
    to_stdout = args.json == "-"
    try:
        if knob is None:
            report = run_scenario(args.scenario, settings, systems, **common)
            document, results = report.as_json(), report.results
            if not to_stdout:
                print(render_table(results))
            _write_json(args.json, document)
            return _status(results)
        from engine.bench import plot  # noqa: PLC0415 - matplotlib is optional

        if not args.no_plot:
            plot.require_matplotlib()  # before minutes of measurements, not after
        sweep = run_sweep(args.scenario, settings, knob, systems, **common)
        results = [result for point in sweep.points for result in point.results]
        if not to_stdout:
            for value, point in zip(knob.values, sweep.points, strict=True):
                print(f"\n{knob.name} = {value}\n{render_table(point.results)}")
        _write_json(args.json, sweep.as_json())
        if not args.no_plot:
            path = Path(args.plot or f"bench-{args.scenario}-{knob.name}.png")
            print(f"Plot: {plot.plot_sweep(sweep, path)}", file=sys.stderr)
        return _status(results)
    except SettingsError as exc:
        print(f"kconnect: error: {exc}", file=sys.stderr)
        return 2
    except BenchError as exc:
        print(f"kconnect: error: {exc}", file=sys.stderr)
        return 1


def _write_json(target: str | None, document: dict[str, object]) -> None:
    if target == "-":
        print(json.dumps(document, indent=2))
    elif target:
        Path(target).write_text(json.dumps(document, indent=2) + "\n")


def _status(results: Sequence[SystemResult]) -> int:
    """1 when any run of any system failed, even if its other rounds give it figures; else 0."""
    return 1 if any(result.failed_runs for result in results) else 0
