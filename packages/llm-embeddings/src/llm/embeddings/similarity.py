"""Cosine similarity over stored vectors with NumPy: score everything at once, keep the top N.

Stored vectors arrive as little-endian float32 blobs. They are read in chunks,
each chunk joined into one matrix and scored with a single matrix-vector
product, so memory stays bounded and no Python code runs per vector.

Those float32 scores are approximations. Searches stay exact in two steps:
every row whose approximate score is close enough to the N-th best that it
could still be among the N best (``candidate_positions``, using the rounding
bound ``score_error``) is scored again with ``cosine_similarity``, the score a
search reports, and the N best of those are the answer (ties: first stored
first). Usually only a few more than N rows are rescored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

CHUNK_ROWS = 512

# A vector as floats, a stored little-endian float32 blob, or a NumPy array.
VectorLike = Any


def as_vector(vector: VectorLike) -> np.ndarray:
    """A query vector (floats, a stored blob or an array) as a 1-D float32 array."""
    import numpy as np

    if isinstance(vector, (bytes, bytearray, memoryview)):
        return np.frombuffer(vector, dtype="<f4")
    return np.asarray(vector, dtype=np.float32).reshape(-1)


def cosine_similarity(a: VectorLike, b: VectorLike) -> float:
    """Cosine similarity of two vectors, computed in double precision (0.0 if either is zero)."""
    import numpy as np

    x = as_vector(a).astype(np.float64)
    y = as_vector(b).astype(np.float64)
    if x.shape != y.shape:
        raise ValueError(
            f"Cannot compare vectors of {x.shape[0]} and {y.shape[0]} dimensions"
        )
    denominator = float(np.linalg.norm(x) * np.linalg.norm(y))
    if denominator == 0.0:
        return 0.0
    # A vector holding an infinity or NaN scores NaN, without NumPy's warning.
    with np.errstate(invalid="ignore"):
        return float(np.dot(x, y) / denominator)


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as float32 (zero rows stay zero).

    Norms and division are done in float64, so each stored component is the
    exact unit vector's component rounded once to float32 (``score_error``
    relies on that), whatever the magnitudes.
    """
    import numpy as np

    wide = np.asarray(matrix, dtype=np.float64)
    norms = np.sqrt(np.einsum("ij,ij->i", wide, wide))
    norms[norms == 0] = 1.0
    # Rows holding an infinity or NaN become NaN rows, without NumPy's warning.
    with np.errstate(invalid="ignore"):
        return (wide / norms[:, None]).astype(np.float32)


def unit_query(query: VectorLike) -> np.ndarray:
    """The query scaled to unit length (in float64), as a contiguous float32 vector."""
    import numpy as np

    return np.ascontiguousarray(unit_rows(as_vector(query)[None, :])[0])


def score_error(dimensions: int) -> float:
    """A bound on |float32 score - exact cosine| for ``unit_rows(...) @ unit_query(...)``.

    With u = 2**-24 (float32 unit roundoff) and n dimensions: each unit vector
    is the exact one with every component rounded once, so each is within u
    of it in length (relative error u per component), which moves the dot
    product by at most u + u(1 + u); float32 subnormals add at most
    2**-149 per component. The float32 dot product of n terms, in any order
    and with or without fused multiply-adds, is within
    gamma_n = n u / (1 - n u) times the product of the norms (at most
    (1 + u)**2). Doubled, to also cover the float64 normalisation and the
    float64 rounding of the exact score.
    """
    u = 2.0**-24
    n = dimensions
    gamma = n * u / (1 - n * u)
    return 2 * (gamma * (1 + u) ** 2 + 2 * u + u * u + n * 2.0**-148)


