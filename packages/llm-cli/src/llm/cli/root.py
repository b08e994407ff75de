"""The root ``llm`` group: default ``prompt`` command, lazy built-ins, plugin commands."""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any

import click

from .groups import DefaultGroup

# command name -> (module in llm.cli.commands, attribute)
BUILTIN_COMMANDS: dict[str, tuple[str, str]] = {
    "prompt": ("prompt", "prompt"),
    "aliases": ("aliases", "aliases"),
    "batch": ("batch", "batch"),
    "chat": ("chat", "chat"),
    "fragments": ("fragments", "fragments"),
    "install": ("plugins", "install"),
    "keys": ("keys", "keys"),
    "logs": ("logs", "logs"),
    "models": ("models", "models"),
    "plugins": ("plugins", "plugins"),
    "prices": ("prices", "prices"),
    "render": ("render", "render"),
    "schemas": ("schemas", "schemas"),
    "templates": ("templates", "templates"),
    "tools": ("tools", "tools"),
    "uninstall": ("plugins", "uninstall"),
}


def _module_available(module: str) -> bool:
    from importlib.util import find_spec

    try:
        return find_spec(f"llm.cli.commands.{module}") is not None
    except (ImportError, ValueError):
        return False


class _Commands(dict):
    """``group.commands`` that finds a built-in on ``commands[name]``.

    Plugins reuse built-ins from ``register_commands`` (llm-anthropic reads
    ``cli.commands["prompt"].params``), while listing and ``in`` checks still
    see only what has been loaded, so start-up stays lazy.
    """

    def __init__(self, group: LLMGroup, commands: dict[str, Any]) -> None:
        super().__init__(commands)
        self._group = group

    def __missing__(self, name: str) -> click.Command:
        command = (
            self._group.builtin_command(name) if name in BUILTIN_COMMANDS else None
        )
        if command is None:
            raise KeyError(name)
        return command


class LLMGroup(DefaultGroup):
    """Built-in commands load on first use; plugins add theirs via ``register_commands``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands(self, self.commands)
        self._builtins: dict[str, click.Command | None] = {}
        self._plugin_commands: set[str] = set()
        self._plugin_generation: int | None = None

    # --- built-in commands ---------------------------------------------

    def builtin_command(self, name: str) -> click.Command | None:
        """The built-in command, importing its module; None if it is not installed."""
        if name not in self._builtins:
            module_name, attribute = BUILTIN_COMMANDS[name]
            command = None
            if _module_available(module_name):
                module = import_module(f"llm.cli.commands.{module_name}")
                command = getattr(module, attribute, None)
            self._builtins[name] = command
        return self._builtins[name]

    def available_builtins(self) -> list[str]:
        return [
            name
            for name, (module, _) in BUILTIN_COMMANDS.items()
            if name in self._builtins or _module_available(module)
        ]

    # --- plugin commands -----------------------------------------------

    def load_plugin_commands(self) -> None:
        """Load plugins and (re)collect the commands their register_commands add."""
        from llm.plugins import call_hook, load_plugins, pm

        load_plugins()
        if self._plugin_generation == pm.generation:
            return
        for name in self._plugin_commands:
            self.commands.pop(name, None)
        before = set(self.commands)
        call_hook("register_commands", cli=self)
        self._plugin_commands = set(self.commands) - before
        self._plugin_generation = pm.generation
        self._save_plugin_cache()

    def _plugin_rows(self) -> list[tuple[str, str]]:
        return [
            (name, self.commands[name].get_short_help_str(limit=1000))
            for name in sorted(self._plugin_commands)
            if name in self.commands and not self.commands[name].hidden
        ]

    def _save_plugin_cache(self) -> None:
        from . import plugin_cache

        plugin_cache.save(plugin_cache.fingerprint(), self._plugin_rows())

    def plugin_command_rows(self) -> list[tuple[str, str]]:
        """(name, short help) of plugin commands, from the cache when it is current."""
        plugins = sys.modules.get("llm.plugins")
        if plugins is None or not plugins.plugins_loaded():
            from . import plugin_cache

            cached = plugin_cache.load(plugin_cache.fingerprint())
            if cached is not None:
                return cached
        self.load_plugin_commands()
        return self._plugin_rows()

    # --- click API -----------------------------------------------------

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in BUILTIN_COMMANDS:
            command = self.builtin_command(cmd_name)
            if command is not None:
                return command
        command = self.commands.get(cmd_name)
        if command is not None:
            return command
        self.load_plugin_commands()
        return self.commands.get(cmd_name)

    def _ordered_names(self, plugin_rows: list[tuple[str, str]]) -> list[str]:
        names = set(self.available_builtins()) | set(self.commands)
        names.update(name for name, _ in plugin_rows)
        ordered = sorted(names)
        if self.default_command_name in ordered:
            ordered.remove(self.default_command_name)
            ordered.insert(0, self.default_command_name)
        return ordered

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._ordered_names(self.plugin_command_rows())

    def command_help_rows(self, ctx: click.Context) -> list[tuple[str, Any]]:
        plugin_rows = self.plugin_command_rows()
        cached = dict(plugin_rows)
        rows: list[tuple[str, Any]] = []
        for name in self._ordered_names(plugin_rows):
            if name in cached:
                # Plugin commands: the same text whether the cache or the live
                # command supplied it, so warm and cold help read the same.
                rows.append((name, cached[name]))
                continue
            if name in BUILTIN_COMMANDS:
                command = self.builtin_command(name)
            else:
                command = self.commands.get(name)
            if command is None:
                continue
            if not command.hidden:
                rows.append((name, command))
        return rows


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from .version import version_text

    click.echo(version_text())
    ctx.exit()


@click.group(
    cls=LLMGroup,
    default="prompt",
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and exit.",
)
def cli() -> None:
    """
    Run prompts against Large Language Models from the command line.

    Documentation: https://llm.datasette.io/

    Models come from plugins; list the installed ones with 'llm models' and
    find more in the plugin directory:

    https://llm.datasette.io/en/stable/plugins/directory.html

    To use OpenAI's models, store an API key first:

    \b
        $ llm keys set openai
        Enter key: ...

    Then run a prompt:

    \b
        llm 'Five outrageous names for a pet pelican'

    All prompting options are described by:

    \b
        llm prompt --help
    """
