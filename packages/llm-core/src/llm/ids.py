"""Monotonic ULIDs: sortable unique IDs for responses, conversations and tool calls."""

from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_lock = threading.Lock()
_last_ms = -1
_last_random = 0


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def monotonic_ulid() -> str:
    """A lower-case ULID, strictly increasing within this process."""
    global _last_ms, _last_random
    with _lock:
        now = time.time_ns() // 1_000_000
        if now <= _last_ms:
            now = _last_ms
            _last_random += 1
            if _last_random >= 1 << 80:  # exhausted: move to the next millisecond
                now += 1
                _last_random = int.from_bytes(os.urandom(10), "big") >> 1
        else:
            _last_random = int.from_bytes(os.urandom(10), "big") >> 1
        _last_ms = now
        return _encode(now, 10) + _encode(_last_random, 16)


def ulid_from_parts(timestamp_ms: int, rest: int) -> str:
    """A ULID made of a millisecond timestamp and an 80-bit number, for IDs that
    must sort by time among real ULIDs (rows that were logged without one)."""
    return _encode(timestamp_ms, 10) + _encode(rest, 16)


def ulid_timestamp_ms(ulid: str) -> int:
    """The millisecond timestamp encoded in the first ten characters of a ULID."""
    value = 0
    for char in ulid[:10].lower():
        value = value * 32 + _ALPHABET.index(char)
    return value


def new_tool_call_id() -> str:
    """A synthesized tool call ID for providers that do not supply one."""
    return "tc_" + monotonic_ulid()
