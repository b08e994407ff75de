"""``llm keys``: list, read, locate and store API keys.

Keys go to keys.json, or to the system keychain (``--keyring``), or are
produced on demand by a command (``--command``); see ``llm.key_sources``.
"""

from __future__ import annotations

import sys

import click

from ..errors import handle_errors
from ..groups import DefaultGroup


@click.group(cls=DefaultGroup, default="list")
def keys() -> None:
    """Manage stored API keys for different models"""


@keys.command(name="list")
def list_() -> None:
    """List the names of all stored keys"""
    from llm.keys import key_names, keys_path

    with handle_errors():
        names = key_names()
        if not names and not keys_path().exists():
            # As the original: on standard output, and only when there is no
            # keys.json at all (an empty one lists nothing).
            click.echo("No keys found")
    for name in names:
        click.echo(name)


@keys.command()
def path() -> None:
    """Output the path to the keys.json file"""
    from llm.keys import keys_path

    with handle_errors():
        click.echo(str(keys_path()))


@keys.command()
@click.argument("name")
def get(name: str) -> None:
    """Print the value of a stored key

    Keys kept in the system keychain or produced by a command are read the
    same way.

    Example usage:

    \b
        export OPENAI_API_KEY=$(llm keys get openai)
    """
    from llm.keys import stored_key

    with handle_errors():
        value = stored_key(name)
    if value is None:
        raise click.ClickException(f"No key found with name '{name}'")
    click.echo(value)


@keys.command(name="set")
@click.argument("name")
@click.option("--value", help="The key to store (otherwise you are asked for it)")
@click.option(
    "use_keyring",
    "--keyring",
    is_flag=True,
    help="Store the key in the system keychain instead of keys.json "
    "(needs keyring: llm install keyring)",
)
@click.option(
    "--command",
    metavar="COMMAND",
    help="A shell command that prints the key, run each time it is needed "
    "(e.g. 'pass show openai')",
)
def set_(name: str, value: str | None, use_keyring: bool, command: str | None) -> None:
    """Save a key in the keys.json file

    Example usage:

    \b
        $ llm keys set openai
        Enter key: ...

    A key piped to standard input is read from there:

    \b
        pass show openai | llm keys set openai

    Keep the key in the system keychain, or fetch it with a command when
    needed, instead of writing it to keys.json:

    \b
        llm keys set openai --keyring
        llm keys set openai --command 'op read op://vault/openai/key'

    The command runs with a timeout of 30 seconds (LLM_KEY_COMMAND_TIMEOUT).
    """
    if command is not None:
        if value is not None or use_keyring:
            raise click.ClickException(
                "--command cannot be combined with --value or --keyring"
            )
        with handle_errors():
            _set_command(name, command)
        return
    if value is None:
        value = _read_key()
    if not value.strip():
        raise click.ClickException("The key is empty; nothing was stored")
    with handle_errors():
        if use_keyring:
            from llm.key_sources import store_in_keyring
            from llm.keys import remove_stored_key

            store_in_keyring(name, value)
            # The plain copy would outlive the one in the keychain.
            if remove_stored_key(name):
                click.echo(f"Removed the copy of '{name}' from keys.json", err=True)
        else:
            from llm.keys import set_key

            set_key(name, value)


def _set_command(name: str, command: str) -> None:
    """Check the command prints a key, then record it (the key itself is not kept)."""
    from llm.key_sources import run_key_command, set_key_command
    from llm.keys import remove_stored_key

    if not command.strip():
        raise click.ClickException("The key command is empty; nothing was stored")
    run_key_command(name, command, cache=False)
    set_key_command(name, command)
    if remove_stored_key(name):
        click.echo(f"Removed the copy of '{name}' from keys.json", err=True)


def _read_key() -> str:
    """The key from a pipe on stdin, or asked for (hidden) on the terminal.

    A piped key is read even when a terminal is also attached; getpass would
    read the terminal instead, or warn when there is none.
    """
    try:
        interactive = sys.stdin.isatty()
    except (AttributeError, ValueError):
        interactive = False
    if interactive:
        return str(click.prompt("Enter key", hide_input=True))
    return sys.stdin.read().strip()
