"""Kafka client configurations of a task: framework defaults, then worker, then connector overrides.

Connect compat: `Worker.baseProducerConfigs`/`baseConsumerConfigs`/`adminConfigs`. The worker's
`bootstrap.servers` and the framework defaults come first, then the worker's `producer.*`,
`consumer.*` or `admin.*` keys (prefix stripped), then the connector's `producer.override.*`,
`consumer.override.*` or `admin.override.*` keys. Only the prefixed keys reach the clients: a
top-level `security.protocol` of the worker configures its internal clients, not the tasks', as in
Connect.

Our clients are librdkafka's, so Java client keys are translated: keys librdkafka spells the same
way pass through, a few are renamed (`max.request.size` → `message.max.bytes`), `sasl.jaas.config`
of the PLAIN and SCRAM login modules becomes `sasl.username`/`sasl.password`, and Java-only keys
(serializers, `max.block.ms`, interceptors, ...) are dropped with one DEBUG log naming the key —
never its value, which may be a secret.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Literal

from engine.errors import ConfigError

__all__ = [
    "CONSUMER_DEFAULTS",
    "SINK_CONSUMER_TUNING",
    "ClientKind",
    "admin_config",
    "consumer_config",
    "consumer_group_id",
    "dlq_producer_config",
    "max_poll_records",
    "producer_config",
    "to_librdkafka",
]

logger = logging.getLogger("engine.runtime")

ClientKind = Literal["producer", "consumer", "admin"]

BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers"
BOOTSTRAP_SERVERS_DEFAULT = "localhost:9092"
CLIENT_ID_CONFIG = "client.id"
GROUP_ID_CONFIG = "group.id"

_WORKER_PREFIX: dict[ClientKind, str] = {"producer": "producer.", "consumer": "consumer.", "admin": "admin."}
_OVERRIDE_PREFIX: dict[ClientKind, str] = {
    "producer": "producer.override.",
    "consumer": "consumer.override.",
    "admin": "admin.override.",
}

# Connect compat: `Worker.baseProducerConfigs`. Java's `max.block.ms`/`delivery.timeout.ms` of
# Long/Integer.MAX mean "never give up"; librdkafka caps `delivery.timeout.ms` at Integer.MAX.
# `murmur2_random` is the Java client's partitioner, so keyed records land in the partitions a
# Java worker would pick. A short linger lets librdkafka batch while one request is in flight.
PRODUCER_DEFAULTS: dict[str, str] = {
    "acks": "all",
    "max.in.flight.requests.per.connection": "1",
    "enable.idempotence": "false",
    "delivery.timeout.ms": str(2**31 - 1),
    "partitioner": "murmur2_random",
    "linger.ms": "5",
}
# librdkafka settings of kconnect's own for sink consumers (not Connect's: the Java consumer has
# neither), measured with `kconnect bench` (bench/README.md, "The raw ceiling of file-sink-smt").
SINK_CONSUMER_TUNING: dict[str, str] = {
    # Once the prefetch queue is full (queued.min.messages), librdkafka postpones the next fetch
    # by this, 1000 ms by default. A sink slower than its fetcher (nearly all are) drains the
    # queue well within that and then stalls for the rest: the FileStream sink ran at a third of
    # its speed. The Java consumer fetches again as soon as its buffer is drained.
    "fetch.queue.backoff.ms": "10",
    # The prefetch queue's size, 64 MiB by default: 16 MiB ran file-sink-smt as fast (0.65M
    # against 0.62M records/s) with 52 MB less resident memory in the task process.
    "queued.max.messages.kbytes": "16384",
}
# Connect compat: `Worker.baseConsumerConfigs` (byte-array deserializers are implicit here), then
# kconnect's own librdkafka tuning above.
CONSUMER_DEFAULTS: dict[str, str] = {
    "enable.auto.commit": "false",
    "auto.offset.reset": "earliest",
    **SINK_CONSUMER_TUNING,
}

# Every property librdkafka 2.16 accepts from a string, by client ("*" both, "C" consumer,
# "P" producer); callbacks and pointers, which are not strings, are left out. Generated from
# `rd_kafka_conf_properties_show`.
_LIBRDKAFKA_PROPERTIES = """
* builtin.features client.id metadata.broker.list bootstrap.servers message.max.bytes
  message.copy.max.bytes receive.message.max.bytes max.in.flight.requests.per.connection max.in.flight
  metadata.recovery.strategy metadata.recovery.rebootstrap.trigger.ms topic.metadata.refresh.interval.ms
  metadata.max.age.ms topic.metadata.refresh.fast.interval.ms topic.metadata.refresh.fast.cnt
  topic.metadata.refresh.sparse topic.metadata.propagation.max.ms topic.blacklist debug socket.timeout.ms
  socket.blocking.max.ms socket.send.buffer.bytes socket.receive.buffer.bytes socket.keepalive.enable
  socket.nagle.disable socket.max.fails broker.address.ttl broker.address.family
  socket.connection.setup.timeout.ms connections.max.idle.ms reconnect.backoff.jitter.ms
  reconnect.backoff.ms reconnect.backoff.max.ms statistics.interval.ms enabled_events log_level
  log.queue log.thread.name enable.random.seed log.connection.close internal.termination.signal
  api.version.request api.version.request.timeout.ms api.version.fallback.ms broker.version.fallback
  allow.auto.create.topics security.protocol ssl.cipher.suites ssl.curves.list ssl.sigalgs.list
  ssl.key.location ssl.key.password ssl.key.pem ssl.certificate.location ssl.certificate.pem
  ssl.ca.location https.ca.location https.ca.pem ssl.ca.pem ssl.ca.certificate.stores ssl.crl.location
  ssl.keystore.location ssl.keystore.password ssl.providers ssl.engine.location ssl.engine.id
  enable.ssl.certificate.verification ssl.endpoint.identification.algorithm sasl.mechanisms
  sasl.mechanism sasl.kerberos.service.name sasl.kerberos.principal sasl.kerberos.kinit.cmd
  sasl.kerberos.keytab sasl.kerberos.min.time.before.relogin sasl.username sasl.password
  sasl.oauthbearer.config enable.sasl.oauthbearer.unsecure.jwt sasl.oauthbearer.method
  sasl.oauthbearer.client.id sasl.oauthbearer.client.credentials.client.id
  sasl.oauthbearer.client.credentials.client.secret sasl.oauthbearer.client.secret
  sasl.oauthbearer.scope sasl.oauthbearer.extensions sasl.oauthbearer.token.endpoint.url
  sasl.oauthbearer.sub.claim.name sasl.oauthbearer.grant.type sasl.oauthbearer.assertion.algorithm
  sasl.oauthbearer.assertion.private.key.file sasl.oauthbearer.assertion.private.key.passphrase
  sasl.oauthbearer.assertion.private.key.pem sasl.oauthbearer.assertion.file
  sasl.oauthbearer.assertion.claim.aud sasl.oauthbearer.assertion.claim.exp.seconds
  sasl.oauthbearer.assertion.claim.iss sasl.oauthbearer.assertion.claim.jti.include
  sasl.oauthbearer.assertion.claim.nbf.seconds sasl.oauthbearer.assertion.claim.sub
  sasl.oauthbearer.assertion.jwt.template.file sasl.oauthbearer.metadata.authentication.type
  plugin.library.paths client.rack retry.backoff.ms retry.backoff.max.ms client.dns.lookup
  enable.metrics.push
