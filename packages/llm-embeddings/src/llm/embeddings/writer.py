"""Storing embeddings in bulk: dedupe by content hash, embed what is new, write atomically.

Model batches are embedded one at a time, but completed batches are written
together, in one transaction per second or so of work, because each commit
rewrites the index pages it touched (content hashes land all over the index)
and committing after every 100 items made bulk loads I/O-bound. A batch is
only ever written whole: if the model or anything else fails, the batches
already embedded are committed first and the failing one is dropped entirely;
if a write fails, its transaction rolls back completely.
"""

from __future__ import annotations

import json
import sqlite3
import struct
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from types import TracebackType
from typing import TYPE_CHECKING, Any

from llm.sqlite import transaction

from .migrations import content_hash

if TYPE_CHECKING:
    from llm.embedding_model import EmbeddingModel

# Stay well under SQLite's limit on bound parameters (999 in older builds).
MAX_PARAMS = 500
FLUSH_SECONDS = 1.0
FLUSH_ROWS = 10_000

Item = tuple[Any, Any, "dict[str, Any] | None"]


def chunks(values: Sequence[Any], size: int = MAX_PARAMS) -> list[Sequence[Any]]:
    """``values`` cut into pieces small enough to bind as SQL parameters."""
    return [values[start : start + size] for start in range(0, len(values), size)]


def placeholders(count: int) -> str:
    return ", ".join("?" * count)


@lru_cache(maxsize=8)
def _packer(length: int) -> struct.Struct:
    return struct.Struct(f"<{length}f")


def encode_vectors(vectors: list[Any]) -> list[bytes]:
    """Pack vectors as little-endian float32 blobs, the ``llm.encode`` format."""
    blobs = []
    for vector in vectors:
        values = vector if isinstance(vector, list) else list(vector)
        try:
            blobs.append(_packer(len(values)).pack(*values))
        except struct.error as ex:
            raise ValueError(
                f"The embedding model returned an invalid vector: {ex}"
            ) from ex
    return blobs


def _normalise(item: Item) -> tuple[str, str | bytes, str | None]:
    item_id, value, metadata = item
    if value is None:
        raise ValueError(f"No content to embed for item '{item_id}'")
    if isinstance(value, (bytearray, memoryview)):
        value = bytes(value)
    if not isinstance(value, (str, bytes)):
        raise TypeError(
            f"Content for item '{item_id}' must be str or bytes, not {type(value).__name__}"
        )
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"Metadata for item '{item_id}' must be a dict")
    metadata_json = json.dumps(metadata) if metadata is not None else None
    return str(item_id), value, metadata_json


