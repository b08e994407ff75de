"""Schema migrations for the embeddings database.

Applied migrations are recorded in the ``_sqlite_migrations`` table under the
migration set ``llm.embeddings``, the same bookkeeping (table, set and
migration names) that databases written by the original LLM carry, so files
move freely between the two. Every migration also checks the schema itself,
which makes files that have the documented tables but no records (built by
hand or by another tool) safe to adopt. ``llm.sqlite.apply_migrations`` runs
them inside one ``BEGIN IMMEDIATE`` transaction that re-reads what is pending
after taking the write lock, so several processes opening a new database at
once apply each migration exactly once.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from typing import Any

from llm.sqlite import (
    Migration,
    apply_migrations,
    column_names,
    connection_of,
    recorded_migrations,
    table_names,
)

MIGRATION_SET = "llm.embeddings"
MIGRATIONS_TABLE = "_sqlite_migrations"

COLLECTIONS_SCHEMA = """CREATE TABLE "collections" (
   "id" INTEGER PRIMARY KEY,
   "name" TEXT,
   "model" TEXT
)"""

_EMBEDDINGS_SCHEMA = """CREATE TABLE "{table}" (
   "collection_id" INTEGER REFERENCES "collections"("id"),
   "id" TEXT,
   "embedding" BLOB,
   "content" TEXT,
   "content_blob" BLOB,
   "content_hash" BLOB,
   "metadata" TEXT,
   "updated" INTEGER,
   PRIMARY KEY ("collection_id", "id")
)"""
EMBEDDINGS_SCHEMA = _EMBEDDINGS_SCHEMA.format(table="embeddings")
EMBEDDINGS_COLUMNS = (
    "collection_id",
    "id",
    "embedding",
    "content",
    "content_blob",
    "content_hash",
    "metadata",
    "updated",
)


def content_hash(value: str | bytes) -> bytes:
    """The MD5 digest identifying a piece of content (text is hashed as UTF-8)."""
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return hashlib.md5(data).digest()


def _has_collection_foreign_key(conn: sqlite3.Connection) -> bool:
    return any(
        row[2] == "collections" and row[3] == "collection_id"
        for row in conn.execute('PRAGMA foreign_key_list("embeddings")')
    )


def _create_indexes(conn: sqlite3.Connection) -> None:
    conn.execute(
        'CREATE UNIQUE INDEX IF NOT EXISTS "idx_collections_name" '
        'ON "collections" ("name")'
    )
    if "content_hash" in column_names(conn, "embeddings"):
        conn.execute(
            'CREATE INDEX IF NOT EXISTS "idx_embeddings_content_hash" '
            'ON "embeddings" ("content_hash")'
        )


def _rebuild_embeddings(conn: sqlite3.Connection) -> None:
    """Recreate the embeddings table in the documented form, keeping every row."""
    present = [c for c in EMBEDDINGS_COLUMNS if c in column_names(conn, "embeddings")]
    column_list = ", ".join(f'"{c}"' for c in present)
    conn.execute('DROP TABLE IF EXISTS "embeddings_new"')
    conn.execute(_EMBEDDINGS_SCHEMA.format(table="embeddings_new"))
    conn.execute(
        f'INSERT INTO "embeddings_new" ({column_list}) '
        f'SELECT {column_list} FROM "embeddings"'
    )
    conn.execute('DROP TABLE "embeddings"')
    conn.execute('ALTER TABLE "embeddings_new" RENAME TO "embeddings"')
    _create_indexes(conn)


def m001_create_tables(conn: sqlite3.Connection) -> None:
    tables = table_names(conn)
    if "collections" not in tables:
        conn.execute(COLLECTIONS_SCHEMA)
    if "embeddings" not in tables:
        conn.execute(EMBEDDINGS_SCHEMA)
    _create_indexes(conn)


def m002_foreign_key(conn: sqlite3.Connection) -> None:
    if not _has_collection_foreign_key(conn):
        _rebuild_embeddings(conn)


def m003_add_updated(conn: sqlite3.Connection) -> None:
    if "updated" not in column_names(conn, "embeddings"):
        conn.execute('ALTER TABLE "embeddings" ADD COLUMN "updated" INTEGER')
    # Rows from before this column existed count as updated now.
    conn.execute(
        'UPDATE "embeddings" SET "updated" = ? WHERE "updated" IS NULL',
        [int(time.time())],
    )


def m004_store_content_hash(conn: sqlite3.Connection) -> None:
    if "content_hash" not in column_names(conn, "embeddings"):
        conn.execute('ALTER TABLE "embeddings" ADD COLUMN "content_hash" BLOB')
    rows = conn.execute(
        'SELECT rowid, "content" FROM "embeddings" '
        'WHERE "content_hash" IS NULL AND "content" IS NOT NULL'
    ).fetchall()
    conn.executemany(
        'UPDATE "embeddings" SET "content_hash" = ? WHERE rowid = ?',
        [(content_hash(content), rowid) for rowid, content in rows],
    )
    _create_indexes(conn)


def m005_add_content_blob(conn: sqlite3.Connection) -> None:
    if "content_blob" not in column_names(conn, "embeddings"):
        conn.execute('ALTER TABLE "embeddings" ADD COLUMN "content_blob" BLOB')
    if tuple(column_names(conn, "embeddings")) != EMBEDDINGS_COLUMNS:
        _rebuild_embeddings(conn)


MIGRATIONS: list[Migration] = [
    ("m001_create_tables", m001_create_tables),
    ("m002_foreign_key", m002_foreign_key),
    ("m003_add_updated", m003_add_updated),
    ("m004_store_content_hash", m004_store_content_hash),
    ("m005_add_content_blob", m005_add_content_blob),
]


def applied_migrations(db: Any) -> list[str]:
    """Names of the embeddings migrations recorded as applied in this database."""
    return recorded_migrations(connection_of(db), MIGRATIONS_TABLE, MIGRATION_SET)


def migrate(db: Any) -> list[str]:
    """Bring an embeddings database up to date; returns the migrations it applied."""
    return apply_migrations(
        connection_of(db),
        MIGRATIONS,
        table=MIGRATIONS_TABLE,
        migration_set=MIGRATION_SET,
    )
