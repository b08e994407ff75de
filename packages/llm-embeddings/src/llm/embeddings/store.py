"""The vector-store interface: where a database's collections and their vectors live.

``Collection`` and every embeddings command talk to a store only through this
interface, so the embedded SQLite store, the PostgreSQL store and stores added
by plugins (the ``register_vector_stores`` hook) are interchangeable. Vectors
cross it as ``llm.encode`` blobs (little-endian float32), metadata as JSON
text, so a store needs neither NumPy nor a particular JSON column type.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType

# The largest LIMIT SQLite and PostgreSQL take (a signed 64-bit integer); a
# bigger count asked for (``-n``, ``--batch-size``) means "all" and is capped.
MAX_LIMIT = 2**63 - 1


def sql_limit(number: int) -> int:
    """``number`` as a LIMIT the database accepts."""
    return min(number, MAX_LIMIT)


@dataclass(frozen=True)
class CollectionInfo:
    """A collection's name and embedding model; ``id`` is the store's own key, if any."""

    name: str
    model: str
    id: int | None = None


@dataclass(frozen=True)
class CollectionStats:
    """A collection with its size: ``count`` items taking ``size_bytes`` in the store."""

    name: str
    model: str
    count: int
    size_bytes: int


@dataclass(frozen=True)
class StoredItem:
    """One stored item, as written by ``upsert`` and read back by ``get``/``items``.

    ``embedding`` is an ``llm.encode`` blob, ``content_hash`` the MD5 digest of
    the content, ``metadata`` JSON text; ``content`` holds stored text and
    ``content_blob`` stored bytes (at most one is set); ``updated`` is a Unix time.
    """

    id: str
    embedding: bytes
    content_hash: bytes
    content: str | None = None
    content_blob: bytes | None = None
    metadata: str | None = None
    updated: int | None = None


@dataclass(frozen=True)
class ItemState:
    """What bulk embedding needs to know about an already stored item to skip it."""

    content_hash: bytes | None
    metadata: str | None
    has_content: bool


@dataclass(frozen=True)
class ItemUpdate:
    """A change to a stored item whose content is unchanged.

    ``metadata`` replaces the stored metadata; ``content``/``content_blob``
    fill in content only where none is stored.
    """

    id: str
    metadata: str | None
    content: str | None = None
    content_blob: bytes | None = None


@dataclass(frozen=True)
class Match:
    """A search result: cosine ``score`` (higher is closer) with the stored text and metadata."""

    id: str
    score: float
    content: str | None
    metadata: str | None


class VectorStore(ABC):
    """Collections of vectors in one database, addressed by collection name.

    Writes are atomic per call: ``upsert`` stores all of its items and updates
    or none of them. A store is a context manager that closes itself.
    """

    #: The store's location for messages, with any password masked.
    location: str = ""

    # --- collections -------------------------------------------------------

    @abstractmethod
    def get_collection(self, name: str) -> CollectionInfo | None:
        """The collection called ``name``, or None if there is none."""

    @abstractmethod
    def create_collection(self, name: str, model: str) -> CollectionInfo:
        """Create an empty collection bound to ``model``; an existing one is returned as it is."""

    @abstractmethod
    def delete_collection(self, name: str) -> bool:
        """Delete a collection and all of its items; False if it did not exist."""

    @abstractmethod
    def list_collections(self) -> list[CollectionStats]:
        """Every collection with its item count and size, ordered by name."""

    # --- items -------------------------------------------------------------

    @abstractmethod
    def count(self, name: str) -> int:
        """How many items the collection holds (0 if it does not exist)."""

    @abstractmethod
    def states(self, name: str, ids: Sequence[str]) -> dict[str, ItemState]:
        """Hash, metadata and whether content is stored, for those ``ids`` already stored."""

    @abstractmethod
    def vectors_for_hashes(
        self, name: str, hashes: Sequence[bytes]
    ) -> dict[bytes, bytes]:
        """Stored embeddings for any of these content hashes (to reuse instead of re-embedding)."""

    @abstractmethod
    def upsert(
        self,
        name: str,
        model: str,
        items: Sequence[StoredItem],
        updates: Sequence[ItemUpdate] = (),
    ) -> None:
        """Insert or replace ``items`` and apply ``updates``, all in one transaction.

        Creates the collection bound to ``model`` if it does not exist, in the
        same transaction; ValueError if it exists bound to another model.
        """

    @abstractmethod
    def get(self, name: str, ids: Sequence[str]) -> list[StoredItem]:
        """The stored items with these IDs (missing IDs are left out)."""

    @abstractmethod
    def delete(self, name: str, ids: Sequence[str]) -> int:
        """Delete the items with these IDs; returns how many there were."""

    @abstractmethod
    def items(self, name: str, batch_size: int = 1000) -> Iterator[list[StoredItem]]:
        """Every item of the collection, a batch at a time (for copying between stores)."""

    @abstractmethod
    def similar(
        self,
        name: str,
        vector: bytes,
        number: int,
        *,
        prefix: str | None = None,
        skip_id: str | None = None,
    ) -> list[Match]:
        """The ``number`` items closest to ``vector`` by cosine similarity, best first.

        ``prefix`` keeps only IDs starting with it; ``skip_id`` leaves one item out.
        """

    def finish(self, name: str) -> None:  # noqa: B027 - optional for stores
        """Called after a run of ``upsert`` calls (an ``embed-multi``, a copy) has ended.

        A store may skip index maintenance while loading and build its indexes
        here; searches must give correct results either way.
        """

    # --- lifetime ----------------------------------------------------------

    def close(self) -> None:  # noqa: B027 - optional for stores without connections
        """Release the store's connection (a no-op unless the store opened one)."""

    def __enter__(self) -> VectorStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.location}>"
