"""Files llm writes for the user: created private, replaced atomically, updated under a lock.

Prompts, responses and keys are private, so the databases and secrets llm
creates start out readable by their owner only (0600). A file that already
exists keeps the permissions its owner gave it: llm never silently changes
them. Files are replaced in one step (a temporary file renamed over them), so
a reader never sees half a file, and read-modify-write cycles take a lock
file beside the file (``keys.json.lock``), so parallel ``llm`` processes
queue instead of losing each other's changes.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from .errors import ConfigError

PRIVATE_MODE = 0o600
# How long to wait for another process's update of the same file.
LOCK_TIMEOUT_SECONDS = 30.0


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


def file_mode(path: Path) -> int | None:
    """The permission bits of ``path``, or None if it does not exist."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None


def atomic_write(path: Path, data: str | bytes, *, new_mode: int | None = None) -> None:
    """Replace the content of ``path`` in one step: a temporary file beside it, renamed over it.

    An existing file keeps its permission bits. A new one gets ``new_mode``
    (0600 for secrets, set before anything is written) or, when that is None,
    what the umask allows, as an ordinary ``open()`` would give it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    keep = file_mode(path)
    create_mode = PRIVATE_MODE if keep is not None else (new_mode or 0o666)
    tmp = _temporary_beside(path, create_mode)
    try:
        with open(tmp, "wb") as fp:
            fp.write(data.encode("utf-8") if isinstance(data, str) else data)
        if keep is not None or new_mode is not None:
            os.chmod(tmp, keep if keep is not None else new_mode)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _temporary_beside(path: Path, mode: int) -> Path:
    for _ in range(100):
        candidate = path.with_name(f".{path.name}.{os.urandom(4).hex()}")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue
        os.close(fd)
        return candidate
    raise FileExistsError(f"No free temporary file name beside {path}")


def lock_path(path: Path) -> Path:
    """The lock file that guards updates of ``path``: ``NAME.lock`` beside it."""
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the lock of ``path`` for a read-modify-write cycle.

    Other processes (and threads) updating the same file wait their turn. The
    operating system releases the lock if the process dies, so a crash never
    leaves it stuck; the empty lock file stays. ConfigError if another process
    holds it for longer than LOCK_TIMEOUT_SECONDS.
    """
    from filelock import FileLock, Timeout

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path(path), timeout=LOCK_TIMEOUT_SECONDS, mode=PRIVATE_MODE)
    try:
        lock.acquire()
    except Timeout as ex:
        raise ConfigError(
            f"Could not update {path}: another process has held {lock_path(path)} "
            f"for more than {LOCK_TIMEOUT_SECONDS:g} seconds",
            path=path,
        ) from ex
    try:
        yield
    finally:
        lock.release()
