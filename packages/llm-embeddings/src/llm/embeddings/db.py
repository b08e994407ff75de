"""Opening the embeddings database and running transactions against it.

The CLI works on plain ``sqlite3`` connections (importing sqlite-utils costs
more than a whole ``llm similar`` query); the Python API hands out and accepts
sqlite-utils ``Database`` objects as the original documents.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm.errors import LogsDatabaseError
from llm.paths import user_dir

if TYPE_CHECKING:
    import sqlite_utils

BUSY_TIMEOUT_SECONDS = 30.0
# Reading vectors through a memory map is noticeably faster for large scans.
MMAP_SIZE = 256 * 1024 * 1024
CACHE_KIB = 64 * 1024
_SQLITE_HEADER = b"SQLite format 3\x00"


def embeddings_db_path() -> Path:
    """The default embeddings database: ``embeddings.db`` in the user directory."""
    return user_dir() / "embeddings.db"


def connection_of(db: Any) -> sqlite3.Connection:
    """The sqlite3 connection behind a sqlite-utils Database (or the connection itself)."""
    if isinstance(db, sqlite3.Connection):
        return db
    conn = getattr(db, "conn", None)
    if isinstance(conn, sqlite3.Connection):
        return conn
    raise TypeError(
        f"Expected a sqlite_utils.Database or sqlite3.Connection, got {type(db).__name__}"
    )


def _check_path(path: Path, create: bool) -> None:
    if path.is_dir():
        raise LogsDatabaseError(
            f"{path} is a directory, not an embeddings database", path
        )
    if not path.exists():
        if not create:
            raise LogsDatabaseError(f"No embeddings database found at {path}", path)
        if not path.parent.is_dir():
            raise LogsDatabaseError(
                f"Cannot create {path}: directory {path.parent} does not exist", path
            )
        return
    try:
        with path.open("rb") as fp:
            header = fp.read(len(_SQLITE_HEADER))
    except OSError as ex:
        raise LogsDatabaseError(f"Cannot read {path}: {ex.strerror}", path) from ex
    if header and header != _SQLITE_HEADER:
        raise LogsDatabaseError(f"{path} is not a SQLite database", path)


def describe_sqlite_error(ex: sqlite3.Error, path: Path | str | None) -> str:
    """A user-facing sentence for a SQLite failure on the embeddings database."""
    text = str(ex)
    where = f" {path}" if path is not None else ""
    if "readonly" in text or "read-only" in text:
        return f"Cannot write to the embeddings database{where}: it is read-only"
    if "file is not a database" in text:
        return f"{path} is not a SQLite database"
    if "locked" in text:
        return f"The embeddings database{where} is locked by another process"
    return f"Embeddings database error{where}: {text}"


def _configure(conn: sqlite3.Connection) -> None:
    """WAL journal with NORMAL sync (one commit per batch stays cheap), bigger caches."""
    try:
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
    except sqlite3.OperationalError:
        pass  # a read-only file keeps its journal mode
    # In WAL mode NORMAL is safe against application crashes.
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    conn.execute(f"PRAGMA mmap_size = {MMAP_SIZE}")


def connect(
    path: str | Path | None = None, *, create: bool = True
) -> sqlite3.Connection:
    """Open (creating and migrating if needed) an embeddings database as a sqlite3 connection.

    Raises ``LogsDatabaseError`` when the path is a directory, is not SQLite, is
    missing and ``create`` is false, or cannot be migrated (for example read-only).
    """
    from .migrations import migrate

    path = Path(path) if path is not None else embeddings_db_path()
    _check_path(path, create)
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS)
    except sqlite3.Error as ex:
        raise LogsDatabaseError(describe_sqlite_error(ex, path), path) from ex
    try:
        _configure(conn)
        migrate(conn)
    except sqlite3.Error as ex:
        conn.close()
        raise LogsDatabaseError(describe_sqlite_error(ex, path), path) from ex
    return conn


def open_embeddings_db(
    path: str | Path | None = None, *, create: bool = True
) -> sqlite_utils.Database:
    """Open an embeddings database (default ``embeddings_db_path()``) as a sqlite-utils Database."""
    import sqlite_utils

    return sqlite_utils.Database(connect(path, create=create))


@contextmanager
def transaction(conn: sqlite3.Connection, *, immediate: bool = False) -> Iterator[None]:
    """Run a block atomically: commit on success, roll back everything on error.

    ``immediate`` takes the write lock up front so concurrent writers queue
    instead of failing halfway. Inside an already open transaction (one the
    caller started) a savepoint is used and nothing is committed.
    """
    if conn.in_transaction:
        conn.execute("SAVEPOINT llm_embeddings")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK TO SAVEPOINT llm_embeddings")
                conn.execute("RELEASE SAVEPOINT llm_embeddings")
            raise
        else:
            conn.execute("RELEASE SAVEPOINT llm_embeddings")
        return
    conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
