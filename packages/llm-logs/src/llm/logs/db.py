"""Opening logs databases: ``open_logs_db`` and the once-per-database ``ensure_ready``.

Every writer goes through ``ensure_ready`` (WAL mode, busy timeout, migrations)
and ``llm.sqlite.write_transaction`` (``BEGIN IMMEDIATE``), which together are
what lets many ``llm`` processes log to one file at the same time without
"database is locked". File checks and error messages come from ``llm.sqlite``.
"""

from __future__ import annotations

import sqlite3
import weakref
from pathlib import Path
from typing import Any

from llm.errors import DatabaseError
from llm.sqlite import (
    Database,
    column_names,
    configure,
    connect_read_only,
    connection_of,
    database_error,
    is_writable_file,
    open_database,
    table_names,
)

from .state import logs_db_path

# Tables that show a database holds LLM logs (see check_is_logs_database).
LOG_TABLES = frozenset({"responses", "turns"})
# Database objects (ours or sqlite-utils') already configured and migrated.
_ready: weakref.WeakSet[Any] = weakref.WeakSet()


def open_logs_db(
    path: str | Path | None = None,
    *,
    create: bool = True,
    migrate: bool = True,
    logs_only: bool = False,
    for_reading: bool = False,
) -> Database:
    """Open (creating if allowed) a logs database, in WAL mode and migrated.

    The result is an ``llm.sqlite.Database``: it works wherever a
    ``sqlite_utils.Database`` is expected.

    Raises DatabaseError when the path is missing (``create=False``), is a
    directory, is not SQLite or is read-only. ``migrate=False`` opens it as-is,
    for commands such as ``llm logs backup`` that must not change the file.
    ``logs_only=True`` also refuses a database that holds tables but no logs
    (see ``check_is_logs_database``), so reading commands pointed at some other
    SQLite file never turn it into a logs database.

    ``for_reading=True`` is for code that only reads: a missing file is an
    error, never created, and a file that cannot be written (``chmod 444``)
    is opened read-only - if its schema is behind, a private in-memory copy
    is brought up to date instead of the file.
    """
    path = Path(path) if path is not None else logs_db_path()
    if for_reading:
        create = False
        if path.is_file() and not is_writable_file(path):
            return _open_read_only(path, logs_only=logs_only)

    def setup(db: Database) -> None:
        if logs_only:
            check_is_logs_database(db.conn, path)
        if migrate:
            ensure_ready(db)
        else:
            db.conn.execute("select count(*) from sqlite_master").fetchone()

    return open_database(path, create=create, setup=setup)


def _open_read_only(path: Path, *, logs_only: bool) -> Database:
    from .migrations import needs_migration

    conn = connect_read_only(path)
    try:
        if logs_only:
            check_is_logs_database(conn, path)
        if needs_migration(conn):
            copy = sqlite3.connect(":memory:")
            conn.backup(copy)
            conn.close()
            conn = copy
    except sqlite3.Error as ex:
        conn.close()
        raise database_error(ex, path) from ex
    db = Database(conn, path)
    ensure_ready(db)
    return db


def memory_logs_db() -> Database:
    """An empty logs database in memory: where nothing should touch the disk."""
    db = Database(sqlite3.connect(":memory:"))
    ensure_ready(db)
    return db


def check_is_logs_database(conn: sqlite3.Connection, path: Path | None) -> None:
    """Raise DatabaseError if the database has tables but none that hold logs.

    Logs live in ``responses``, in the original's newer ``turns``, or, in the
    oldest databases, in a ``log``/``logs`` table with prompt and response
    columns. An empty database is fine: it becomes a new logs database.
    """
    tables = table_names(conn)
    if not tables or tables & LOG_TABLES or legacy_tables(conn):
        return
    conn.close()
    raise DatabaseError(
        f"{path} is not an LLM logs database: it has tables, but no responses "
        "or turns table. Pass the path to a logs database (see llm logs path).",
        path,
    )


LEGACY_TABLES = ("log", "logs")


def legacy_tables(conn: sqlite3.Connection) -> list[str]:
    """The pre-0.5 log tables present, those with prompt and response columns."""
    present = table_names(conn)
    return [
        table
        for table in LEGACY_TABLES
        if table in present and {"prompt", "response"} <= set(column_names(conn, table))
    ]


def ensure_ready(db: Any) -> sqlite3.Connection:
    """Configure and migrate a database once per Database object; returns its connection.

    A bare sqlite3 connection is checked every time: there is nothing to remember
    it by once it is closed.
    """
    conn = connection_of(db)
    if db is not conn and db in _ready:
        return conn
    from .migrations import migrate

    configure(conn)
    migrate(db)
    # Inside a caller's transaction the migration could still be rolled back.
    if db is not conn and not conn.in_transaction:
        _ready.add(db)
    return conn
