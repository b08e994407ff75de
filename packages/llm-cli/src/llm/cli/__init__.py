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

    cli(prog_name="llm")


def __getattr__(name: str) -> object:
    if name == "cli":
        from .root import cli

        return cli
    raise AttributeError(f"module 'llm.cli' has no attribute {name!r}")