def candidate_positions(scores: np.ndarray, number: int, error: float) -> np.ndarray:
    """Positions (ascending) of the rows that can be among the ``number`` best, exactly.

    ``scores`` are approximate, each within ``error`` of the exact score;
    ``-inf`` marks rows left out. A row whose score is more than ``2 * error``
    below the ``number``-th best score is beaten, exactly, by at least
    ``number`` rows, so it is dropped; every other row is kept, as are rows
    whose approximate score is NaN (nothing is known about them).
    """
    import numpy as np

    unknown = np.isnan(scores)
    has_unknown = bool(unknown.any())
    known = np.where(unknown, -np.inf, scores) if has_unknown else scores
    finite = int(np.count_nonzero(known > -np.inf))
    if number <= 0:
        return np.zeros(0, np.int64)
    if finite <= number:
        return np.flatnonzero((known > -np.inf) | unknown)
    position = len(known) - number
    kth = np.partition(known, position)[position]
    # The threshold in float64, then rounded down to the scores' type, so no
    # row at the edge is lost to rounding (one more may be kept).
    threshold = float(kth) - 2 * error
    edge = known.dtype.type(threshold)
    if edge > threshold:
        edge = np.nextafter(edge, known.dtype.type(-np.inf))
    keep = known >= edge
    if has_unknown:
        keep |= unknown
    return np.flatnonzero(keep)


def exact_order(scored: Iterable[tuple[float, int]], number: int) -> list[int]:
    """The ``number`` best ``(exact score, rowid)`` pairs' rowids: highest score, then lowest rowid.

    NaN scores (vectors holding NaN or infinity) come last.
    """
    import heapq
    import math

    return [
        rowid
        for _, rowid in heapq.nsmallest(
            number,
            (
                (math.inf if math.isnan(score) else -score, rowid)
                for score, rowid in scored
            ),
        )
    ]


def score_rows(
    rows: Iterable[tuple[Any, bytes]], query: VectorLike
) -> tuple[list[Any], np.ndarray]:
    """Cosine scores of ``(key, blob)`` rows against ``query``.

    Returns the keys of the rows whose vectors have the query's dimensions and
    their float32 scores (within ``score_error`` of the exact ones). Rows of another size are left out; if there were rows
    but none could be compared, ValueError explains the dimension mismatch.
    """
    import numpy as np

    q = unit_query(query)
    dimensions = q.shape[0]
    row_bytes = dimensions * 4
    keys: list[Any] = []
    parts: list[np.ndarray] = []
    other_sizes: set[int] = set()
    iterator = iter(rows)
    fetchmany = getattr(rows, "fetchmany", None)
    while True:
        if fetchmany is not None:
            chunk = fetchmany(CHUNK_ROWS)
        else:
            chunk = [row for _, row in zip(range(CHUNK_ROWS), iterator)]
        if not chunk:
            break
        blobs = [row[1] for row in chunk]
        if any(blob is None or len(blob) != row_bytes for blob in blobs):
            kept = [
                row for row in chunk if row[1] is not None and len(row[1]) == row_bytes
            ]
            other_sizes.update(len(row[1]) // 4 for row in chunk if row[1] is not None)
            other_sizes.discard(dimensions)
            chunk = kept
            blobs = [row[1] for row in chunk]
            if not chunk:
                continue
        keys.extend([row[0] for row in chunk])
        matrix = np.frombuffer(b"".join(blobs), dtype="<f4").reshape(
            len(blobs), dimensions
        )
        parts.append(unit_rows(matrix) @ q)
    if not keys and other_sizes:
        sizes = ", ".join(str(size) for size in sorted(other_sizes))
        raise ValueError(
            f"Stored vectors have {sizes} dimensions but the query vector has {dimensions}"
        )
    if not parts:
        return keys, np.zeros(0, dtype=np.float32)
    return keys, np.concatenate(parts)


def top_indices(scores: np.ndarray, number: int) -> list[int]:
    """Indexes of the ``number`` highest scores, best first (ties keep their order)."""
    import numpy as np

    count = scores.shape[0]
    if number <= 0 or count == 0:
        return []
    if number < count:
        candidates = np.argpartition(-scores, number - 1)[:number]
        candidates.sort()
    else:
        candidates = np.arange(count)
    order = np.argsort(-scores[candidates], kind="stable")
    return [int(i) for i in candidates[order]]
