"""The ``llm`` command line.

``main()`` is the console entry point. ``cli`` (the root click group) is built
on first access, so ``llm --version`` can answer without importing click (or
even ``typing``).
"""

from __future__ import annotations

import sys

__all__ = ["cli", "main"]

BROKEN_PIPE_EXIT_CODE = 141  # 128 + SIGPIPE


def main() -> None:
    """Run the ``llm`` command."""
    if sys.argv[1:] == ["--version"]:
        from .version import version_text

        sys.stdout.write(version_text() + "\n")
        return
    # httpx loads its own command line (rich, pygments: a third of its import
    # time) whenever those happen to be installed, as they are for rendering.
    # This process never runs httpx's command, so every model that talks HTTP
    # starts faster without it.
    sys.modules.setdefault("httpx._main", None)  # type: ignore[assignment]
    from .root import cli

    try:
        cli(prog_name="llm")
    except BrokenPipeError:
        # The reader went away (``llm ... | head``): stop quietly with the status
        # of a process ended by SIGPIPE, as Ctrl-C exits with 128 + SIGINT.
        silence_stdout()
        sys.exit(BROKEN_PIPE_EXIT_CODE)


def silence_stdout() -> None:
    """Point stdout at the null device, so nothing fails writing to a closed pipe."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


# Names plugins and scripts written for the original import from ``llm.cli``.
_COMPAT = {
    "get_default_model": ("llm.defaults", "get_default_model"),
    "set_default_model": ("llm.defaults", "set_default_model"),
    "get_key": ("llm.keys", "get_key"),
    "logs_db_path": ("llm.logs", "logs_db_path"),
    "logs_on": ("llm.logs", "logs_on"),
    "load_template": ("llm.templates", "load_template"),
    "Template": ("llm.templates", "Template"),
}


def load_conversation(
    conversation_id: str | None, async_: bool = False, database: str | None = None
) -> object:
    """The original's ``llm.cli.load_conversation``: a logged conversation, or None."""
    from llm.logs import load_conversation as load
    from llm.logs import open_logs_db

    db = open_logs_db(database)
    try:
        return load(db, conversation_id, async_=async_)
    finally:
        db.close()


def __getattr__(name: str) -> object:
    if name == "cli":
        from .root import cli

        return cli
    if name in _COMPAT:
        from importlib import import_module

        module, attribute = _COMPAT[name]
        return getattr(import_module(module), attribute)
    raise AttributeError(f"module 'llm.cli' has no attribute {name!r}")