C group.id group.instance.id partition.assignment.strategy session.timeout.ms heartbeat.interval.ms
  group.protocol.type group.protocol group.remote.assignor coordinator.query.interval.ms
  max.poll.interval.ms enable.auto.commit auto.commit.interval.ms enable.auto.offset.store
  queued.min.messages queued.max.messages.kbytes fetch.wait.max.ms fetch.queue.backoff.ms
  fetch.message.max.bytes max.partition.fetch.bytes fetch.max.bytes fetch.min.bytes
  fetch.error.backoff.ms isolation.level enable.partition.eof check.crcs auto.offset.reset
P transactional.id transaction.timeout.ms enable.idempotence enable.gapless.guarantee
  queue.buffering.max.messages queue.buffering.max.kbytes queue.buffering.max.ms linger.ms
  message.send.max.retries retries queue.buffering.backpressure.threshold compression.codec
  compression.type batch.num.messages batch.size delivery.report.only.error
  sticky.partitioning.linger.ms request.required.acks acks request.timeout.ms message.timeout.ms
  delivery.timeout.ms partitioner compression.level
"""


def _properties() -> dict[str, frozenset[str]]:
    sections: dict[str, set[str]] = {}
    current: set[str] = set()
    for word in _LIBRDKAFKA_PROPERTIES.split():
        if word in ("*", "C", "P"):
            current = sections.setdefault(word, set())
        else:
            current.add(word)
    common = sections["*"]
    return {
        "producer": frozenset(common | sections["P"]),
        "consumer": frozenset(common | sections["C"]),
        "admin": frozenset(common),
    }


_ACCEPTED = _properties()

# Java client keys whose librdkafka twin has another name.
_RENAMED = {
    "max.request.size": "message.max.bytes",
    "send.buffer.bytes": "socket.send.buffer.bytes",
    "receive.buffer.bytes": "socket.receive.buffer.bytes",
    "fetch.max.wait.ms": "fetch.wait.max.ms",
}
# Java's assignor classes that librdkafka implements, by its name for them.
_ASSIGNORS = {
    "org.apache.kafka.clients.consumer.RangeAssignor": "range",
    "org.apache.kafka.clients.consumer.RoundRobinAssignor": "roundrobin",
    "org.apache.kafka.clients.consumer.CooperativeStickyAssignor": "cooperative-sticky",
    "range": "range",
    "roundrobin": "roundrobin",
    "cooperative-sticky": "cooperative-sticky",
}
_JAAS_OPTION = re.compile(r'(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"')
_JAAS_PASSWORD_MODULES = ("PlainLoginModule", "ScramLoginModule")


def consumer_group_id(connector: str) -> str:
    """Connect compat: `SinkUtils.consumerGroupId`."""
    return f"connect-{connector}"


def _dropped(kind: ClientKind, key: str, why: str) -> None:
    logger.debug("Ignoring the %s setting `%s`: %s.", kind, key, why)


def _translate_one(kind: ClientKind, key: str, value: str, out: dict[str, str]) -> None:
    key = _RENAMED.get(key, key)
    if key == "sasl.jaas.config":
        module = value.split(None, 1)[0] if value.strip() else ""
        if not module.endswith(_JAAS_PASSWORD_MODULES):
            _dropped(kind, key, "only the PLAIN and SCRAM login modules have a librdkafka equivalent")
            return
        options = {name: re.sub(r"\\(.)", r"\1", text) for name, text in _JAAS_OPTION.findall(value)}
        for option, target in (("username", "sasl.username"), ("password", "sasl.password")):
            if option in options:
                out.setdefault(target, options[option])
        return
    if key == "partition.assignment.strategy":
        names = [_ASSIGNORS.get(item.strip()) for item in value.split(",") if item.strip()]
        known = [name for name in names if name is not None]
        if len(known) != len(names):
            _dropped(
                kind,
                key,
                "librdkafka implements only the range, round-robin and cooperative-sticky assignors",
            )
        if known:
            out[key] = ",".join(dict.fromkeys(known))
        return
    if key == "auto.offset.reset" and value.strip() == "none":
        value = "error"  # Java's "none" fails the consumer; librdkafka calls it "error"
    if key == "ssl.endpoint.identification.algorithm" and not value.strip():
        value = "none"  # Java's empty value disables host name verification
    if key not in _ACCEPTED[kind]:
        _dropped(kind, key, "librdkafka has no such property")
        return
    out[key] = value


def to_librdkafka(props: Mapping[str, str], kind: ClientKind) -> dict[str, str]:
    """Java client settings as librdkafka settings for this kind of client.

    Unknown and Java-only keys are dropped with a DEBUG log; values are passed as given, so an
    invalid value fails when the client is created, with librdkafka's message.
    """
    out: dict[str, str] = {}
    # The JAAS-derived credentials must not win over explicit sasl.username/sasl.password.
    for key in sorted(props, key=lambda k: k == "sasl.jaas.config"):
        _translate_one(kind, key, props[key], out)
    return out


def _layered(
    kind: ClientKind,
    worker: Mapping[str, str],
    connector: Mapping[str, str],
    defaults: Mapping[str, str],
) -> dict[str, str]:
    merged = {BOOTSTRAP_SERVERS_CONFIG: worker.get(BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP_SERVERS_DEFAULT)}
    merged.update(defaults)
    worker_prefix = _WORKER_PREFIX[kind]
    override_prefix = _OVERRIDE_PREFIX[kind]
    # A worker key such as `producer.override.x` is not a producer setting; Connect would pass it
    # on and the client would ignore it.
    merged.update(
        {
            k[len(worker_prefix) :]: v
            for k, v in worker.items()
            if k.startswith(worker_prefix) and not k.startswith(override_prefix)
        }
    )
    merged.update(
        {k[len(override_prefix) :]: v for k, v in connector.items() if k.startswith(override_prefix)}
    )
    return to_librdkafka(merged, kind)


def producer_config(
    worker: Mapping[str, str], connector: Mapping[str, str], *, connector_name: str, task: int
) -> dict[str, str]:
    """The producer of a source task (client id `connector-producer-{connector}-{task}`)."""
    defaults = {**PRODUCER_DEFAULTS, CLIENT_ID_CONFIG: f"connector-producer-{connector_name}-{task}"}
    return _layered("producer", worker, connector, defaults)


def dlq_producer_config(
    worker: Mapping[str, str], connector: Mapping[str, str], *, connector_name: str, task: int
) -> dict[str, str]:
    """The dead letter queue producer of a sink task (Connect compat: `Worker.sinkTaskReporters`)."""
    defaults = {**PRODUCER_DEFAULTS, CLIENT_ID_CONFIG: f"connector-dlq-producer-{connector_name}-{task}"}
    return _layered("producer", worker, connector, defaults)


def consumer_config(
    worker: Mapping[str, str], connector: Mapping[str, str], *, connector_name: str, task: int
) -> dict[str, str]:
    """The consumer of a sink task: group `connect-{connector}` unless `consumer.override.group.id`."""
    defaults = {
        **CONSUMER_DEFAULTS,
        GROUP_ID_CONFIG: consumer_group_id(connector_name),
        CLIENT_ID_CONFIG: f"connector-consumer-{connector_name}-{task}",
    }
    return _layered("consumer", worker, connector, defaults)


MAX_POLL_RECORDS_CONFIG = "max.poll.records"
MAX_POLL_RECORDS_DEFAULT = 500
_JAVA_INT = re.compile(r"[+-]?[0-9]+")


def max_poll_records(worker: Mapping[str, str], connector: Mapping[str, str]) -> int:
    """How many records a sink task consumes at a time: the Java consumer's `max.poll.records`,
    which librdkafka has no equivalent of, so the task applies it to `consume()` itself. The
    connector's `consumer.override.` setting wins over the worker's `consumer.` one; Connect's
    default is 500.

    Raises:
        ConfigError: not an integer of at least 1, in Kafka's words.
    """
    text = connector.get(
        _OVERRIDE_PREFIX["consumer"] + MAX_POLL_RECORDS_CONFIG,
        worker.get(_WORKER_PREFIX["consumer"] + MAX_POLL_RECORDS_CONFIG),
    )
    if text is None:
        return MAX_POLL_RECORDS_DEFAULT
    # Java's `Integer.parseInt`: ASCII digits with an optional sign, within 32 bits (Python's
    # `int` would also take `1_000`, other scripts' digits and any size).
    digits = text.strip()
    if not _JAVA_INT.fullmatch(digits) or not -(2**31) <= int(digits) < 2**31:
        raise ConfigError(
            f"Invalid value {text} for configuration {MAX_POLL_RECORDS_CONFIG}: Not a number of type INT"
        )
    value = int(digits)
    if value < 1:
        raise ConfigError(
            f"Invalid value {value} for configuration {MAX_POLL_RECORDS_CONFIG}: Value must be at least 1"
        )
    return value


def admin_config(
    worker: Mapping[str, str], connector: Mapping[str, str], *, client_id: str
) -> dict[str, str]:
    """An admin client acting for a connector (e.g. creating its dead letter queue topic)."""
    return _layered("admin", worker, connector, {CLIENT_ID_CONFIG: client_id})
