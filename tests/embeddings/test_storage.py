"""The embeddings.db format: documented schema, migrations, and files from the original."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest
from llm_test_plugin import DemoEmbeddingModel

import llm
from llm.embeddings import Collection, migrate, open_embeddings_db
from llm.embeddings.db import connect
from llm.embeddings.migrations import MIGRATION_SET, applied_migrations
from llm.errors import DatabaseError

from .conftest import VectorsModel, assert_error


def documented_schema() -> tuple[str, str]:
    """The CREATE TABLE statements docs/embeddings.md prints: collections, embeddings."""
    text = (Path(__file__).parents[2] / "docs" / "embeddings.md").read_text()
    section = text.split("Everything lives in two tables", 1)[1]
    block = section.split("```sql\n", 1)[1].split("\n```", 1)[0]
    collections, embeddings = block.split("\nCREATE TABLE")
    return collections, "CREATE TABLE" + embeddings


DOCUMENTED_COLLECTIONS, DOCUMENTED_EMBEDDINGS = documented_schema()
MIGRATION_NAMES = [
    "m001_create_tables",
    "m002_foreign_key",
    "m003_add_updated",
    "m004_store_content_hash",
    "m005_add_content_blob",
]


@pytest.fixture
def opened():
    """Closes the connections and databases a test opened, at teardown."""
    connections = []

    def track(conn):
        connections.append(conn)
        return conn

    yield track
    for conn in connections:
        conn.close()


def schema(conn: sqlite3.Connection, table: str) -> str:
    return conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()[0]


def test_new_database_has_the_documented_schema(tmp_path, opened):
    conn = opened(connect(tmp_path / "new.db"))
    assert schema(conn, "collections") == DOCUMENTED_COLLECTIONS
    assert schema(conn, "embeddings") == DOCUMENTED_EMBEDDINGS
    indexes = {
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        )
    }
    assert {"idx_collections_name", "idx_embeddings_content_hash"} <= indexes
    assert applied_migrations(conn) == MIGRATION_NAMES
    records = conn.execute(
        "SELECT migration_set, name FROM _sqlite_migrations ORDER BY name"
    ).fetchall()
    assert records == [(MIGRATION_SET, name) for name in MIGRATION_NAMES]


def test_migrations_apply_once(tmp_path, opened):
    path = tmp_path / "again.db"
    connect(path).close()
    conn = opened(sqlite3.connect(str(path)))
    assert migrate(conn) == []
    assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone() == (5,)


def test_vectors_are_little_endian_float32(tmp_path, opened):
    db = opened(open_embeddings_db(tmp_path / "vectors.db"))
    collection = Collection("entries", db, model_id="vectors")
    collection.embed("a", "0.5 -1.25 3")
    (blob,) = db.execute("SELECT embedding FROM embeddings").fetchone()
    assert blob == llm.encode([0.5, -1.25, 3.0])
    assert blob == np.array([0.5, -1.25, 3.0], dtype="<f4").tobytes()
    assert llm.decode(blob) == (0.5, -1.25, 3.0)


def record_migrations(conn, names, applied_at):
    """Bookkeeping as the original's sqlite-migrate writes it."""
    conn.execute(
        'CREATE TABLE "_sqlite_migrations" ("migration_set" TEXT, "name" TEXT, '
        '"applied_at" TEXT, PRIMARY KEY ("migration_set", "name"))'
    )
    conn.executemany(
        "INSERT INTO _sqlite_migrations VALUES (?, ?, ?)",
        [(MIGRATION_SET, name, applied_at) for name in names],
    )


