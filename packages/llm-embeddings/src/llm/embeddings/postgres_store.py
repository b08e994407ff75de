"""The PostgreSQL store: collections in tables with a pgvector ``vector(n)`` column and an HNSW index.

One row per collection in ``llm_collections``; each collection's items live in
their own table, ``llm_embeddings_<id>``, made on its first write (when the
dimension is known) with an index on the content hash. The HNSW index for
cosine distance is built when that first load finishes (``finish``), which is
many times faster than growing it row by row. Writes go through a temporary
table filled by binary COPY, then one ``INSERT ... ON CONFLICT`` upsert. Only
``open_store`` imports this module (psycopg is the optional
``llm-embeddings[postgres]`` extra).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from psycopg import sql
from psycopg.types.json import Jsonb

from llm.errors import VectorStoreError

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
from .stores import mask_location, scrub

SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_collections (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    model text NOT NULL,
    dimensions integer
)
"""
ITEM_COLUMNS = (
    "id, embedding, content_hash, content, content_blob, metadata::text, updated"
)
# pgvector's HNSW search looks at ef_search candidates; it cannot be raised past this.
MAX_EF_SEARCH = 1000
# Memory for building an HNSW index (the session's setting only, while it is built).
MAINTENANCE_WORK_MEM = "1GB"


def _blob(vector: Any) -> bytes:
    """A pgvector value as an ``llm.encode`` blob (little-endian float32)."""
    return np.asarray(vector.to_numpy(), dtype="<f4").tobytes()


