"""Pieces the embedding commands share: error reporting, store and model choice.

The commands run inside llm-cli's ``llm`` group (they are added through its
``register_commands`` hook), so they use its group class and error handler.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from llm.cli.api import DefaultGroup, handle_errors, retry_options

if TYPE_CHECKING:
    from .collection import Collection
    from .store import VectorStore

EMBEDDING_MODEL_ENV_VAR = "LLM_EMBEDDING_MODEL"

__all__ = [
    "DefaultGroup",
    "collection_for_writing",
    "command_errors",
    "database_option",
    "default_model_name",
    "existing_collection",
    "open_database",
    "positive_integer",
    "progress_enabled",
    "reliability",
    "require_model_name",
    "retry_options",
]


def database_option(help: str = "Embeddings database: a SQLite file or a store URL"):
    """``-d/--database``: a SQLite path or a URL such as ``postgresql://...``."""
    return click.option("-d", "--database", metavar="PATH_OR_URL", help=help)


@contextlib.contextmanager
def command_errors(database: str | None = None) -> Iterator[None]:
    """Expected failures become ``Error: message`` and exit code 1 (no traceback)."""
    from llm.sqlite import database_error

    from .db import LABEL
    from .stores import default_location, mask_location

    with handle_errors():
        try:
            yield
        except sqlite3.Error as ex:
            path = mask_location(database or default_location())
            raise database_error(ex, path, label=LABEL) from ex


def open_database(database: str | None, *, create: bool) -> VectorStore | None:
    """Open the store named by ``-d``, else ``LLM_EMBEDDINGS_DATABASE``, else the default file.

    With ``create=False`` a missing default SQLite file gives None (nothing has
    been stored yet), while a missing ``-d`` path is an error naming it. The
    store closes when the command finishes.
    """
    from .stores import default_location, open_store, scheme_of

    location = database or default_location()
    if (
        database is None
        and not create
        and scheme_of(location) is None
        and not Path(location).exists()
    ):
        return None
    store = open_store(location, create=create)
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(store.close)
    return store


def existing_collection(store: VectorStore | None, name: str) -> Collection:
    """The collection called ``name``; a clear error when it does not exist."""
    from .collection import Collection

    if store is None or store.get_collection(name) is None:
        raise click.ClickException(f"Collection '{name}' does not exist")
    return Collection(name, store)


def default_model_name() -> str | None:
    """LLM_EMBEDDING_MODEL, else the configured default embedding model."""
    from llm.defaults import get_default_embedding_model

    return os.environ.get(EMBEDDING_MODEL_ENV_VAR) or get_default_embedding_model()


def require_model_name(explicit: str | None) -> str:
    name = explicit or default_model_name()
    if not name:
        raise click.ClickException(
            "You need to specify an embedding model with -m/--model "
            "(no default embedding model is set)"
        )
    return name


def collection_for_writing(
    store: VectorStore, name: str, model: str | None
) -> Collection:
    """Open or create a collection to store into.

    An existing collection keeps its model (``-m`` must agree with it); a new one
    uses ``-m``, then LLM_EMBEDDING_MODEL, then the default embedding model, and
    is only written to the database with its first stored embeddings, so a
    command that fails or embeds nothing leaves no empty collection behind.
    """
    from .collection import Collection

    if store.get_collection(name) is not None:
        collection = Collection(name, store, model_id=model)
    else:
        collection = Collection(
            name, store, model_id=require_model_name(model), lazy=True
        )
    collection.model()  # fail early if the model is not installed
    return collection


@contextlib.contextmanager
def reliability(
    retries: int | None,
    timeout: float | None,
    write: Callable[[str], Any] | None = None,
) -> Iterator[None]:
    """``--retries`` and ``--timeout`` for every embedding call in the block; waits shown on stderr.

    ``write`` prints each wait's line (see ``llm.retries.notices_on_stderr``).
    """
    from llm.retries import notices_on_stderr, retry_settings

    with retry_settings(retries, timeout), notices_on_stderr(write):
        yield


def positive_integer(
    ctx: click.Context, param: click.Parameter, value: int | None
) -> int | None:
    """Option callback: reject zero and negative numbers (help still says INTEGER)."""
    if value is not None and value < 1:
        raise click.BadParameter("must be at least 1")
    return value


def progress_enabled() -> bool:
    """Progress bars go to stderr, and only when it is a terminal."""
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None) and stream.isatty())
