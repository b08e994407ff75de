"""DefaultGroup: a click group that runs one of its commands when none is named.

``llm "hello"`` runs ``llm prompt "hello"`` and ``llm models`` runs ``llm models
list``: when the first argument is not a known command (or there are no
arguments at all) the default command's name is put in front of them.
"""

from __future__ import annotations

from typing import Any

import click


class DefaultGroup(click.Group):
    """A group with a default sub-command, marked with ``*`` in its help."""

    def __init__(
        self,
        *args: Any,
        default: str | None = None,
        default_if_no_args: bool = True,
        **kwargs: Any,
    ) -> None:
        # -h works everywhere, even when a group is invoked on its own (click
        # caches each command's help option from the first context it sees).
        settings = dict(kwargs.pop("context_settings", None) or {})
        settings.setdefault("help_option_names", ["-h", "--help"])
        super().__init__(*args, context_settings=settings, **kwargs)
        self.default_command_name = default
        self.default_if_no_args = default_if_no_args

    def set_default_command(self, command: click.Command) -> None:
        """Make an already added command the default."""
        self.default_command_name = command.name

    def _own_option_names(self, ctx: click.Context) -> set[str]:
        names: set[str] = set()
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                names.update(param.opts)
                names.update(param.secondary_opts)
        return names

    def uses_default(self, ctx: click.Context, args: list[str]) -> bool:
        """True when ``args`` should be handed to the default command."""
        if self.default_command_name is None:
            return False
        if not args:
            return self.default_if_no_args
        first = args[0]
        if first.startswith("-"):
            return first.split("=", 1)[0] not in self._own_option_names(ctx)
        if self.get_command(ctx, first) is not None:
            return False
        # A word the default command could not take is a mistyped command
        # ("No such command"), not an extra argument to the default.
        return self._default_takes_arguments(ctx)

    def _default_takes_arguments(self, ctx: click.Context) -> bool:
        assert self.default_command_name is not None
        default = self.get_command(ctx, self.default_command_name)
        if default is None or isinstance(default, click.Group):
            return True
        return any(isinstance(param, click.Argument) for param in default.params)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if self.uses_default(ctx, args):
            assert self.default_command_name is not None
            args = [self.default_command_name, *args]
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = sorted(super().list_commands(ctx))
        default = self.default_command_name
        if default in names:
            names.remove(default)
            names.insert(0, default)
        return names

    def format_commands(
        self, ctx: click.Context, formatter: click.HelpFormatter
    ) -> None:
        rows = self.command_help_rows(ctx)
        if not rows:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section("Commands"):
            formatter.write_dl(
                [
                    (name + ("*" if name == self.default_command_name else ""), help)
                    for name, help in self.short_help_rows(rows, limit)
                ]
            )

    def command_help_rows(self, ctx: click.Context) -> list[tuple[str, Any]]:
        """(name, command) for every visible command, in display order."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            rows.append((name, command))
        return rows

    @staticmethod
    def short_help_rows(
        rows: list[tuple[str, Any]], limit: int
    ) -> list[tuple[str, str]]:
        result = []
        for name, command in rows:
            if isinstance(command, str):
                result.append((name, _truncate(command, limit)))
            else:
                result.append((name, command.get_short_help_str(limit)))
        return result


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 3, 0)].rsplit(" ", 1)[0]
    return cut + "..."
