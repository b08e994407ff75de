"""The default plugin that adds the embedding commands and the PostgreSQL store to ``llm``.

Loaded at every ``llm`` start-up, so it imports nothing heavy: the commands
module (and click) load only when the CLI asks for commands, psycopg only
when a ``postgresql://`` store is opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llm.hookspecs import hookimpl

if TYPE_CHECKING:
    from .store import VectorStore


@hookimpl
def register_commands(cli: Any) -> None:
    """Add ``embed``, ``embed-multi``, ``similar``, ``embed-models`` and ``collections``."""
    from .commands import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)


def open_postgres(url: str) -> VectorStore:
    """Open a ``postgresql://`` URL (needs the ``llm-embeddings[postgres]`` extra)."""
    try:
        from .postgres_store import PostgresStore
    except ImportError as ex:
        from llm.errors import VectorStoreError

        from .stores import mask_location

        # ``llm install`` installs into llm's own environment (pip or uv
        # alike) and passes the extra through; pip is for library users.
        raise VectorStoreError(
            "PostgreSQL collections need psycopg and pgvector: run "
            "llm install 'llm-embeddings[postgres]' (in a Python project: "
            "pip install 'llm-embeddings[postgres]')",
            mask_location(url),
        ) from ex
    return PostgresStore(url)


@hookimpl
def register_vector_stores(register: Any) -> None:
    """PostgreSQL with pgvector, for ``postgresql://`` and ``postgres://`` URLs."""
    register("postgresql", open_postgres)
    register("postgres", open_postgres)
