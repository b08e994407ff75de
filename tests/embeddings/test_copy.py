"""llm collections copy: moving a collection between stores without re-embedding."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from llm.embeddings import Collection, copy_collection, open_store

from .conftest import VectorsModel, assert_error


@pytest.fixture
def source(tmp_path, run):
    path = tmp_path / "source.db"
    csv = "id,v\na,1 0 0\nb,0 1 0\nc,1 1 0\n"
    assert (
        run(
            "embed-multi",
            "pts",
            "-",
            "-d",
            str(path),
            "-m",
            "vectors",
            "--store",
            input=csv,
        ).exit_code
        == 0
    )
    with open_store(path) as store:
        Collection("pts", store).embed("d", "0 0 1", metadata={"k": "v"})
    VectorsModel.batches.clear()
    return path


def similar_lines(run, location, collection="pts"):
    result = run("similar", collection, "-c", "1 0.2 0", "-d", location)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_copy_between_sqlite_files(run, source, tmp_path):
    target = tmp_path / "target.db"
    result = run("collections", "copy", "pts", "-d", str(source), "--to", str(target))
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Copied 4 embeddings to 'pts' in {target}\n"
    assert similar_lines(run, str(target)) == similar_lines(run, str(source))
    # Only the queries were embedded, nothing that was copied.
    assert all(batch == ["1 0.2 0"] for batch in VectorsModel.batches)
    with open_store(source) as a, open_store(target) as b:
        assert a.get("pts", ["a", "d"]) == b.get("pts", ["a", "d"])


def test_copy_to_postgres_and_back(run, source, postgres_url, tmp_path):
    result = run("collections", "copy", "pts", "-d", str(source), "--to", postgres_url)
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in similar_lines(run, postgres_url)] == [
        r["id"] for r in similar_lines(run, str(source))
    ]
    back = tmp_path / "back.db"
    result = run(
        "collections",
        "copy",
        "pts",
        "-d",
        postgres_url,
        "--to",
        str(back),
        "--name",
        "again",
    )
    assert result.exit_code == 0, result.output
    with open_store(source) as a, open_store(back) as b:
        for original, copied in zip(
            a.get("pts", ["a", "b", "c", "d"]), b.get("again", ["a", "b", "c", "d"])
        ):
            assert (
                copied.id,
                copied.embedding,
                copied.content_hash,
                copied.content,
            ) == (
                original.id,
                original.embedding,
                original.content_hash,
                original.content,
            )
            assert json.loads(copied.metadata or "null") == json.loads(
                original.metadata or "null"
            )
            assert copied.updated == original.updated
    assert all(batch == ["1 0.2 0"] for batch in VectorsModel.batches)


def test_copy_merges_into_a_collection_of_the_same_model(source, tmp_path):
    target = tmp_path / "target.db"
    with open_store(target) as store:
        Collection("pts", store, model_id="vectors").embed("z", "5 5 5")
    assert copy_collection(source, "pts", target, batch_size=2) == 4
    with open_store(target) as store:
        assert store.count("pts") == 5


def test_copy_refuses_another_model_and_bad_names(run, source, tmp_path):
    target = tmp_path / "target.db"
    with open_store(target) as store:
        Collection("pts", store, model_id="demo")
    assert_error(
        run("collections", "copy", "pts", "-d", str(source), "--to", str(target)),
        "uses the embedding model 'embed-demo', not 'vectors'",
    )
    assert_error(
        run("collections", "copy", "nope", "-d", str(source), "--to", str(target)),
        "Collection 'nope' does not exist",
    )
    assert_error(
        run("collections", "copy", "pts", "-d", str(source), "--to", str(source)),
        "cannot be copied onto itself",
    )
    result = run(
        "collections",
        "copy",
        "pts",
        "-d",
        str(source),
        "--to",
        str(source),
        "--name",
        "twin",
    )
    assert result.exit_code == 0, result.output
    with open_store(source) as store:
        assert store.count("twin") == 4


def open_files(path) -> list[str]:
    """Which of this process's open files are ``path`` or its SQLite companions."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("needs /proc to list open files")
    names = []
    for fd in fds.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(path)):
            names.append(target)
    return names


def test_copy_closes_the_stores_it_opened(source, tmp_path):
    target = tmp_path / "closed.db"
    assert copy_collection(str(source), "pts", str(target)) == 4
    assert open_files(source) == [] and open_files(target) == []
