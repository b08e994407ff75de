"""Storing embeddings in bulk, in any store: dedupe by content hash, embed what is new, write atomically.

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
import struct
import time
from functools import lru_cache
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .migrations import content_hash
from .store import ItemUpdate, StoredItem

if TYPE_CHECKING:
    from llm.embedding_model import EmbeddingModel

    from .store import VectorStore

FLUSH_SECONDS = 1.0
FLUSH_ROWS = 10_000

Item = tuple[Any, Any, "dict[str, Any] | None"]


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


def _same_json(a: str | None, b: str | None) -> bool:
    """Do two JSON texts hold the same value? (Stores may respace or reorder keys.)"""
    if a == b:
        return True
    if a is None or b is None:
        return False
    return bool(json.loads(a) == json.loads(b))


class EmbeddingWriter:
    """Embeds and stores batches of ``(id, value, metadata)`` items for one collection.

    Use as a context manager; everything added is committed when it exits.
    Unchanged content (same ID, same hash) is never embedded again: its item
    is kept, new metadata replaces the old and ``store`` adds missing content.
    Content already embedded under another ID reuses that vector.

    The store creates the collection (bound to ``model_id``) in the same
    transaction as its first rows, so a collection never exists without
    embeddings because of a failed first write; ``written`` tells whether
    anything was committed.
    """

    def __init__(
        self,
        vector_store: VectorStore,
        collection: str,
        model: EmbeddingModel,
        store: bool,
        model_id: str | None = None,
    ) -> None:
        self.vector_store = vector_store
        self.collection = collection
        self.model = model
        self.model_id = model_id or model.model_id
        self.store = store
        self.written = False
        self._items: list[StoredItem] = []
        self._updates: list[ItemUpdate] = []
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
        try:
            self.flush()
        finally:
            if self.written:
                self.vector_store.finish(self.collection)

    def add_batch(self, batch: list[Item]) -> None:
        """Embed what is new in ``batch`` and queue its items for writing."""
        items: dict[str, tuple[str | bytes, bytes, str | None]] = {}
        for item in batch:
            key, value, metadata_json = _normalise(item)
            items.pop(key, None)  # the last occurrence of an ID wins
            items[key] = (value, content_hash(value), metadata_json)
        if self._pending_ids.intersection(items):
            self.flush()  # so the lookups below see those items
        changed, updates = self._changes(items)
        try:
            vectors = self._vectors({items[key][1]: items[key][0] for key in changed})
        except Exception as ex:
            from llm.errors import ModelError
            from llm.retries import is_transient

            if not (isinstance(ex, ModelError) or is_transient(ex)):
                raise  # bad input or a broken plugin, not a failed call
            first = next(iter(items), None)
            raise ModelError(
                f"Embedding the batch starting at ID {first!r} failed: {ex}. "
                "Everything before it is stored; run the same command again to "
                "carry on from there"
            ) from ex
        now = int(time.time())
        for key in changed:
            value, digest, metadata_json = items[key]
            stored = self.store
            self._items.append(
                StoredItem(
                    id=key,
                    embedding=vectors[digest],
                    content_hash=digest,
                    content=value if stored and isinstance(value, str) else None,
                    content_blob=value if stored and isinstance(value, bytes) else None,
                    metadata=metadata_json,
                    updated=now,
                )
            )
            self._pending_vectors[digest] = vectors[digest]
        self._updates.extend(updates)
        self._pending_ids.update(items)
        if (
            len(self._items) >= FLUSH_ROWS
            or time.monotonic() - self._last_flush >= FLUSH_SECONDS
        ):
            self.flush()

    def _changes(
        self, items: dict[str, tuple[str | bytes, bytes, str | None]]
    ) -> tuple[list[str], list[ItemUpdate]]:
        """IDs whose content changed (or is new), and updates for the unchanged ones."""
        existing = self.vector_store.states(self.collection, list(items))
        changed: list[str] = []
        updates = []
        for key, (value, digest, metadata_json) in items.items():
            previous = existing.get(key)
            if previous is None or previous.content_hash != digest:
                changed.append(key)
                continue
            new_metadata = (
                metadata_json if metadata_json is not None else previous.metadata
            )
            wants_content = self.store and not previous.has_content
            if not _same_json(new_metadata, previous.metadata) or wants_content:
                updates.append(
                    ItemUpdate(
                        id=key,
                        metadata=new_metadata,
                        content=value
                        if wants_content and isinstance(value, str)
                        else None,
                        content_blob=value
                        if wants_content and isinstance(value, bytes)
                        else None,
                    )
                )
        return changed, updates

    def _vectors(self, values: dict[bytes, str | bytes]) -> dict[bytes, bytes]:
        """A vector blob for each content hash: reused when already known, else embedded."""
        vectors = {
            d: self._pending_vectors[d] for d in values if d in self._pending_vectors
        }
        remaining = sorted(values.keys() - vectors.keys())
        if remaining:
            vectors.update(
                self.vector_store.vectors_for_hashes(self.collection, remaining)
            )
        missing = {d: values[d] for d in remaining if d not in vectors}
        if missing:
            vectors.update(zip(missing, self._embed(list(missing.values()))))
        return vectors

    def _embed(self, values: list[str | bytes]) -> list[bytes]:
        """One call to the model for a batch of new content; its vectors as blobs."""
        computed = list(self.model.embed_multi(values, batch_size=len(values)))
        if len(computed) != len(values):
            raise ValueError(
                f"Embedding model {self.model.model_id} returned {len(computed)} "
                f"vectors for {len(values)} items"
            )
        return encode_vectors(computed)

    def flush(self) -> None:
        """Write every queued item in one transaction."""
        self._last_flush = time.monotonic()
        if not self._items and not self._updates:
            return
        items, updates = self._items, self._updates
        self._items, self._updates = [], []
        self._pending_ids = set()
        self._pending_vectors = {}
        self.vector_store.upsert(self.collection, self.model_id, items, updates)
        self.written = True
