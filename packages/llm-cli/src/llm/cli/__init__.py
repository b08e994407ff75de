"""The ``llm`` command line.

``main()`` is the console entry point. ``cli`` (the root click group) is built
on first access, so ``llm --version`` can answer without importing click (or
even ``typing``).
"""

from __future__ import annotations

import sys

__all__ = ["cli", "main"]


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
        # The reader went away (``llm ... | head``): stop quietly, as other tools do.
        _silence_stdout()
        sys.exit(1)


def _silence_stdout() -> None:
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
