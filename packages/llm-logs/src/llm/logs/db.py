"""Opening logs databases: ``open_logs_db`` and the once-per-connection ``ensure_ready``.

Every writer goes through ``ensure_ready`` (WAL mode, busy timeout, migrations)
and ``llm.sqlite.write_transaction`` (``BEGIN IMMEDIATE``), which together are
what lets many ``llm`` processes log to one file at the same time without
"database is locked". File checks and error messages come from ``llm.sqlite``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm.errors import LogsDatabaseError
from llm.sqlite import (
    configure,
    connect,
    connection_of,
    database_error,
    table_names,
)

from .state import logs_db_path

if TYPE_CHECKING:
    import sqlite_utils

_READY_ATTRIBUTE = "_llm_logs_ready"
# Tables that show a database holds LLM logs (see check_is_logs_database).
LOG_TABLES = frozenset({"responses", "turns"})


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
        return dict_rows(self.conn.execute(sql, parameters or ()))

    def close(self) -> None:
        """Close the connection (``with open_logs_db() as db:`` does this on exit)."""
        self.conn.close()

    def __enter__(self) -> LogsDatabase:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<LogsDatabase {self.path}>"


def open_logs_db(
    path: str | Path | None = None,
    *,
    create: bool = True,
    migrate: bool = True,
    logs_only: bool = False,
) -> LogsDatabase:
    """Open (creating if allowed) a logs database, in WAL mode and migrated.

    The result works wherever a ``sqlite_utils.Database`` is expected (see
    LogsDatabase).

    Raises LogsDatabaseError when the path is missing (``create=False``), is a
    directory, is not SQLite or is read-only. ``migrate=False`` opens it as-is,
    for commands such as ``llm logs backup`` that must not change the file.
    ``logs_only=True`` also refuses a database that holds tables but no logs
    (see ``check_is_logs_database``), so reading commands pointed at some other
    SQLite file never turn it into a logs database.
    """
    path = Path(path) if path is not None else logs_db_path()
    conn = connect(path, create=create)
    db = LogsDatabase(conn, path)
    try:
        if logs_only:
            check_is_logs_database(conn, path)
        if migrate:
            ensure_ready(db)
        else:
            conn.execute("select count(*) from sqlite_master").fetchone()
    except sqlite3.Error as ex:
        conn.close()
        raise database_error(ex, path) from ex
    except BaseException:
        conn.close()
        raise
    return db


def check_is_logs_database(conn: sqlite3.Connection, path: Path | None) -> None:
    """Raise LogsDatabaseError if the database has tables but none that hold logs.

    Logs live in ``responses``, in the original's newer ``turns``, or, in the
    oldest databases, in a ``log``/``logs`` table with prompt and response
    columns. An empty database is fine: it becomes a new logs database.
    """
    from .legacy_log import legacy_tables

    tables = table_names(conn)
    if not tables or tables & LOG_TABLES or legacy_tables(conn):
        return
    conn.close()
    raise LogsDatabaseError(
        f"{path} is not an LLM logs database: it has tables, but no responses "
        "or turns table. Pass the path to a logs database (see llm logs path).",
        path,
    )


def dict_rows(cursor: sqlite3.Cursor) -> Iterator[dict[str, Any]]:
    """The rows of an executed query as dicts keyed by column name, streamed."""
    names = [d[0] for d in cursor.description]
    for values in cursor:
        yield dict(zip(names, values))


def ensure_ready(db: Any) -> sqlite3.Connection:
    """Configure and migrate a database once per Database object; returns its connection."""
    conn = connection_of(db)
    if getattr(db, _READY_ATTRIBUTE, False):
        return conn
    from .migrations import migrate

    configure(conn)
    migrate(db)
    # Inside a caller's transaction the migration could still be rolled back.
    if db is not conn and not conn.in_transaction:
        setattr(db, _READY_ATTRIBUTE, True)
    return conn
