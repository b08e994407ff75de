"""The sidecar matrix: same results as a full scan, and never stale after outside changes."""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager

import numpy as np
import pytest

import llm
from llm.embeddings import ItemUpdate, SQLiteStore, StoredItem, sidecar
from llm.embeddings.migrations import content_hash
from llm.embeddings.sidecar import (
    FORMAT_VERSION,
    MAX_SEGMENTS,
    READ_ROWS,
    SidecarFiles,
)
from llm.embeddings.similarity import cosine_similarity, unit_query

DIMENSIONS = 8


def vector(seed: int) -> list[float]:
    return np.random.default_rng(seed).standard_normal(DIMENSIONS).tolist()


def item(item_id: str, seed: int) -> StoredItem:
    return StoredItem(
        item_id,
        llm.encode(vector(seed)),
        content_hash(f"{item_id}-{seed}"),
        content=f"text {seed}",
        updated=int(time.time()),
    )


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "embeddings.db"
    with SQLiteStore.open(path) as store:
        store.upsert("c", "m", [item(f"i{n:03}", n) for n in range(200)])
        store.upsert("other", "m", [item(f"o{n}", 1000 + n) for n in range(20)])
    return path


def with_sidecar(path) -> SQLiteStore:
    return SQLiteStore.open(path, sidecar_min_rows=0)


def by_scan(path) -> SQLiteStore:
    return SQLiteStore.open(path, sidecar_min_rows=10**9)


QUERY = 7777  # the seed of the query vector, used by no stored item


def results(store, seed=QUERY, number=10, **filters):
    query = llm.encode(vector(seed))
    return [
        (m.id, round(m.score, 9)) for m in store.similar("c", query, number, **filters)
    ]


def manifest(path, collection_id=1):
    return json.loads(
        (path.parent / f"{path.name}-vectors" / f"c{collection_id}.json").read_text()
    )


@contextmanager
def original_tool(path):
    """Another connection writing the way the original LLM does (INSERT OR REPLACE, DELETE).

    Closed at the end of the block (sqlite3's own ``with`` only commits, and
    Python 3.13 warns about connections left open).
    """
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def insert_or_replace(conn, item_id, seed, collection_id=1):
    conn.execute(
        "INSERT OR REPLACE INTO embeddings (collection_id, id, embedding, content, "
        "content_hash, metadata, updated) VALUES (?, ?, ?, ?, ?, NULL, ?)",
        [
            collection_id,
            item_id,
            llm.encode(vector(seed)),
            f"text {seed}",
            content_hash(f"{item_id}-{seed}"),
            int(time.time()),
        ],
    )


@pytest.mark.parametrize(
    "filters",
    [{}, {"prefix": "i01"}, {"skip_id": "i007"}, {"prefix": "i0", "skip_id": "i005"}],
)
def test_same_results_as_a_full_scan(path, filters):
    with with_sidecar(path) as fast, by_scan(path) as slow:
        for seed in (7, 8, 9):
            assert results(fast, seed, **filters) == results(slow, seed, **filters)
        assert len(results(fast, number=500, **filters)) == len(
            results(slow, number=500, **filters)
        )
    files = sorted(p.name for p in (path.parent / "embeddings.db-vectors").iterdir())
    assert files[0] == "c1-" + files[0][3:]  # segment files of collection 1
    assert "c1.json" in files
    assert manifest(path)["fingerprint"]["count"] == 200


def test_small_collections_are_scanned_without_files(path):
    with SQLiteStore.open(path) as store:  # default threshold: 10,000 items
        assert results(store)
    assert not (path.parent / "embeddings.db-vectors").exists()


def test_rows_added_by_another_tool_are_appended(path):
    with with_sidecar(path) as store:
        before = results(store)
        first_segments = manifest(path)["segments"]
        with original_tool(path) as other:
            insert_or_replace(other, "new", QUERY)  # the query vector itself
        found = results(store)  # the same store: its cached check notices
        assert found[0] == ("new", 1.0)
        assert found[1:] == before[:-1]
        segments = manifest(path)["segments"]
        assert segments[: len(first_segments)] == first_segments
        assert len(segments) == len(first_segments) + 1
    with with_sidecar(path) as fresh, by_scan(path) as slow:
        assert results(fresh) == results(slow)


