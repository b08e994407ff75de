"""SQLite files shared by several ``llm`` processes: the ``Database`` handle, checks, WAL,
write transactions and migrations.

llm-logs (``logs.db``) and llm-embeddings (``embeddings.db``) both open their
databases through these helpers and hand out the same ``Database`` object, so both
refuse the same bad paths with the same ``DatabaseError`` messages, survive
concurrent writers the same way and run their schema migrations with one
mechanism. Standard library only; ``import llm`` does not import this module (or
``sqlite3``): packages import it when they open a file.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm.errors import DatabaseError
from llm.files import create_private_file

if TYPE_CHECKING:
    import sqlite_utils

# How long a writer waits for another process to finish its transaction,
# unless LLM_BUSY_TIMEOUT (seconds) says otherwise.
BUSY_TIMEOUT_SECONDS = 60.0
BUSY_TIMEOUT_ENV_VAR = "LLM_BUSY_TIMEOUT"
SQLITE_HEADER = b"SQLite format 3\x00"

Migration = tuple[str, Callable[[sqlite3.Connection], None]]


class Database:
    """An open SQLite database: its sqlite3 ``conn`` and ``path``, plus sqlite-utils on demand.

    ``open_logs_db()`` and ``open_embeddings_db()`` both return one. It works
    wherever a ``sqlite_utils.Database`` is expected: attributes and
    ``db["table"]`` not defined here are served by a ``sqlite_utils.Database``
    over the same connection, created on first use (``utils``). Importing
    sqlite-utils costs hundreds of milliseconds (it imports NumPy when that is
    installed), which logging a prompt or a similarity search never pays.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None) -> None:
        self.conn = conn
        self.path = path
        self._utils: sqlite_utils.Database | None = None

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
        return dict_rows(self.conn.execute(sql, parameters or ()))

    def close(self) -> None:
        """Close the connection (``with open_logs_db() as db:`` does this on exit)."""
        self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Database {self.path}>"


def busy_timeout_seconds() -> float:
    """How long to wait for another process's write lock: ``LLM_BUSY_TIMEOUT`` or 60 s."""
    raw = os.environ.get(BUSY_TIMEOUT_ENV_VAR)
    if raw:
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if value < 0:
            raise DatabaseError(
                f"{BUSY_TIMEOUT_ENV_VAR} should be a number of seconds, not {raw!r}"
            )
        return value
    return BUSY_TIMEOUT_SECONDS


def dict_rows(cursor: sqlite3.Cursor) -> Iterator[dict[str, Any]]:
    """The rows of an executed query as dicts keyed by column name, streamed."""
    names = [d[0] for d in cursor.description]
    for values in cursor:
        yield dict(zip(names, values))


def connection_of(db: Any) -> sqlite3.Connection:
    """The sqlite3 connection behind a ``Database`` or sqlite-utils ``Database`` (or the connection itself)."""
    if isinstance(db, sqlite3.Connection):
        return db
    conn = getattr(db, "conn", None)
    if isinstance(conn, sqlite3.Connection):
        return conn
    raise TypeError(
        f"Expected a sqlite_utils.Database or sqlite3.Connection, got {type(db).__name__}"
    )


def check_database_file(
    path: Path, *, create: bool, writable: bool = True, label: str = "database"
) -> None:
    """Raise DatabaseError unless ``path`` is a SQLite file, or may become one.

    A missing file is allowed with ``create`` when its directory exists and is
    writable. ``writable`` also refuses an existing file that cannot be written.
    ``label`` names the database in messages ("database", "embeddings database").
    """
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory, not a SQLite database file", path)
    if not path.exists():
        if not create:
            raise DatabaseError(f"No {label} found at {path}", path)
        if not path.parent.is_dir():
            raise DatabaseError(
                f"Cannot create {label} {path}: directory {path.parent} does not exist",
                path,
            )
        if not os.access(path.parent, os.W_OK):
            raise DatabaseError(
                f"Cannot create {label} {path}: directory {path.parent} is read-only",
                path,
            )
        return
    check_sqlite_header(path, label=label)
    if writable and not is_writable_file(path):
        raise DatabaseError(_read_only_message(path, label), path)


def is_writable_file(path: Path) -> bool:
    """True if ``path`` may be written: it has a write bit and the system allows it.

    No write bit at all means read-only by intent, even for a root user whom
    the operating system would let write anyway.
    """
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o222)


def check_sqlite_header(path: Path, *, label: str = "database") -> None:
    """Raise DatabaseError if a non-empty file does not start with the SQLite header."""
    try:
        with path.open("rb") as fp:
            header = fp.read(len(SQLITE_HEADER))
    except OSError as ex:
        raise DatabaseError(
            f"Cannot read {label} {path}: {ex.strerror or ex}", path
        ) from ex
    if header and header != SQLITE_HEADER:
        raise DatabaseError(f"{path} is not a SQLite database", path)


