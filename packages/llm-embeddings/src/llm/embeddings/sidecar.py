"""A float32 matrix of a large collection's vectors, kept beside its SQLite database.

Searching a million vectors by decoding a million BLOBs per query is too slow,
so the SQLite store keeps, for each large collection, its vectors scaled to
unit length in memory-mapped ``.npy`` files in ``<database>-vectors/``: a
cosine search is then one matrix-vector product. The database stays exactly
in the original's schema and remains the truth; the matrix is a cache that is
never served stale:

* A **fingerprint** of the collection (item count, highest, and sum of the
  SQLite ``rowid`` values, plus the hash and update time of the newest row) is
  read from the primary-key index with one query. Writes by this package and
  by the original tool insert a new row (``INSERT OR REPLACE`` gives it a new,
  higher rowid) or delete rows, and each changes the fingerprint.
* A manifest (``c<collection id>.json``) records the fingerprint the files
  were made for. When they differ, rows added since (those with a higher
  rowid) are appended as a new segment file and rows gone are listed as dead,
  if the newest row the files know is unchanged; otherwise everything is
  rebuilt from the database. Segments are merged when they pile up.
* Within one process, a connection's ``data_version`` and ``total_changes``
  tell whether anything was written since the last check, so repeated queries
  skip even the fingerprint.

Files are written to temporary names and renamed into place, manifest last,
and are never changed afterwards, so a reader sees an old or a new version,
never half of one. Where the directory cannot be written the matrix is built
in memory for the life of the store.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from llm.sqlite import transaction

from .similarity import unit_rows

if TYPE_CHECKING:
    import numpy as np

# 2: rows normalised in float64 (the bound in ``similarity.score_error``).
FORMAT_VERSION = 2
# Rows read from SQLite per step while (re)building.
READ_ROWS = 8192
# Merge into one segment past this many segments, or when this share of rows is dead.
MAX_SEGMENTS = 8
MAX_DEAD_SHARE = 0.2
# Scans of this many rows or more are split across threads (up to MAX_THREADS).
THREAD_MIN_ROWS = 100_000
MAX_THREADS = 4
# A prefix filter picking fewer than 1/GATHER_SHARE of the rows copies just those.
GATHER_SHARE = 8


@dataclass(frozen=True)
class Fingerprint:
    """What the matrix must match: the collection's identity and the shape of its rows."""

    collection_id: int
    name: str
    model: str
    count: int
    max_rowid: int
    sum_rowid: int
    top_hash: str
    top_updated: int | None


def fingerprint(
    conn: sqlite3.Connection, collection_id: int, name: str, model: str
) -> Fingerprint:
    """The collection's fingerprint: one scan of its primary-key entries, one row lookup."""
    count, max_rowid, sum_rowid = conn.execute(
        "SELECT count(*), coalesce(max(rowid), 0), coalesce(sum(rowid), 0) "
        "FROM embeddings WHERE collection_id = ?",
        [collection_id],
    ).fetchone()
    top = conn.execute(
        "SELECT content_hash, updated FROM embeddings WHERE rowid = ?", [max_rowid]
    ).fetchone()
    top_hash, top_updated = top if top is not None else (None, None)
    return Fingerprint(
        collection_id,
        name,
        model,
        int(count),
        int(max_rowid),
        int(sum_rowid),
        bytes(top_hash).hex() if top_hash is not None else "",
        top_updated,
    )


@dataclass
class Segment:
    """Unit-length vectors and their rowids (ascending); arrays or memory maps."""

    vectors: np.ndarray
    rowids: np.ndarray
    name: str | None = None  # file stem, when on disk