def build_documented_file(path, with_records: bool):
    """An embeddings.db as the original writes it: documented tables, md5 hashes."""
    conn = sqlite3.connect(str(path))
    conn.execute(DOCUMENTED_COLLECTIONS)
    conn.execute('CREATE UNIQUE INDEX "idx_collections_name" ON "collections" ("name")')
    conn.execute(DOCUMENTED_EMBEDDINGS)
    conn.execute(
        'CREATE INDEX "idx_embeddings_content_hash" ON "embeddings" ("content_hash")'
    )
    if with_records:
        record_migrations(conn, MIGRATION_NAMES, "2024-01-01 00:00:00+00:00")
    conn.execute(
        "INSERT INTO collections (id, name, model) VALUES (7, 'phrases', 'vectors')"
    )
    for item_id, text, metadata in [
        ("east", "1 0 0", '{"dir": "east"}'),
        ("north", "0 1 0", None),
        ("mixed", "1 1 0", None),
    ]:
        vector = [float(part) for part in text.split()]
        conn.execute(
            "INSERT INTO embeddings VALUES (7, ?, ?, ?, NULL, ?, ?, 1700000000)",
            [
                item_id,
                llm.encode(vector),
                text,
                hashlib.md5(text.encode("utf-8")).digest(),
                metadata,
            ],
        )
    conn.commit()
    conn.close()


@pytest.mark.parametrize("with_records", [True, False])
def test_a_file_written_by_the_original_keeps_working(tmp_path, with_records, opened):
    path = tmp_path / "original.db"
    build_documented_file(path, with_records)
    db = opened(open_embeddings_db(path))
    assert schema(db.conn, "embeddings") == DOCUMENTED_EMBEDDINGS
    assert applied_migrations(db) == MIGRATION_NAMES
    collection = Collection("phrases", db)
    assert (collection.id, collection.model_id, collection.count()) == (7, "vectors", 3)
    results = collection.similar("2 0 0")
    assert [entry.id for entry in results] == ["east", "mixed", "north"]
    assert results[0].metadata == {"dir": "east"}
    assert results[0].content == "1 0 0"
    # Same content under the same ID: the md5 hashes match, nothing is re-embedded.
    VectorsModel.batches.clear()
    collection.embed_multi([("east", "1 0 0"), ("north", "0 1 0"), ("west", "-1 0 0")])
    assert VectorsModel.batches == [["-1 0 0"]]
    assert db.execute(
        "SELECT updated FROM embeddings WHERE id = 'east'"
    ).fetchone() == (1700000000,)
    assert collection.count() == 4


def test_cli_uses_a_file_written_by_the_original(tmp_path, run):
    path = tmp_path / "original.db"
    build_documented_file(path, with_records=True)
    result = run("similar", "phrases", "-c", "0 2 0", "-d", str(path), "-p")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("north (1.0")
    result = run("collections", "list", "-d", str(path))
    assert result.output == "phrases: vectors\n  3 embeddings, 152B\n"