def test_replaced_and_deleted_rows_are_never_served(path):
    with with_sidecar(path) as store:
        best = results(store, number=3)
        with original_tool(path) as other:
            # The best match gets new content; the second is deleted.
            insert_or_replace(other, best[0][0], 99_999)
            other.execute("DELETE FROM embeddings WHERE id = ?", [best[1][0]])
        found = results(store, number=3)
        assert best[0][0] not in [f[0] for f in found[:1]]
        assert best[1][0] not in [f[0] for f in found]
        assert manifest(path)["dead"]  # handled incrementally
        with by_scan(path) as slow:
            assert results(store, number=20) == results(slow, number=20)


def test_newest_row_replaced_in_place_forces_a_rebuild(path):
    with with_sidecar(path) as store:
        results(store)
        old_segments = manifest(path)["segments"]
        with original_tool(path) as other:
            top = other.execute(
                "SELECT max(rowid) FROM embeddings WHERE collection_id = 1"
            ).fetchone()[0]
            item_id = other.execute(
                "SELECT id FROM embeddings WHERE rowid = ?", [top]
            ).fetchone()[0]
            # Delete then re-insert: SQLite hands the freed rowid out again.
            other.execute("DELETE FROM embeddings WHERE rowid = ?", [top])
            other.execute(
                "INSERT INTO embeddings (rowid, collection_id, id, embedding, "
                "content_hash, updated) VALUES (?, 1, ?, ?, ?, ?)",
                [
                    top,
                    item_id,
                    llm.encode(vector(QUERY)),
                    b"x" * 16,
                    int(time.time()) + 5,
                ],
            )
        with by_scan(path) as slow:
            assert results(store) == results(slow)
        assert results(store)[0] == (item_id, 1.0)
        assert not set(manifest(path)["segments"]) & set(old_segments)


def test_collection_deleted_and_recreated_with_the_same_rowids(tmp_path):
    path = tmp_path / "embeddings.db"
    with SQLiteStore.open(path) as store:
        store.upsert("c", "m", [item(f"i{n}", n) for n in range(30)])
    with with_sidecar(path) as store:
        before = results(store)
        with original_tool(path) as other:
            other.execute("DELETE FROM embeddings")
            other.execute("DELETE FROM collections")
        later = int(time.time()) + 10  # written in a later second
        with original_tool(path) as other:
            other.execute(
                "INSERT INTO collections (id, name, model) VALUES (1, 'c', 'm')"
            )
            for n in range(30):
                other.execute(
                    "INSERT INTO embeddings (collection_id, id, embedding, content_hash, "
                    "updated) VALUES (1, ?, ?, ?, ?)",
                    [f"i{n}", llm.encode(vector(n + 500)), b"y" * 16, later],
                )
        after = results(store)
        assert after != before
        with by_scan(path) as slow:
            assert after == results(slow)


def test_files_of_a_collection_deleted_by_another_tool_are_removed(path):
    """The original deletes a collection without knowing about its matrix: the
    files go the next time any matrix of that database is written."""
    directory = path.parent / "embeddings.db-vectors"
    with with_sidecar(path) as store:
        results(store)
        assert store.similar("other", llm.encode(vector(1)), 1)
        assert {"c1.json", "c2.json"} <= {p.name for p in directory.iterdir()}
        with original_tool(path) as other:
            other.execute("DELETE FROM embeddings WHERE collection_id = 1")
            other.execute("DELETE FROM collections WHERE id = 1")
            insert_or_replace(other, "o-new", QUERY, collection_id=2)
        assert store.similar("other", llm.encode(vector(QUERY)), 1)[0].id == "o-new"
    left = sorted(p.name for p in directory.iterdir())
    assert "c1.json" not in left
    assert not [name for name in left if name.startswith("c1-")]
    assert "c2.json" in left


def test_segments_are_merged_when_they_pile_up(path):
    with with_sidecar(path) as store:
        results(store)
        for n in range(MAX_SEGMENTS + 1):
            with original_tool(path) as other:
                insert_or_replace(other, f"extra{n}", 5000 + n)
            results(store)
        assert len(manifest(path)["segments"]) <= MAX_SEGMENTS
        with by_scan(path) as slow:
            assert results(store, number=300) == results(slow, number=300)


def test_our_own_writes_and_deletes_are_seen(path):
    with with_sidecar(path) as store:
        results(store)
        store.upsert("c", "m", [item("mine", QUERY)])
        assert results(store)[0] == ("mine", 1.0)
        store.delete("c", ["mine"])
        assert results(store)[0][0] != "mine"
        store.delete_collection("c")
        assert not list((path.parent / "embeddings.db-vectors").glob("c1*"))


