"""`kconnect demo` (and `make demo`): the main job as it stands today.

Pushes a batch of JSON records through a real Kafka broker and back, then through the native data
plane (Connect's RegexRouter, compiled once and applied to the whole batch in one call), and checks
that every record came back intact. Later issues grow this into the full file → Kafka → file demo.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import msgspec
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # NewTopic is re-exported without __all__
    AdminClient,
    NewTopic,
)

from engine.localkafka import LocalKafka, default_dir
from engine.transforms import RegexRouter

__all__ = ["run_demo"]

PRODUCE_CHUNK = 5_000
CONSUME_BATCH = 2_000
DEADLINE_S = 60.0


class Order(msgspec.Struct, frozen=True):
    id: int
    customer: str
    amount_cents: int


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


def _produce(bootstrap: str, topic: str, count: int) -> float:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "compression.type": "lz4"})
    encoder = msgspec.json.Encoder()
    failures: list[str] = []

    def on_delivery(err: object, _msg: object) -> None:
        if err is not None:
            failures.append(str(err))

    started = time.perf_counter()
    for first in range(0, count, PRODUCE_CHUNK):
        batch = [
            {"key": str(i).encode(), "value": encoder.encode(Order(i, f"customer-{i % 97}", 100 + i % 9_000))}
            for i in range(first, min(first + PRODUCE_CHUNK, count))
        ]
        queued = producer.produce_batch(topic, batch, on_delivery=on_delivery)
        if queued != len(batch):
            raise RuntimeError(f"The producer queued only {queued} of {len(batch)} records.")
        producer.poll(0)
    remaining = producer.flush(30)
    if remaining or failures:
        raise RuntimeError(f"{remaining} records undelivered; first delivery error: {failures[:1]}")
    return time.perf_counter() - started


def _consume_and_route(bootstrap: str, topic: str, count: int) -> tuple[float, list[Order], set[str]]:
    router = RegexRouter(regex="kconnect-demo-(.*)", replacement="routed-$1")
    decoder = msgspec.json.Decoder(Order)
    # assign() rather than subscribe(): the demo reads one partition and needs no group rebalance.
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"{topic}-reader", "enable.auto.commit": False}
    )
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    orders: list[Order] = []
    routed: set[str] = set()
    started = time.perf_counter()
    try:
        while len(orders) < count and time.perf_counter() - started < DEADLINE_S:
            messages = consumer.consume(num_messages=CONSUME_BATCH, timeout=1.0)
            topics: list[str] = []
            for message in messages:
                error, source_topic, value = message.error(), message.topic(), message.value()
                if error is not None:
                    raise KafkaException(error)
                if source_topic is None or value is None:
                    raise RuntimeError(f"The broker returned a record without topic or value: {message}.")
                topics.append(source_topic)
                orders.append(decoder.decode(value))
            # One native call routes the whole batch's topics.
            routed.update(router.route_batch(topics))
    finally:
        consumer.close()
    return time.perf_counter() - started, orders, routed


def _create_topic(bootstrap: str, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(30)


def _delete_topic(bootstrap: str, topic: str) -> None:
    # A short-lived client per call: nothing stays connected when the demo stops the broker.
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.delete_topics([topic])[topic].result(30)


def run_demo(bootstrap_servers: str | None, records: int, port: int) -> int:
    """Runs the demo and returns the exit status (0 when every record came back intact)."""
    with _bootstrap(bootstrap_servers, port) as bootstrap:
        topic = f"kconnect-demo-orders-{uuid.uuid4().hex[:8]}"
        _create_topic(bootstrap, topic)
        try:
            produce_s = _produce(bootstrap, topic, records)
            print(
                f"Produced {records} JSON records to `{topic}` in {produce_s:.2f} s "
                f"({records / produce_s:,.0f} records/s)."
            )
            consume_s, orders, routed = _consume_and_route(bootstrap, topic, records)
        finally:
            _delete_topic(bootstrap, topic)
        print(
            f"Consumed {len(orders)} records back in {consume_s:.2f} s; "
            f"RegexRouter `kconnect-demo-(.*)` → `routed-$1` routed them to {sorted(routed)}."
        )
        intact = [o.id for o in orders] == list(range(records))
        if not intact:
            print(f"FAILED: expected ids 0..{records - 1} in order, got {len(orders)} records.")
            return 1
        print(f"All {records} records came back intact and in order. Sample: {orders[-1]}")
        return 0
