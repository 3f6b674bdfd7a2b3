"""Client configurations of a task: defaults, worker and connector layers, Java → librdkafka keys."""

import logging

import pytest
from confluent_kafka import Consumer, Producer

from engine.errors import ConfigError
from engine.runtime.clients import (
    admin_config,
    consumer_config,
    dlq_producer_config,
    max_poll_records,
    producer_config,
    to_librdkafka,
)


def test_producer_gets_framework_defaults_and_client_id() -> None:
    config = producer_config({"bootstrap.servers": "b:1"}, {}, connector_name="c", task=2)
    assert config["bootstrap.servers"] == "b:1"
    assert config["client.id"] == "connector-producer-c-2"
    assert config["acks"] == "all"
    assert config["max.in.flight.requests.per.connection"] == "1"
    assert config["enable.idempotence"] == "false"
    assert config["partitioner"] == "murmur2_random"


def test_worker_prefix_then_connector_override_win_in_that_order() -> None:
    worker = {"producer.linger.ms": "50", "producer.acks": "1", "acks": "0"}
    connector = {"producer.override.linger.ms": "7", "consumer.override.linger.ms": "9"}
    config = producer_config(worker, connector, connector_name="c", task=0)
    assert config["linger.ms"] == "7"
    assert config["acks"] == "1"  # the worker's top-level acks is not a producer setting


def test_bootstrap_defaults_like_connect() -> None:
    assert producer_config({}, {}, connector_name="c", task=0)["bootstrap.servers"] == "localhost:9092"


def test_consumer_group_and_defaults() -> None:
    config = consumer_config({"bootstrap.servers": "b:1"}, {}, connector_name="sink", task=1)
    assert config["group.id"] == "connect-sink"
    assert config["client.id"] == "connector-consumer-sink-1"
    assert config["enable.auto.commit"] == "false"
    assert config["auto.offset.reset"] == "earliest"
    override = consumer_config({}, {"consumer.override.group.id": "mine"}, connector_name="sink", task=1)
    assert override["group.id"] == "mine"


def test_sink_consumers_refetch_soon_after_their_prefetch_queue_drains() -> None:
    # librdkafka's default (1000 ms) stalls any sink slower than its fetcher.
    defaults = consumer_config({}, {}, connector_name="sink", task=0)
    assert defaults["fetch.queue.backoff.ms"] == "10"
    assert defaults["queued.max.messages.kbytes"] == "16384"
    worker = {"consumer.fetch.queue.backoff.ms": "200"}
    assert consumer_config(worker, {}, connector_name="sink", task=0)["fetch.queue.backoff.ms"] == "200"
    connector = {"consumer.override.fetch.queue.backoff.ms": "50"}
    assert consumer_config(worker, connector, connector_name="sink", task=0)["fetch.queue.backoff.ms"] == "50"


def test_dlq_and_admin_client_ids() -> None:
    assert (
        dlq_producer_config({}, {}, connector_name="c", task=3)["client.id"] == "connector-dlq-producer-c-3"
    )
    assert admin_config({}, {"admin.override.client.id": "x"}, client_id="a")["client.id"] == "x"


def test_java_only_keys_are_dropped_with_a_debug_log_without_value(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="engine.runtime")
    out = to_librdkafka(
        {
            "key.serializer": "org.apache.kafka.common.serialization.ByteArraySerializer",
            "max.block.ms": "9223372036854775807",
            "ssl.truststore.password": "s3cret",
            "linger.ms": "3",
        },
        "producer",
    )
    assert out == {"linger.ms": "3"}
    assert "`key.serializer`" in caplog.text
    assert "`ssl.truststore.password`" in caplog.text
    assert "s3cret" not in caplog.text


def test_renamed_and_translated_keys() -> None:
    out = to_librdkafka(
        {
            "max.request.size": "2000000",
            "send.buffer.bytes": "1024",
            "fetch.max.wait.ms": "100",
            "auto.offset.reset": "none",
            "ssl.endpoint.identification.algorithm": "",
            "partition.assignment.strategy": "org.apache.kafka.clients.consumer.RangeAssignor,"
            "org.apache.kafka.clients.consumer.StickyAssignor,"
            "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
        },
        "consumer",
    )
    assert out == {
        "message.max.bytes": "2000000",
        "socket.send.buffer.bytes": "1024",
        "fetch.wait.max.ms": "100",
        "auto.offset.reset": "error",
        "ssl.endpoint.identification.algorithm": "none",
        "partition.assignment.strategy": "range,cooperative-sticky",
    }


def test_client_specific_keys_stay_with_their_client() -> None:
    assert to_librdkafka({"group.id": "g", "acks": "all"}, "producer") == {"acks": "all"}
    assert to_librdkafka({"group.id": "g", "acks": "all"}, "consumer") == {"group.id": "g"}
    assert to_librdkafka({"group.id": "g", "acks": "all", "client.id": "x"}, "admin") == {"client.id": "x"}


def test_plain_jaas_config_becomes_sasl_credentials() -> None:
    jaas = (
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="p\\"w";'
    )
    out = to_librdkafka({"sasl.jaas.config": jaas, "sasl.mechanism": "PLAIN"}, "producer")
    assert out == {"sasl.mechanism": "PLAIN", "sasl.username": "alice", "sasl.password": 'p"w'}
    explicit = to_librdkafka({"sasl.jaas.config": jaas, "sasl.username": "bob"}, "producer")
    assert explicit["sasl.username"] == "bob"
    kerberos = "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;"
    assert to_librdkafka({"sasl.jaas.config": kerberos}, "producer") == {}


def test_librdkafka_accepts_every_framework_config() -> None:
    # Building the clients proves librdkafka knows every key and value we pass by default.
    worker = {"bootstrap.servers": "127.0.0.1:1", "consumer.fetch.max.wait.ms": "100"}
    Producer(dict(producer_config(worker, {}, connector_name="c", task=0)))
    Consumer(dict(consumer_config(worker, {}, connector_name="c", task=0))).close()


def test_max_poll_records_comes_from_the_connector_override_then_the_worker() -> None:
    assert max_poll_records({}, {}) == 500
    worker = {"consumer.max.poll.records": "2000"}
    assert max_poll_records(worker, {}) == 2000
    assert max_poll_records(worker, {"consumer.override.max.poll.records": " 10 "}) == 10
    assert max_poll_records({"consumer.max.poll.records": "+2147483647"}, {}) == 2**31 - 1
    # A Java-only key: never handed to librdkafka.
    assert "max.poll.records" not in consumer_config(worker, {}, connector_name="s", task=0)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("lots", "Invalid value lots for configuration max.poll.records: Not a number of type INT"),
        ("0", "Invalid value 0 for configuration max.poll.records: Value must be at least 1"),
        # What Python's int() takes and Java's Integer.parseInt does not.
        ("1_000", "Invalid value 1_000 for configuration max.poll.records: Not a number of type INT"),
        ("\u0665", "Invalid value \u0665 for configuration max.poll.records: Not a number of type INT"),
        (
            "2147483648",
            "Invalid value 2147483648 for configuration max.poll.records: Not a number of type INT",
        ),
    ],
)
def test_max_poll_records_refuses_what_kafka_refuses(value: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        max_poll_records({"consumer.max.poll.records": value}, {})
    assert str(raised.value) == message
