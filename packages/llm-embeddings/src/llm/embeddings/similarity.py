"""Cosine similarity over stored vectors with NumPy: score everything at once, keep the top N.

Stored vectors arrive as little-endian float32 blobs. They are read in chunks,
each chunk joined into one matrix and scored with a single matrix-vector
product, so memory stays bounded and no Python code runs per vector.
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
    return float(np.dot(x, y) / denominator)


def score_rows(
    rows: Iterable[tuple[Any, bytes]], query: VectorLike
) -> tuple[list[Any], np.ndarray]:
    """Cosine scores of ``(key, blob)`` rows against ``query``.

    Returns the keys of the rows whose vectors have the query's dimensions and
    their float32 scores. Rows of another size are left out; if there were rows
    but none could be compared, ValueError explains the dimension mismatch.
    """
    import numpy as np

    q = as_vector(query)
    dimensions = q.shape[0]
    row_bytes = dimensions * 4
    q_norm = float(np.linalg.norm(q))
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
        dots = matrix @ q
        norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix)) * q_norm
        scores = np.zeros(len(blobs), dtype=np.float32)
        np.divide(dots, norms, out=scores, where=norms > 0)
        parts.append(scores)
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
