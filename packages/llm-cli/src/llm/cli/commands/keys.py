"""``llm keys``: list, read, locate and store API keys in keys.json."""

from __future__ import annotations

import click

from ..errors import handle_errors
from ..groups import DefaultGroup


@click.group(cls=DefaultGroup, default="list")
def keys() -> None:
    """Manage stored API keys for different models"""


@keys.command(name="list")
def list_() -> None:
    """List the names of all stored keys"""
    from llm.keys import load_keys

    with handle_errors():
        names = sorted(load_keys())
    if not names:
        click.echo("No keys found", err=True)
        return
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

    Example usage:

    \b
        export OPENAI_API_KEY=$(llm keys get openai)
    """
    from llm.keys import load_keys

    with handle_errors():
        stored = load_keys()
    if name not in stored:
        raise click.ClickException(f"No key found with name '{name}'")
    click.echo(stored[name])


@keys.command(name="set")
@click.argument("name")
@click.option("--value", help="The key to store (otherwise you are asked for it)")
def set_(name: str, value: str | None) -> None:
    """Save a key in the keys.json file

    Example usage:

    \b
        $ llm keys set openai
        Enter key: ...
    """
    from llm.keys import set_key

    if value is None:
        value = click.prompt("Enter key", hide_input=True)
    if not value.strip():
        raise click.ClickException("The key is empty; nothing was stored")
    with handle_errors():
        set_key(name, value)