def test_in_memory_database_keeps_the_matrix_in_memory():
    conn = sqlite3.connect(":memory:")
    try:
        store = SQLiteStore(conn, sidecar_min_rows=0)
        store.upsert("c", "m", [item(f"i{n}", n) for n in range(50)])
        assert results(store)[0][1] > 0.5
        store.upsert("c", "m", [item("exact", QUERY)])
        assert results(store)[0] == ("exact", 1.0)
    finally:
        conn.close()


def test_other_dimensions_fall_back_to_a_scan(path):
    with with_sidecar(path) as store:
        query = llm.encode([1.0, 0.0])
        with pytest.raises(ValueError, match="8 dimensions but the query vector has 2"):
            store.similar("c", query, 3)


def test_a_small_collection_in_a_large_table_is_read_through_the_index(path):
    # "other" holds 20 of the 220 rows: the matrix is built from the index's rows.
    query = llm.encode(vector(QUERY))
    with with_sidecar(path) as fast, by_scan(path) as slow:
        assert fast.similar("other", query, 25) == slow.similar("other", query, 25)
    assert manifest(path, collection_id=2)["fingerprint"]["count"] == 20


def test_a_long_tail_of_new_rows_is_appended(path):
    with with_sidecar(path) as store:
        results(store)
        with original_tool(path) as other:
            other.execute("BEGIN")
            for n in range(READ_ROWS + 100):  # more than one read's worth
                insert_or_replace(other, f"tail{n}", 20_000 + n)
            other.execute("COMMIT")
        assert len(manifest(path)["segments"]) == 1
        with by_scan(path) as slow:
            assert results(store, number=50) == results(slow, number=50)
        assert len(manifest(path)["segments"]) == 2


def exact_reference(path, query, number, prefix=""):
    """The best items by the score a match reports, ties by rowid: every row scored."""
    conn = sqlite3.connect(str(path))
    try:
        rows = conn.execute(
            "SELECT rowid, id, embedding FROM embeddings WHERE collection_id = 1"
        ).fetchall()
    finally:
        conn.close()
    scored = sorted(
        (-cosine_similarity(embedding, query), rowid, item_id)
        for rowid, item_id, embedding in rows
        if item_id.startswith(prefix)
    )
    return [(item_id, -negative) for negative, _, item_id in scored[:number]]


def near_tie_store(tmp_path):
    """Vectors a hair apart (and exact duplicates): float32 scores cannot order them."""
    rng = np.random.default_rng(3)
    base = rng.standard_normal(64)
    items = []
    for n in range(300):
        if n % 7 == 0:
            vec = base * (1 + n)  # exactly parallel: ties at the top, by rowid
        else:
            vec = base + rng.standard_normal(64) * 1e-4 * (n % 5)
        items.append(
            StoredItem(
                f"{'ab'[n % 2]}{n:03}",
                llm.encode(vec.astype(np.float32).tolist()),
                content_hash(str(n)),
            )
        )
    path = tmp_path / "ties.db"
    with SQLiteStore.open(path) as store:
        store.upsert("c", "m", items)
    return path, base


@pytest.mark.parametrize("prefix", ["", "a", "b0"])
@pytest.mark.parametrize("number", [1, 5, 20, 400])
def test_near_ties_give_the_exact_best_in_both_paths(tmp_path, prefix, number):
    path, base = near_tie_store(tmp_path)
    query = llm.encode((base + 1e-5).astype(np.float32).tolist())
    expected = exact_reference(path, query, number, prefix)
    for store in (with_sidecar(path), by_scan(path)):
        with store:
            found = store.similar("c", query, number, prefix=prefix or None)
        assert [(m.id, m.score) for m in found] == expected


def test_float32_alone_would_get_the_near_ties_wrong(tmp_path):
    """The near-tie data really needs the exact second pass (so the test above can fail)."""
    path, base = near_tie_store(tmp_path)
    query = (base + 1e-5).astype(np.float32)
    with with_sidecar(path) as store:
        store.similar("c", llm.encode(query.tolist()), 1)
    matrix = SidecarFiles(path).load(1)
    approximate = matrix.segments[0].vectors @ unit_query(query)
    naive = [int(i) for i in np.argsort(-approximate, kind="stable")[:20]]
    expected = exact_reference(path, llm.encode(query.tolist()), 20)
    ids = [f"{'ab'[n % 2]}{n:03}" for n in range(300)]  # rowid order
    assert [ids[i] for i in naive] != [item_id for item_id, _ in expected]


