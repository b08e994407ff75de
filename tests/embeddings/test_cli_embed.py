"""``llm embed``: output formats, storing into collections, model choice and errors."""

from __future__ import annotations

import base64
import json

import pytest

import llm
from llm.plugins import pm

from .conftest import assert_error, rows


def demo_vector(value):
    return llm.get_embedding_model("demo").embed(value)


def test_embed_content_prints_json_vector(run):
    result = run("embed", "-c", "hello world", "-m", "demo")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == demo_vector("hello world")
    assert result.stderr == ""


@pytest.mark.parametrize("format_", ["blob", "base64", "hex"])
def test_binary_output_formats(run, format_):
    result = run("embed", "-c", "hello", "-m", "demo", "-f", format_)
    assert result.exit_code == 0
    blob = llm.encode(demo_vector("hello"))
    if format_ == "blob":
        assert result.stdout_bytes == blob + b"\n"  # ends with a newline, as base64
    elif format_ == "base64":
        assert result.stdout == base64.b64encode(blob).decode() + "\n"
    else:
        assert result.stdout == blob.hex() + "\n"


def test_input_file_stdin_and_binary(run, tmp_path):
    text_file = tmp_path / "one.txt"
    text_file.write_text("file content")
    result = run("embed", "-i", str(text_file), "-m", "demo")
    assert json.loads(result.stdout) == demo_vector("file content")
    result = run("embed", "-i", "-", "-m", "demo", input="piped text")
    assert json.loads(result.stdout) == demo_vector("piped text")
    result = run("embed", "-m", "demo", input="no flags")
    assert json.loads(result.stdout) == demo_vector("no flags")
    image = tmp_path / "image.bin"
    image.write_bytes(b"\x89PNG\x00\xff\x10")
    result = run("embed", "--binary", "-i", str(image), "-m", "demo")
    assert json.loads(result.stdout) == demo_vector(b"\x89PNG\x00\xff\x10")
    result = run("embed", "--binary", "-i", "-", "-m", "demo", input=b"\x00\x01\xfe")
    assert json.loads(result.stdout) == demo_vector(b"\x00\x01\xfe")


def test_store_in_collection(run, db_path):
    result = run(
        "embed",
        "phrases",
        "hound",
        "-m",
        "demo",
        "-c",
        "my happy hound",
        "--metadata",
        '{"name": "Hound"}',
        "--store",
    )
    assert result.exit_code == 0
    assert result.output == ""
    assert rows(
        db_path,
        "SELECT collections.name, model, embeddings.id, embedding, content, metadata "
        "FROM embeddings JOIN collections ON collections.id = collection_id",
    ) == [
        (
            "phrases",
            "embed-demo",
            "hound",
            llm.encode(demo_vector("my happy hound")),
            "my happy hound",
            '{"name": "Hound"}',
        )
    ]


def test_store_binary_content(run, db_path, tmp_path):
    image = tmp_path / "photo.jpg"
    image.write_bytes(b"\xff\xd8\xff\x00jpeg")
    result = run(
        "embed", "photos", "p1", "-m", "demo", "--binary", "-i", str(image), "--store"
    )
    assert result.exit_code == 0
    assert rows(db_path, "SELECT content, content_blob FROM embeddings") == [
        (None, b"\xff\xd8\xff\x00jpeg")
    ]


def test_collection_with_format_prints_stored_vector(run):
    result = run("embed", "phrases", "x", "-m", "demo", "-c", "text", "-f", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == pytest.approx(demo_vector("text"))


def test_custom_database(run, tmp_path, db_path):
    custom = tmp_path / "my-embeddings.db"
    result = run("embed", "phrases", "x", "-m", "demo", "-c", "text", "-d", str(custom))
    assert result.exit_code == 0
    assert rows(custom, "SELECT id FROM embeddings") == [("x",)]
    assert not db_path.exists()


def test_existing_collection_uses_its_model(run, db_path):
    run("embed", "points", "a", "-m", "vectors", "-c", "1 0")
    result = run("embed", "points", "b", "-c", "0 1")
    assert result.exit_code == 0
    result = run("embed", "points", "c", "-m", "vec", "-c", "1 1")
    assert result.exit_code == 0
    assert rows(db_path, "SELECT count(*) FROM embeddings") == [(3,)]


def test_model_mismatch_is_an_error(run, db_path):
    run("embed", "points", "a", "-m", "vectors", "-c", "1 0")
    result = run("embed", "points", "b", "-m", "demo", "-c", "text")
    assert_error(result, "uses the embedding model 'vectors', not 'demo'")
    assert rows(db_path, "SELECT id FROM embeddings") == [("a",)]


def test_default_model_and_environment_variable(run, monkeypatch):
    result = run("embed", "-c", "hello")
    assert_error(result, "You need to specify an embedding model")
    assert run("embed-models", "default", "demo").exit_code == 0
    result = run("embed", "-c", "hello")
    assert json.loads(result.stdout) == demo_vector("hello")
    monkeypatch.setenv("LLM_EMBEDDING_MODEL", "vectors")
    result = run("embed", "-c", "3 4")
    assert json.loads(result.stdout) == [3.0, 4.0]


def test_new_collection_needs_a_model(run, db_path):
    result = run("embed", "phrases", "x", "-c", "text")
    assert_error(result, "You need to specify an embedding model")
    assert rows(db_path, "SELECT count(*) FROM collections") == [(0,)]


def test_unknown_model(run, db_path):
    assert_error(run("embed", "-c", "hi", "-m", "nope"), "Unknown model: nope")
    assert_error(
        run("embed", "c", "x", "-c", "hi", "-m", "nope"), "Unknown model: nope"
    )
    assert rows(db_path, "SELECT count(*) FROM collections") == [(0,)]


def test_collection_whose_model_is_not_installed(run, db_path):
    run("embed", "phrases", "x", "-m", "demo", "-c", "text")
    conn = __import__("sqlite3").connect(str(db_path))
    conn.execute("UPDATE collections SET model = 'uninstalled-model'")
    conn.commit()
    conn.close()
    result = run("embed", "phrases", "y", "-c", "more")
    assert_error(result, "'uninstalled-model', which is not installed")


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["phrases", "-c", "x", "-m", "demo"],
            "Must provide both a collection and an ID",
        ),
        (["-c", "x", "-m", "demo", "--store"], "--store needs a collection"),
        (
            ["-c", "x", "-m", "demo", "--metadata", "{}"],
            "--metadata needs a collection",
        ),
        (["-c", "", "-m", "demo"], "No content provided"),
        (["-c", "x", "-m", "vectors", "--binary"], "does not support binary content"),
    ],
)
def test_usage_errors(run, args, message):
    assert_error(run("embed", *args), message)


