"""Task-side source offsets: the reader over the snapshot, and the acked-prefix tracking."""

from engine.runtime.offsets import OffsetSnapshot, SubmittedRecords


def test_snapshot_reads_offsets_by_partition_equality() -> None:
    reader = OffsetSnapshot([({"filename": "a", "n": 1}, {"position": 5}), ({"filename": "b"}, None)])
    assert reader.offset({"n": 1, "filename": "a"}) == {"position": 5}
    assert reader.offset({"filename": "b"}) is None
    assert reader.offset({"filename": "c"}) is None
    reader.update([({"filename": "c"}, {"position": 1})])
    assert reader.offsets([{"filename": "a", "n": 1}, {"filename": "c"}]) == [
        ({"filename": "a", "n": 1}, {"position": 5}),
        ({"filename": "c"}, {"position": 1}),
    ]


def test_committable_offset_is_the_end_of_the_acked_prefix_per_partition() -> None:
    submitted = SubmittedRecords()
    a1 = submitted.submit({"p": "a"}, {"o": 1})
    b1 = submitted.submit({"p": "b"}, {"o": 1})
    a2 = submitted.submit({"p": "a"}, {"o": 2})
    a3 = submitted.submit({"p": "a"}, {"o": 3})
    assert submitted.in_flight == 4
    submitted.acked(a2)
    submitted.acked(a3)
    assert submitted.committable() == []  # a1 is not acked: nothing of "a" may be committed
    submitted.acked(b1)
    assert submitted.committable() == [({"p": "b"}, {"o": 1})]
    submitted.acked(a1)
    assert submitted.committable() == [({"p": "a"}, {"o": 3})]
    assert submitted.committable() == []
    assert submitted.in_flight == 0


def test_records_without_partition_count_in_flight_only() -> None:
    submitted = SubmittedRecords()
    record = submitted.submit(None, None)
    assert submitted.in_flight == 1
    submitted.acked(record)
    submitted.acked(record)
    assert submitted.in_flight == 0
    assert submitted.committable() == []


def test_a_batch_is_committable_once_all_its_records_are_acked() -> None:
    submitted = SubmittedRecords()
    a, b = {"p": "a"}, {"p": "b"}
    first = submitted.submit_batch([(a, {"o": 1}), (b, {"o": 1}), (a, {"o": 2})], pending=3)
    second = submitted.submit_batch([({"p": "a"}, {"o": 3}), (None, None)], pending=1)
    assert submitted.in_flight == 4
    submitted.acked_in(second)
    assert second.acked
    assert submitted.committable() == []  # the first batch still holds "a" back
    submitted.acked_in(first)
    submitted.acked_in(first)
    assert not first.acked
    assert submitted.committable() == []
    submitted.acked_in(first)
    assert submitted.committable() == [(a, {"o": 3}), (b, {"o": 1})]
    assert submitted.in_flight == 0
    assert submitted.committable() == []


def test_a_batch_with_nothing_to_send_is_done_at_once_and_orders_with_records() -> None:
    submitted = SubmittedRecords()
    record = submitted.submit({"p": "a"}, {"o": 1})
    dropped = submitted.submit_batch([({"p": "a"}, {"o": 2})], pending=0)
    assert dropped.acked
    assert submitted.committable() == []  # behind the unacked record
    submitted.acked(record)
    assert submitted.committable() == [({"p": "a"}, {"o": 2})]


def test_a_partition_map_reused_and_changed_by_the_task_is_keyed_by_its_content_each_time() -> None:
    submitted = SubmittedRecords()
    partition = {"file": "a"}
    a1 = submitted.submit(partition, {"pos": 1})
    partition["file"] = "b"  # the same map object, now another source partition
    b1 = submitted.submit(partition, {"pos": 7})
    a2 = submitted.submit({"file": "a"}, {"pos": 2})
    for record in (a1, b1, a2):
        submitted.acked(record)
    assert sorted(submitted.committable(), key=lambda p: p[0]["file"]) == [
        ({"file": "a"}, {"pos": 2}),
        ({"file": "b"}, {"pos": 7}),
    ]


def test_in_flight_above_follows_records_and_batches_acked_in_any_order() -> None:
    submitted = SubmittedRecords()
    record = submitted.submit({"p": "a"}, {"o": 0})
    first = submitted.submit_batch([({"p": "a"}, {"o": 1})], pending=3)
    second = submitted.submit_batch([({"p": "a"}, {"o": 2})], pending=2)
    assert submitted.in_flight_above(5)
    assert not submitted.in_flight_above(6)
    # The later batch acknowledged first: the count drops although the head batch is open.
    submitted.acked_in(second)
    submitted.acked_in(second)
    assert submitted.in_flight == 4
    assert not submitted.in_flight_above(4) and submitted.in_flight_above(3)
    submitted.acked_in(first)
    assert not submitted.in_flight_above(3) and submitted.in_flight_above(2)
    submitted.acked(record)
    submitted.acked_in(first)
    submitted.acked_in(first)
    assert not submitted.in_flight_above(0)
    assert submitted.in_flight == 0
    # Forgetting acknowledged batches does not touch what they commit.
    assert submitted.committable() == [({"p": "a"}, {"o": 2})]