class EmbeddingWriter:
    """Embeds and stores batches of ``(id, value, metadata)`` items for one collection.

    Use as a context manager; everything added is committed when it exits.
    Unchanged content (same ID, same hash) is never embedded again: its row is
    kept, new metadata replaces the old and ``store`` adds missing content.
    Content already embedded under another ID reuses that vector.

    ``collection_id`` is None for a collection not yet in the database: then
    ``create`` writes its row inside the transaction that stores the first
    rows and returns its ID, so a collection never exists without embeddings
    because of a failed first write.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        collection_id: int | None,
        model: EmbeddingModel,
        store: bool,
        create: Callable[[], int] | None = None,
    ) -> None:
        if collection_id is None and create is None:
            raise ValueError("A writer for a new collection needs a create callback")
        self.conn = conn
        self.collection_id = collection_id
        self._create = create
        self.model = model
        self.store = store
        self._rows: list[tuple[Any, ...]] = []
        self._updates: list[tuple[Any, ...]] = []
        self._pending_ids: set[str] = set()
        self._pending_vectors: dict[bytes, bytes] = {}
        self._last_flush = time.monotonic()

    def __enter__(self) -> EmbeddingWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # On failure too: batches already embedded are kept, the failed one never got here.
        self.flush()

    def add_batch(self, batch: list[Item]) -> None:
        """Embed what is new in ``batch`` and queue its rows for writing."""
        items: dict[str, tuple[str | bytes, bytes, str | None]] = {}
        for item in batch:
            key, value, metadata_json = _normalise(item)
            items.pop(key, None)  # the last occurrence of an ID wins
            items[key] = (value, content_hash(value), metadata_json)
        if self._pending_ids.intersection(items):
            self.flush()  # so the lookups below see those rows
        existing = self._existing(list(items))

        changed: list[str] = []
        updates = []
        for key, (value, digest, metadata_json) in items.items():
            previous = existing.get(key)
            if previous is None or previous[0] != digest:
                changed.append(key)
                continue
            _, old_metadata, has_content = previous
            new_metadata = metadata_json if metadata_json is not None else old_metadata
            wants_content = self.store and not has_content
            if new_metadata != old_metadata or wants_content:
                text = value if wants_content and isinstance(value, str) else None
                blob = value if wants_content and isinstance(value, bytes) else None
                updates.append((new_metadata, text, blob, key))

        vectors = self._known_vectors({items[key][1] for key in changed})
        missing: dict[bytes, str | bytes] = {}
        for key in changed:
            value, digest, _ = items[key]
            if digest not in vectors:
                missing.setdefault(digest, value)
        if missing:
            values = list(missing.values())
            computed = list(self.model.embed_multi(values, batch_size=len(values)))
            if len(computed) != len(values):
                raise ValueError(
                    f"Embedding model {self.model.model_id} returned {len(computed)} "
                    f"vectors for {len(values)} items"
                )
            vectors.update(zip(missing, encode_vectors(computed)))

        now = int(time.time())
        for key in changed:
            value, digest, metadata_json = items[key]
            stored = self.store
            self._rows.append(
                (
                    key,
                    vectors[digest],
                    value if stored and isinstance(value, str) else None,
                    value if stored and isinstance(value, bytes) else None,
                    digest,
                    metadata_json,
                    now,
                )
            )
            self._pending_vectors[digest] = vectors[digest]
        self._updates.extend(updates)
        self._pending_ids.update(items)
        if (
            len(self._rows) >= FLUSH_ROWS
            or time.monotonic() - self._last_flush >= FLUSH_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        """Write every queued row in one transaction."""
        self._last_flush = time.monotonic()
        if not self._rows and not self._updates:
            return
        rows, updates = self._rows, self._updates
        self._rows, self._updates = [], []
        self._pending_ids = set()
        self._pending_vectors = {}
        with transaction(self.conn, immediate=True):
            collection_id = self.collection_id
            if collection_id is None:
                assert self._create is not None
                collection_id = self._create()
            self.conn.executemany(
                "INSERT OR REPLACE INTO embeddings (collection_id, id, embedding, "
                "content, content_blob, content_hash, metadata, updated) "
                f"VALUES ({int(collection_id)}, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            self.conn.executemany(
                "UPDATE embeddings SET metadata = ?, "
                "content = coalesce(?, content), "
                "content_blob = coalesce(?, content_blob) "
                f"WHERE collection_id = {int(collection_id)} AND id = ?",
                updates,
            )
        # Only once committed: a rolled-back first write leaves the collection unborn.
        self.collection_id = collection_id

    def _existing(
        self, ids: list[str]
    ) -> dict[str, tuple[bytes | None, str | None, bool]]:
        """Hash, metadata and whether content is stored, for those IDs already stored."""
        found: dict[str, tuple[bytes | None, str | None, bool]] = {}
        if self.collection_id is None:
            return found
        for chunk in chunks(ids):
            rows = self.conn.execute(
                "SELECT id, content_hash, metadata, "
                "content IS NOT NULL OR content_blob IS NOT NULL FROM embeddings "
                f"WHERE collection_id = ? AND id IN ({placeholders(len(chunk))})",
                [self.collection_id, *chunk],
            )
            for item_id, digest, metadata, has_content in rows:
                found[item_id] = (digest, metadata, bool(has_content))
        return found

    def _known_vectors(self, digests: set[bytes]) -> dict[bytes, bytes]:
        """Vectors already computed for any of these content hashes (queued or stored)."""
        found = {
            d: self._pending_vectors[d] for d in digests if d in self._pending_vectors
        }
        remaining = sorted(digests - found.keys())
        if self.collection_id is None:
            return found
        for chunk in chunks(remaining):
            # The unary + keeps SQLite on the content_hash index: the
            # collection_id one would scan the whole collection per batch.
            rows = self.conn.execute(
                "SELECT content_hash, embedding FROM embeddings "
                f"WHERE content_hash IN ({placeholders(len(chunk))}) "
                "AND +collection_id = ?",
                [*chunk, self.collection_id],
            )
            for digest, embedding in rows:
                if embedding is not None:
                    found.setdefault(digest, embedding)
        return found
