"""UUIDv7 ids (RFC 9562): layout, order within and across milliseconds, a clock stepping back."""

from __future__ import annotations

import re
import threading
import uuid

import pytest

from core.domain.ids import Uuid7, from_parts, timestamp_ms, uuid7

CANONICAL = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_an_id_is_a_canonical_version_7_uuid_with_the_rfc_variant_and_the_time():
    at = 1_764_806_400_123  # 2025-12-04T00:00:00.123Z
    made = Uuid7(clock_ms=lambda: at)()
    assert CANONICAL.fullmatch(made)
    parsed = uuid.UUID(made)
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert timestamp_ms(made) == at
    # The RFC's test vector (Appendix A.6): 2022-02-22T19:22:22Z, fixed random bits.
    vector = from_parts(0x017F22E279B0, (0xCC3 << 62) | 0x18C4DC0C0C07398F)
    assert str(vector) == "017f22e2-79b0-7cc3-98c4-dc0c0c07398f"


def test_ids_increase_within_one_millisecond_even_when_the_random_start_is_at_its_top():
    tops = iter([(1 << 74) - 5])
    made = Uuid7(clock_ms=lambda: 1000, random_bits=lambda bits: next(tops, 0) if bits == 74 else 0)
    ids = [made() for _ in range(10)]
    assert ids == sorted(ids) and len(set(ids)) == 10
    # Past the top of the 74 bits the next millisecond is borrowed, still in order.
    assert timestamp_ms(ids[0]) == 1000 and timestamp_ms(ids[-1]) == 1001


def test_ids_keep_increasing_when_the_clock_steps_back():
    times = iter([5000, 5000, 4000, 3999, 5000, 6000])
    made = Uuid7(clock_ms=lambda: next(times))
    ids = [made() for _ in range(6)]
    assert ids == sorted(ids) and len(set(ids)) == 6
    assert [timestamp_ms(i) for i in ids[:5]] == [5000] * 5
    assert timestamp_ms(ids[5]) == 6000


def test_ids_follow_the_clock_across_milliseconds_and_are_not_guessable():
    times = iter(range(100, 200))
    made = Uuid7(clock_ms=lambda: next(times))
    ids = [made() for _ in range(100)]
    assert ids == sorted(ids)
    assert [timestamp_ms(i) for i in ids] == list(range(100, 200))
    # A fresh millisecond starts from fresh random bits: 74 of them, not a counter from 0.
    assert len({uuid.UUID(i).int & ((1 << 62) - 1) for i in ids}) == 100


def test_many_threads_sharing_the_generator_get_distinct_increasing_ids():
    made = Uuid7(clock_ms=lambda: 42)  # all in one millisecond: the hardest case
    out: list[list[str]] = [[] for _ in range(4)]

    def run(k: int) -> None:
        out[k] = [made() for _ in range(2000)]

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for ids in out for i in ids]
    assert len(set(every)) == 8000
    assert all(ids == sorted(ids) for ids in out)


def test_the_shared_generator_reads_the_real_clock():
    import time

    before = time.time_ns() // 1_000_000
    made = uuid7()
    after = time.time_ns() // 1_000_000
    assert before <= timestamp_ms(made) <= after + 1


def test_a_clock_outside_48_bits_and_a_random_uuid_are_refused():
    with pytest.raises(ValueError):
        Uuid7(clock_ms=lambda: -1)()
    with pytest.raises(ValueError):
        Uuid7(clock_ms=lambda: 1 << 48)()
    with pytest.raises(ValueError, match="version 7"):
        timestamp_ms(str(uuid.uuid4()))
