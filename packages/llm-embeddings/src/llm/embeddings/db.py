"""Opening the embeddings database (checks, WAL and transactions come from ``llm.sqlite``).

The CLI works on plain ``sqlite3`` connections (importing sqlite-utils costs
more than a whole ``llm similar`` query); the Python API hands out and accepts
sqlite-utils ``Database`` objects as the original documents.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from llm.paths import user_dir
from llm.sqlite import configure, database_error
from llm.sqlite import connect as connect_file

if TYPE_CHECKING:
    import sqlite_utils

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

    Raises ``LogsDatabaseError`` when the path is a directory, is not SQLite, is
    missing and ``create`` is false, or cannot be migrated (for example read-only).
    """
    from .migrations import migrate

    path = Path(path) if path is not None else embeddings_db_path()
    # A read-only file is fine as long as nothing needs writing.
    conn = connect_file(path, create=create, writable=False, label=LABEL)
    try:
        configure(conn)
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        conn.execute(f"PRAGMA mmap_size = {MMAP_SIZE}")
        migrate(conn)
    except sqlite3.Error as ex:
        conn.close()
        raise database_error(ex, path, label=LABEL) from ex
    except BaseException:
        conn.close()
        raise
    return conn


def open_embeddings_db(
    path: str | Path | None = None, *, create: bool = True
) -> sqlite_utils.Database:
    """Open an embeddings database (default ``embeddings_db_path()``) as a sqlite-utils Database."""
    import sqlite_utils

    return sqlite_utils.Database(connect(path, create=create))
