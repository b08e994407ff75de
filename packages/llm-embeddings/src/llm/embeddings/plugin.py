"""The default plugin that adds the embedding commands to ``llm``.

Loaded at every ``llm`` start-up, so it imports nothing heavy: the commands
module (and click) load only when the CLI asks for commands.
"""

from __future__ import annotations

from typing import Any

from llm.hookspecs import hookimpl


@hookimpl
def register_commands(cli: Any) -> None:
    """Add ``embed``, ``embed-multi``, ``similar``, ``embed-models`` and ``collections``."""
    from .commands import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)