def test_a_zero_query_gives_the_first_stored_items(path):
    zero = llm.encode([0.0] * DIMENSIONS)
    for store in (with_sidecar(path), by_scan(path)):
        with store:
            found = store.similar("c", zero, 3)
        assert [(m.id, m.score) for m in found] == [
            ("i000", 0.0),
            ("i001", 0.0),
            ("i002", 0.0),
        ]


def test_a_matrix_of_the_previous_format_is_rebuilt(path):
    with with_sidecar(path) as store:
        before = results(store)
    old = manifest(path)
    old["version"] = 1
    manifest_path = path.parent / f"{path.name}-vectors" / "c1.json"
    manifest_path.write_text(json.dumps(old))
    with with_sidecar(path) as store:
        assert results(store) == before
    assert manifest(path)["version"] == FORMAT_VERSION
    assert manifest(path)["segments"] != old["segments"]


def test_searching_leaves_the_database_schema_alone(path):
    def schema():
        conn = sqlite3.connect(str(path))
        try:
            return conn.execute(
                "SELECT type, name, sql FROM sqlite_master ORDER BY name"
            ).fetchall()
        finally:
            conn.close()

    before = schema()
    with with_sidecar(path) as store:
        assert results(store, prefix="i0")
        assert results(store)
    assert schema() == before
    assert (path.parent / f"{path.name}-vectors" / "c1.json").exists()


def test_a_scan_split_across_threads_gives_the_same_results(path, monkeypatch):
    with with_sidecar(path) as store:
        single = [results(store, seed) for seed in (1, 2, 3)]
    monkeypatch.setattr(sidecar, "THREAD_MIN_ROWS", 1)
    monkeypatch.setattr(sidecar, "scan_threads", lambda: 3)
    with with_sidecar(path) as store, by_scan(path) as slow:
        assert [results(store, seed) for seed in (1, 2, 3)] == single
        assert results(store, prefix="i1") == results(slow, prefix="i1")


def sizes_by_sql(path):
    """Each collection's (count, bytes of its stored values), summed by SQLite."""
    conn = sqlite3.connect(str(path))
    try:
        return dict(
            (name, (count, size))
            for name, count, size in conn.execute(
                "SELECT collections.name, count(*), sum(length(embeddings.id) "
                "+ length(embedding) + coalesce(length(content), 0) "
                "+ coalesce(length(content_blob), 0) "
                "+ coalesce(length(content_hash), 0) "
                "+ coalesce(length(metadata), 0) + 8) FROM embeddings "
                "JOIN collections ON collections.id = collection_id GROUP BY name"
            )
        )
    finally:
        conn.close()


def listed(store):
    return {s.name: (s.count, s.size_bytes) for s in store.list_collections()}


def test_collection_sizes_are_remembered_and_stay_correct(path):
    size_file = path.parent / f"{path.name}-vectors" / "c1.size.json"
    with with_sidecar(path) as store:
        assert listed(store) == sizes_by_sql(path)
        assert json.loads(size_file.read_text())["size_bytes"] == listed(store)["c"][1]
        # Served from the file: a made-up size there shows it is read.
        record = json.loads(size_file.read_text())
        size_file.write_text(json.dumps({**record, "size_bytes": 12345}))
        assert listed(store)["c"] == (200, 12345)
        size_file.write_text(json.dumps(record))
        with original_tool(path) as other:
            insert_or_replace(other, "i005", 99)  # replaced: new rowid
            insert_or_replace(other, "brand-new-item", 98)
            other.execute("DELETE FROM embeddings WHERE id = 'i100'")
        assert listed(store) == sizes_by_sql(path)
        # Metadata updated in place (same rowids, same fingerprint).
        store.upsert(
            "c",
            "m",
            [],
            [ItemUpdate("i001", json.dumps({"long": "x" * 500}), "filled in")],
        )
        assert listed(store) == sizes_by_sql(path)
        assert listed(store)["c"][0] == 200
    with SQLiteStore.open(path) as store:  # small collections: always summed
        assert listed(store) == sizes_by_sql(path)


def test_a_size_measured_during_another_write_is_not_kept(path):
    with with_sidecar(path) as store, original_tool(path) as other:
        store.conn.execute("PRAGMA data_version").fetchone()

        def measure_while_another_writes(collection_id):
            size = store._size_by_scan(collection_id)
            other.execute("UPDATE embeddings SET metadata = 'x' WHERE id = 'i003'")
            return size

        store.sidecar.sizes([(1, "c", "m")], measure_while_another_writes)
        assert not (path.parent / f"{path.name}-vectors" / "c1.size.json").exists()
        assert listed(store) == sizes_by_sql(path)
