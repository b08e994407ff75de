"""Opening the embeddings database (the ``Database`` handle, checks, WAL and transactions
come from ``llm.sqlite``, as for logs.db).

The CLI works on plain ``sqlite3`` connections (importing sqlite-utils costs
more than a whole ``llm similar`` query); the Python API hands out
``llm.sqlite.Database`` objects and accepts those, sqlite-utils ``Database``
objects (as the original documents) and plain connections.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from llm.paths import user_dir
from llm.sqlite import Database, configure, open_database

# Names this database in error messages.
LABEL = "embeddings database"
# Reading vectors through a memory map is noticeably faster for large scans.
MMAP_SIZE = 256 * 1024 * 1024
CACHE_KIB = 64 * 1024


def embeddings_db_path() -> Path:
    """The default embeddings database: ``embeddings.db`` in the user directory."""
    return user_dir() / "embeddings.db"


def connect(
    path: str | Path | None = None, *, create: bool = True
) -> sqlite3.Connection:
    """Open (creating and migrating if needed) an embeddings database as a sqlite3 connection.

    Raises ``DatabaseError`` when the path is a directory, is not SQLite, is
    missing and ``create`` is false, or cannot be migrated (for example read-only).
    """
    return open_embeddings_db(path, create=create).conn


def open_embeddings_db(
    path: str | Path | None = None, *, create: bool = True
) -> Database:
    """Open an embeddings database (default ``embeddings_db_path()``), configured and migrated.

    The result is an ``llm.sqlite.Database``: it works wherever a
    ``sqlite_utils.Database`` is expected. Errors as for ``connect``.
    """
    from .migrations import migrate

    def setup(db: Database) -> None:
        configure(db.conn)
        db.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        db.conn.execute(f"PRAGMA mmap_size = {MMAP_SIZE}")
        migrate(db.conn)

    path = Path(path) if path is not None else embeddings_db_path()
    # A read-only file is fine as long as nothing needs writing.
    return open_database(path, create=create, writable=False, label=LABEL, setup=setup)
