"""Files llm writes for the user: created private, replaced atomically, updated under a lock.

Prompts, responses and keys are private, so every file llm creates in the user
directory (databases, keys, the pending-log spool) starts out readable by its
owner only (0600). A file that already exists keeps the permissions its owner
gave it: llm never silently changes them.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_MODE = 0o600


def create_private_file(path: Path) -> bool:
    """Create ``path`` empty and owner-only (0600); False if it already existed.

    Used before SQLite creates a database, whose ``-wal`` and ``-shm`` files
    then get the same permissions.
    """
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_MODE)
    except FileExistsError:
        return False
    try:
        if hasattr(os, "fchmod"):  # a umask could have taken more away
            os.fchmod(fd, PRIVATE_MODE)
    finally:
        os.close(fd)
    return True
