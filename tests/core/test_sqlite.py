"""llm.sqlite: the file checks, connection set-up, transactions and migrations logs and embeddings share."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

import llm
from llm.errors import DatabaseError, LogsDatabaseError
from llm.sqlite import (
    Database,
    apply_migrations,
    check_database_file,
    configure,
    connect,
    connection_of,
    database_error,
    open_database,
    recorded_migrations,
    transaction,
    write_transaction,
)


@pytest.fixture
def closing():
    """Closes every connection a test registers, at teardown."""
    connections: list[sqlite3.Connection] = []

    def track(conn: sqlite3.Connection) -> sqlite3.Connection:
        connections.append(conn)
        return conn

    yield track
    for conn in connections:
        conn.close()


def make_database(path):
    conn = sqlite3.connect(str(path))
    conn.execute("create table t (v)")
    conn.commit()
    conn.close()
    return path


def test_import_llm_does_not_load_sqlite():
    code = (
        "import sys, llm\nprint('sqlite3' in sys.modules, 'llm.sqlite' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


# --- file checks -------------------------------------------------------------


def test_missing_file_is_created_only_when_allowed(tmp_path):
    path = tmp_path / "new.db"
    check_database_file(path, create=True)
    with pytest.raises(DatabaseError, match="No embeddings database found at"):
        check_database_file(path, create=False, label="embeddings database")
    assert not path.exists()


def test_directory_and_missing_parent_are_refused(tmp_path):
    with pytest.raises(DatabaseError, match="is a directory") as info:
        check_database_file(tmp_path, create=True)
    assert info.value.path == tmp_path
    with pytest.raises(
        DatabaseError,
        match="Cannot create database .*x.db: directory .*nowhere does not exist",
    ):
        check_database_file(tmp_path / "nowhere" / "x.db", create=True)


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="root writes to any directory"
)
def test_read_only_directory_is_refused(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(DatabaseError, match="directory .* is read-only"):
            check_database_file(folder / "x.db", create=True)
    finally:
        folder.chmod(0o755)


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a database")
    with pytest.raises(DatabaseError, match="notes.txt is not a SQLite database"):
        check_database_file(path, create=True)
    assert path.read_text() == "not a database"
    empty = tmp_path / "empty.db"
    empty.touch()
    check_database_file(empty, create=False)  # SQLite treats an empty file as new


def test_read_only_file_is_refused_only_when_writing(tmp_path):
    path = make_database(tmp_path / "ro.db")
    path.chmod(0o444)
    try:
        with pytest.raises(
            DatabaseError, match="Cannot write to the database .*: it is read-only"
        ):
            check_database_file(path, create=False)
        check_database_file(path, create=False, writable=False)
    finally:
        path.chmod(0o644)


def test_connect_checks_first(tmp_path, closing):
    with pytest.raises(DatabaseError, match="No logs database found"):
        connect(tmp_path / "missing.db", create=False, label="logs database")
    conn = closing(connect(tmp_path / "made.db", create=True))
    conn.execute("create table t (v)")
    assert (tmp_path / "made.db").exists()


# --- the Database handle ---------------------------------------------------------


def test_one_error_name_for_every_database():
    assert LogsDatabaseError is DatabaseError is llm.DatabaseError
    assert llm.LogsDatabaseError is DatabaseError
    assert issubclass(DatabaseError, ValueError)


def test_open_database_runs_setup_and_hands_out_a_database(tmp_path):
    seen = []
    with open_database(tmp_path / "x.db", create=True, setup=seen.append) as db:
        assert isinstance(db, Database) and seen == [db]
        assert db.path == tmp_path / "x.db"
        db.execute("create table t (v)")
        db.execute("insert into t values (?)", [1])
        assert list(db.query("select v from t")) == [{"v": 1}]
        assert connection_of(db) is db.conn
    with pytest.raises(sqlite3.ProgrammingError):
        db.conn.execute("select 1")  # closed by the with block


def test_failed_setup_closes_and_names_the_file(tmp_path):
    opened = []

    def setup(db):
        opened.append(db.conn)
        db.conn.execute("select * from no_such_table")

    with pytest.raises(DatabaseError, match="x.db: no such table") as info:
        open_database(tmp_path / "x.db", create=True, setup=setup)
    assert info.value.path == tmp_path / "x.db"
    with pytest.raises(sqlite3.ProgrammingError):
        opened[0].execute("select 1")


def test_sqlite_utils_features_are_served_on_first_use(tmp_path):
    sqlite_utils = pytest.importorskip("sqlite_utils")
    with open_database(tmp_path / "x.db", create=True) as db:
        db["items"].insert({"id": 1, "name": "one"}, pk="id")
        assert db.table_names() == ["items"]
        assert isinstance(db.utils, sqlite_utils.Database)
        assert db.utils.conn is db.conn


# --- error messages ------------------------------------------------------------


def sqlite_failure(run) -> sqlite3.Error:
    with pytest.raises(sqlite3.Error) as info:
        run()
    return info.value


def test_errors_become_messages_naming_the_database(tmp_path, closing):
    path = make_database(tmp_path / "data.db")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"x" * 4096)

    not_a_database = sqlite_failure(
        lambda: closing(sqlite3.connect(str(garbage))).execute("select 1 from t")
    )
    error = database_error(not_a_database, garbage)
    assert isinstance(error, DatabaseError) and error.path == garbage
    assert str(error).startswith(f"{garbage} is not a valid SQLite database (")

    read_only = closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True))
    ex = sqlite_failure(lambda: read_only.execute("insert into t values (1)"))
    assert str(database_error(ex, path, label="embeddings database")) == (
        f"Cannot write to the embeddings database {path}: it is read-only"
    )

    writer = closing(sqlite3.connect(str(path)))
    writer.execute("begin immediate")
    waiting = closing(sqlite3.connect(str(path), timeout=0))
    ex = sqlite_failure(lambda: waiting.execute("insert into t values (1)"))
    assert str(database_error(ex, path)) == (
        f"The database {path} is locked by another process"
    )
    writer.rollback()

    missing = tmp_path / "no-dir" / "x.db"
    ex = sqlite_failure(lambda: sqlite3.connect(str(missing)))
    assert str(database_error(ex, missing)).startswith(
        f"Cannot open database {missing}:"
    )

    ex = sqlite_failure(lambda: writer.execute("select * from nothing_here"))
    assert str(database_error(ex, path, label="embeddings database")) == (
        f"Embeddings database error in {path}: no such table: nothing_here"
    )


# --- connections ---------------------------------------------------------------


def test_connection_of_accepts_connections_and_wrappers(closing):
    conn = closing(sqlite3.connect(":memory:"))

    class Wrapper:
        def __init__(self, conn):
            self.conn = conn

    assert connection_of(conn) is conn
    assert connection_of(Wrapper(conn)) is conn
    with pytest.raises(TypeError, match="got str"):
        connection_of("logs.db")


def test_configure_a_file_database(tmp_path, closing):
    conn = closing(sqlite3.connect(str(tmp_path / "f.db"), timeout=1))
    configure(conn)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 60_000
    longer = closing(sqlite3.connect(str(tmp_path / "f.db"), timeout=120))
    configure(longer)
    assert longer.execute("PRAGMA busy_timeout").fetchone()[0] == 120_000


def test_configure_leaves_memory_and_read_only_databases_usable(tmp_path, closing):
    memory = closing(sqlite3.connect(":memory:"))
    configure(memory)
    assert memory.execute("PRAGMA journal_mode").fetchone()[0] == "memory"
    path = make_database(tmp_path / "ro.db")
    read_only = closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True))
    configure(read_only)
    assert read_only.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert read_only.execute("select count(*) from t").fetchone() == (0,)


# --- transactions ----------------------------------------------------------------


def values(conn):
    return [row[0] for row in conn.execute("select v from t order by v")]


def test_transaction_commits_or_rolls_back(tmp_path, closing):
    conn = closing(sqlite3.connect(str(make_database(tmp_path / "t.db"))))
    with transaction(conn) as inside:
        assert inside is conn and conn.in_transaction
        conn.execute("insert into t values (1)")
    assert not conn.in_transaction
    with pytest.raises(RuntimeError):
        with transaction(conn):
            conn.execute("insert into t values (2)")
            raise RuntimeError("stop")
    assert not conn.in_transaction
    assert values(conn) == [1]


def test_write_transaction_holds_the_write_lock_from_the_start(tmp_path, closing):
    path = make_database(tmp_path / "t.db")
    conn = closing(sqlite3.connect(str(path)))
    other = closing(sqlite3.connect(str(path), timeout=0))
    with write_transaction(conn):
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("insert into t values (9)")
    with transaction(conn):  # deferred: no lock until it writes
        other.execute("insert into t values (9)")
        other.commit()
    assert values(conn) == [9]


def test_nested_transaction_is_a_savepoint(tmp_path, closing):
    conn = closing(sqlite3.connect(str(make_database(tmp_path / "t.db"))))
    with transaction(conn):
        conn.execute("insert into t values (1)")
        with pytest.raises(ValueError):
            with write_transaction(conn):
                conn.execute("insert into t values (2)")
                raise ValueError("inner only")
        with transaction(conn):
            conn.execute("insert into t values (3)")
        assert conn.in_transaction  # the inner blocks committed nothing
    assert values(conn) == [1, 3]


# --- migrations ------------------------------------------------------------------


def create(name):
    def migration(conn):
        conn.execute(f"create table {name} (v)")

    return migration


MIGRATIONS = [("m001_a", create("a")), ("m002_b", create("b"))]


def test_migrations_run_once_in_order_and_are_recorded(closing):
    conn = closing(sqlite3.connect(":memory:"))
    assert recorded_migrations(conn, "_log") == []
    assert apply_migrations(conn, MIGRATIONS[:1], table="_log") == ["m001_a"]
    assert apply_migrations(conn, MIGRATIONS, table="_log") == ["m002_b"]
    assert apply_migrations(conn, MIGRATIONS, table="_log") == []
    assert recorded_migrations(conn, "_log") == ["m001_a", "m002_b"]
    columns = [row[1] for row in conn.execute("PRAGMA table_info(_log)")]
    assert columns == ["name", "applied_at"]
    assert not conn.in_transaction


def test_migration_sets_share_a_table(closing):
    conn = closing(sqlite3.connect(":memory:"))
    conn.execute(
        'CREATE TABLE "_sqlite_migrations" ("migration_set" TEXT, "name" TEXT, '
        '"applied_at" TEXT, PRIMARY KEY ("migration_set", "name"))'
    )
    conn.execute("insert into _sqlite_migrations values ('other', 'm001_a', 'then')")
    ran = apply_migrations(
        conn, MIGRATIONS, table="_sqlite_migrations", migration_set="mine"
    )
    assert ran == ["m001_a", "m002_b"]
    rows = conn.execute(
        "select migration_set, name from _sqlite_migrations order by migration_set, name"
    ).fetchall()
    assert rows == [("mine", "m001_a"), ("mine", "m002_b"), ("other", "m001_a")]
    assert recorded_migrations(conn, "_sqlite_migrations", "other") == ["m001_a"]


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path, closing):
    def broken(conn):
        conn.execute("create table c (v)")
        raise sqlite3.OperationalError("disk trouble")

    conn = closing(sqlite3.connect(str(tmp_path / "m.db")))
    with pytest.raises(sqlite3.OperationalError, match="disk trouble"):
        apply_migrations(conn, [*MIGRATIONS, ("m003_c", broken)], table="_log")
    tables = {row[0] for row in conn.execute("select name from sqlite_master")}
    assert tables == set()
    assert apply_migrations(conn, MIGRATIONS, table="_log") == ["m001_a", "m002_b"]


def test_migrations_inside_a_callers_transaction_commit_with_it(closing):
    conn = closing(sqlite3.connect(":memory:"))
    conn.execute("begin")
    assert apply_migrations(conn, MIGRATIONS, table="_log") == ["m001_a", "m002_b"]
    conn.rollback()
    assert recorded_migrations(conn, "_log") == []
