"""Collection: a named set of embeddings in a vector store, bound to one embedding model."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from llm.errors import UnknownModelError

from .migrations import content_hash
from .stores import store_for
from .writer import EmbeddingWriter

if TYPE_CHECKING:
    from llm.embedding_model import EmbeddingModel

    from .store import Match, VectorStore


@dataclass
class Entry:
    """One search result: the item's ID, its similarity score, and stored content/metadata.

    ``content`` is the stored text, or None when no text was stored (binary
    content is never returned here, matching the JSON ``llm similar`` prints).
    """

    id: str
    score: float | None
    content: str | None = None
    metadata: dict[str, Any] | None = None

    @classmethod
    def from_match(cls, match: Match) -> Entry:
        metadata = json.loads(match.metadata) if match.metadata is not None else None
        return cls(match.id, match.score, match.content, metadata)


def _canonical_model_id(model_id: str) -> str:
    """The registered ID an ID or alias points at; unknown names stay as they are."""
    from llm.registry import get_embedding_model

    try:
        return get_embedding_model(model_id).model_id
    except UnknownModelError:
        return model_id


class Collection:
    """A named collection of embeddings in a vector store.

    ``db`` is a sqlite-utils Database or sqlite3 connection (the embedded
    store), a ``VectorStore``, or a location for ``open_store`` (a SQLite path
    or a URL such as ``postgresql://...``); without one the collection lives in
    an in-memory SQLite database. An existing collection remembers its model,
    so ``model``/``model_id`` are only needed to create one; giving a
    different model for an existing collection is an error rather than a
    silent mix of incompatible vectors.

    A new collection's row is normally written at once. With ``lazy=True`` it
    is written in the same transaction as its first stored embeddings, so a
    first embed that fails (or has nothing to store) leaves no empty
    collection bound to the model; until then ``id`` is None.
    """

    def __init__(
        self,
        name: str,
        db: Any = None,
        model: EmbeddingModel | None = None,
        model_id: str | None = None,
        *,
        create: bool = True,
        lazy: bool = False,
    ) -> None:
        if db is None:
            import sqlite_utils

            db = sqlite_utils.Database(memory=True)
        self.name = name
        self.store: VectorStore = store_for(db)
        # The SQLite database as given (the original's ``collection.db``), else the store.
        self.db = getattr(self.store, "db", self.store)
        self._model = model
        requested = model.model_id if model is not None else model_id
        info = self.store.get_collection(name)
        # None until a lazily created collection stores its first embeddings.
        self.id: int | None = info.id if info is not None else None
        if info is None:
            if not create:
                raise ValueError(f"Collection '{name}' does not exist")
            if requested is None:
                raise ValueError(
                    f"Collection '{name}' does not exist - a model is needed to create it"
                )
            if self._model is None:
                from llm.registry import get_embedding_model

                self._model = get_embedding_model(requested)
            self.model_id: str = self._model.model_id
            if not lazy:
                self.id = self.store.create_collection(name, self.model_id).id
        else:
            self.model_id = info.model
        if requested is not None and not self._same_model(requested):
            raise ValueError(
                f"Collection '{name}' uses the embedding model '{self.model_id}', "
                f"not '{requested}'"
            )

    def __repr__(self) -> str:
        return f"<Collection '{self.name}' model={self.model_id!r}>"

    def _same_model(self, requested: str) -> bool:
        if requested == self.model_id:
            return True
        return _canonical_model_id(requested) == _canonical_model_id(self.model_id)

    @classmethod
    def exists(cls, db: Any, name: str) -> bool:
        """Does a collection called ``name`` exist in ``db`` (anything ``Collection`` accepts)?"""
        return store_for(db).get_collection(name) is not None

    @staticmethod
    def content_hash(value: str | bytes) -> bytes:
        """The hash stored with each item, used to skip re-embedding unchanged content."""
        return content_hash(value)

    def model(self) -> EmbeddingModel:
        """The embedding model for this collection (UnknownModelError if it is not installed)."""
        if self._model is None:
            from llm.registry import get_embedding_model

            try:
                self._model = get_embedding_model(self.model_id)
            except UnknownModelError as ex:
                raise UnknownModelError(
                    f"Collection '{self.name}' uses the embedding model "
                    f"'{self.model_id}', which is not installed",
                    self.model_id,
                ) from ex
        return self._model

    def count(self) -> int:
        """How many items the collection holds."""
        return self.store.count(self.name)

    # --- storing -----------------------------------------------------------

    def embed(
        self,
        id: str,
        value: str | bytes,
        metadata: dict[str, Any] | None = None,
        store: bool = False,
    ) -> None:
        """Embed ``value`` and store it under ``id`` (with optional metadata and content)."""
        self.embed_multi_with_metadata([(id, value, metadata)], store=store)

    def embed_multi(
        self,
        entries: Iterable[tuple[str, str | bytes]],
        store: bool = False,
        batch_size: int = 100,
    ) -> None:
        """Embed and store many ``(id, value)`` pairs, a batch at a time."""
        self.embed_multi_with_metadata(
            ((id, value, None) for id, value in entries),
            store=store,
            batch_size=batch_size,
        )

    def embed_multi_with_metadata(
        self,
        entries: Iterable[tuple[str, str | bytes, dict[str, Any] | None]],
        store: bool = False,
        batch_size: int = 100,
    ) -> None:
        """Embed and store many ``(id, value, metadata)`` items, a batch at a time.

        A batch is stored whole or not at all: when something fails, the
        batches before it are kept and nothing of the failed one is written.
        Items whose content is unchanged are not embedded again (their
        metadata is updated, and ``store`` adds missing content), and content
        already embedded under another ID reuses that vector.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        model = self.model()
        if model.batch_size and model.batch_size < batch_size:
            batch_size = model.batch_size
        iterator = iter(entries)
        writer = EmbeddingWriter(self.store, self.name, model, store, self.model_id)
        try:
            with writer:
                while True:
                    batch = list(islice(iterator, batch_size))
                    if not batch:
                        return
                    writer.add_batch(batch)
        finally:
            # A lazy collection exists once the writer has committed rows to it.
            if writer.written and self.id is None:
                info = self.store.get_collection(self.name)
                self.id = info.id if info is not None else None

    # --- searching ---------------------------------------------------------

    def similar_by_vector(
        self,
        vector: Sequence[float] | bytes,
        number: int = 10,
        skip_id: str | None = None,
        prefix: str | None = None,
    ) -> list[Entry]:
        """The ``number`` items most similar to ``vector``, best first.

        ``skip_id`` leaves one item out; ``prefix`` keeps only IDs starting with it.
        """
        from llm.encoding import encode

        blob = vector if isinstance(vector, bytes) else encode(list(vector))
        matches = self.store.similar(
            self.name, blob, number, prefix=prefix, skip_id=skip_id
        )
        return [Entry.from_match(match) for match in matches]

    def similar(
        self, value: str | bytes, number: int = 10, prefix: str | None = None
    ) -> list[Entry]:
        """The items most similar to ``value``, embedded with the collection's model."""
        vector = self.model().embed(value)
        return self.similar_by_vector(vector, number, prefix=prefix)

    def similar_by_id(
        self, id: str, number: int = 10, prefix: str | None = None
    ) -> list[Entry]:
        """The items most similar to the stored item ``id`` (which is left out)."""
        embedding = self.stored_embedding(id)
        return self.similar_by_vector(embedding, number, skip_id=id, prefix=prefix)

    def stored_embedding(self, id: str) -> bytes:
        """The stored vector of item ``id`` as an ``llm.encode`` blob (ValueError if missing)."""
        found = self.store.get(self.name, [id])
        if not found:
            raise ValueError(f"No item with ID '{id}' in collection '{self.name}'")
        return found[0].embedding

    def delete_items(self, ids: Iterable[str]) -> int:
        """Delete the items with these IDs; returns how many were stored."""
        return self.store.delete(self.name, list(ids))

    # --- removing ----------------------------------------------------------

    def delete(self) -> None:
        """Delete the collection and every embedding in it."""
        self.store.delete_collection(self.name)


def list_collections(db: Any) -> list[dict[str, Any]]:
    """Every collection as ``{"name", "model", "num_embeddings", "size_bytes"}``, by name."""
    return [
        {
            "name": stats.name,
            "model": stats.model,
            "num_embeddings": stats.count,
            "size_bytes": stats.size_bytes,
        }
        for stats in store_for(db).list_collections()
    ]


def copy_collection(
    source: Any,
    name: str,
    target: Any,
    new_name: str | None = None,
    *,
    batch_size: int = 1000,
) -> int:
    """Copy a collection into another store (or under another name) without re-embedding.

    ``source`` and ``target`` are anything ``Collection`` accepts. Vectors,
    content hashes, content, metadata and update times are copied as they are,
    a batch per transaction; items already in an existing target collection
    (which must use the same model) are replaced. Returns how many were copied.
    A store opened here from a location is closed again.
    """
    with contextlib.ExitStack() as opened:
        source_store, target_store = (
            _store_closed_by(opened, db) for db in (source, target)
        )
        return _copy(source_store, name, target_store, new_name or name, batch_size)


def _store_closed_by(stack: contextlib.ExitStack, db: Any) -> VectorStore:
    """``store_for(db)``, closed when ``stack`` ends if it was opened from a location."""
    store = store_for(db)
    if isinstance(db, (str, os.PathLike)):
        stack.callback(store.close)
    return store


def _copy(
    source_store: VectorStore,
    name: str,
    target_store: VectorStore,
    new_name: str,
    batch_size: int,
) -> int:
    info = source_store.get_collection(name)
    if info is None:
        raise ValueError(f"Collection '{name}' does not exist")
    if source_store.location == target_store.location and name == new_name:
        raise ValueError(f"Collection '{name}' cannot be copied onto itself")
    existing = target_store.get_collection(new_name)
    if existing is not None and existing.model != info.model:
        raise ValueError(
            f"Collection '{new_name}' in {target_store.location} uses the embedding "
            f"model '{existing.model}', not '{info.model}'"
        )
    target_store.create_collection(new_name, info.model)
    copied = 0
    try:
        for batch in source_store.items(name, batch_size):
            target_store.upsert(new_name, info.model, batch)
            copied += len(batch)
    finally:
        target_store.finish(new_name)
    return copied
