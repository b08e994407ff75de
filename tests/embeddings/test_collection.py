"""The llm.Collection Python API: storing, dedupe, search, deletion and errors."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
import sqlite_utils
from llm_test_plugin import DemoEmbeddingModel

import llm
from llm.embeddings import Collection, Entry, list_collections, open_embeddings_db

from .conftest import FlakyModel, VectorsModel


@pytest.fixture
def db(tmp_path):
    database = open_embeddings_db(tmp_path / "test.db")
    yield database
    database.close()


def stored(db, name="entries"):
    return {
        row[0]: row[1:]
        for row in db.execute(
            "SELECT embeddings.id, content, content_blob, metadata, content_hash "
            "FROM embeddings JOIN collections ON collections.id = collection_id "
            "WHERE collections.name = ? ORDER BY embeddings.id",
            [name],
        ).fetchall()
    }


def test_llm_collection_is_this_class():
    assert llm.Collection is Collection


def test_create_with_alias_records_the_model_id(db):
    collection = Collection("entries", db, model_id="demo")
    assert collection.name == "entries"
    assert collection.model_id == "embed-demo"
    assert isinstance(collection.id, int)
    assert isinstance(collection.model(), DemoEmbeddingModel)
    assert Collection.exists(db, "entries")
    assert not Collection.exists(db, "other")
    assert db.execute("SELECT name, model FROM collections").fetchall() == [
        ("entries", "embed-demo")
    ]
    # Reopening needs no model: it is read from the collections table.
    again = Collection("entries", db)
    assert (again.id, again.model_id) == (collection.id, "embed-demo")


def test_model_object_can_be_passed(db):
    model = llm.get_embedding_model("vectors")
    collection = Collection("entries", db, model=model)
    assert collection.model() is model
    assert collection.model_id == "vectors"


def test_in_memory_collection_without_db():
    collection = Collection("entries", model_id="demo")
    collection.embed("one", "hello")
    assert isinstance(collection.db, sqlite_utils.Database)
    assert collection.count() == 1
    collection.db.close()


def test_plain_sqlite3_connection_works(tmp_path):
    conn = sqlite3.connect(str(tmp_path / "plain.db"))
    collection = Collection("entries", conn, model_id="demo")
    collection.embed("one", "hello")
    assert conn.execute("SELECT count(*) FROM embeddings").fetchone() == (1,)
    conn.close()


def test_embed_stores_vector_content_and_metadata(db):
    collection = Collection("entries", db, model_id="demo")
    collection.embed("hound", "my happy hound", metadata={"name": "Hound"}, store=True)
    collection.embed("cat", "my dissatisfied cat")
    row = db.execute(
        "SELECT embedding, content, metadata, content_hash, updated "
        "FROM embeddings WHERE id = 'hound'"
    ).fetchone()
    expected = llm.get_embedding_model("demo").embed("my happy hound")
    assert row[0] == llm.encode(expected)
    assert row[1] == "my happy hound"
    assert json.loads(row[2]) == {"name": "Hound"}
    assert row[3] == hashlib.md5(b"my happy hound").digest()
    assert isinstance(row[4], int)
    assert stored(db)["cat"][:3] == (None, None, None)
    assert collection.count() == 2


def test_embed_multi_batches_follow_the_model_batch_size(db):
    collection = Collection("entries", db, model_id="demo")
    collection.embed_multi((f"id{i}", f"text {i}") for i in range(25))
    # embed-demo asks for batches of 10, smaller than the default of 100.
    assert DemoEmbeddingModel.batches == [10, 10, 5]
    DemoEmbeddingModel.batches.clear()
    collection.embed_multi(
        ((f"new{i}", f"new text {i}") for i in range(7)), batch_size=3
    )
    assert DemoEmbeddingModel.batches == [3, 3, 1]
    assert collection.count() == 32


def test_embed_multi_accepts_non_string_ids(db):
    collection = Collection("entries", db, model_id="demo")
    collection.embed_multi(enumerate(["zero", "one"]), store=True)
    assert stored(db)["1"][0] == "one"


def test_embed_multi_with_metadata(db):
    collection = Collection("entries", db, model_id="demo")
    collection.embed_multi_with_metadata(
        [
            ("hound", "my happy hound", {"name": "Hound"}),
            ("cat", "my dissatisfied cat", None),
        ],
        store=True,
    )
    assert stored(db)["hound"][:3] == ("my happy hound", None, '{"name": "Hound"}')
    assert stored(db)["cat"][:3] == ("my dissatisfied cat", None, None)


def test_unchanged_content_is_not_embedded_again(db):
    collection = Collection("entries", db, model_id="demo")
    items = [(f"id{i}", f"text {i}") for i in range(12)]
    collection.embed_multi(items)
    assert sum(DemoEmbeddingModel.batches) == 12
    DemoEmbeddingModel.batches.clear()
    collection.embed_multi(items)
    collection.embed("id3", "text 3")
    assert DemoEmbeddingModel.batches == []
    # Changed content is embedded again, and only that item.
    collection.embed_multi([("id3", "different"), ("id4", "text 4")])
    assert DemoEmbeddingModel.batches == [1]
    vector = llm.get_embedding_model("demo").embed("different")
    assert collection.similar_by_vector(vector, number=1)[0].id == "id3"


def test_same_content_under_a_new_id_reuses_the_vector(db):
    collection = Collection("entries", db, model_id="demo")
    collection.embed("first", "shared text")
    DemoEmbeddingModel.batches.clear()
    collection.embed("second", "shared text")
    assert DemoEmbeddingModel.batches == []
    assert collection.count() == 2
    embeddings = {
        row[0]: row[1] for row in db.execute("SELECT id, embedding FROM embeddings")
    }
    assert embeddings["first"] == embeddings["second"]


def test_duplicate_content_within_a_batch_is_embedded_once(db):
    collection = Collection("entries", db, model_id="demo")
    collection.embed_multi([("a", "same"), ("b", "same"), ("c", "other")])
    assert DemoEmbeddingModel.batches == [2]
    assert collection.count() == 3


def test_repeated_id_in_one_call_keeps_the_last_value(db):
    collection = Collection("entries", db, model_id="demo")
    collection.embed_multi([("a", "first"), ("a", "second")], store=True)
    assert stored(db)["a"][0] == "second"


def test_unchanged_content_updates_metadata_and_adds_stored_content(db):
    collection = Collection("entries", db, model_id="demo")
    collection.embed("a", "text", metadata={"v": 1})
    DemoEmbeddingModel.batches.clear()
    collection.embed("a", "text", metadata={"v": 2}, store=True)
    assert stored(db)["a"][:3] == ("text", None, '{"v": 2}')
    # Without metadata or store the row is left exactly as it was.
    collection.embed("a", "text")
    assert stored(db)["a"][:3] == ("text", None, '{"v": 2}')
    assert DemoEmbeddingModel.batches == []
    # Changed content replaces the whole row.
    collection.embed("a", "new text")
    assert stored(db)["a"][:3] == (None, None, None)


def test_binary_content(db):
    collection = Collection("photos", db, model_id="demo")
    image = bytes(range(256)) * 4
    collection.embed("image", image, store=True)
    collection.embed("text", "words")
    row = stored(db, "photos")["image"]
    assert row[0] is None and row[1] == image
    assert row[3] == hashlib.md5(image).digest()
    results = collection.similar(image, number=1)
    assert results[0].id == "image"
    # Stored bytes stay in content_blob; search results carry text or None.
    assert results[0].content is None
    assert results[0].score == pytest.approx(1.0)


def test_binary_content_rejected_by_text_only_model(db):
    collection = Collection("entries", db, model_id="vectors")
    with pytest.raises(ValueError, match="does not support binary"):
        collection.embed("x", b"\x00\x01")
    assert collection.count() == 0


def test_text_rejected_by_binary_only_model(db):
    class ImagesOnly(llm.EmbeddingModel):
        model_id = "images-only"
        supports_text = False
        supports_binary = True

        def embed_batch(self, items):
            return ([float(len(item)), 1.0] for item in items)

    collection = Collection("images", db, model=ImagesOnly())
    with pytest.raises(ValueError, match="does not support text"):
        collection.embed("x", "some text")
    collection.embed("y", b"\x00\x01")
    assert collection.count() == 1


def test_invalid_items_are_rejected(db):
    collection = Collection("entries", db, model_id="demo")
    with pytest.raises(ValueError, match="No content"):
        collection.embed("x", None)
    with pytest.raises(TypeError, match="str or bytes"):
        collection.embed("x", 42)
    with pytest.raises(TypeError, match="Metadata"):
        collection.embed("x", "text", metadata=["not", "a", "dict"])
    with pytest.raises(ValueError, match="batch_size"):
        collection.embed_multi([("x", "y")], batch_size=0)
    assert collection.count() == 0


POINTS = [
    ("east", "1 0 0"),
    ("north-east", "1 1 0"),
    ("north", "0 1 0"),
    ("west", "-1 0 0"),
    ("up", "0 0 1"),
]


@pytest.fixture
def points(db):
    collection = Collection("points", db, model_id="vectors")
    collection.embed_multi_with_metadata(
        [
            ("east", "1 0 0", {"dir": "e"}),
            ("north-east", "1 1 0", None),
            ("north", "0 1 0", None),
            ("west", "-1 0 0", None),
            ("up", "0 0 1", None),
        ],
        store=True,
    )
    return collection


def test_similar_orders_by_cosine_similarity(points):
    results = points.similar("2 0.1 0")
    assert [entry.id for entry in results] == [
        "east",
        "north-east",
        "north",
        "up",
        "west",
    ]
    assert all(isinstance(entry, Entry) for entry in results)
    first = results[0]
    expected = 2 / ((2**2 + 0.1**2) ** 0.5)
    assert first.score == pytest.approx(expected, rel=1e-6)
    assert first.content == "1 0 0"
    assert first.metadata == {"dir": "e"}
    assert results[-1].score == pytest.approx(-expected, rel=1e-6)


def test_similar_number(points):
    assert [entry.id for entry in points.similar("1 0 0", number=2)] == [
        "east",
        "north-east",
    ]


def test_similar_by_id_excludes_the_item(points):
    results = points.similar_by_id("east")
    assert [entry.id for entry in results][:2] == ["north-east", "north"]
    assert "east" not in [entry.id for entry in results]
    with pytest.raises(ValueError, match="No item with ID 'nope'"):
        points.similar_by_id("nope")


def test_similar_by_vector_skip_id_and_prefix(points):
    ids = [entry.id for entry in points.similar_by_vector([1, 0, 0], skip_id="east")]
    assert ids[0] == "north-east" and "east" not in ids
    ids = [entry.id for entry in points.similar_by_vector([1, 0, 0], prefix="north")]
    assert ids == ["north-east", "north"]
    assert points.similar_by_id("east", prefix="nor")[0].id == "north-east"
    assert points.similar_by_vector([1, 0, 0], prefix="zzz") == []


def test_prefix_matches_exact_prefixes_only(db):
    collection = Collection("files", db, model_id="vectors")
    collection.embed_multi(
        [("a/1", "1 0"), ("a/2", "0 1"), ("a0", "1 0"), ("a", "1 0"), ("b/1", "1 0")]
    )
    found = {entry.id for entry in collection.similar_by_vector([1, 0], prefix="a/")}
    assert found == {"a/1", "a/2"}


def test_delete_removes_only_that_collection(db, points):
    other = Collection("other", db, model_id="demo")
    other.embed("x", "text")
    points.delete()
    assert not Collection.exists(db, "points")
    assert db.execute(
        "SELECT count(*) FROM embeddings WHERE collection_id = ?", [points.id]
    ).fetchone() == (0,)
    assert other.count() == 1


def test_list_collections(db, points):
    # Bytes of the stored values: ID, 3 float32s, text, MD5, metadata, update time.
    SIZE = sum(len(i) + 12 + len(c) + 16 + 8 for i, c in POINTS) + len('{"dir": "e"}')
    Collection("empty", db, model_id="demo")
    assert list_collections(db) == [
        {"name": "empty", "model": "embed-demo", "num_embeddings": 0, "size_bytes": 0},
        {"name": "points", "model": "vectors", "num_embeddings": 5, "size_bytes": SIZE},
    ]


def test_another_model_for_an_existing_collection_is_an_error(db, points):
    with pytest.raises(
        ValueError, match="uses the embedding model 'vectors', not 'demo'"
    ):
        Collection("points", db, model_id="demo")
    with pytest.raises(ValueError, match="not 'embed-demo'"):
        Collection("points", db, model=llm.get_embedding_model("demo"))
    # The same model by alias is fine.
    assert Collection("points", db, model_id="vec").model_id == "vectors"


def test_unknown_model_when_creating(db):
    with pytest.raises(llm.UnknownModelError, match="Unknown model: nope"):
        Collection("entries", db, model_id="nope")
    assert not Collection.exists(db, "entries")


def test_missing_collection_without_model(db):
    with pytest.raises(ValueError, match="does not exist"):
        Collection("entries", db)
    with pytest.raises(ValueError, match="does not exist"):
        Collection("entries", db, model_id="demo", create=False)


def test_collection_whose_model_is_not_installed(db):
    db.execute("INSERT INTO collections (name, model) VALUES ('old', 'gone-model')")
    db.conn.commit()
    collection = Collection("old", db)
    assert collection.model_id == "gone-model"
    assert collection.count() == 0
    with pytest.raises(
        llm.UnknownModelError, match="'gone-model', which is not installed"
    ):
        collection.model()
    with pytest.raises(llm.UnknownModelError):
        collection.similar("text")
    with pytest.raises(llm.UnknownModelError):
        collection.embed("x", "text")


def test_failed_batch_leaves_earlier_batches_and_nothing_of_itself(db):
    collection = Collection("entries", db, model_id="flaky")
    items = [
        ("a", "1 0"),
        ("b", "0 1"),
        ("c", "1 1"),
        ("d", "1 2"),
        ("e", "FAIL"),
        ("f", "2 1"),
    ]
    with pytest.raises(llm.ModelError, match="flaky model failed"):
        collection.embed_multi(items)
    assert [len(batch) for batch in FlakyModel.batches] == [2, 2, 2]
    assert sorted(stored(db)) == ["a", "b", "c", "d"]
    # Running again only embeds what is missing.
    FlakyModel.batches.clear()
    collection.embed_multi([(k, v) for k, v in items if v != "FAIL"])
    assert FlakyModel.batches == [["2 1"]]
    assert sorted(stored(db)) == ["a", "b", "c", "d", "f"]


def test_failed_write_rolls_back_the_whole_batch(db):
    collection = Collection("entries", db, model_id="demo")
    collection.embed("kept", "kept text")
    db.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON embeddings WHEN NEW.id = 'bad' "
        "BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END"
    )
    with pytest.raises(sqlite3.IntegrityError, match="refused"):
        collection.embed_multi(
            [("good", "good text"), ("bad", "bad text")], batch_size=2
        )
    assert sorted(stored(db)) == ["kept"]


def test_model_returning_wrong_number_of_vectors(db):
    class ShortModel(llm.EmbeddingModel):
        model_id = "short"

        def embed_batch(self, items):
            return iter([[1.0, 2.0]])

    collection = Collection("entries", db, model=ShortModel())
    with pytest.raises(ValueError, match="returned 1 vectors for 2 items"):
        collection.embed_multi([("a", "x"), ("b", "y")])
    assert collection.count() == 0


def test_content_hash_is_md5():
    assert Collection.content_hash("hello") == hashlib.md5(b"hello").digest()
    assert Collection.content_hash(b"\x00") == hashlib.md5(b"\x00").digest()


def test_vectors_model_helper_records_batches(db):
    collection = Collection("entries", db, model_id="vectors")
    collection.embed("a", "1 2 3")
    assert VectorsModel.batches == [["1 2 3"]]


def test_lazy_collection_is_created_with_its_first_embeddings(db):
    collection = Collection("later", db, model_id="flaky", lazy=True)
    assert collection.id is None
    assert not Collection.exists(db, "later")
    assert collection.count() == 0
    assert collection.similar_by_vector([1.0, 0.0]) == []
    with pytest.raises(llm.ModelError):
        collection.embed("a", "FAIL")
    collection.embed_multi([])
    assert not Collection.exists(db, "later")
    assert collection.id is None
    collection.embed("a", "1 0")
    assert Collection.exists(db, "later")
    assert collection.id == Collection("later", db).id
    assert collection.count() == 1
    assert list_collections(db) == [
        {"name": "later", "model": "flaky", "num_embeddings": 1, "size_bytes": 33}
    ]


def test_lazy_collection_keeps_the_first_batches_when_a_later_one_fails(db):
    collection = Collection("later", db, model_id="flaky", lazy=True)
    with pytest.raises(llm.ModelError):
        collection.embed_multi([("a", "1 0"), ("b", "0 1"), ("c", "FAIL")])
    assert collection.id is not None
    assert sorted(stored(db, "later")) == ["a", "b"]


def test_lazy_collection_created_meanwhile_with_another_model(db):
    collection = Collection("later", db, model_id="flaky", lazy=True)
    Collection("later", db, model_id="demo")
    with pytest.raises(ValueError, match="created meanwhile.*embed-demo"):
        collection.embed("a", "1 0")
    assert stored(db, "later") == {}
