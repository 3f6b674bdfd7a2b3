"""`kconnect distributed`: one worker of a Connect cluster (Connect's `ConnectDistributed`).

Start-up order matters: the task-process launcher (a forkserver) starts first, before anything
creates a Kafka client in this process (forking a process that runs librdkafka threads is unsafe).
Then the Kafka cluster id is looked up, the internal topics are created or verified, the config,
offsets and status stores read their topics to the end, the REST listeners are bound (so the
advertised URL is known), and the worker joins the group. The worker runs until SIGTERM or SIGINT:
the first stops every instance within `task.shutdown.graceful.timeout.ms`, writes their statuses
and offsets and leaves the group (so the others take the work over at once); a second one kills
the processes and exits.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, quote, unquote

from engine.errors import ConnectError
from engine.herder.entities import ConnectorTaskId
from engine.herder.restart import RestartPolicy
from engine.rest.responses import empty_response, error_response, json_response
from engine.supervisor import run_until_stopped, run_worker

__all__ = ["run_distributed"]

logger = logging.getLogger("engine.distributed")

STORE_START_TIMEOUT_S = 60.0
TASK_CONFIGS_TIMEOUT_S = 30.0
CLUSTER_VIEW_PATH = "/kconnect/cluster"


def _send_task_configs(url: str, name: str, configs: list[dict[str, str]]) -> None:
    """A follower's `POST {leader}/connectors/{name}/tasks?forward=true`.

    Raises:
        ConnectError: the leader answered with an error status.
    """
    target = f"{url.rstrip('/')}/connectors/{quote(name, safe='')}/tasks?forward=true"
    request = urllib.request.Request(
        target, data=json.dumps(configs).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TASK_CONFIGS_TIMEOUT_S):
            return
    except urllib.error.HTTPError as error:
        with error:
            raise ConnectError(f"The leader refused the task configs of {name}: {error.read()!r}") from error


class _InternalRoutes:
    """The worker-to-worker and kconnect-only routes in front of the REST application.

    `POST /connectors/{name}/tasks` (Connect's internal endpoint: a follower hands the leader the
    task configs it generated) and `GET /kconnect/cluster` (what `kconnect cluster status` shows).
    """

    def __init__(
        self, app: Any, herder: Any, set_cluster_level: Callable[[str, str], Awaitable[None]] | None
    ) -> None:
        self.app = app
        self.herder = herder
        self.set_cluster_level = set_cluster_level

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path: str = scope.get("path", "")
        parts = path.strip("/").split("/")
        if scope["type"] == "http" and scope["method"] == "GET" and path.rstrip("/") == CLUSTER_VIEW_PATH:
            await json_response(self.herder.cluster_view())(scope, receive, send)
            return
        if (
            self.set_cluster_level is not None
            and scope["type"] == "http"
            and scope["method"] == "PUT"
            and len(parts) == 3
            and parts[:2] == ["admin", "loggers"]
            and _scope_of(scope).lower() == "cluster"
        ):
            body = await _read_body(receive)
            level = _level_of(body)
            if level is None:
                # Not a valid request: the application answers it with Connect's error.
                await self.app(scope, _replay(body), send)
                return
            # Connect compat: written to the config topic; every worker (this one too) applies it
            # when it reads the record back.
            await self.set_cluster_level(unquote(parts[2]), level)
            await empty_response(204)(scope, receive, send)
            return
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and len(parts) == 3
            and parts[::2] == ["connectors", "tasks"]
        ):
            body = await _read_body(receive)
            try:
                configs = json.loads(body)
                if not isinstance(configs, list) or not all(isinstance(c, dict) for c in configs):
                    raise ValueError("a JSON array of task config maps is expected")
                await self.herder.put_task_configs(unquote(parts[1]), configs)
            except ValueError as exc:
                await error_response(400, f"Cannot deserialize the task configs: {exc}")(scope, receive, send)
                return
            except ConnectError as exc:
                await error_response(exc.error_code, str(exc))(scope, receive, send)
                return
            await empty_response(204)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        chunk: bytes = message.get("body", b"")
        body += chunk
        if not message.get("more_body", False):
            return body


def _replay(body: bytes) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _scope_of(scope: Any) -> str:
    """The first `scope` query parameter (Connect's `@QueryParam`), `worker` if none."""
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("scope")
    return values[0] if values else "worker"


def _level_of(body: bytes) -> str | None:
    """The valid `level` of a `PUT /admin/loggers/{l}` body, None if the body is not valid."""
    from engine.logger_levels import LOG4J_LEVELS  # noqa: PLC0415  # loaded with the application

    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    level = parsed.get("level") if isinstance(parsed, dict) else None
    return level if isinstance(level, str) and level.upper() in LOG4J_LEVELS else None


class _Listener:
    """The herder's side of the config topic and of the group member."""

    def __init__(self, herder: Any, loggers: Any) -> None:
        self.herder = herder
        self.loggers = loggers

    # ConfigTopicListener (the config log thread)
    def on_connector_config_update(self, connector: str) -> None:
        self.herder.on_config_changed()

    def on_connector_config_remove(self, connector: str) -> None:
        self.herder.on_config_changed()

    def on_task_config_update(self, tasks: list[ConnectorTaskId]) -> None:
        self.herder.on_config_changed()

    def on_target_state_change(self, connector: str) -> None:
        self.herder.on_config_changed()

    def on_restart_request(self, request: Any) -> None:
        self.herder.on_restart_request(request.connector, request.only_failed, request.include_tasks)

    def on_session_key_update(self, key: Any) -> None:
        logger.debug("Read a new session key.")

    def on_logger_level(self, namespace: str, level: str) -> None:
        # KIP-976: cluster-wide levels apply to every worker that reads them.
        self.loggers.set_level(namespace, level)
        logger.info("Set the level of logger `%s` to %s for the cluster.", namespace, level)

    # GroupListener (the member's threads)
    def config_snapshot(self) -> Any:
        from engine.cluster.membership import ConfigSnapshot  # noqa: PLC0415  # loaded with the member

        offset, counts, released = self.herder.assignor_view()
        return ConfigSnapshot(offset, counts, released)

    def on_assigned(self, assignment: Any, generation: int) -> None:
        self.herder.on_assigned(assignment, generation)

    def on_revoked(
        self, leader: str, connectors: tuple[str, ...], tasks: tuple[ConnectorTaskId, ...]
    ) -> None:
        self.herder.on_revoked(leader, connectors, tasks)


async def _serve(worker_props_path: str) -> int:  # noqa: PLR0915  # one start-up sequence, in order
    # Imported here, in this order: the launcher's forkserver must exist before confluent-kafka.
    from engine.runtime.launcher import Launcher  # noqa: PLC0415
    from engine.worker.config import LISTENERS_CONFIG, WorkerConfig, load_worker_props  # noqa: PLC0415
    from engine.worker.distributed import DistributedConfig  # noqa: PLC0415

    worker = WorkerConfig.from_props(load_worker_props(worker_props_path, os.environ), standalone=False)
    cluster = DistributedConfig.of(worker)
    launcher = Launcher(worker.props)

    from confluent_kafka.admin import AdminClient  # noqa: PLC0415

    from engine.cluster.membership import WorkerGroupMember  # noqa: PLC0415
    from engine.cluster.protocol import Compatibility  # noqa: PLC0415
    from engine.herder.distributed import DistributedHerder, DistributedSettings  # noqa: PLC0415
    from engine.logger_levels import Loggers  # noqa: PLC0415
    from engine.plugins.registry import PluginRegistry  # noqa: PLC0415
    from engine.rest import create_app, serve  # noqa: PLC0415
    from engine.rest.forward import LeaderForwarding  # noqa: PLC0415
    from engine.standalone import RegistryPlugins, kafka_cluster_id  # noqa: PLC0415
    from engine.storage import topics  # noqa: PLC0415
    from engine.storage.config_topic import ConfigTopicStore  # noqa: PLC0415
    from engine.storage.kafka_log import KafkaBasedLog  # noqa: PLC0415
    from engine.storage.offset_topic import OffsetTopicStore  # noqa: PLC0415
    from engine.storage.status_topic import StatusTopicStore  # noqa: PLC0415

    bootstrap = ",".join(worker.bootstrap_servers)
    admin = AdminClient(dict(worker.admin_props()))
    cluster_id = await asyncio.to_thread(kafka_cluster_id, admin)
    await asyncio.to_thread(
        topics.ensure_topics,
        worker.admin_props(),
        [
            topics.config_topic(cluster.config_topic, cluster.config_replication_factor, worker.props),
            topics.offset_topic(
                cluster.offset_topic,
                cluster.offset_partitions,
                cluster.offset_replication_factor,
                worker.props,
            ),
            topics.status_topic(
                cluster.status_topic,
                cluster.status_partitions,
                cluster.status_replication_factor,
                worker.props,
            ),
        ],
    )

    def log(topic: str, **kwargs: Any) -> Callable[[Any], KafkaBasedLog]:
        return lambda on_record: KafkaBasedLog(bootstrap, topic, {}, on_record, **kwargs)

    config_store = ConfigTopicStore(log(cluster.config_topic))
    offset_store = OffsetTopicStore(log(cluster.offset_topic))
    status_store = StatusTopicStore(
        log(cluster.status_topic, producer_props={"retries": 0, "enable.idempotence": False})
    )
    stores: list[Any] = [config_store, offset_store, status_store]
    for store in stores:
        await asyncio.to_thread(store.start, STORE_START_TIMEOUT_S)

    registry = PluginRegistry.discover(worker.plugin_path)

    # The REST listeners are bound first: the advertised URL needs the bound port.
    holder: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await holder["app"](scope, receive, send)

    server = serve(app, worker.values[LISTENERS_CONFIG])
    port = server.ports[0]
    url = worker.advertised_url(port)

    async def send_task_configs(leader_url: str, name: str, configs: list[dict[str, str]]) -> None:
        await asyncio.to_thread(_send_task_configs, leader_url, name, configs)

    herder = DistributedHerder(
        settings=DistributedSettings(
            worker_id=worker.worker_id_for(port),
            url=url,
            task_shutdown_graceful_timeout_ms=worker.task_shutdown_graceful_timeout_ms,
            request_timeout_s=cluster.request_timeout_ms / 1000.0,
            rebalance_timeout_s=cluster.rebalance_timeout_ms / 1000.0,
            topic_tracking_enable=worker.topic_tracking_enable,
            topic_tracking_allow_reset=worker.topic_tracking_allow_reset,
            kafka_cluster_id=cluster_id,
        ),
        launcher=launcher,
        plugins=RegistryPlugins(registry, worker.connector_client_config_override_policy),
        providers=worker.providers,
        config=config_store,
        statuses=status_store,
        offsets=offset_store,
        admin=lambda: admin,
        restart_policy=_policy,
        send_task_configs=send_task_configs,
    )
    loggers = Loggers()
    loggers.subscribe(launcher.set_logger_level)
    listener = _Listener(herder, loggers)
    config_store.set_listener(listener)
    admin_enabled = worker.admin_listeners != []

    async def set_cluster_level(namespace: str, level: str) -> None:
        await asyncio.to_thread(config_store.put_logger_level, namespace, level)

    holder["app"] = LeaderForwarding(
        _InternalRoutes(
            create_app(herder, admin_enabled=admin_enabled, loggers=loggers),
            herder,
            set_cluster_level if admin_enabled else None,
        )
    )
    member = await asyncio.to_thread(
        lambda: WorkerGroupMember(
            bootstrap=bootstrap,
            group_id=cluster.group_id,
            url=url,
            listener=listener,
            compatibility=Compatibility.from_config(cluster.connect_protocol),
            session_timeout_ms=cluster.session_timeout_ms,
            heartbeat_interval_ms=cluster.heartbeat_interval_ms,
            rebalance_timeout_ms=cluster.rebalance_timeout_ms,
            max_delay_ms=cluster.scheduled_rebalance_max_delay_ms,
        )
    )
    herder.attach(member)

    async def stop_stores() -> None:
        for store in reversed(stores):
            await asyncio.to_thread(store.stop)

    return await run_until_stopped(
        "distributed", herder, server, launcher, worker.providers, stopped=stop_stores
    )


def _policy(config: Any) -> RestartPolicy:
    from engine.standalone import restart_policy  # noqa: PLC0415  # loads the connector config spec

    return restart_policy(config)


def run_distributed(worker_props_path: str) -> int:
    """Runs a distributed worker until a signal; returns the exit status.

    Raises:
        ConfigError: a bad worker file, or internal topics Connect would refuse.
        ConnectError: the worker could not start (Kafka unreachable, port taken).
    """
    return run_worker(lambda: _serve(worker_props_path))


if __name__ == "__main__":
    sys.exit(run_distributed(sys.argv[1]))
