"""Deterministic sample records for the benchmarks: ~200-byte JSON payloads with and without schemas."""

from __future__ import annotations

import random

import orjson

__all__ = ["ORDER_SCHEMA", "envelope_records", "plain_records"]

ORDER_SCHEMA = {
    "type": "struct",
    "fields": [
        {"type": "int64", "optional": False, "field": "id"},
        {"type": "string", "optional": False, "field": "customer"},
        {"type": "string", "optional": True, "field": "email"},
        {"type": "double", "optional": False, "field": "amount"},
        {"type": "boolean", "optional": False, "field": "paid"},
        {"type": "string", "optional": True, "field": "note"},
        {
            "type": "int64",
            "optional": False,
            "name": "org.apache.kafka.connect.data.Timestamp",
            "version": 1,
            "field": "created",
        },
    ],
    "optional": False,
    "name": "shop.Order",
}


def _payload(rng: random.Random, i: int) -> dict[str, object]:
    return {
        "id": i,
        "customer": f"customer-{rng.randrange(10_000):05d}",
        "email": f"user{rng.randrange(100_000)}@example.com",
        "amount": round(rng.uniform(1, 5_000), 2),
        "paid": rng.random() < 0.5,
        "note": "gift wrap, leave at the door; call before delivery please",
        "created": 1_700_000_000_000 + i * 1_000,
    }


def plain_records(count: int, seed: int = 7) -> list[bytes]:
    """Schemaless JSON values (~200 bytes each)."""
    rng = random.Random(seed)
    return [orjson.dumps(_payload(rng, i)) for i in range(count)]


def envelope_records(count: int, seed: int = 7) -> list[bytes]:
    """JsonConverter `schemas.enable=true` envelopes around the same payloads."""
    rng = random.Random(seed)
    return [orjson.dumps({"schema": ORDER_SCHEMA, "payload": _payload(rng, i)}) for i in range(count)]