def _read_only_message(path: Any, label: str) -> str:
    return f"Cannot write to the {label} {path}: it is read-only"


def database_error(
    ex: sqlite3.Error, path: Any, *, label: str = "database"
) -> DatabaseError:
    """Translate a sqlite3 error into a DatabaseError a user can act on."""
    message = str(ex)
    lowered = message.lower()
    if "not a database" in lowered or "malformed" in lowered:
        text = f"{path} is not a valid SQLite database ({message})"
    elif "readonly" in lowered or "read-only" in lowered:
        text = _read_only_message(path, label)
    elif "locked" in lowered:
        text = f"The {label} {path} is locked by another process"
    elif "unable to open" in lowered:
        text = f"Cannot open {label} {path}: {message}"
    else:
        text = f"{label[:1].upper()}{label[1:]} error in {path}: {message}"
    return DatabaseError(text, path)


def connect(
    path: Path, *, create: bool, writable: bool = True, label: str = "database"
) -> sqlite3.Connection:
    """Check ``path`` (see ``check_database_file``) and connect with a long busy timeout.

    Nothing is read or written yet; failures raise DatabaseError.
    """
    check_database_file(path, create=create, writable=writable, label=label)
    try:
        if create and not path.exists():
            # Prompts and responses are private: a new database (and so its
            # -wal and -shm files) is readable by its owner only.
            create_private_file(path)
        return sqlite3.connect(str(path), timeout=busy_timeout_seconds())
    except sqlite3.Error as ex:
        raise database_error(ex, path, label=label) from ex
    except OSError as ex:
        raise DatabaseError(
            f"Cannot create {label} {path}: {ex.strerror or ex}", path
        ) from ex


def connect_read_only(path: Path, *, label: str = "database") -> sqlite3.Connection:
    """Open an existing database only to read it; failures raise DatabaseError.

    A file others may be writing is opened read-only and sees their commits.
    A file nobody may write (``chmod 444 logs.db``) whose changes are all in
    the main file is opened as immutable, so not even the ``-shm`` and
    ``-wal`` files a WAL reader needs are created beside it; the same is the
    fallback when SQLite cannot make them (a read-only directory).
    """
    check_database_file(path, create=False, writable=False, label=label)
    uri = path.resolve().as_uri()
    wal = path.with_name(path.name + "-wal")
    settled = not is_writable_file(path) and not (wal.exists() and wal.stat().st_size)
    if not settled:
        try:
            return _read_only(f"{uri}?mode=ro")
        except sqlite3.Error as ex:
            message = str(ex).lower()
            if "unable to open" not in message and "readonly" not in message:
                raise database_error(ex, path, label=label) from ex
    try:
        return _read_only(f"{uri}?immutable=1")
    except sqlite3.Error as ex:
        raise database_error(ex, path, label=label) from ex


def _read_only(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout_seconds())
    try:
        conn.execute("select count(*) from sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def open_database(
    path: Path,
    *,
    create: bool,
    writable: bool = True,
    label: str = "database",
    setup: Callable[[Database], None] | None = None,
) -> Database:
    """Connect (see ``connect``) and run ``setup(db)``: configuration, checks, migrations.

    If ``setup`` fails the connection is closed again and a sqlite3 error
    becomes a DatabaseError naming the file.
    """
    conn = connect(path, create=create, writable=writable, label=label)
    db = Database(conn, path)
    try:
        if setup is not None:
            setup(db)
    except sqlite3.Error as ex:
        conn.close()
        raise database_error(ex, path, label=label) from ex
    except BaseException:
        conn.close()
        raise
    return db


def is_file_database(conn: sqlite3.Connection) -> bool:
    """True when the main database is a file (not ``:memory:`` or temporary)."""
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main":
            return bool(row[2])
    return False


def configure(conn: sqlite3.Connection) -> None:
    """A busy timeout of at least ``busy_timeout_seconds()``; WAL journal and NORMAL sync for a file.

    WAL lets readers and a writer share the file; in WAL mode NORMAL sync is
    safe against application crashes and avoids an fsync per transaction. A
    read-only file keeps the journal mode it has.
    """
    timeout_ms = int(busy_timeout_seconds() * 1000)
    if conn.execute("PRAGMA busy_timeout").fetchone()[0] < timeout_ms:
        conn.execute(f"PRAGMA busy_timeout = {timeout_ms}")
    if not is_file_database(conn) or conn.in_transaction:
        return
    try:
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
    except sqlite3.OperationalError:
        pass
    conn.execute("PRAGMA synchronous = NORMAL")


