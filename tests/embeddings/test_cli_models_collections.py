"""``llm embed-models`` and ``llm collections``."""

from __future__ import annotations

import json

import pytest

import llm

from .conftest import assert_error, rows


def test_embed_models_lists_models_with_aliases(run):
    result = run("embed-models")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "DemoEmbeddingModel: embed-demo (aliases: demo)" in lines
    assert "VectorsModel: vectors (aliases: vec)" in lines
    assert "FlakyModel: flaky" in lines
    assert run("embed-models", "list").stdout == result.stdout


def test_embed_models_query(run):
    assert run("embed-models", "-q", "demo").stdout == (
        "DemoEmbeddingModel: embed-demo (aliases: demo)\n"
    )
    assert run("embed-models", "list", "-q", "VEC", "-q", "vectors").stdout == (
        "VectorsModel: vectors (aliases: vec)\n"
    )
    assert run("embed-models", "-q", "demo", "-q", "vectors").stdout == ""


def test_user_aliases_are_listed(run):
    llm.set_alias("my-vectors", "vectors")
    assert (
        "VectorsModel: vectors (aliases: vec, my-vectors)" in run("embed-models").stdout
    )


def test_default_embedding_model(run, user_path):
    unset = run("embed-models", "default")
    assert (unset.exit_code, unset.stdout) == (0, "")
    assert run("embed-models", "default", "vec").exit_code == 0
    assert run("embed-models", "default").stdout == "vectors\n"
    assert llm.get_default_embedding_model() == "vectors"
    assert (user_path / "default_embedding_model.txt").read_text() == "vectors"
    assert run("embed-models", "default", "--remove-default").exit_code == 0
    assert llm.get_default_embedding_model() is None
    assert run("embed-models", "default").stdout == ""


def test_default_embedding_model_errors(run):
    unknown = run("embed-models", "default", "nope")
    assert_error(unknown)
    # The original's wording, exactly: the name is not an embedding model.
    assert unknown.stderr == "Error: Unknown embedding model: nope\n"
    assert llm.get_default_embedding_model() is None
    assert_error(run("embed-models", "default", "demo", "--remove-default"), "not both")


@pytest.fixture
def two_collections(run):
    run("embed", "phrases", "a", "-m", "demo", "-c", "one")
    run("embed", "phrases", "b", "-c", "two")
    run("embed", "single", "x", "-m", "vectors", "-c", "1 0")


def test_collections_list(run, two_collections):
    expected = "phrases: embed-demo\n  2 embeddings, 178B\nsingle: vectors\n  1 embedding, 33B\n"
    assert run("collections").stdout == expected
    assert run("collections", "list").stdout == expected


def test_collections_list_json(run, two_collections):
    result = run("collections", "list", "--json")
    assert json.loads(result.stdout) == [
        {
            "name": "phrases",
            "model": "embed-demo",
            "num_embeddings": 2,
            "size_bytes": 178,
        },
        {"name": "single", "model": "vectors", "num_embeddings": 1, "size_bytes": 33},
    ]
    assert json.loads(run("collections", "--json").stdout) == json.loads(result.stdout)


def test_collections_list_without_a_database(run, db_path):
    assert run("collections").stdout == ""
    assert run("collections", "--json").stdout == "[]\n"
    assert not db_path.exists()


def test_collections_other_database(run, tmp_path):
    other = tmp_path / "other.db"
    run("embed", "elsewhere", "x", "-m", "demo", "-c", "hi", "-d", str(other))
    assert run("collections", "list", "-d", str(other)).stdout == (
        "elsewhere: embed-demo\n  1 embedding, 89B\n"
    )
    assert run("collections", "list").stdout == ""
    assert run("collections", "delete", "elsewhere", "-d", str(other)).exit_code == 0
    assert rows(other, "SELECT count(*) FROM collections") == [(0,)]


def test_collections_delete(run, two_collections, db_path):
    result = run("collections", "delete", "phrases")
    assert result.exit_code == 0
    assert run("collections").stdout == "single: vectors\n  1 embedding, 33B\n"
    assert rows(db_path, "SELECT count(*) FROM embeddings") == [(1,)]


def test_collections_delete_errors(run, two_collections, tmp_path):
    assert_error(
        run("collections", "delete", "nope"), "Collection 'nope' does not exist"
    )
    assert_error(
        run("collections", "delete", "phrases", "-d", str(tmp_path / "missing.db")),
        "No embeddings database found",
    )
    assert "phrases" in run("collections").stdout


def test_collections_path(run, user_path):
    result = run("collections", "path")
    assert result.stdout == f"{user_path / 'embeddings.db'}\n"


def test_group_help_marks_default_commands(run):
    help_text = run("collections", "--help").stdout
    assert "list*" in help_text and "delete" in help_text and "path" in help_text
    help_text = run("embed-models", "--help").stdout
    assert "list*" in help_text and "default" in help_text
