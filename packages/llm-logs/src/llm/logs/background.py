"""``BackgroundWriter``: writing to a logs database from a thread of its own.

Many prompts finishing at once (``llm batch``) must not wait for each other's
log writes. Callers hand each write over with ``submit()`` and carry on; the
thread takes whatever is waiting and writes it in one ``BEGIN IMMEDIATE``
transaction, each write in a savepoint of its own, so a burst of responses
costs one commit and a failing write loses only itself.

With ``spool=True``, when another process holds the database past the busy
timeout, a write that can be saved for later (one with a ``spool(path)``
method, such as ``pending.BatchRowEntry``) goes to ``logs-pending/`` instead of
being lost; the next run that can write replays it (see ``pending.py``).
From then on every such write is spooled, even once the lock is gone, so
replaying keeps the order they were made in (a later write never lands
before an earlier one that waits). Without ``spool`` the lock is an error,
for callers that can simply run again.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llm.sqlite import transaction, write_transaction

Write = Callable[[Any], None]

# Writes grouped into one transaction at most; more wait for the next one.
GROUP_LIMIT = 500
_STOP = object()


class BackgroundWriter:
    """Runs ``write(db)`` callables on a thread with its own connection to a logs database.

    ``close()`` waits for everything submitted to be written and raises the
    first write that failed, if any. ``busy_seconds`` is the time spent
    writing, ``written`` how many writes succeeded, ``spooled`` how many were
    saved to ``logs-pending/`` because the database stayed locked.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        max_pending: int = 10_000,
        spool: bool = False,
        spooling: bool = False,
    ):
        from .db import open_logs_db

        # Opened (and migrated) here first, so a bad path fails in the caller.
        checked = open_logs_db(path)
        self._path = checked.path
        checked.close()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_pending)
        self._error: BaseException | None = None
        self.busy_seconds = 0.0
        self.written = 0
        self.spooled = 0
        self._spool_when_locked = spool
        # Entries already wait in logs-pending/ (``spooling``: from before this
        # writer): later spoolable writes join them there, in order.
        self._spooling = spool and spooling
        self._thread = threading.Thread(
            target=self._run, name="llm-log-writer", daemon=True
        )
        self._thread.start()

    def submit(self, write: Write) -> None:
        """Queue ``write(db)``; it runs soon on the writer thread."""
        self._queue.put(write)

    def _run(self) -> None:
        from .db import open_logs_db

        db = None
        try:
            db = open_logs_db(self._path)
        except Exception as ex:
            self._error = ex  # what is submitted is then taken and dropped
        try:
            stopping = False
            while not stopping:
                group = [self._queue.get()]
                while len(group) < GROUP_LIMIT:
                    try:
                        group.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                if _STOP in group:
                    group = group[: group.index(_STOP)]
                    stopping = True
                if group and db is not None:
                    self._write(db, group)
        finally:
            if db is not None:
                db.close()

    def _write(self, db: Any, group: list[Write]) -> None:
        from .pending import is_locked

        started = time.perf_counter()
        written = 0
        try:
            if self._spooling:
                self._spool([w for w in group if hasattr(w, "spool")], None)
                group = [w for w in group if not hasattr(w, "spool")]
                if not group:
                    return
            with write_transaction(db.conn):
                for write in group:
                    try:
                        with transaction(db.conn):
                            write(db)
                        written += 1
                    except Exception as ex:
                        if self._error is None:
                            self._error = ex
            self.written += written
        except Exception as ex:  # the transaction itself: nothing in it was written
            if self._spool_when_locked and is_locked(ex):
                self._spool(group, ex)
                self._spooling = True
            elif self._error is None:
                self._error = ex
        finally:
            self.busy_seconds += time.perf_counter() - started

    def _spool(self, group: list[Write], locked: BaseException | None) -> None:
        for write in group:
            spool = getattr(write, "spool", None)
            if spool is None:
                if self._error is None:
                    self._error = locked
                continue
            try:
                spool(self._path)
                self.spooled += 1
            except Exception as ex:
                if self._error is None:
                    self._error = ex

    def close(self) -> None:
        """Write everything still queued, stop the thread; raise the first failure."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def __enter__(self) -> BackgroundWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