def test_oldest_layout_is_migrated_without_losing_rows(tmp_path, opened):
    """A file from before content hashes, update times, binary content and the foreign key."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(str(path))
    conn.execute(DOCUMENTED_COLLECTIONS)
    conn.execute(
        'CREATE TABLE "embeddings" ("collection_id" INTEGER, "id" TEXT, '
        '"embedding" BLOB, "content" TEXT, "metadata" TEXT, '
        'PRIMARY KEY ("collection_id", "id"))'
    )
    record_migrations(conn, ["m001_create_tables"], "then")
    conn.execute("INSERT INTO collections VALUES (1, 'old', 'vectors')")
    conn.execute(
        "INSERT INTO embeddings VALUES (1, 'a', ?, 'stored text', '{\"k\": 1}')",
        [llm.encode([1.0, 0.0])],
    )
    conn.execute(
        "INSERT INTO embeddings VALUES (1, 'b', ?, NULL, NULL)",
        [llm.encode([0.0, 1.0])],
    )
    conn.commit()
    conn.close()

    db = opened(open_embeddings_db(path))
    assert schema(db.conn, "embeddings") == DOCUMENTED_EMBEDDINGS
    assert applied_migrations(db) == MIGRATION_NAMES
    rows = db.execute(
        "SELECT id, embedding, content, content_blob, content_hash, metadata, updated "
        "FROM embeddings ORDER BY id"
    ).fetchall()
    assert rows[0][:4] == ("a", llm.encode([1.0, 0.0]), "stored text", None)
    assert rows[0][4] == hashlib.md5(b"stored text").digest()
    assert rows[0][5] == '{"k": 1}'
    assert isinstance(rows[0][6], int)
    assert rows[1][:5] == ("b", llm.encode([0.0, 1.0]), None, None, None)
    foreign_keys = db.execute("PRAGMA foreign_key_list(embeddings)").fetchall()
    assert [(fk[2], fk[3], fk[4]) for fk in foreign_keys] == [
        ("collections", "collection_id", "id")
    ]
    assert Collection("old", db).similar_by_id("a")[0].id == "b"


def test_concurrent_first_use_migrates_once(tmp_path, opened):
    path = tmp_path / "shared.db"
    workers = 8
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work(number: int) -> None:
        try:
            barrier.wait()
            conn = connect(path)
            Collection(f"c{number % 2}", conn, model_id="demo").embed(
                f"item{number}", f"text {number}"
            )
            conn.close()
        except BaseException as ex:  # pragma: no cover - reported below
            errors.append(ex)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    conn = opened(sqlite3.connect(str(path)))
    assert conn.execute(
        "SELECT name, count(*) FROM _sqlite_migrations GROUP BY name ORDER BY name"
    ).fetchall() == [(name, 1) for name in MIGRATION_NAMES]
    assert conn.execute("SELECT name FROM collections ORDER BY name").fetchall() == [
        ("c0",),
        ("c1",),
    ]
    assert conn.execute("SELECT count(*) FROM embeddings").fetchone() == (workers,)


def test_database_path_problems(tmp_path, user_path):
    with pytest.raises(DatabaseError, match="No embeddings database found"):
        connect(tmp_path / "missing.db", create=False)
    with pytest.raises(DatabaseError, match="is a directory"):
        connect(tmp_path)
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("just some text, not a database\n")
    with pytest.raises(DatabaseError, match="is not a SQLite database"):
        connect(not_sqlite)
    assert not_sqlite.read_text() == "just some text, not a database\n"
    with pytest.raises(DatabaseError, match="does not exist"):
        connect(tmp_path / "no-such-dir" / "x.db")
    # The default lives in the user directory.
    connect().close()
    assert (user_path / "embeddings.db").exists()


def test_open_embeddings_db_is_the_shared_database_handle(tmp_path):
    from llm.sqlite import Database

    with open_embeddings_db(tmp_path / "e.db") as db:
        assert isinstance(db, Database) and db.path == tmp_path / "e.db"
        Collection("entries", db, model_id="demo").embed("one", "hello", store=True)
        # sqlite-utils features, as with the sqlite_utils.Database the original returned
        assert db["embeddings"].count == 1
        assert {"collections", "embeddings"} <= set(db.table_names())


def test_cli_reports_database_problems(tmp_path, run):
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("hello")
    assert_error(
        run("collections", "list", "-d", str(not_sqlite)), "is not a SQLite database"
    )
    assert_error(
        run("embed", "c", "id", "-c", "hi", "-m", "demo", "-d", str(not_sqlite)),
        "is not a SQLite database",
    )
    assert not_sqlite.read_text() == "hello"
    assert_error(
        run("collections", "list", "-d", str(tmp_path / "missing.db")),
        "No embeddings database found",
    )


def test_demo_model_batches_fixture_is_reset():
    assert DemoEmbeddingModel.batches == []


def test_documented_migrations_import_path():
    import sqlite_utils

    from llm.embeddings_migrations import embeddings_migrations

    db = sqlite_utils.Database(memory=True)
    embeddings_migrations.apply(db)
    assert {"collections", "embeddings"} <= set(db.table_names())
    db.close()