@contextlib.contextmanager
def busy_wait_at_most(db: Any, seconds: float | None) -> Iterator[None]:
    """Inside the block, wait at most ``seconds`` for another process's lock (None: as configured)."""
    if seconds is None:
        yield
        return
    conn = connection_of(db)
    before = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute(f"PRAGMA busy_timeout = {min(before, int(seconds * 1000))}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA busy_timeout = {before}")


@contextlib.contextmanager
def transaction(
    conn: sqlite3.Connection, *, immediate: bool = False
) -> Iterator[sqlite3.Connection]:
    """Run a block atomically: commit on success, roll everything back on error.

    ``immediate`` takes the write lock up front (``BEGIN IMMEDIATE``), so the
    busy timeout applies and concurrent writers queue; a deferred transaction
    that reads and then writes can fail at once under contention. Inside a
    transaction the caller already opened, a savepoint is used and nothing is
    committed.
    """
    if conn.in_transaction:
        conn.execute("SAVEPOINT llm")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK TO llm")
                conn.execute("RELEASE llm")
            raise
        conn.execute("RELEASE llm")
        return
    conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def write_transaction(
    conn: sqlite3.Connection,
) -> contextlib.AbstractContextManager[sqlite3.Connection]:
    """``transaction(conn, immediate=True)``: a transaction that will write."""
    return transaction(conn, immediate=True)


def table_names(conn: sqlite3.Connection) -> set[str]:
    """Names of every table (and virtual table) in the main database."""
    return {
        row[0]
        for row in conn.execute("select name from sqlite_master where type = 'table'")
    }


def column_names(conn: sqlite3.Connection, table: str) -> list[str]:
    """Column names of ``table`` in order (empty if it does not exist)."""
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


# --- migrations --------------------------------------------------------------


def recorded_migrations(
    conn: sqlite3.Connection, table: str, migration_set: str | None = None
) -> list[str]:
    """Names of the migrations recorded in ``table`` (only those of ``migration_set``, if given)."""
    sql = f'select "name" from "{table}"'
    params: tuple[str, ...] = ()
    if migration_set is not None:
        sql += ' where "migration_set" = ?'
        params = (migration_set,)
    try:
        return [row[0] for row in conn.execute(sql, params)]
    except sqlite3.OperationalError as ex:
        if "no such table" in str(ex):
            return []
        raise


def _record_table_sql(table: str, migration_set: str | None) -> str:
    if migration_set is None:
        return (
            f'CREATE TABLE IF NOT EXISTS "{table}" '
            '("name" TEXT PRIMARY KEY, "applied_at" TEXT)'
        )
    # The layout sqlite-migrate uses, which the original LLM's files carry.
    return (
        f'CREATE TABLE IF NOT EXISTS "{table}" (\n'
        '   "migration_set" TEXT,\n'
        '   "name" TEXT,\n'
        '   "applied_at" TEXT,\n'
        '   PRIMARY KEY ("migration_set", "name")\n'
        ")"
    )


def apply_migrations(
    conn: sqlite3.Connection,
    migrations: Sequence[Migration],
    *,
    table: str,
    migration_set: str | None = None,
) -> list[str]:
    """Run, in order, the migrations not yet recorded in ``table``; returns the names it ran.

    Safe to call on every open, from many processes: the fast path is one read
    of ``table``. Otherwise one ``BEGIN IMMEDIATE`` transaction takes the write
    lock, re-reads what is pending (another process may just have done it),
    runs each migration and records it, so an interrupted upgrade leaves the
    database as it was. ``table`` has columns ``name`` and ``applied_at``, plus
    ``migration_set`` when that is given (several sets can share one table).
    """
    if not _pending(conn, migrations, table, migration_set):
        return []
    ran: list[str] = []
    with write_transaction(conn):
        conn.execute(_record_table_sql(table, migration_set))
        for name, function in _pending(conn, migrations, table, migration_set):
            function(conn)
            columns, values = ['"name"', '"applied_at"'], [name, _now()]
            if migration_set is not None:
                columns.insert(0, '"migration_set"')
                values.insert(0, migration_set)
            marks = ", ".join("?" for _ in values)
            conn.execute(
                f'insert into "{table}" ({", ".join(columns)}) values ({marks})',
                values,
            )
            ran.append(name)
    return ran


def pending_migrations(
    conn: sqlite3.Connection,
    migrations: Sequence[Migration],
    *,
    table: str,
    migration_set: str | None = None,
) -> list[str]:
    """Names of the migrations not yet recorded in ``table``, read without writing anything."""
    return [name for name, _ in _pending(conn, migrations, table, migration_set)]


def _pending(
    conn: sqlite3.Connection,
    migrations: Sequence[Migration],
    table: str,
    migration_set: str | None,
) -> list[Migration]:
    done = set(recorded_migrations(conn, table, migration_set))
    return [migration for migration in migrations if migration[0] not in done]


def _now() -> str:
    return str(datetime.datetime.now(datetime.timezone.utc))
