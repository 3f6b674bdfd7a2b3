"""The `kconnect distributed` and `kconnect cluster up|down|status` commands.

`add_parser(subparsers)` registers both on the main parser's subcommands and sets `handler` to
`run`; `engine.cli` only calls it. Imports of the worker happen when a command runs, so that
`kconnect --help` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from engine.errors import ConnectError

__all__ = ["add_parser", "run"]


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def add_parser(subparsers: Any) -> None:
    """Registers `distributed` and `cluster` (with `up`, `down`, `status`) on `subparsers`."""
    text = (
        "run a distributed worker (like connect-distributed.sh) that joins the cluster of its group.id "
        "until SIGTERM/SIGINT"
    )
    distributed = subparsers.add_parser("distributed", help=text, description=text)
    distributed.add_argument(
        "worker", help="worker .properties (CONNECT_* environment variables override it)"
    )
    distributed.set_defaults(handler=run, cluster_action="distributed")

    cluster = subparsers.add_parser("cluster", help="run a local cluster of distributed workers")
    actions = cluster.add_subparsers(title="cluster commands", metavar="ACTION", required=True)
    up_text = "start N distributed workers on consecutive REST ports and print their URLs"
    up = actions.add_parser("up", help=up_text, description=up_text)
    up.add_argument("--workers", type=_positive, default=3, help="how many workers (default 3)")
    up.add_argument(
        "worker", help="worker .properties shared by every worker (listeners give the first port)"
    )
    down_text = "stop the workers of a local cluster (SIGTERM, SIGKILL after the timeout)"
    down = actions.add_parser("down", help=down_text, description=down_text)
    down.add_argument("worker", help="the worker .properties the cluster was started with")
    status_text = "show each worker of a local cluster: reachable, leader, and its connectors and tasks"
    status = actions.add_parser("status", help=status_text, description=status_text)
    status.add_argument("worker", help="the worker .properties the cluster was started with")
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    for parser, name in ((up, "up"), (down, "down"), (status, "status")):
        parser.add_argument("--dir", help="state directory (default ~/.cache/kconnect/clusters/<group.id>)")
        parser.set_defaults(handler=run, cluster_action=name)


def run(args: argparse.Namespace) -> int:
    """Executes a parsed `distributed` or `cluster …` command; returns the exit status."""
    try:
        if args.cluster_action == "distributed":
            from engine.distributed import run_distributed  # noqa: PLC0415  # keeps --help fast

            return run_distributed(args.worker)
        from engine.cluster.local import LocalCluster  # noqa: PLC0415  # as above

        cluster, props = LocalCluster.for_props(args.worker, args.dir)
        if args.cluster_action == "up":
            state = cluster.up(props, args.workers)
            for worker in state.workers:
                print(worker.url)
            print(f"Logs and state: {cluster.directory}", file=sys.stderr)
            return 0
        if args.cluster_action == "down":
            stopped = cluster.down()
            print(f"Stopped {len(stopped)} worker(s).", file=sys.stderr)
            return 0
        views = cluster.status()
        if args.json:
            print(json.dumps(views, indent=2))
        else:
            print(_render(views))
        return 0 if views and all("error" not in v for v in views) else 1
    except ConnectError as exc:
        print(f"kconnect: error: {exc}", file=sys.stderr)
        return 1


def _render(views: list[dict[str, Any]]) -> str:
    if not views:
        return "No local cluster is running."
    lines = []
    for view in views:
        if "error" in view:
            lines.append(f"worker {view['index']}  {view['url']}  {view['error']}")
            continue
        role = "leader" if view.get("leader") else "member"
        lines.append(
            f"worker {view['index']}  {view['url']}  {role}  generation {view.get('generation')}  "
            f"member {view.get('member_id')}"
        )
        for connector in view.get("connectors", []):
            lines.append(f"  connector {connector}")
        for task in view.get("tasks", []):
            lines.append(f"  task {task}")
    return "\n".join(lines)
