"""The PostgreSQL store against a real server: commands, the HNSW index, errors, lean imports."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from urllib.parse import urlsplit, urlunsplit

import pytest

from llm.embeddings import Collection, open_store
from llm.errors import VectorStoreError

from .conftest import assert_error


@pytest.fixture
def psycopg():
    return pytest.importorskip("psycopg")


def test_every_command_works_on_postgres(run, postgres_url, db_path):
    url = postgres_url
    result = run("embed", "pts", "east", "-m", "vectors", "-c", "1 0 0", "-d", url)
    assert result.exit_code == 0, result.output
    csv = "id,v\nnorth,0 1 0\nnorth-east,1 1 0\nup,0 0 1\n"
    result = run("embed-multi", "pts", "-", "-d", url, "--store", input=csv)
    assert result.exit_code == 0, result.output
    result = run("similar", "pts", "-c", "1 0.1 0", "-d", url, "-n", "2")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["east", "north-east"]
    assert lines[0]["score"] == pytest.approx(0.99503719, abs=1e-6)
    assert lines[1]["content"] == "1 1 0"
    result = run("similar", "pts", "north", "-d", url, "-n", "1", "-p")
    assert result.stdout.startswith("north-east (0.7071")
    result = run("collections", "list", "-d", url, "--json")
    [listed] = json.loads(result.stdout)
    assert (listed["name"], listed["num_embeddings"]) == ("pts", 4)
    assert listed["size_bytes"] > 0
    assert run("collections", "delete", "pts", "-d", url).exit_code == 0
    assert run("collections", "list", "-d", url).stdout == ""
    assert not db_path.exists()


def test_items_live_in_an_indexed_vector_table(postgres_url, psycopg):
    with open_store(postgres_url) as store:
        collection = Collection("docs", store, model_id="vectors")
        collection.embed_multi([(f"d{i}", f"{i} 1 {i % 3}") for i in range(50)])
    with psycopg.connect(postgres_url) as conn:
        (collection_id, dimensions) = conn.execute(
            "SELECT id, dimensions FROM llm_collections WHERE name = 'docs'"
        ).fetchone()
        table = f"llm_embeddings_{collection_id}"
        assert dimensions == 3
        column_type = conn.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attname = 'embedding'",
            [table],
        ).fetchone()[0]
        assert column_type == "vector(3)"
        indexes = [
            row[0]
            for row in conn.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table]
            )
        ]
        assert any("USING hnsw (embedding vector_cosine_ops)" in i for i in indexes)
        assert any("(content_hash)" in i for i in indexes)
        # With sequential scans off the planner must (and can) use the HNSW index.
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(
            row[0]
            for row in conn.execute(
                f"EXPLAIN SELECT id FROM {table} "
                "ORDER BY embedding <=> '[1,1,1]' LIMIT 5"
            )
        )
        assert f"llm_embeddings_{collection_id}_hnsw" in plan


def test_similar_with_a_prefix_still_finds_enough_results(postgres_url):
    with open_store(postgres_url) as store:
        collection = Collection("many", store, model_id="vectors")
        items = [(f"a{i:03}", f"1 {i / 100} 0") for i in range(300)]
        items += [(f"b{i:03}", f"1 {i / 100} 0.01") for i in range(300)]
        collection.embed_multi(items)
        found = collection.similar("1 0 0", number=60, prefix="b")
        assert len(found) == 60
        assert all(entry.id.startswith("b") for entry in found)
        assert [e.id for e in found] == [f"b{i:03}" for i in range(60)]
        # More results than an HNSW search can give falls back to an exact search.
        assert len(collection.similar("1 0 0", number=1200)) == 600


def test_reembedding_skips_unchanged_content_and_reuses_vectors(postgres_url):
    from .conftest import VectorsModel

    with open_store(postgres_url) as store:
        collection = Collection("c", store, model_id="vectors")
        collection.embed_multi_with_metadata(
            [("a", "1 0", {"k": 1}), ("b", "0 1", None)]
        )
        VectorsModel.batches.clear()
        collection.embed_multi_with_metadata(
            [("a", "1 0", {"k": 2}), ("b", "0 1", None), ("c", "1 0", None)],
            store=True,
        )
        assert VectorsModel.batches == []  # nothing new to embed
        assert collection.similar_by_id("c", number=1)[0].metadata == {"k": 2}
        assert store.get("c", ["b"])[0].content == "0 1"


def test_dimension_mismatch_is_a_clear_error(postgres_url):
    with open_store(postgres_url) as store:
        collection = Collection("c", store, model_id="vectors")
        collection.embed("a", "1 0 0")
        with pytest.raises(ValueError, match="vectors of 3 dimensions; got 2"):
            collection.embed("b", "1 0")
        with pytest.raises(ValueError, match="3 dimensions but the query vector has 2"):
            collection.similar_by_vector([1.0, 0.0])
        assert collection.count() == 1


def test_connection_errors_never_show_the_password(run, postgres_server):
    parts = urlsplit(postgres_server)
    query = parts.query
    # A server that is not there: a socket directory with no server in it.
    url = urlunsplit(
        parts._replace(
            netloc="someone:hunter2@",
            path="/nodb",
            query=query.replace("host=", "host=/nonexistent"),
        )
    )
    with pytest.raises(VectorStoreError) as info:
        open_store(url)
    assert "hunter2" not in str(info.value)
    assert "someone:***@" in str(info.value)
    result = run("collections", "list", "-d", url)
    assert_error(result, "Could not connect to postgresql://someone:***@")
    assert "hunter2" not in result.output


def test_sqlite_work_never_imports_psycopg(tmp_path):
    code = f"""