def _array(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4")


def _item(row: Sequence[Any]) -> StoredItem:
    return StoredItem(
        id=row[0],
        embedding=_blob(row[1]),
        content_hash=bytes(row[2]),
        content=row[3],
        content_blob=bytes(row[4]) if row[4] is not None else None,
        metadata=row[5],
        updated=row[6],
    )


class PostgresStore(VectorStore):
    """Collections in a PostgreSQL database with the pgvector extension."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.location = mask_location(url)
        try:
            self.conn = psycopg.connect(url, autocommit=True)
        except psycopg.Error as ex:
            raise VectorStoreError(
                f"Could not connect to {self.location}: {scrub(str(ex).strip(), url)}",
                self.location,
            ) from ex
        try:
            self._prepare()
        except BaseException:
            self.conn.close()
            raise

    def _prepare(self) -> None:
        """Check for pgvector (creating it if allowed) and the collections table.

        Only missing pieces are created, so a user without CREATE rights can
        use a database that an owner has set up.
        """
        version = self._extension_version()
        if version is None:
            try:
                self.conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            except psycopg.Error as ex:
                raise VectorStoreError(
                    f"The pgvector extension is not available in {self.location} "
                    f"({scrub(str(ex).strip(), self.url)}); install pgvector on the "
                    "server and run CREATE EXTENSION vector as a database owner",
                    self.location,
                ) from ex
            version = self._extension_version() or ""
        if self.conn.execute("SELECT to_regclass('llm_collections')").fetchone() == (
            None,
        ):
            self.conn.execute(SCHEMA)
        register_vector(self.conn)
        parts = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
        # Iterative index scans (0.8+) keep filtered searches from coming up short.
        self.iterative_scan = parts >= (0, 8)

    def _extension_version(self) -> str | None:
        row = self.conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
        ).fetchone()
        return str(row[0]) if row is not None else None

    def close(self) -> None:
        self.conn.close()

    def _value(self, query: Any, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row of a query."""
        row = self.conn.execute(query, params).fetchone()
        assert row is not None
        return row[0]

    # --- collections -------------------------------------------------------

    def _row(
        self, name: str, *, lock: bool = False
    ) -> tuple[int, str, int | None] | None:
        query = "SELECT id, model, dimensions FROM llm_collections WHERE name = %s"
        return self.conn.execute(
            query + (" FOR UPDATE" if lock else ""), [name]
        ).fetchone()

    @staticmethod
    def _table(collection_id: int) -> sql.Identifier:
        return sql.Identifier(f"llm_embeddings_{int(collection_id)}")

    def get_collection(self, name: str) -> CollectionInfo | None:
        row = self._row(name)
        return CollectionInfo(name, row[1], row[0]) if row is not None else None

    def create_collection(self, name: str, model: str) -> CollectionInfo:
        self.conn.execute(
            "INSERT INTO llm_collections (name, model) VALUES (%s, %s) "
            "ON CONFLICT (name) DO NOTHING",
            [name, model],
        )
        info = self.get_collection(name)
        assert info is not None
        return info

    def delete_collection(self, name: str) -> bool:
        with self.conn.transaction():
            row = self._row(name, lock=True)
            if row is None:
                return False
            self.conn.execute(
                sql.SQL("DROP TABLE IF EXISTS {}").format(self._table(row[0]))
            )
            self.conn.execute("DELETE FROM llm_collections WHERE id = %s", [row[0]])
        return True

    def list_collections(self) -> list[CollectionStats]:
        found = []
        rows = self.conn.execute(
            "SELECT id, name, model, dimensions FROM llm_collections ORDER BY name"
        ).fetchall()
        for collection_id, name, model, dimensions in rows:
            count = size = 0
            if dimensions is not None:
                table = self._table(collection_id)
                count = self._value(sql.SQL("SELECT count(*) FROM {}").format(table))
                size = self._value(
                    "SELECT pg_total_relation_size(%s::regclass)",
                    [table.as_string(self.conn)],
                )
            found.append(CollectionStats(name, model, int(count), int(size)))
        return found

    # --- items -------------------------------------------------------------

    def _existing_table(self, name: str) -> sql.Identifier | None:
        """The items table of ``name``, or None when it has no items table yet."""
        row = self._row(name)
        if row is None or row[2] is None:
            return None
        return self._table(row[0])

    def count(self, name: str) -> int:
        table = self._existing_table(name)
        if table is None:
            return 0
        return int(self._value(sql.SQL("SELECT count(*) FROM {}").format(table)))

    def states(self, name: str, ids: Sequence[str]) -> dict[str, ItemState]:
        table = self._existing_table(name)
        if table is None or not ids:
            return {}
        rows = self.conn.execute(
            sql.SQL(
                "SELECT id, content_hash, metadata::text, "
                "content IS NOT NULL OR content_blob IS NOT NULL "
                "FROM {} WHERE id = ANY(%s)"
            ).format(table),
            [list(ids)],
        )
        return {
            item_id: ItemState(bytes(digest), metadata, has_content)
            for item_id, digest, metadata, has_content in rows
        }

    def vectors_for_hashes(
        self, name: str, hashes: Sequence[bytes]
    ) -> dict[bytes, bytes]:
        table = self._existing_table(name)
        if table is None or not hashes:
            return {}
        rows = self.conn.execute(
            sql.SQL(
                "SELECT DISTINCT ON (content_hash) content_hash, embedding "
                "FROM {} WHERE content_hash = ANY(%s)"
            ).format(table),
            [list(hashes)],
        )
        return {bytes(digest): _blob(vector) for digest, vector in rows}

    def upsert(
        self,
        name: str,
        model: str,
        items: Sequence[StoredItem],
        updates: Sequence[ItemUpdate] = (),
    ) -> None:
        if not items and not updates:
            return
        with self.conn.transaction():
            collection_id = self._table_for_writing(name, model, items)
            table = self._table(collection_id)
            if items:
                self._copy_items(collection_id, items)
            if updates:
                with self.conn.cursor() as cursor:
                    cursor.executemany(
                        sql.SQL(
                            "UPDATE {} SET metadata = %s::jsonb, "
                            "content = coalesce(content, %s), "
                            "content_blob = coalesce(content_blob, %s) WHERE id = %s"
                        ).format(table),
                        [
                            (u.metadata, u.content, u.content_blob, u.id)
                            for u in updates
                        ],
                    )

    def _table_for_writing(
        self, name: str, model: str, items: Sequence[StoredItem]
    ) -> int:
        """The collection's ID, creating the collection and its items table as needed.

        Runs inside the write transaction and locks the collection's row, so
        concurrent first writes create the table once.
        """
        self.create_collection(name, model)
        row = self._row(name, lock=True)
        assert row is not None
        collection_id, row_model, dimensions = row
        if row_model != model:
            raise ValueError(
                f"Collection '{name}' was created meanwhile with the embedding "
                f"model '{row_model}', not '{model}'"
            )
        sizes = {len(item.embedding) // 4 for item in items}
        if dimensions is not None:
            sizes.discard(dimensions)
        elif len(sizes) == 1:
            dimensions = sizes.pop()
            self._create_table(collection_id, dimensions)
        if sizes:
            expected = (
                f"{dimensions}" if dimensions is not None else "the same number of"
            )
            raise ValueError(
                f"Collection '{name}' holds vectors of {expected} dimensions; "
                f"got {', '.join(str(s) for s in sorted(sizes))}"
            )
        return int(collection_id)

    def _create_table(self, collection_id: int, dimensions: int) -> None:
        table = self._table(collection_id)
        self.conn.execute(
            sql.SQL(
                "CREATE TABLE {} (id text PRIMARY KEY, embedding vector({}) NOT NULL, "
                "content_hash bytea NOT NULL, content text, content_blob bytea, "
                "metadata jsonb, updated bigint)"
            ).format(table, sql.Literal(dimensions))
        )
        self.conn.execute(
            sql.SQL("CREATE INDEX {} ON {} (content_hash)").format(
                sql.Identifier(f"llm_embeddings_{collection_id}_hash"), table
            )
        )
        self.conn.execute(
            "UPDATE llm_collections SET dimensions = %s WHERE id = %s",
            [dimensions, collection_id],
        )

    def finish(self, name: str) -> None:
        """Build the HNSW index once a first load is done (much faster than row by row).

        Until then searches scan the table, exactly; later writes maintain the index.
        """
        row = self._row(name)
        if row is None or row[2] is None:
            return
        index = f"llm_embeddings_{row[0]}_hnsw"
        if self.conn.execute(
            "SELECT 1 FROM pg_class WHERE relname = %s", [index]
        ).fetchone():
            return
        with self.conn.transaction():
            # The graph is built in memory when it fits: several times faster.
            self.conn.execute(
                sql.SQL("SET LOCAL maintenance_work_mem = {}").format(
                    sql.Literal(MAINTENANCE_WORK_MEM)
                )
            )
            self.conn.execute(
                sql.SQL(
                    "CREATE INDEX IF NOT EXISTS {} ON {} "
                    "USING hnsw (embedding vector_cosine_ops)"
                ).format(sql.Identifier(index), self._table(row[0]))
            )

    def _copy_items(self, collection_id: int, items: Sequence[StoredItem]) -> None:
        """Binary COPY into a temporary table shaped like the items table, then one upsert."""
        table = self._table(collection_id)
        # One per items table: collections differ in their vector dimensions.
        incoming = sql.Identifier(f"llm_incoming_{int(collection_id)}")
        self.conn.execute(
            sql.SQL(
                "CREATE TEMPORARY TABLE IF NOT EXISTS {} "
                "(LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            ).format(incoming, table)
        )
        unique = {item.id: item for item in items}  # the last one of an ID wins
        with self.conn.cursor() as cursor:
            copy_sql = sql.SQL(
                "COPY {} (id, embedding, content_hash, content, "
                "content_blob, metadata, updated) FROM STDIN (FORMAT BINARY)"
            ).format(incoming)
            with cursor.copy(copy_sql) as copy:
                copy.set_types(
                    ["text", "vector", "bytea", "text", "bytea", "jsonb", "int8"]
                )
                for item in unique.values():
                    copy.write_row(
                        (
                            item.id,
                            _array(item.embedding),
                            item.content_hash,
                            item.content,
                            item.content_blob,
                            Jsonb(json.loads(item.metadata))
                            if item.metadata is not None
                            else None,
                            item.updated,
                        )
                    )
        columns = [
            "embedding",
            "content_hash",
            "content",
            "content_blob",
            "metadata",
            "updated",
        ]
        self.conn.execute(
            sql.SQL(
                "INSERT INTO {} SELECT id, {} FROM {} ON CONFLICT (id) DO UPDATE SET {}"
            ).format(
                table,
                sql.SQL(", ").join(sql.Identifier(c) for c in columns),
                incoming,
                sql.SQL(", ").join(
                    sql.SQL("{0} = excluded.{0}").format(sql.Identifier(c))
                    for c in columns
                ),
            )
        )
        self.conn.execute(sql.SQL("TRUNCATE {}").format(incoming))

    def get(self, name: str, ids: Sequence[str]) -> list[StoredItem]:
        table = self._existing_table(name)
        if table is None or not ids:
            return []
        rows = self.conn.execute(
            sql.SQL(f"SELECT {ITEM_COLUMNS} FROM {{}} WHERE id = ANY(%s)").format(
                table
            ),
            [list(ids)],
        )
        found = {row[0]: _item(row) for row in rows}
        return [found[item_id] for item_id in dict.fromkeys(ids) if item_id in found]

    def delete(self, name: str, ids: Sequence[str]) -> int:
        table = self._existing_table(name)
        if table is None or not ids:
            return 0
        cursor = self.conn.execute(
            sql.SQL("DELETE FROM {} WHERE id = ANY(%s)").format(table), [list(ids)]
        )
        return cursor.rowcount

    def items(self, name: str, batch_size: int = 1000) -> Iterator[list[StoredItem]]:
        table = self._existing_table(name)
        if table is None:
            return
        # Keyset pagination on the primary key; ">=" first so an empty ID is included.
        last, operator = "", ">="
        while True:
            rows = self.conn.execute(
                sql.SQL(
                    f"SELECT {ITEM_COLUMNS} FROM {{}} WHERE id {operator} %s "
                    "ORDER BY id LIMIT %s"
                ).format(table),
                [last, sql_limit(batch_size)],
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
        row = self._row(name)
        if row is None or row[2] is None or number < 1:
            return []
        query = _array(vector)
        if query.shape[0] != row[2]:
            raise ValueError(
                f"Stored vectors have {row[2]} dimensions but the query vector "
                f"has {query.shape[0]}"
            )
        conditions, params = [sql.SQL("TRUE")], []
        if prefix:
            conditions.append(sql.SQL("starts_with(id, %s)"))
            params.append(prefix)
        if skip_id is not None:
            conditions.append(sql.SQL("id <> %s"))
            params.append(skip_id)
        statement = sql.SQL(
            "SELECT id, 1 - (embedding <=> %s), content, metadata::text FROM {} "
            "WHERE {} ORDER BY embedding <=> %s LIMIT %s"
        ).format(self._table(row[0]), sql.SQL(" AND ").join(conditions))
        with self.conn.transaction():
            self._tune_search(number)
            rows = self.conn.execute(
                statement, [query, *params, query, sql_limit(number)]
            )
            return [
                Match(item_id, float(score), content, metadata)
                for item_id, score, content, metadata in rows
            ]

    def _tune_search(self, number: int) -> None:
        """Let the HNSW index return ``number`` results (filtered or not), else search exactly."""
        if number > MAX_EF_SEARCH:
            self.conn.execute("SET LOCAL enable_indexscan = off")
            return
        self.conn.execute(
            sql.SQL("SET LOCAL hnsw.ef_search = {}").format(
                sql.Literal(max(40, number))
            )
        )
        if self.iterative_scan:
            self.conn.execute("SET LOCAL hnsw.iterative_scan = strict_order")