@dataclass
class Matrix:
    """The whole collection as segments, minus rows deleted since (``dead`` rowids)."""

    fingerprint: Fingerprint
    dimensions: int
    segments: list[Segment]
    dead: np.ndarray
    dead_name: str | None = None
    skipped: int = 0  # rows whose vectors have other dimensions, left out
    _rowids: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def rows(self) -> int:
        return sum(len(segment.rowids) for segment in self.segments)

    def scores(
        self, unit: np.ndarray, only: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Float32 scores against the unit-length float32 ``unit``, and the rows' rowids.

        Every row, or with ``only`` (ascending rowids) just those; rows deleted
        since (``dead``) score ``-inf``. A large ``only`` is scored by scanning
        everything and setting the others to ``-inf`` rather than by copying
        the rows it picks. See ``similarity.score_error`` for the precision.
        """
        import numpy as np

        if only is not None and len(only) * GATHER_SHARE < self.rows:
            parts = []
            for segment in self.segments:
                positions = _positions(segment.rowids, only)
                parts.append(
                    (segment.vectors[positions] @ unit, segment.rowids[positions])
                )
            scores = np.concatenate([p[0] for p in parts] or [np.zeros(0, np.float32)])
            rowids = np.concatenate([p[1] for p in parts] or [np.zeros(0, np.int64)])
            if len(self.dead):
                scores[_contains(self.dead, rowids)] = -np.inf
            return scores, rowids
        rowids = self.rowids
        scores = np.empty(len(rowids), np.float32)
        blocks, offset = [], 0
        for segment in self.segments:
            size = len(segment.rowids)
            blocks.append((segment.vectors, scores[offset : offset + size]))
            offset += size
        _dot_in_threads(blocks, unit)
        if len(self.dead):
            scores[_positions(rowids, self.dead)] = -np.inf
        if only is not None:
            chosen = np.zeros(len(rowids), dtype=bool)
            chosen[_positions(rowids, only)] = True
            scores[~chosen] = -np.inf
        return scores, rowids

    @property
    def rowids(self) -> np.ndarray:
        """Every row's rowid, in matrix order (ascending: segments only ever add higher ones)."""
        import numpy as np

        if self._rowids is None:
            if len(self.segments) == 1:
                self._rowids = np.asarray(self.segments[0].rowids)
            else:
                self._rowids = np.concatenate(
                    [s.rowids for s in self.segments] or [np.zeros(0, np.int64)]
                )
        return self._rowids


def scan_threads() -> int:
    """How many threads share a large scan: the CPUs this process may use, at most 4."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(available, MAX_THREADS))


def _dot_in_threads(
    blocks: list[tuple[np.ndarray, np.ndarray]], unit: np.ndarray
) -> None:
    """``out[:] = vectors @ unit`` for each ``(vectors, out)``, split across threads.

    A scan of a large matrix is bound by memory bandwidth, which one core
    does not use up; NumPy releases the GIL in the products. Each row's score
    is the same float32 dot product however the rows are split.
    """
    import numpy as np

    total = sum(len(out) for _, out in blocks)
    threads = scan_threads() if total >= THREAD_MIN_ROWS else 1
    pieces = []
    for vectors, out in blocks:
        step = -(-len(out) // threads) if len(out) else 1
        for start in range(0, len(out), step):
            pieces.append((vectors[start : start + step], out[start : start + step]))
    if threads == 1 or len(pieces) == 1:
        for vectors, out in pieces:
            np.dot(vectors, unit, out=out)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        for _ in pool.map(lambda piece: np.dot(piece[0], unit, out=piece[1]), pieces):
            pass


def _contains(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which ``values`` occur in the ascending array ``sorted_values``."""
    import numpy as np

    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    found = np.searchsorted(sorted_values, values)
    found[found == len(sorted_values)] = 0
    return sorted_values[found] == values


def _positions(rowids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Positions in the ascending ``rowids`` of those ``wanted`` rowids it holds."""
    import numpy as np

    found = np.searchsorted(rowids, wanted)
    inside = found < len(rowids)
    found, wanted = found[inside], wanted[inside]
    return found[rowids[found] == wanted]


class SidecarFiles:
    """The ``<database>-vectors`` directory of one database: manifests and segment files."""

    def __init__(self, database: Path) -> None:
        self.directory = database.parent / f"{database.name}-vectors"

    def manifest_path(self, collection_id: int) -> Path:
        return self.directory / f"c{collection_id}.json"

    def load(self, collection_id: int) -> Matrix | None:
        """The matrix the manifest describes, or None if it is missing or unreadable."""
        import numpy as np

        try:
            manifest = json.loads(self.manifest_path(collection_id).read_text())
            if manifest.get("version") != FORMAT_VERSION:
                return None
            segments = [
                Segment(
                    np.load(self.directory / f"{name}.npy", mmap_mode="r"),
                    np.load(self.directory / f"{name}.rowids.npy"),
                    name,
                )
                for name in manifest["segments"]
            ]
            dead_name = manifest.get("dead")
            dead = (
                np.load(self.directory / f"{dead_name}.npy")
                if dead_name
                else np.zeros(0, np.int64)
            )
            return Matrix(
                Fingerprint(**manifest["fingerprint"]),
                int(manifest["dimensions"]),
                segments,
                dead,
                dead_name,
                int(manifest.get("skipped", 0)),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, matrix: Matrix) -> None:
        """Write new segment files and the manifest; remove files no longer used."""
        collection_id = matrix.fingerprint.collection_id
        self.directory.mkdir(exist_ok=True)
        for segment in matrix.segments:
            if segment.name is None:
                segment.name = self._new_name(collection_id)
                self._write(f"{segment.name}.rowids.npy", segment.rowids)
                self._write(f"{segment.name}.npy", segment.vectors)
        if len(matrix.dead) and matrix.dead_name is None:
            matrix.dead_name = self._new_name(collection_id)
            self._write(f"{matrix.dead_name}.npy", matrix.dead)
        elif not len(matrix.dead):
            matrix.dead_name = None
        manifest = {
            "version": FORMAT_VERSION,
            "fingerprint": asdict(matrix.fingerprint),
            "dimensions": matrix.dimensions,
            "segments": [segment.name for segment in matrix.segments],
            "dead": matrix.dead_name,
            "skipped": matrix.skipped,
        }
        self._replace(self.manifest_path(collection_id), json.dumps(manifest).encode())
        keep = {f"{s.name}.npy" for s in matrix.segments}
        keep |= {f"{s.name}.rowids.npy" for s in matrix.segments}
        if matrix.dead_name:
            keep.add(f"{matrix.dead_name}.npy")
        self._remove_files(collection_id, keep)

    def size_path(self, collection_id: int) -> Path:
        return self.directory / f"c{collection_id}.size.json"

    def load_size(self, current: Fingerprint) -> int | None:
        """The collection's size in bytes, if one was recorded for exactly this fingerprint."""
        try:
            recorded = json.loads(self.size_path(current.collection_id).read_text())
            if Fingerprint(**recorded["fingerprint"]) == current:
                return int(recorded["size_bytes"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def save_size(self, current: Fingerprint, size: int) -> None:
        self.directory.mkdir(exist_ok=True)
        record = {"fingerprint": asdict(current), "size_bytes": size}
        self._replace(
            self.size_path(current.collection_id), json.dumps(record).encode()
        )

    def forget_size(self, collection_id: int) -> None:
        with contextlib.suppress(OSError):
            self.size_path(collection_id).unlink()

    def remove(self, collection_id: int) -> None:
        """Forget a deleted collection's files."""
        with contextlib.suppress(OSError):
            self.manifest_path(collection_id).unlink()
        self.forget_size(collection_id)
        self._remove_files(collection_id, set())

    def remove_others(self, collection_ids: set[int]) -> None:
        """Forget the files of collections not in ``collection_ids``.

        Collections deleted by another tool (the original ``llm``) leave their
        files behind: as large as the collection's vectors, and never read again.
        """
        with contextlib.suppress(OSError):
            for path in self.directory.glob("c*.json"):
                stem = path.name[1:].split(".")[0]
                if stem.isdigit() and int(stem) not in collection_ids:
                    self.remove(int(stem))

    def _remove_files(self, collection_id: int, keep: set[str]) -> None:
        with contextlib.suppress(OSError):
            for path in self.directory.glob(f"c{collection_id}-*.npy"):
                if path.name not in keep:
                    with contextlib.suppress(OSError):
                        path.unlink()

    @staticmethod
    def _new_name(collection_id: int) -> str:
        return f"c{collection_id}-{secrets.token_hex(8)}"

    def _write(self, name: str, array: np.ndarray) -> None:
        import numpy as np

        temporary = self.directory / f".{name}.{secrets.token_hex(4)}.tmp"
        with temporary.open("wb") as fp:
            np.save(fp, np.ascontiguousarray(array))
        os.replace(temporary, self.directory / name)

    def _replace(self, path: Path, data: bytes) -> None:
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)


def _read_rows(
    conn: sqlite3.Connection,
    collection_id: int,
    after_rowid: int,
    dimensions: int | None,
    *,
    by_index: bool = False,
    expected: int = 0,
) -> tuple[int | None, Segment, int]:
    """Vectors (unit length) and rowids of the collection's rows past ``after_rowid``.

    ``dimensions`` None takes the first row's; rows of other sizes are counted,
    not kept. The table is walked in rowid order, which suits a tail of new
    rows or a collection that fills most of the table; ``by_index`` reads a
    smaller collection through its primary-key index instead. Rows go straight
    into one array sized for ``expected`` rows, so a build needs little more
    memory than the matrix itself.
    """
    import numpy as np

    collection = "collection_id" if by_index else "+collection_id"
    cursor = conn.execute(
        f"SELECT rowid, embedding FROM embeddings WHERE {collection} = ? AND rowid > ?",
        [collection_id, after_rowid],
    )
    capacity = max(expected, READ_ROWS)
    vectors: np.ndarray | None = None
    rowids = np.empty(capacity, np.int64)
    filled = skipped = 0
    while True:
        chunk = cursor.fetchmany(READ_ROWS)
        if not chunk:
            break
        if dimensions is None:
            dimensions = len(chunk[0][1] or b"") // 4
        size = dimensions * 4
        kept = [row for row in chunk if row[1] is not None and len(row[1]) == size]
        skipped += len(chunk) - len(kept)
        if not kept or not dimensions:
            continue
        if vectors is None:
            vectors = np.empty((capacity, dimensions), np.float32)
        if filled + len(kept) > capacity:
            capacity = max(2 * capacity, filled + len(kept))
            vectors = _grown(vectors, capacity, filled)
            rowids = _grown(rowids, capacity, filled)
        blobs = b"".join(row[1] for row in kept)
        vectors[filled : filled + len(kept)] = unit_rows(
            np.frombuffer(blobs, dtype="<f4").reshape(len(kept), dimensions)
        )
        rowids[filled : filled + len(kept)] = [row[0] for row in kept]
        filled += len(kept)
    if vectors is None:
        return dimensions, _segment([], [], dimensions or 0), skipped
    segment = _segment([vectors[:filled]], [rowids[:filled]], dimensions or 0)
    return dimensions, segment, skipped


def _grown(array: np.ndarray, capacity: int, filled: int) -> np.ndarray:
    import numpy as np

    bigger = np.empty((capacity, *array.shape[1:]), array.dtype)
    bigger[:filled] = array[:filled]
    return bigger


def _segment(
    vectors: list[np.ndarray], rowids: list[np.ndarray], dimensions: int
) -> Segment:
    """One segment, its rows in ascending rowid order."""
    import numpy as np

    if not vectors:
        return Segment(np.zeros((0, dimensions), np.float32), np.zeros(0, np.int64))
    if len(vectors) == 1:
        all_vectors, all_rowids = vectors[0], rowids[0]
    else:
        all_vectors, all_rowids = np.concatenate(vectors), np.concatenate(rowids)
    if np.any(all_rowids[1:] < all_rowids[:-1]):
        order = np.argsort(all_rowids, kind="stable")
        all_vectors, all_rowids = all_vectors[order], all_rowids[order]
    return Segment(all_vectors, all_rowids)


def build(conn: sqlite3.Connection, current: Fingerprint) -> Matrix:
    """A matrix of the whole collection, read from the database."""
    import numpy as np

    # Through the index when the collection is a small part of the table.
    table_rows = conn.execute("SELECT max(rowid) FROM embeddings").fetchone()[0] or 0
    dimensions, segment, skipped = _read_rows(
        conn,
        current.collection_id,
        0,
        None,
        by_index=current.count * 4 < table_rows,
        expected=current.count,
    )
    dimensions = dimensions or 0
    return Matrix(
        current, dimensions, [segment], np.zeros(0, np.int64), skipped=skipped
    )


def refresh(
    conn: sqlite3.Connection, old: Matrix, current: Fingerprint
) -> Matrix | None:
    """``old`` brought up to ``current`` by appending new rows and marking gone ones dead.

    None when that is not safe: the newest row ``old`` knows was replaced or
    deleted, so its rowid and those after it may have been reused. Rebuild then.
    """
    import numpy as np

    before = old.fingerprint
    if (before.collection_id, before.name, before.model) != (
        current.collection_id,
        current.name,
        current.model,
    ):
        return None
    if before.max_rowid and _top(conn, before) != (before.top_hash, before.top_updated):
        return None
    _, added, skipped = _read_rows(
        conn, current.collection_id, before.max_rowid, old.dimensions
    )
    dead = old.dead
    if (
        old.rows - len(dead) + old.skipped + len(added.rowids) + skipped
        != current.count
    ):
        # Rows were deleted: those the matrix holds but the database no longer has.
        present = sorted_rowids(
            conn.execute(
                "SELECT rowid FROM embeddings WHERE collection_id = ? AND rowid <= ?",
                [current.collection_id, before.max_rowid],
            )
        )
        held = np.concatenate([s.rowids for s in old.segments])
        dead = np.union1d(dead, held[~_contains(present, held)])
    segments = [*old.segments, added] if len(added.rowids) else list(old.segments)
    live = sum(len(s.rowids) for s in segments) - len(dead)
    matrix = Matrix(
        current,
        old.dimensions,
        segments,
        dead,
        old.dead_name if dead is old.dead else None,
        current.count - live,
    )
    if len(matrix.segments) > MAX_SEGMENTS or len(dead) > MAX_DEAD_SHARE * max(
        matrix.rows, 1
    ):
        return compact(matrix)
    return matrix


def _top(conn: sqlite3.Connection, before: Fingerprint) -> tuple[str, int | None]:
    row = conn.execute(
        "SELECT content_hash, updated FROM embeddings WHERE rowid = ? AND collection_id = ?",
        [before.max_rowid, before.collection_id],
    ).fetchone()
    if row is None:
        return ("", None)
    return (bytes(row[0]).hex() if row[0] is not None else "", row[1])


def compact(matrix: Matrix) -> Matrix:
    """One segment holding only the live rows."""
    import numpy as np

    vectors, rowids = [], []
    for segment in matrix.segments:
        keep = ~_contains(matrix.dead, segment.rowids)
        vectors.append(np.asarray(segment.vectors)[keep])
        rowids.append(segment.rowids[keep])
    return Matrix(
        matrix.fingerprint,
        matrix.dimensions,
        [_segment(vectors, rowids, matrix.dimensions)],
        np.zeros(0, np.int64),
        skipped=matrix.skipped,
    )


class Sidecar:
    """The matrices of one SQLite store's collections, checked before each use.

    With ``database`` None (an in-memory database), or when the directory
    beside it cannot be written, they are kept in memory only.
    """

    def __init__(
        self, conn: sqlite3.Connection, database: Path | None, min_rows: int = 0
    ) -> None:
        self.conn = conn
        self.min_rows = min_rows  # collections this large get a matrix
        self.files = SidecarFiles(database) if database is not None else None
        # collection id -> (change token, fingerprint, matrix)
        self._cache: dict[int, tuple[tuple[int, int], Fingerprint, Matrix | None]] = {}

    def _token(self) -> tuple[int, int]:
        """Changes by other connections (data_version) and by this one (total_changes)."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        return int(version), self.conn.total_changes

    def current(
        self, collection_id: int, name: str, model: str, min_rows: int
    ) -> Matrix | None:
        """The collection's up-to-date matrix, or None when it is too small to need one.

        Call inside a read transaction, so the matrix and later reads agree.
        """
        token = self._token()
        cached = self._cache.get(collection_id)
        if cached is not None and cached[0] == token and cached[1].name == name:
            return cached[2]
        now = fingerprint(self.conn, collection_id, name, model)
        if cached is not None and cached[1] == now:
            matrix = cached[2]
        elif now.count < min_rows:
            matrix = None
        else:
            matrix = self._matrix(now, cached[2] if cached is not None else None)
        self._cache[collection_id] = (token, now, matrix)
        return matrix

    def _matrix(self, now: Fingerprint, held: Matrix | None) -> Matrix:
        old = held
        if self.files is not None and (old is None or old.fingerprint != now):
            old = self.files.load(now.collection_id) or old
        if old is not None and old.fingerprint == now:
            return old
        matrix = refresh(self.conn, old, now) if old is not None else None
        if matrix is None:
            matrix = build(self.conn, now)
        if self.files is not None:
            try:
                self.files.save(matrix)
            except OSError:
                self.files = None  # an unwritable directory: keep matrices in memory
            else:
                live = {
                    row[0] for row in self.conn.execute("SELECT id FROM collections")
                }
                self.files.remove_others(live)
        return matrix

    def sizes(
        self, collections: Sequence[tuple[int, str, str]], measure: Callable[[int], int]
    ) -> list[tuple[int, int]]:
        """``(count, size in bytes)`` of each ``(id, name, model)`` collection.

        Summing the lengths of a million rows' values reads the whole table, so
        the size of a collection that needs a matrix is kept in
        ``c<id>.size.json`` with the fingerprint it was measured at and reused
        while the fingerprint is unchanged. Changes the fingerprint misses
        (metadata updated in place by this package's ``upsert``) remove the
        file through ``forget_size``. A size measured while another connection
        wrote is not kept: that write may have been such an update. Call
        outside a transaction.
        """
        found, measured = [], []
        with transaction(self.conn):
            version = self._token()[0]
            for collection_id, name, model in collections:
                now = fingerprint(self.conn, collection_id, name, model)
                size = None
                if self.files is not None and now.count >= self.min_rows:
                    size = self.files.load_size(now)
                    if size is None:
                        size = measure(collection_id)
                        measured.append((now, size))
                if size is None:
                    size = measure(collection_id)
                found.append((now.count, size))
        if self.files is not None and measured:
            try:
                for now, size in measured:
                    self.files.save_size(now, size)
            except OSError:
                return found
            if self._token()[0] != version:
                for now, _ in measured:
                    self.files.forget_size(now.collection_id)
        return found

    def forget_size(self, collection_id: int) -> None:
        """Drop a collection's recorded size (after changes its fingerprint does not show)."""
        if self.files is not None:
            self.files.forget_size(collection_id)

    def forget(self, collection_id: int) -> None:
        """Drop a deleted collection's matrix and files."""
        self._cache.pop(collection_id, None)
        if self.files is not None:
            self.files.remove(collection_id)


def sorted_rowids(rows: Iterable[Sequence[int]]) -> np.ndarray:
    """The first column of query rows (rowids) as an ascending int64 array."""
    import numpy as np

    found = np.fromiter((row[0] for row in rows), dtype=np.int64)
    found.sort()
    return found
