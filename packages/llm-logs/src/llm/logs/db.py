"""Opening logs databases: checks, WAL mode, busy timeout and write transactions.

Every writer goes through ``ensure_ready`` (once per connection) and
``write_transaction`` (``BEGIN IMMEDIATE``), which together are what lets many
``llm`` processes log to one file at the same time without "database is locked".
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm.errors import LogsDatabaseError

from .state import logs_db_path

if TYPE_CHECKING:
    import sqlite_utils

# How long a writer waits for another process to finish its transaction.
BUSY_TIMEOUT_MS = 60_000
SQLITE_HEADER = b"SQLite format 3\x00"
_READY_ATTRIBUTE = "_llm_logs_ready"


def connection(db: Any) -> sqlite3.Connection:
    """The sqlite3 connection behind a sqlite_utils Database (or a connection itself)."""
    return getattr(db, "conn", db)


def check_database_file(path: Path, *, create: bool) -> None:
    """Raise LogsDatabaseError unless ``path`` is (or may become) a writable SQLite file."""
    if path.is_dir():
        raise LogsDatabaseError(
            f"{path} is a directory, not a SQLite database file", path
        )
    if not path.exists():
        if not create:
            raise LogsDatabaseError(f"No database found at {path}", path)
        if not path.parent.is_dir():
            raise LogsDatabaseError(
                f"Cannot create database {path}: directory {path.parent} does not exist",
                path,
            )
        if not os.access(path.parent, os.W_OK):
            raise LogsDatabaseError(
                f"Cannot create database {path}: directory {path.parent} is read-only",
                path,
            )
        return
    check_sqlite_header(path)
    # No write bit at all means read-only by intent, even for a root user
    # whom the operating system would let write anyway.
    if not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222:
        raise LogsDatabaseError(f"Database {path} is read-only", path)


def check_sqlite_header(path: Path) -> None:
    """Raise LogsDatabaseError if a non-empty file does not start with the SQLite header."""
    try:
        with path.open("rb") as fp:
            header = fp.read(len(SQLITE_HEADER))
    except OSError as ex:
        raise LogsDatabaseError(
            f"Cannot read database {path}: {ex.strerror or ex}", path
        ) from ex
    if header and header != SQLITE_HEADER:
        raise LogsDatabaseError(f"{path} is not a SQLite database", path)


def database_error(ex: sqlite3.Error, path: Any) -> LogsDatabaseError:
    """Translate a sqlite3 error into a message a user can act on."""
    message = str(ex)
    lowered = message.lower()
    if "not a database" in lowered or "malformed" in lowered:
        text = f"{path} is not a valid SQLite database ({message})"
    elif "readonly" in lowered or "read-only" in lowered:
        text = f"Database {path} is read-only"
    elif "unable to open" in lowered:
        text = f"Cannot open database {path}: {message}"
    else:
        text = f"Database error in {path}: {message}"
    return LogsDatabaseError(text, path)


class LogsDatabase:
    """An open logs database: its sqlite3 ``conn``, plus sqlite-utils on demand.

    Attributes and ``db["table"]`` not defined here are served by a
    ``sqlite_utils.Database`` over the same connection, created on first use:
    importing sqlite-utils costs hundreds of milliseconds (it imports numpy
    when that is installed), which logging a prompt or running ``llm logs``
    never needs to pay.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None) -> None:
        self.conn = conn
        self.path = path
        self._utils: sqlite_utils.Database | None = None
        setattr(self, _READY_ATTRIBUTE, False)

    @property
    def utils(self) -> sqlite_utils.Database:
        """The ``sqlite_utils.Database`` view of this connection."""
        if self._utils is None:
            import sqlite_utils

            self._utils = sqlite_utils.Database(self.conn)
        return self._utils

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_utils", "conn"):
            raise AttributeError(name)
        return getattr(self.utils, name)

    def __getitem__(self, table: str) -> Any:
        return self.utils[table]

    def execute(self, sql: str, parameters: Any = None) -> sqlite3.Cursor:
        """Run one SQL statement on the connection."""
        return self.conn.execute(sql, parameters or ())

    def query(self, sql: str, parameters: Any = None) -> Iterator[dict[str, Any]]:
        """Rows of a query as dicts, streamed."""
        cursor = self.conn.execute(sql, parameters or ())
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row))

    def close(self) -> None:
        self.conn.close()

    def __repr__(self) -> str:
        return f"<LogsDatabase {self.path}>"


def open_logs_db(
    path: str | Path | None = None,
    *,
    create: bool = True,
    migrate: bool = True,
) -> LogsDatabase:
    """Open (creating if allowed) a logs database, in WAL mode and migrated.

    The result works wherever a ``sqlite_utils.Database`` is expected (see
    LogsDatabase).

    Raises LogsDatabaseError when the path is missing (``create=False``), is a
    directory, is not SQLite or is read-only. ``migrate=False`` opens it as-is,
    for commands such as ``llm logs backup`` that must not change the file.
    """
    path = Path(path) if path is not None else logs_db_path()
    check_database_file(path, create=create)
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as ex:
        raise database_error(ex, path) from ex
    db = LogsDatabase(conn, path)
    try:
        if migrate:
            ensure_ready(db)
        else:
            conn.execute("select count(*) from sqlite_master").fetchone()
    except sqlite3.Error as ex:
        conn.close()
        raise database_error(ex, path) from ex
    return db


def configure(conn: sqlite3.Connection) -> None:
    """WAL journal, NORMAL sync and a generous busy timeout for a file database."""
    current_timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    if current_timeout < BUSY_TIMEOUT_MS:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if not is_file_database(conn) or conn.in_transaction:
        return
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if mode.lower() != "wal":
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
    # In WAL mode NORMAL is safe against application crashes and avoids an
    # fsync per transaction.
    conn.execute("PRAGMA synchronous = NORMAL")


def is_file_database(conn: sqlite3.Connection) -> bool:
    """True when the main database is a file (not ``:memory:`` or temporary)."""
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main":
            return bool(row[2])
    return False


def ensure_ready(db: Any) -> sqlite3.Connection:
    """Configure and migrate a database once per Database object; returns its connection."""
    conn = connection(db)
    if getattr(db, _READY_ATTRIBUTE, False):
        return conn
    from .migrations import migrate

    configure(conn)
    migrate(db)
    # Inside a caller's transaction the migration could still be rolled back.
    if db is not conn and not conn.in_transaction:
        setattr(db, _READY_ATTRIBUTE, True)
    return conn


@contextlib.contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction taken up front (``BEGIN IMMEDIATE``), or a savepoint if one is open.

    Taking the write lock first means the busy timeout applies; a deferred
    transaction that reads then writes can fail at once under contention.
    """
    if conn.in_transaction:
        conn.execute("SAVEPOINT llm_logs")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK TO llm_logs")
            conn.execute("RELEASE llm_logs")
            raise
        conn.execute("RELEASE llm_logs")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def table_names(conn: sqlite3.Connection) -> set[str]:
    """Names of every table (and virtual table) in the main database."""
    return {
        row[0]
        for row in conn.execute("select name from sqlite_master where type = 'table'")
    }


def column_names(conn: sqlite3.Connection, table: str) -> list[str]:
    """Column names of ``table`` in order (empty if it does not exist)."""
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
