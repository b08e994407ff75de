"""``llm similar``: JSON and plain output, by content, file, stdin or ID, and errors."""

from __future__ import annotations

import json
import sqlite3

import pytest

from .conftest import assert_error


@pytest.fixture
def points(run):
    data = (
        '{"id": "east", "v": "1 0 0", "note": null}\n'
        '{"id": "north-east", "v": "1 1 0"}\n'
        '{"id": "north", "v": "0 1 0"}\n'
        '{"id": "west", "v": "-1 0 0"}\n'
    )
    result = run("embed-multi", "points", "-", "-m", "vectors", "--store", input=data)
    assert result.exit_code == 0, result.output
    result = run(
        "embed", "points", "up", "-c", "0 0 1", "--metadata", '{"axis": "z"}', "--store"
    )
    assert result.exit_code == 0


def lines(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_similar_by_content(run, points):
    result = run("similar", "points", "-c", "1 0.2 0")
    assert result.exit_code == 0
    found = lines(result)
    assert [item["id"] for item in found] == [
        "east",
        "north-east",
        "north",
        "up",
        "west",
    ]
    assert list(found[0]) == ["id", "score", "content", "metadata"]
    assert found[0]["content"] == "1 0 0 "  # the null column joined as empty
    assert found[0]["score"] == pytest.approx(1 / (1.04**0.5))
    up = next(item for item in found if item["id"] == "up")
    assert up["metadata"] == {"axis": "z"}
    assert up["score"] == pytest.approx(0.0, abs=1e-7)
    assert found[-1]["score"] == pytest.approx(-1 / (1.04**0.5))


def test_number_and_plain(run, points):
    # Each result: ID (score), a blank line, the content and metadata indented.
    result = run("similar", "points", "-c", "1 0 0", "-n", "2", "-p")
    assert result.exit_code == 0
    assert result.stdout == (
        "east (1.0)\n\n  1 0 0 \n\nnorth-east (0.7071067811865475)\n\n  1 1 0\n\n"
    )
    result = run("similar", "points", "-c", "0 0 1", "-n", "1", "--plain")
    assert result.stdout == 'up (1.0)\n\n  0 0 1\n  {"axis": "z"}\n\n'


def test_similar_by_id_leaves_the_item_out(run, points):
    found = lines(run("similar", "points", "east"))
    assert [item["id"] for item in found][:2] == ["north-east", "north"]
    assert "east" not in [item["id"] for item in found]


def test_prefix(run, points):
    found = lines(run("similar", "points", "-c", "1 0 0", "--prefix", "north"))
    assert [item["id"] for item in found] == ["north-east", "north"]


def test_input_file_and_stdin(run, points, tmp_path):
    query = tmp_path / "query.txt"
    query.write_text("0 1 0")
    assert lines(run("similar", "points", "-i", str(query)))[0]["id"] == "north"
    assert lines(run("similar", "points", "-i", "-", input="-1 0 0"))[0]["id"] == "west"


def test_binary_input_and_binary_content(run, tmp_path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\x00photo")
    run("embed", "photos", "p1", "-m", "demo", "--binary", "-i", str(photo), "--store")
    run("embed", "photos", "t1", "-c", "a caption", "--store")
    found = lines(run("similar", "photos", "-i", str(photo), "--binary"))
    assert found[0]["id"] == "p1"
    assert found[0]["score"] == pytest.approx(1.0)
    assert found[0]["content"] is None  # binary content has no JSON form
    assert found[1]["content"] == "a caption"


def test_unknown_collection(run, points, tmp_path):
    assert_error(
        run("similar", "nope", "-c", "1 0 0"), "Collection 'nope' does not exist"
    )


def test_no_database_yet(run, db_path):
    assert not db_path.exists()
    assert_error(
        run("similar", "points", "-c", "x"), "Collection 'points' does not exist"
    )
    assert not db_path.exists()


def test_missing_database_file(run, tmp_path):
    missing = tmp_path / "missing.db"
    assert_error(
        run("similar", "points", "-c", "x", "-d", str(missing)),
        "No embeddings database found",
    )
    assert not missing.exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["missing-id"], "No item with ID 'missing-id' in collection 'points'"),
        (["east", "-c", "1 0 0"], "not both"),
        ([], "Give content to compare"),
        (["-c", ""], "No content provided"),
        (["-c", "1 0"], "Stored vectors have 3 dimensions but the query vector has 2"),
        (["-c", "x", "-n", "0"], "must be at least 1"),
    ],
)
def test_errors(run, points, args, message):
    result = run("similar", "points", *args)
    assert result.exit_code in (1, 2)
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_collection_whose_model_is_not_installed(run, points, db_path):
    conn = sqlite3.connect(str(db_path))
    conn.execute("UPDATE collections SET model = 'long-gone'")
    conn.commit()
    conn.close()
    assert_error(
        run("similar", "points", "-c", "1 0 0"), "'long-gone', which is not installed"
    )
    # Searching by a stored ID needs no model.
    assert lines(run("similar", "points", "east"))[0]["id"] == "north-east"
