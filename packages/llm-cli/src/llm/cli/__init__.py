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


def __getattr__(name: str) -> object:
    if name == "cli":
        from .root import cli

        return cli
    raise AttributeError(f"module 'llm.cli' has no attribute {name!r}")
