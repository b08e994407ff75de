"""Packing embedding vectors as little-endian float32 blobs (the embeddings.db format)."""

from __future__ import annotations

import struct
from collections.abc import Sequence


def encode(values: Sequence[float]) -> bytes:
    """Pack floats into the binary format stored in the ``embeddings.embedding`` column."""
    return struct.pack("<" + "f" * len(values), *values)


def decode(binary: bytes) -> tuple[float, ...]:
    """Unpack a stored embedding blob back into floats."""
    return struct.unpack("<" + "f" * (len(binary) // 4), binary)
