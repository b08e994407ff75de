"""The embedded store: collections in an ``embeddings.db`` SQLite file, in the original's schema.

Everything goes through ``llm.sqlite`` (checks, WAL, write transactions) and
the tables the original LLM reads and writes, so a database moves freely
between the two. Small collections are searched by scoring every stored BLOB
with NumPy; from ``SIDECAR_MIN_ROWS`` items on, searches use the float32
matrix that ``sidecar`` keeps beside the database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm.sqlite import connection_of, is_file_database, transaction

from .migrations import migrate

if TYPE_CHECKING:
    import numpy as np

    from .sidecar import Matrix, Sidecar
from .store import (
    CollectionInfo,
    CollectionStats,
    ItemState,
    ItemUpdate,
    Match,
    StoredItem,
    VectorStore,
    sql_limit,
)

# Stay well under SQLite's limit on bound parameters (999 in older builds).
MAX_PARAMS = 500

# From this many items a collection is searched through its sidecar matrix.
SIDECAR_MIN_ROWS = 10_000

ITEM_COLUMNS = "id, embedding, content_hash, content, content_blob, metadata, updated"


def chunks(values: Sequence[Any], size: int = MAX_PARAMS) -> list[Sequence[Any]]:
    """``values`` cut into pieces small enough to bind as SQL parameters."""
    return [values[start : start + size] for start in range(0, len(values), size)]


def placeholders(count: int) -> str:
    return ", ".join("?" * count)


def prefix_range(prefix: str) -> tuple[str, str | None]:
    """Bounds ``low <= id < high`` selecting IDs that start with ``prefix`` (index-friendly)."""
    stripped = prefix
    while stripped and ord(stripped[-1]) == 0x10FFFF:
        stripped = stripped[:-1]
    if not stripped:
        return prefix, None
    return prefix, stripped[:-1] + chr(ord(stripped[-1]) + 1)


def id_filter(prefix: str | None, skip_id: str | None) -> tuple[str, list[Any]]:
    """SQL conditions (``AND ...``) and parameters for a prefix and a left-out ID."""
    where, params = "", []
    if skip_id is not None:
        where += " AND id != ?"
        params.append(skip_id)
    if prefix:
        low, high = prefix_range(prefix)
        where += " AND id >= ?"
        params.append(low)
        if high is not None:
            where += " AND id < ?"
            params.append(high)
    return where, params


def _item(row: Sequence[Any]) -> StoredItem:
    return StoredItem(
        id=row[0],
        embedding=row[1],
        content_hash=row[2],
        content=row[3],
        content_blob=row[4],
        metadata=row[5],
        updated=row[6],
    )


class SQLiteStore(VectorStore):
    """Collections in an embeddings database (a sqlite-utils ``Database`` or sqlite3 connection).

    A store made with ``SQLiteStore.open(path)`` owns its connection and
    closes it; one wrapped around a caller's database leaves it open.
    """

    def __init__(
        self,
        db: Any,
        *,
        owned: bool = False,
        sidecar_min_rows: int = SIDECAR_MIN_ROWS,
    ) -> None:
        self.db = db
        self.conn: sqlite3.Connection = connection_of(db)
        self._owned = owned
        self.sidecar_min_rows = sidecar_min_rows
        migrate(self.conn)
        path = self.path
        self.location = str(path) if path is not None else ":memory:"
        self._sidecar: Sidecar | None = None

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        create: bool = True,
        sidecar_min_rows: int = SIDECAR_MIN_ROWS,
    ) -> SQLiteStore:
        """Open (creating and migrating if allowed) the embeddings database at ``path``."""
        from .db import open_embeddings_db

        return cls(
            open_embeddings_db(path, create=create),
            owned=True,
            sidecar_min_rows=sidecar_min_rows,
        )

    @property
    def sidecar(self) -> Sidecar:
        """The float32 matrices of this database's large collections."""
        if self._sidecar is None:
            from .sidecar import Sidecar

            self._sidecar = Sidecar(self.conn, self.path, self.sidecar_min_rows)
        return self._sidecar

    @property
    def path(self) -> Path | None:
        """The database file, or None for an in-memory database."""
        if not is_file_database(self.conn):
            return None
        for row in self.conn.execute("PRAGMA database_list"):
            if row[1] == "main":
                return Path(row[2])
        return None

    def close(self) -> None:
        if self._owned:
            self.conn.close()

    # --- collections -------------------------------------------------------

    def get_collection(self, name: str) -> CollectionInfo | None:
        row = self.conn.execute(
            "SELECT id, model FROM collections WHERE name = ?", [name]
        ).fetchone()
        return CollectionInfo(name, row[1], row[0]) if row is not None else None

    def create_collection(self, name: str, model: str) -> CollectionInfo:
        with transaction(self.conn, immediate=True):
            return self._ensure_collection(name, model, check=False)

    def _ensure_collection(
        self, name: str, model: str, *, check: bool
    ) -> CollectionInfo:
        """The collection, created if missing; call inside a write transaction."""
        info = self.get_collection(name)  # someone else may have created it meanwhile
        if info is None:
            self.conn.execute(
                "INSERT INTO collections (name, model) VALUES (?, ?)", [name, model]
            )
            info = self.get_collection(name)
            assert info is not None
        elif check and info.model != model:
            raise ValueError(
                f"Collection '{name}' was created meanwhile with the embedding "
                f"model '{info.model}', not '{model}'"
            )
        return info

    def delete_collection(self, name: str) -> bool:
        with transaction(self.conn, immediate=True):
            info = self.get_collection(name)
            if info is None:
                return False
            self.conn.execute(
                "DELETE FROM embeddings WHERE collection_id = ?", [info.id]
            )
            self.conn.execute("DELETE FROM collections WHERE id = ?", [info.id])
        if info.id is not None:
            self.sidecar.forget(info.id)
        return True

    def list_collections(self) -> list[CollectionStats]:
        # Sizes are the bytes of the stored values (vectors, content, metadata...);
        # large collections' sizes are remembered beside the matrix (Sidecar.sizes).
        collections = self.conn.execute(
            "SELECT id, name, model FROM collections ORDER BY name"
        ).fetchall()
        sizes = self.sidecar.sizes(collections, self._size_by_scan)
        return [
            CollectionStats(name, model, count, size)
            for (_, name, model), (count, size) in zip(collections, sizes)
        ]

    def _size_by_scan(self, collection_id: int) -> int:
        """The bytes of a collection's stored values, summed over every row."""
        row = self.conn.execute(
            "SELECT coalesce(sum(length(id) + length(embedding) "
            "+ coalesce(length(content), 0) + coalesce(length(content_blob), 0) "
            "+ coalesce(length(content_hash), 0) + coalesce(length(metadata), 0) "
            "+ 8), 0) FROM embeddings WHERE collection_id = ?",
            [collection_id],
        ).fetchone()
        return int(row[0])

    # --- items -------------------------------------------------------------

    def _collection_id(self, name: str) -> int | None:
        info = self.get_collection(name)
        return info.id if info is not None else None

    def count(self, name: str) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM embeddings WHERE collection_id = "
            "(SELECT id FROM collections WHERE name = ?)",
            [name],
        ).fetchone()
        return int(row[0])

    def states(self, name: str, ids: Sequence[str]) -> dict[str, ItemState]:
        found: dict[str, ItemState] = {}
        collection_id = self._collection_id(name)
        if collection_id is None:
            return found
        for chunk in chunks(ids):
            rows = self.conn.execute(
                "SELECT id, content_hash, metadata, "
                "content IS NOT NULL OR content_blob IS NOT NULL FROM embeddings "
                f"WHERE collection_id = ? AND id IN ({placeholders(len(chunk))})",
                [collection_id, *chunk],
            )
            for item_id, digest, metadata, has_content in rows:
                found[item_id] = ItemState(digest, metadata, bool(has_content))
        return found

    def vectors_for_hashes(
        self, name: str, hashes: Sequence[bytes]
    ) -> dict[bytes, bytes]:
        found: dict[bytes, bytes] = {}
        collection_id = self._collection_id(name)
        if collection_id is None:
            return found
        for chunk in chunks(hashes):
            # The unary + keeps SQLite on the content_hash index: the
            # collection_id one would scan the whole collection per batch.
            rows = self.conn.execute(
                "SELECT content_hash, embedding FROM embeddings "
                f"WHERE content_hash IN ({placeholders(len(chunk))}) "
                "AND +collection_id = ?",
                [*chunk, collection_id],
            )
            for digest, embedding in rows:
                if embedding is not None:
                    found.setdefault(digest, embedding)
        return found

    def upsert(
        self,
        name: str,
        model: str,
        items: Sequence[StoredItem],
        updates: Sequence[ItemUpdate] = (),
    ) -> None:
        if not items and not updates:
            return
        with transaction(self.conn, immediate=True):
            collection_id = int(
                self._ensure_collection(name, model, check=True).id or 0
            )
            self.conn.executemany(
                "INSERT OR REPLACE INTO embeddings (collection_id, id, embedding, "
                "content_hash, content, content_blob, metadata, updated) "
                f"VALUES ({collection_id}, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        item.id,
                        item.embedding,
                        item.content_hash,
                        item.content,
                        item.content_blob,
                        item.metadata,
                        item.updated,
                    )
                    for item in items
                ],
            )
            self.conn.executemany(
                "UPDATE embeddings SET metadata = ?, "
                "content = coalesce(content, ?), "
                "content_blob = coalesce(content_blob, ?) "
                f"WHERE collection_id = {collection_id} AND id = ?",
                [(u.metadata, u.content, u.content_blob, u.id) for u in updates],
            )
        if updates:
            # Updated in place: the rows' fingerprint is unchanged, their size not.
            self.sidecar.forget_size(collection_id)

    def get(self, name: str, ids: Sequence[str]) -> list[StoredItem]:
        collection_id = self._collection_id(name)
        if collection_id is None:
            return []
        found: dict[str, StoredItem] = {}
        for chunk in chunks(ids):
            rows = self.conn.execute(
                f"SELECT {ITEM_COLUMNS} FROM embeddings WHERE collection_id = ? "
                f"AND id IN ({placeholders(len(chunk))})",
                [collection_id, *chunk],
            )
            for row in rows:
                found[row[0]] = _item(row)
        return [found[item_id] for item_id in dict.fromkeys(ids) if item_id in found]

    def delete(self, name: str, ids: Sequence[str]) -> int:
        deleted = 0
        with transaction(self.conn, immediate=True):
            collection_id = self._collection_id(name)
            if collection_id is None:
                return 0
            for chunk in chunks(ids):
                cursor = self.conn.execute(
                    "DELETE FROM embeddings WHERE collection_id = ? "
                    f"AND id IN ({placeholders(len(chunk))})",
                    [collection_id, *chunk],
                )
                deleted += cursor.rowcount
        return deleted

    def items(self, name: str, batch_size: int = 1000) -> Iterator[list[StoredItem]]:
        collection_id = self._collection_id(name)
        if collection_id is None:
            return
        # Keyset pagination (no read transaction is held between batches);
        # ">=" only for the first page, so an empty-string ID is included.
        last, operator = "", ">="
        while True:
            rows = self.conn.execute(
                f"SELECT {ITEM_COLUMNS} FROM embeddings WHERE collection_id = ? "
                f"AND id {operator} ? ORDER BY id LIMIT ?",
                [collection_id, last, sql_limit(batch_size)],
            ).fetchall()
            if not rows:
                return
            yield [_item(row) for row in rows]
            last, operator = rows[-1][0], ">"

    # --- searching ---------------------------------------------------------

    def similar(
        self,
        name: str,
        vector: bytes,
        number: int,
        *,
        prefix: str | None = None,
        skip_id: str | None = None,
    ) -> list[Match]:
        from .similarity import as_vector

        query = as_vector(vector)
        with transaction(self.conn):  # one consistent snapshot for every read
            info = self.get_collection(name)
            if info is None or info.id is None or number < 1:
                return []
            matrix = self.sidecar.current(
                info.id, name, info.model, self.sidecar_min_rows
            )
            if matrix is not None and matrix.dimensions == query.shape[0]:
                chosen = self._top_from_matrix(
                    matrix, info.id, query, number, prefix, skip_id
                )
            else:
                chosen = self._top_by_scan(info.id, query, number, prefix, skip_id)
            return self.matches(chosen, query)

    def _top_by_scan(
        self,
        collection_id: int,
        query: np.ndarray,
        number: int,
        prefix: str | None,
        skip_id: str | None,
    ) -> list[int]:
        """Rowids of the best rows, scoring every stored BLOB (small collections)."""
        import numpy as np

        from .similarity import candidate_positions, score_error, score_rows

        where, params = id_filter(prefix, skip_id)
        cursor = self.conn.execute(
            f"SELECT rowid, embedding FROM embeddings WHERE collection_id = ?{where}",
            [collection_id, *params],
        )
        rowids, scores = score_rows(cursor, query)
        positions = candidate_positions(scores, number, score_error(query.shape[0]))
        return self._exact_top(np.asarray(rowids, np.int64)[positions], query, number)

    def _top_from_matrix(
        self,
        matrix: Matrix,
        collection_id: int,
        query: np.ndarray,
        number: int,
        prefix: str | None,
        skip_id: str | None,
    ) -> list[int]:
        """Rowids of the best rows, scored with the sidecar matrix."""
        import numpy as np

        from .sidecar import sorted_rowids
        from .similarity import candidate_positions, score_error, unit_query

        only = None
        if prefix:
            where, params = id_filter(prefix, None)
            only = sorted_rowids(
                self.conn.execute(
                    f"SELECT rowid FROM embeddings WHERE collection_id = ?{where}",
                    [collection_id, *params],
                )
            )
        scores, rowids = matrix.scores(unit_query(query), only)
        if skip_id is not None:
            row = self.conn.execute(
                "SELECT rowid FROM embeddings WHERE collection_id = ? AND id = ?",
                [collection_id, skip_id],
            ).fetchone()
            if row is not None:
                scores[rowids == row[0]] = -np.inf
        positions = candidate_positions(scores, number, score_error(matrix.dimensions))
        return self._exact_top(rowids[positions], query, number)

    def _exact_top(
        self, rowids: np.ndarray, query: np.ndarray, number: int
    ) -> list[int]:
        """The ``number`` best of these candidate rows by the exact score a match reports.

        Highest score first, ties in rowid order (first stored first). Rows
        whose vectors have other dimensions are left out. With a zero query
        every score is 0, so the first rows are read until enough are found.
        """
        import numpy as np

        from .similarity import cosine_similarity, exact_order

        size = query.shape[0] * 4
        ordered = np.sort(rowids)
        zero_query = not np.any(query)
        scored: list[tuple[float, int]] = []
        for chunk in chunks(ordered.tolist()):
            rows = self.conn.execute(
                "SELECT rowid, embedding FROM embeddings "
                f"WHERE rowid IN ({placeholders(len(chunk))})",
                chunk,
            )
            scored.extend(
                (cosine_similarity(embedding, query), rowid)
                for rowid, embedding in rows
                if embedding is not None and len(embedding) == size
            )
            if zero_query and sum(score == 0.0 for score, _ in scored) >= number:
                break
        return exact_order(scored, number)

    def matches(self, rowids: Sequence[int], query: Any) -> list[Match]:
        """Matches for these rows, in this order, scored exactly (double precision)."""
        from .similarity import cosine_similarity

        details: dict[int, tuple[Any, ...]] = {}
        for chunk in chunks(rowids):
            rows = self.conn.execute(
                "SELECT rowid, id, embedding, content, metadata "
                f"FROM embeddings WHERE rowid IN ({placeholders(len(chunk))})",
                list(chunk),
            )
            for row in rows:
                details[row[0]] = row[1:]
        found = [
            Match(
                id=item_id,
                score=cosine_similarity(embedding, query),
                content=content,
                metadata=metadata,
            )
            for item_id, embedding, content, metadata in (
                details[rowid] for rowid in rowids if rowid in details
            )
        ]
        return found
