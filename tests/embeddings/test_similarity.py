"""NumPy scoring: the same answers as a plain cosine similarity, at any size."""

from __future__ import annotations

import math
import random
import struct

import pytest

from llm.embeddings.similarity import (
    CHUNK_ROWS,
    cosine_similarity,
    score_rows,
    top_indices,
)


def blob(vector):
    return struct.pack("<" + "f" * len(vector), *vector)


def python_cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norms if norms else 0.0


def test_matches_brute_force_across_chunks():
    rng = random.Random(42)
    count = CHUNK_ROWS * 3 + 17
    vectors = [[rng.uniform(-1, 1) for _ in range(24)] for _ in range(count)]
    # Round through float32 as storage does.
    vectors = [list(struct.unpack("<24f", blob(v))) for v in vectors]
    query = [rng.uniform(-1, 1) for _ in range(24)]
    keys, scores = score_rows(
        ((f"k{i}", blob(v)) for i, v in enumerate(vectors)), query
    )
    assert keys == [f"k{i}" for i in range(count)]
    expected = [python_cosine(v, query) for v in vectors]
    for got, want in zip(scores, expected):
        assert got == pytest.approx(want, abs=1e-5)
    best = sorted(range(count), key=lambda i: -expected[i])[:10]
    assert top_indices(scores, 10) == best


def test_works_with_a_cursor_and_fetchmany():
    import sqlite3

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (k TEXT, v BLOB)")
    conn.executemany(
        "INSERT INTO t VALUES (?, ?)",
        [(f"k{i}", blob([1.0, float(i)])) for i in range(CHUNK_ROWS + 5)],
    )
    keys, scores = score_rows(conn.execute("SELECT k, v FROM t"), [0.0, 1.0])
    conn.close()
    assert len(keys) == CHUNK_ROWS + 5
    assert keys[top_indices(scores, 1)[0]] == f"k{CHUNK_ROWS + 4}"


def test_zero_vectors_score_zero():
    keys, scores = score_rows(
        [("zero", blob([0.0, 0.0])), ("x", blob([1.0, 0.0]))], [1, 0]
    )
    assert scores.tolist() == [0.0, 1.0]
    keys, scores = score_rows([("x", blob([1.0, 0.0]))], [0, 0])
    assert scores.tolist() == [0.0]


def test_rows_of_other_dimensions_are_left_out():
    rows = [("two", blob([1.0, 0.0])), ("three", blob([1.0, 0.0, 0.0])), ("none", None)]
    keys, scores = score_rows(rows, [1.0, 0.0, 0.0])
    assert keys == ["three"]
    with pytest.raises(
        ValueError, match="Stored vectors have 2 dimensions but the query"
    ):
        score_rows([("two", blob([1.0, 0.0]))], [1.0, 0.0, 0.0])


def test_empty_input():
    keys, scores = score_rows([], [1.0])
    assert keys == [] and scores.shape == (0,)
    assert top_indices(scores, 5) == []


def test_top_indices_edges():
    import numpy as np

    scores = np.array([0.1, 0.9, 0.5, 0.9], dtype=np.float32)
    assert top_indices(scores, 10) == [1, 3, 2, 0]
    assert top_indices(scores, 0) == []
    assert top_indices(scores, 1) in ([1], [3])


def test_cosine_similarity():
    assert cosine_similarity([1, 0], [1, 0]) == pytest.approx(1.0)
    assert cosine_similarity([1, 0], [-1, 0]) == pytest.approx(-1.0)
    assert cosine_similarity([1, 1], blob([1.0, 0.0])) == pytest.approx(
        1 / math.sqrt(2)
    )
    assert cosine_similarity([0, 0], [1, 0]) == 0.0
    with pytest.raises(ValueError, match="2 and 3 dimensions"):
        cosine_similarity([1, 0], [1, 0, 0])


def test_float32_scores_stay_within_the_error_bound():
    import numpy as np

    from llm.embeddings.similarity import score_error, unit_query, unit_rows

    rng = np.random.default_rng(11)
    for dimensions in (3, 384, 1536):
        rows = rng.standard_normal((200, dimensions)).astype(np.float32)
        rows[:10] *= 1e-30  # tiny and huge magnitudes normalise the same way
        rows[10:20] *= 1e30
        query = rng.standard_normal(dimensions).astype(np.float32)
        approximate = unit_rows(rows) @ unit_query(query)
        exact = np.array([cosine_similarity(row, query) for row in rows])
        assert np.max(np.abs(approximate - exact)) <= score_error(dimensions)
        assert score_error(dimensions) < 1e-3


def test_candidates_keep_everything_that_could_be_in_the_top():
    import numpy as np

    from llm.embeddings.similarity import candidate_positions

    scores = np.array(
        [0.5, 0.9, -np.inf, 0.8999, np.nan, 0.7, 0.9001, 0.1], dtype=np.float32
    )
    assert candidate_positions(scores, 1, 0.0001).tolist() == [1, 3, 4, 6]
    assert candidate_positions(scores, 2, 0.0).tolist() == [1, 4, 6]
    # Fewer rows than asked for: every row not left out.
    assert candidate_positions(scores, 10, 0.0).tolist() == [0, 1, 3, 4, 5, 6, 7]
    assert candidate_positions(scores, 0, 0.1).tolist() == []


def test_a_stored_infinity_scores_nan_without_a_warning(tmp_path):
    """A vector holding an infinity has no direction: it scores NaN and comes
    last, and NumPy's "invalid value" warning is not printed over the results."""
    import llm
    from llm.embeddings import SQLiteStore, StoredItem

    rows = [("good", [1.0, 0.0]), ("infinite", [math.inf, 1.0]), ("zero", [0, 0])]
    for min_rows in (0, 10**9):  # the matrix, and a scan of the stored values
        with SQLiteStore.open(
            tmp_path / f"{min_rows}.db", sidecar_min_rows=min_rows
        ) as store:
            store.upsert(
                "c",
                "m",
                [StoredItem(i, blob(v), i.encode(), updated=1) for i, v in rows],
            )
            found = store.similar("c", llm.encode([1.0, 0.5]), 3)
        assert [m.id for m in found] == ["good", "zero", "infinite"]
        assert math.isnan(found[-1].score)
    assert math.isnan(cosine_similarity([math.inf, 1.0], [1.0, 0.5]))
