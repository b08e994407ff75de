"""What every vector store promises, checked against each store this package ships."""

from __future__ import annotations

import json

import pytest

import llm
from llm.embeddings import (
    Collection,
    CollectionStats,
    ItemState,
    ItemUpdate,
    StoredItem,
    VectorStore,
)
from llm.embeddings.migrations import content_hash


def item(item_id: str, vector: list[float], content: str | None = None, **extra):
    text = content if content is not None else " ".join(str(v) for v in vector)
    return StoredItem(
        id=item_id,
        embedding=llm.encode(vector),
        content_hash=content_hash(text),
        content=content,
        updated=1_700_000_000,
        **extra,
    )


def test_collections_are_created_listed_and_deleted(vector_store: VectorStore):
    assert vector_store.get_collection("c") is None
    info = vector_store.create_collection("c", "vectors")
    assert (info.name, info.model) == ("c", "vectors")
    assert vector_store.create_collection("c", "other").model == "vectors"
    vector_store.upsert("b", "vectors", [item("x", [1.0, 0.0], "hello")])
    stats = vector_store.list_collections()
    assert [(s.name, s.model, s.count) for s in stats] == [
        ("b", "vectors", 1),
        ("c", "vectors", 0),
    ]
    assert all(isinstance(s, CollectionStats) for s in stats)
    assert stats[0].size_bytes > 0
    assert vector_store.delete_collection("b") is True
    assert vector_store.delete_collection("b") is False
    assert [s.name for s in vector_store.list_collections()] == ["c"]
    assert vector_store.count("b") == 0


def test_upsert_get_states_and_delete(vector_store: VectorStore):
    vector_store.upsert(
        "c",
        "vectors",
        [
            item("a", [1.0, 0.0], "alpha", metadata='{"n": 1}'),
            item("b", [0.0, 1.0]),
            item("blob", [1.0, 1.0], content_blob=b"\x00\xff"),
        ],
    )
    assert vector_store.count("c") == 3
    got = {found.id: found for found in vector_store.get("c", ["a", "blob", "zz"])}
    assert set(got) == {"a", "blob"}
    assert llm.decode(got["a"].embedding) == (1.0, 0.0)
    assert got["a"].content == "alpha"
    assert json.loads(got["a"].metadata) == {"n": 1}
    assert got["a"].content_hash == content_hash("alpha")
    assert got["blob"].content_blob == b"\x00\xff"
    assert vector_store.states("c", ["a", "b", "missing"]) == {
        "a": ItemState(content_hash("alpha"), '{"n": 1}', True),
        "b": ItemState(content_hash("0.0 1.0"), None, False),
    }
    assert vector_store.vectors_for_hashes("c", [content_hash("alpha")]) == {
        content_hash("alpha"): llm.encode([1.0, 0.0])
    }
    # Replacing an item and updating another's metadata and missing content.
    vector_store.upsert(
        "c",
        "vectors",
        [item("a", [0.5, 0.5], "changed")],
        [ItemUpdate("b", '{"n": 2}', content="filled in")],
    )
    a, b = vector_store.get("c", ["a", "b"])
    assert (a.content, llm.decode(a.embedding)) == ("changed", (0.5, 0.5))
    assert (b.content, json.loads(b.metadata)) == ("filled in", {"n": 2})
    # An update never overwrites content that is already stored.
    vector_store.upsert("c", "vectors", [], [ItemUpdate("b", None, content="other")])
    assert vector_store.get("c", ["b"])[0].content == "filled in"
    assert vector_store.delete("c", ["a", "missing"]) == 1
    assert vector_store.count("c") == 2


def test_upsert_refuses_another_model(vector_store: VectorStore):
    vector_store.create_collection("c", "vectors")
    with pytest.raises(ValueError, match="model 'vectors', not 'other'"):
        vector_store.upsert("c", "other", [item("a", [1.0, 0.0])])
    assert vector_store.count("c") == 0


def test_similar_ranks_filters_and_skips(vector_store: VectorStore):
    vector_store.upsert(
        "c",
        "vectors",
        [
            item("east", [1.0, 0.0, 0.0], "e", metadata='{"d": "e"}'),
            item("north-east", [1.0, 1.0, 0.0]),
            item("north", [0.0, 1.0, 0.0]),
            item("west", [-1.0, 0.0, 0.0]),
            item("up", [0.0, 0.0, 1.0]),
        ],
    )
    query = llm.encode([1.0, 0.1, 0.0])
    found = vector_store.similar("c", query, 3)
    assert [m.id for m in found] == ["east", "north-east", "north"]
    assert found[0].score == pytest.approx(0.99503719, abs=1e-6)
    assert (found[0].content, json.loads(found[0].metadata)) == ("e", {"d": "e"})
    assert [m.id for m in vector_store.similar("c", query, 2, prefix="north")] == [
        "north-east",
        "north",
    ]
    assert [m.id for m in vector_store.similar("c", query, 2, skip_id="east")] == [
        "north-east",
        "north",
    ]
    assert [m.id for m in vector_store.similar("c", query, 10)][-1] == "west"
    assert vector_store.similar("missing", query, 3) == []


def test_items_pages_through_everything(vector_store: VectorStore):
    vector_store.upsert(
        "c", "vectors", [item(f"i{n:03}", [float(n), 1.0]) for n in range(25)]
    )
    batches = list(vector_store.items("c", batch_size=10))
    assert [len(batch) for batch in batches] == [10, 10, 5]
    assert sorted(i.id for batch in batches for i in batch) == [
        f"i{n:03}" for n in range(25)
    ]
    assert list(vector_store.items("missing")) == []


def test_collection_api_on_the_store(vector_store: VectorStore):
    collection = Collection("points", vector_store, model_id="vectors")
    collection.embed_multi_with_metadata(
        [("a", "1 0", {"k": 1}), ("b", "0 1", None), ("c", "1 1", None)], store=True
    )
    assert collection.count() == 3
    assert Collection.exists(vector_store, "points")
    results = collection.similar("1 0.2", number=2)
    assert [(e.id, e.content, e.metadata) for e in results] == [
        ("a", "1 0", {"k": 1}),
        ("c", "1 1", None),
    ]
    assert [e.id for e in collection.similar_by_id("a", number=1)] == ["c"]
    assert llm.decode(collection.stored_embedding("b")) == (0.0, 1.0)
    assert collection.delete_items(["b"]) == 1
    assert collection.count() == 2
    collection.delete()
    assert not Collection.exists(vector_store, "points")


def test_counts_too_big_for_sql_mean_all(vector_store: VectorStore):
    # ``llm similar -n 10**30`` and ``llm collections copy --batch-size 10**30``
    vector_store.upsert("c", "vectors", [item("a", [1.0, 0.0]), item("b", [0.0, 1.0])])
    huge = 10**30
    assert [m.id for m in vector_store.similar("c", llm.encode([1.0, 0.1]), huge)] == [
        "a",
        "b",
    ]
    assert [[i.id for i in page] for page in vector_store.items("c", huge)] == [
        ["a", "b"]
    ]
