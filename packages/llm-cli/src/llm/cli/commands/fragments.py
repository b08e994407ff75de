"""``llm fragments``: list, alias, show and remove fragments stored in the logs database."""

from __future__ import annotations

import json
from typing import Any

import click

from ..errors import handle_errors
from ..groups import DefaultGroup

PREVIEW_CHARACTERS = 100


@click.group(cls=DefaultGroup, default="list")
def fragments() -> None:
    """Manage fragments that are stored in the database

    Fragments are pieces of text stored once and reused by many prompts.
    """


def _db() -> Any:
    from ..inputs import open_command_logs_db

    return open_command_logs_db()


def _reading_db() -> Any:
    """For listing and showing: never creates logs.db, reads a read-only one."""
    from ..inputs import open_reading_logs_db

    return open_reading_logs_db()


@fragments.command(name="list")
@click.option(
    "queries",
    "-q",
    "--query",
    multiple=True,
    help="Only fragments matching all of these",
)
@click.option("aliases", "--aliases", is_flag=True, help="Only fragments with an alias")
@click.option("json_", "--json", is_flag=True, help="Output JSON")
def list_(queries: tuple[str, ...], aliases: bool, json_: bool) -> None:
    """List stored fragments"""
    from llm.logs.fragments import list_fragments
    from llm.utils import truncate_string

    from ..output import yaml_dump

    with handle_errors():
        rows = list_fragments(_reading_db(), list(queries), aliases_only=aliases)
    if json_:
        records = [{k: v for k, v in row.items() if k != "id"} for row in rows]
        click.echo(json.dumps(records, indent=4))
        return
    if not rows:
        return  # nothing at all, as the original prints
    items = [
        {
            "hash": row["hash"],
            "aliases": list(row.get("aliases") or []),
            "datetime_utc": row.get("datetime_utc"),
            "source": row.get("source"),
            "content": truncate_string(row.get("content") or "", PREVIEW_CHARACTERS),
        }
        for row in rows
    ]
    click.echo(yaml_dump(items), nl=False)


@fragments.command(name="set")
@click.argument("alias")
@click.argument("fragment")
def set_(alias: str, fragment: str) -> None:
    """Set an alias for a fragment

    FRAGMENT is a file path, a URL, a hash, another alias or - for standard input.

    Example usage:

    \b
        llm fragments set mydocs ./docs.md
    """
    from llm.logs.fragments import set_fragment_alias, store_fragment

    with handle_errors():
        db = _db()
        if fragment == "-":
            import sys

            from llm.fragments import fragment_hash

            text = sys.stdin.read()
            store_fragment(db, text, "-")
            fragment = fragment_hash(text)
        set_fragment_alias(db, alias, fragment)


@fragments.command()
@click.argument("alias_or_hash")
def show(alias_or_hash: str) -> None:
    """Print the fragment stored under an alias or hash

    \b
        llm fragments show mydocs
    """
    from llm.logs.fragments import get_fragment

    with handle_errors():
        found = get_fragment(_reading_db(), alias_or_hash)
    if found is None:
        raise click.ClickException(f"Fragment '{alias_or_hash}' not found")
    click.echo(found["content"])


@fragments.command()
@click.argument("alias")
def remove(alias: str) -> None:
    """Remove a fragment alias (the fragment itself stays, as logs refer to it)

    Example usage:

    \b
        llm fragments remove docs
    """
    from llm.logs.fragments import remove_fragment_alias

    with handle_errors():
        removed = remove_fragment_alias(_db(), alias)
    if not removed:
        raise click.ClickException(f"No fragment alias {alias!r}")


@fragments.command()
def loaders() -> None:
    """Show fragment loaders registered by plugins"""
    import llm

    with handle_errors():
        found = llm.get_fragment_loaders()
    if not found:
        click.echo("No fragment loaders found")
        return
    from ..output import describe_loaders

    click.echo(describe_loaders(found))
