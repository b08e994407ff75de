"""Choosing a store: paths, URLs, LLM_EMBEDDINGS_DATABASE, plugin stores and masked passwords."""

from __future__ import annotations

import json
import sqlite3
import sys

import pytest

import llm
from llm.embeddings import SQLiteStore, mask_location, open_store
from llm.errors import VectorStoreError
from llm.plugins import pm

from .conftest import assert_error


@pytest.mark.parametrize(
    ("location", "masked"),
    [
        ("/tmp/embeddings.db", "/tmp/embeddings.db"),
        ("postgresql://me@db/x", "postgresql://me@db/x"),
        ("postgresql://me:s3cret@db:5432/x", "postgresql://me:***@db:5432/x"),
        (
            "postgresql://db/x?user=me&password=s3cret&sslmode=require",
            "postgresql://db/x?user=me&password=***&sslmode=require",
        ),
        # The password of the client certificate's key is a secret too.
        (
            "postgresql://db/x?sslpassword=s3cret&sslcert=/a.crt",
            "postgresql://db/x?sslpassword=***&sslcert=/a.crt",
        ),
        # A Unix socket URL keeps its empty host and its query as written.
        (
            "postgresql:///x?host=/run/pg&password=s3cret&options=-c%20a%3Db",
            "postgresql:///x?host=/run/pg&password=***&options=-c%20a%3Db",
        ),
        ("postgresql:///x?host=%2Frun%2Fpg", "postgresql:///x?host=%2Frun%2Fpg"),
    ],
)
def test_mask_location(location, masked):
    assert mask_location(location) == masked


def test_passwords_are_scrubbed_as_written_and_decoded():
    from llm.embeddings.stores import scrub

    url = "postgresql://me:p%40ss@db/x?sslpassword=k%2Fey"
    message = f"failed for {url}: password p@ss, key k/ey, raw p%40ss"
    assert scrub(message, url) == (
        "failed for postgresql://me:***@db/x?sslpassword=***: "
        "password ***, key ***, raw ***"
    )


def test_unknown_scheme_is_a_clear_error_without_the_password():
    with pytest.raises(VectorStoreError) as info:
        open_store("nosuch://me:s3cret@host/db")
    assert "No vector store handles nosuch:// URLs" in str(info.value)
    assert "postgresql://" in str(info.value)  # names the installed ones
    assert "s3cret" not in str(info.value)
    assert info.value.location == "nosuch://me:***@host/db"


class MemoryStores:
    """A plugin adding ``memory://NAME``: a SQLite store in memory, one per name."""

    def __init__(self):
        self.stores: dict[str, SQLiteStore] = {}
        self.opened: list[str] = []

    @llm.hookimpl
    def register_vector_stores(self, register):
        register("memory", self.open)
        register("broken", self.broken)

    def open(self, url: str) -> SQLiteStore:
        self.opened.append(url)
        name = url.split("://", 1)[1]
        if name not in self.stores:
            self.stores[name] = SQLiteStore(sqlite3.connect(":memory:"))
        return self.stores[name]

    def broken(self, url: str) -> SQLiteStore:
        raise ConnectionError(f"cannot reach {url}")


@pytest.fixture
def memory_stores():
    plugin = MemoryStores()
    pm.register(plugin, name="memory-stores")
    try:
        yield plugin
    finally:
        pm.unregister(name="memory-stores")
        for store in plugin.stores.values():
            store.conn.close()  # the store does not own a connection it was given


def test_a_plugin_store_serves_every_command(run, memory_stores, db_path):
    url = "memory://one"
    assert (
        run("embed", "c", "a", "-m", "vectors", "-c", "1 0", "-d", url).exit_code == 0
    )
    result = run("embed-multi", "c", "-", "-d", url, "--store", input="id,v\nb,0 1\n")
    assert result.exit_code == 0, result.output
    result = run("similar", "c", "-c", "1 0.1", "-d", url, "-n", "1")
    assert json.loads(result.stdout) == {
        "id": "a",
        "score": pytest.approx(0.99503719),
        "content": None,
        "metadata": None,
    }
    assert run("collections", "list", "-d", url).stdout.startswith(
        "c: vectors\n  2 embeddings, "
    )
    assert run("collections", "delete", "c", "-d", url).exit_code == 0
    assert run("collections", "list", "-d", url).stdout == ""
    assert memory_stores.opened[0] == url
    assert not db_path.exists()  # the default SQLite file was never touched


def test_environment_variable_chooses_the_default_store(
    run, memory_stores, monkeypatch
):
    monkeypatch.setenv("LLM_EMBEDDINGS_DATABASE", "memory://env")
    assert run("embed", "c", "a", "-m", "vectors", "-c", "1 0").exit_code == 0
    assert memory_stores.stores["env"].count("c") == 1
    assert run("collections", "path").stdout == "memory://env\n"
    monkeypatch.setenv("LLM_EMBEDDINGS_DATABASE", "memory://u:pw@host/env")
    assert run("collections", "path").stdout == "memory://u:***@host/env\n"


def test_environment_variable_can_name_a_sqlite_file(run, tmp_path, monkeypatch):
    path = tmp_path / "elsewhere.db"
    monkeypatch.setenv("LLM_EMBEDDINGS_DATABASE", str(path))
    assert run("embed", "c", "a", "-m", "vectors", "-c", "1 0").exit_code == 0
    with open_store(path, create=False) as store:
        assert store.count("c") == 1
    assert run("collections", "path").stdout == f"{path}\n"


def test_a_failing_store_is_an_error_with_the_password_masked(run, memory_stores):
    result = run("collections", "list", "-d", "broken://me:hunter2@db/x")
    assert_error(result, "Could not open the vector store broken://me:***@db/x")
    assert "hunter2" not in result.output


def test_unknown_scheme_on_the_command_line(run):
    assert_error(
        run("similar", "c", "-c", "x", "-d", "nosuch://h/db"),
        "No vector store handles nosuch:// URLs",
    )


def test_without_psycopg_the_error_says_how_to_install_it(run, monkeypatch):
    # None in sys.modules makes the import fail, as if psycopg were not installed.
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.setitem(sys.modules, "llm.embeddings.postgres_store", None)
    result = run("similar", "c", "-c", "x", "-d", "postgresql://me:hunter2@db/x")
    assert result.exit_code == 1
    assert result.output == (
        "Error: PostgreSQL collections need psycopg and pgvector: run "
        "llm install 'llm-embeddings[postgres]' (in a Python project: "
        "pip install 'llm-embeddings[postgres]')\n"
    )
    assert "Traceback" not in result.output
