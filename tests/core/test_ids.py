"""IDs: monotonic ULIDs for responses and ULIDs rebuilt from stored timestamps."""

from __future__ import annotations


def test_ulid_from_parts_sorts_by_time_among_real_ulids():
    from llm.ids import monotonic_ulid, ulid_from_parts, ulid_timestamp_ms

    real = monotonic_ulid()
    ms = ulid_timestamp_ms(real)
    before, after = ulid_from_parts(ms - 1, 5), ulid_from_parts(ms + 1, 0)
    assert len(before) == len(real) == 26
    assert before < real < after
    assert ulid_timestamp_ms(before) == ms - 1
    assert ulid_from_parts(ms - 1, 4) < before