@pytest.mark.parametrize(
    "metadata,message",
    [
        ("{bad", "Error: Invalid value for '--metadata': must be valid JSON: "),
        ("[1]", "Error: Invalid value for '--metadata': must be a JSON object\n"),
    ],
)
def test_malformed_metadata_is_a_usage_error(run, db_path, metadata, message):
    result = run("embed", "c", "i", "-c", "x", "-m", "demo", "--metadata", metadata)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.startswith("Usage: ")
    assert not db_path.exists()


class IntegerVectors(llm.EmbeddingModel):
    model_id = "integer-vectors"

    def embed_batch(self, items):
        return ([len(item), 2, 3] for item in items)


class IntegerVectorsPlugin:
    @llm.hookimpl
    def register_embedding_models(self, register):
        register(IntegerVectors())


def test_json_vector_as_the_model_returned_it(run):
    pm.register(IntegerVectorsPlugin(), name="integer-vectors")
    try:
        result = run("embed", "-c", "hello", "-m", "integer-vectors")
    finally:
        pm.unregister(name="integer-vectors")
    assert result.exit_code == 0, result.output
    assert result.stdout == "[5, 2, 3]\n"


def test_empty_stdin(run):
    assert_error(run("embed", "-m", "demo", input=""), "No content provided")


def test_non_utf8_file_without_binary(run, tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes(b"caf\xe9")
    assert_error(run("embed", "-i", str(path), "-m", "demo"), "is not UTF-8 text")


def test_help_matches_the_documented_options(run):
    result = run("embed", "--help")
    for option in (
        "-i, --input PATH",
        "-m, --model TEXT",
        "--store",
        "-d, --database PATH_OR_URL",
        "-c, --content TEXT",
        "--binary",
        "--metadata TEXT",
        "-f, --format [json|blob|base64|hex]",
    ):
        assert option in result.output
    assert "Usage: root embed [OPTIONS] [COLLECTION] [ID]" in result.output


def test_failed_embed_leaves_no_empty_collection(run, db_path):
    assert_error(
        run("embed", "phrases", "x", "-m", "demo", "-c", ""), "No content provided"
    )
    assert_error(
        run("embed", "phrases", "x", "-m", "vectors", "-c", "x", "--binary"),
        "does not support binary",
    )
    assert run("collections").stdout == ""
    assert rows(db_path, "SELECT count(*) FROM embeddings") == [(0,)]


class BrokenEmbeddingModel(llm.EmbeddingModel):
    model_id = "broken"

    def embed_batch(self, items):
        raise llm.ModelError("The broken model always fails")


class BrokenModelPlugin:
    @llm.hookimpl
    def register_embedding_models(self, register):
        register(BrokenEmbeddingModel())


@pytest.fixture
def broken_model():
    pm.register(BrokenModelPlugin(), name="broken-embedding-model")
    try:
        yield
    finally:
        pm.unregister(name="broken-embedding-model")


def test_model_failure_does_not_bind_a_new_collection_to_the_model(
    run, db_path, broken_model
):
    assert_error(
        run("embed", "fc2", "x", "-m", "broken", "-c", "FAIL"),
        "The broken model always fails",
    )
    assert run("collections", "list").stdout == ""
    assert rows(db_path, "SELECT count(*) FROM collections") == [(0,)]
    # The name is still free, so another model can create it.
    assert run("embed", "fc2", "x", "-m", "demo", "-c", "hello").exit_code == 0
    assert run("collections", "list").stdout == "fc2: embed-demo\n  1 embedding, 89B\n"
