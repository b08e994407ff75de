"""Collection: a named set of embeddings in SQLite, bound to one embedding model."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from llm.errors import UnknownModelError
from llm.sqlite import connection_of, transaction

from .migrations import content_hash, migrate
from .writer import EmbeddingWriter, chunks, placeholders

if TYPE_CHECKING:
    from llm.embedding_model import EmbeddingModel


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


def _canonical_model_id(model_id: str) -> str:
    """The registered ID an ID or alias points at; unknown names stay as they are."""
    from llm.registry import get_embedding_model

    try:
        return get_embedding_model(model_id).model_id
    except UnknownModelError:
        return model_id


def _prefix_range(prefix: str) -> tuple[str, str | None]:
    """Bounds ``low <= id < high`` selecting IDs that start with ``prefix`` (index-friendly)."""
    stripped = prefix
    while stripped and ord(stripped[-1]) == 0x10FFFF:
        stripped = stripped[:-1]
    if not stripped:
        return prefix, None
    return prefix, stripped[:-1] + chr(ord(stripped[-1]) + 1)


class Collection:
    """A named collection of embeddings stored in a SQLite database.

    ``db`` is a sqlite-utils Database (or sqlite3 connection); without one the
    collection lives in memory. An existing collection remembers its model, so
    ``model``/``model_id`` are only needed to create one; giving a different
    model for an existing collection is an error rather than a silent mix of
    incompatible vectors.

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
        self.db = db
        self._conn = connection_of(db)
        self._model = model
        migrate(self._conn)
        requested = model.model_id if model is not None else model_id
        row: tuple[int | None, str] | None = self._row()
        if row is None:
            if not create:
                raise ValueError(f"Collection '{name}' does not exist")
            if requested is None:
                raise ValueError(
                    f"Collection '{name}' does not exist - a model is needed to create it"
                )
            if self._model is None:
                from llm.registry import get_embedding_model

                self._model = get_embedding_model(requested)
            if lazy:
                row = (None, self._model.model_id)
            else:
                row = self._create(self._model.model_id)
        # None until a lazily created collection stores its first embeddings.
        self.id: int | None = row[0]
        self.model_id: str = row[1]
        if requested is not None and not self._same_model(requested):
            raise ValueError(
                f"Collection '{name}' uses the embedding model '{self.model_id}', "
                f"not '{requested}'"
            )

    def __repr__(self) -> str:
        return f"<Collection '{self.name}' model={self.model_id!r}>"

    # --- the collections row ---------------------------------------------

    def _row(self) -> tuple[int, str] | None:
        return self._conn.execute(
            "SELECT id, model FROM collections WHERE name = ?", [self.name]
        ).fetchone()

    def _create(self, model_id: str) -> tuple[int, str]:
        with transaction(self._conn, immediate=True):
            return self._insert_row(model_id)

    def _insert_row(self, model_id: str) -> tuple[int, str]:
        """Write the collections row unless it exists; call inside a write transaction."""
        row = self._row()  # someone else may have created it meanwhile
        if row is None:
            self._conn.execute(
                "INSERT INTO collections (name, model) VALUES (?, ?)",
                [self.name, model_id],
            )
            row = self._row()
        assert row is not None
        return row

    def _create_for_writer(self) -> int:
        """The lazily created row, written in the writer's transaction; its ID."""
        row_id, row_model = self._insert_row(self.model_id)
        if not self._same_model(row_model):
            raise ValueError(
                f"Collection '{self.name}' was created meanwhile with the embedding "
                f"model '{row_model}', not '{self.model_id}'"
            )
        return row_id

    def _same_model(self, requested: str) -> bool:
        if requested == self.model_id:
            return True
        return _canonical_model_id(requested) == _canonical_model_id(self.model_id)

    @classmethod
    def exists(cls, db: Any, name: str) -> bool:
        """Does a collection called ``name`` exist in ``db``?"""
        conn = connection_of(db)
        try:
            row = conn.execute(
                "SELECT 1 FROM collections WHERE name = ?", [name]
            ).fetchone()
        except sqlite3.OperationalError:  # no collections table yet
            return False
        return row is not None

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
        row = self._conn.execute(
            "SELECT count(*) FROM embeddings WHERE collection_id = ?", [self.id]
        ).fetchone()
        return int(row[0])

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
        writer = EmbeddingWriter(
            self._conn, self.id, model, store, create=self._create_for_writer
        )
        try:
            with writer:
                while True:
                    batch = list(islice(iterator, batch_size))
                    if not batch:
                        return
                    writer.add_batch(batch)
        finally:
            # A lazy collection exists once the writer has committed rows to it.
            self.id = writer.collection_id

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
        from .similarity import as_vector, cosine_similarity, score_rows, top_indices

        query = as_vector(vector)
        where = "collection_id = ?"
        params: list[Any] = [self.id]
        if skip_id is not None:
            where += " AND id != ?"
            params.append(skip_id)
        if prefix:
            low, high = _prefix_range(prefix)
            where += " AND id >= ?"
            params.append(low)
            if high is not None:
                where += " AND id < ?"
                params.append(high)
        with transaction(self._conn):  # one consistent snapshot for both reads
            cursor = self._conn.execute(
                f"SELECT rowid, embedding FROM embeddings WHERE {where}", params
            )
            rowids, scores = score_rows(cursor, query)
            chosen = [rowids[i] for i in top_indices(scores, number)]
            details: dict[int, tuple[Any, ...]] = {}
            for chunk in chunks(chosen):
                rows = self._conn.execute(
                    "SELECT rowid, id, embedding, content, metadata "
                    f"FROM embeddings WHERE rowid IN ({placeholders(len(chunk))})",
                    list(chunk),
                )
                for row in rows:
                    details[row[0]] = row[1:]
        entries = []
        for rowid in chosen:
            item_id, embedding, content, metadata = details[rowid]
            entries.append(
                Entry(
                    id=item_id,
                    score=cosine_similarity(embedding, query),
                    content=content,
                    metadata=json.loads(metadata) if metadata is not None else None,
                )
            )
        # Exact double-precision scores may reorder near-ties of the float32 pass.
        entries.sort(key=lambda entry: -(entry.score or 0.0))
        return entries

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
        embedding = self._stored_embedding(id)
        return self.similar_by_vector(embedding, number, skip_id=id, prefix=prefix)

    def _stored_embedding(self, id: str) -> bytes:
        row = self._conn.execute(
            "SELECT embedding FROM embeddings WHERE collection_id = ? AND id = ?",
            [self.id, id],
        ).fetchone()
        if row is None:
            raise ValueError(f"No item with ID '{id}' in collection '{self.name}'")
        return row[0]

    # --- removing ----------------------------------------------------------

    def delete(self) -> None:
        """Delete the collection and every embedding in it."""
        with transaction(self._conn):
            self._conn.execute(
                "DELETE FROM embeddings WHERE collection_id = ?", [self.id]
            )
            self._conn.execute("DELETE FROM collections WHERE id = ?", [self.id])


def list_collections(db: Any) -> list[dict[str, Any]]:
    """Every collection in ``db`` as ``{"name", "model", "num_embeddings"}``, by name."""
    conn = connection_of(db)
    rows = conn.execute(
        "SELECT collections.name, collections.model, count(embeddings.id) "
        "FROM collections LEFT JOIN embeddings "
        "ON collections.id = embeddings.collection_id "
        "GROUP BY collections.id ORDER BY collections.name"
    )
    return [
        {"name": name, "model": model, "num_embeddings": count}
        for name, model, count in rows
    ]