import sys
import llm
from llm.embeddings import StoredItem, open_store
from llm.embeddings.stores import registered_stores
assert "postgresql" in registered_stores()
store = open_store({str(tmp_path / "e.db")!r})
item = StoredItem("a", llm.encode([1.0, 0.0]), b"0" * 16)
store.upsert("c", "m", [item])
assert store.similar("c", llm.encode([1.0, 0.0]), 1)[0].id == "a"
print(sorted(m for m in ("psycopg", "pgvector") if m in sys.modules))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_user_without_create_rights(postgres_url, psycopg):
    """pgvector missing is a clear error; a database an owner prepared just works."""
    role = f"reader_{urlsplit(postgres_url).path.strip('/')[-8:]}"
    as_role = urlunsplit(urlsplit(postgres_url)._replace(netloc=f"{role}@"))
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
    try:
        with pytest.raises(
            VectorStoreError, match="The pgvector extension is not available"
        ):
            open_store(as_role)
        with open_store(postgres_url) as owner:
            Collection("shared", owner, model_id="vectors").embed("a", "1 0")
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
        with open_store(as_role) as store:
            assert [m.id for m in Collection("shared", store).similar("1 0.1")] == ["a"]
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")


def test_embed_multi_sql_reads_attached_sqlite_files(run, postgres_url, tmp_path):
    blog = tmp_path / "blog.db"
    with closing(sqlite3.connect(str(blog))) as conn, conn:
        conn.execute("CREATE TABLE posts (id TEXT, body TEXT)")
        conn.executemany(
            "INSERT INTO posts VALUES (?, ?)", [("p1", "1 0"), ("p2", "0 1")]
        )
    result = run(
        "embed-multi", "posts", "-d", postgres_url, "-m", "vectors",
        "--attach", "blog", str(blog), "--sql", "SELECT id, body FROM blog.posts",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with open_store(postgres_url) as store:
        assert store.count("posts") == 2


def test_collections_of_different_dimensions_in_one_session(postgres_url):
    with open_store(postgres_url) as store:
        flat = Collection("flat", store, model_id="vectors")
        deep = Collection("deep", store, model_id="vectors")
        for _ in range(2):
            flat.embed_multi([("a", "1 0"), ("b", "0 1")])
            deep.embed_multi([("a", "1 0 0 0"), ("b", "0 0 0 1")])
        assert flat.similar("1 0.1", number=1)[0].id == "a"
        assert deep.similar("0 0 0 1", number=1)[0].id == "b"
