"""Pieces the embedding commands share: error reporting, database and model choice.

The group class and error handler come from llm-cli when it is installed (the
commands normally run inside its ``llm`` group); small equivalents stand in
otherwise, so this package's commands also work in any click group.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from .collection import Collection

EMBEDDING_MODEL_ENV_VAR = "LLM_EMBEDDING_MODEL"


def _find_default_group() -> type[click.Group]:
    try:
        from llm.cli.groups import DefaultGroup as CliDefaultGroup
    except ImportError:
        pass
    else:
        return CliDefaultGroup

    class FallbackDefaultGroup(click.Group):
        """Runs ``default`` when no (known) sub-command is named; marks it with ``*``."""

        def __init__(self, *args: Any, default: str | None = None, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self.default_command_name = default

        def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
            if self.default_command_name and (
                not args
                or (
                    args[0] not in self.commands
                    and args[0] not in ctx.help_option_names
                )
            ):
                args = [self.default_command_name, *args]
            return super().parse_args(ctx, args)

        def list_commands(self, ctx: click.Context) -> list[str]:
            names = sorted(self.commands)
            if self.default_command_name in names:
                names.remove(self.default_command_name)
                names.insert(0, self.default_command_name)
            return names

        def format_commands(
            self, ctx: click.Context, formatter: click.HelpFormatter
        ) -> None:
            rows = []
            for name in self.list_commands(ctx):
                command = self.commands[name]
                marker = "*" if name == self.default_command_name else ""
                rows.append((name + marker, command.get_short_help_str(60)))
            if rows:
                with formatter.section("Commands"):
                    formatter.write_dl(rows)

    return FallbackDefaultGroup


DefaultGroup = _find_default_group()


def _find_handle_errors() -> Any:
    try:
        from llm.cli.errors import handle_errors
    except ImportError:
        return None
    return handle_errors


@contextlib.contextmanager
def _fallback_handle_errors() -> Iterator[None]:
    from llm.errors import ModelError, PluginError

    expected = (ModelError, PluginError, ValueError, KeyError, OSError, UnicodeError)
    try:
        yield
    except click.ClickException:
        raise
    except expected as ex:
        if os.environ.get("LLM_RAISE_ERRORS"):
            raise
        if isinstance(ex, KeyError) and type(ex).__str__ is KeyError.__str__:
            message = str(ex.args[0]) if ex.args else "Not found"
        else:
            message = str(ex) or type(ex).__name__
        raise click.ClickException(message) from ex


@contextlib.contextmanager
def command_errors(database: str | Path | None = None) -> Iterator[None]:
    """Expected failures become ``Error: message`` and exit code 1 (no traceback)."""
    from llm.sqlite import database_error

    from .db import LABEL, embeddings_db_path

    handle = _find_handle_errors()
    with handle() if handle is not None else _fallback_handle_errors():
        try:
            yield
        except sqlite3.Error as ex:
            path = database or embeddings_db_path()
            raise database_error(ex, path, label=LABEL) from ex


def open_database(database: str | None, *, create: bool) -> sqlite3.Connection | None:
    """Connect to ``-d`` or the default database.

    With ``create=False`` a missing default database gives None (nothing has been
    stored yet), while a missing ``-d`` path is an error naming it. The connection
    closes when the command finishes.
    """
    from .db import connect, embeddings_db_path

    if database is None and not create and not embeddings_db_path().exists():
        return None
    conn = connect(database, create=create)
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(conn.close)
    return conn


def existing_collection(conn: sqlite3.Connection | None, name: str) -> Collection:
    """The collection called ``name``; a clear error when it does not exist."""
    from .collection import Collection

    if conn is None or not Collection.exists(conn, name):
        raise click.ClickException(f"Collection '{name}' does not exist")
    return Collection(name, conn)


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
    conn: sqlite3.Connection, name: str, model: str | None
) -> Collection:
    """Open or create a collection to store into.

    An existing collection keeps its model (``-m`` must agree with it); a new one
    uses ``-m``, then LLM_EMBEDDING_MODEL, then the default embedding model, and
    is only written to the database with its first stored embeddings, so a
    command that fails or embeds nothing leaves no empty collection behind.
    """
    from .collection import Collection

    if Collection.exists(conn, name):
        collection = Collection(name, conn, model_id=model)
    else:
        collection = Collection(
            name, conn, model_id=require_model_name(model), lazy=True
        )
    collection.model()  # fail early if the model is not installed
    return collection


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
