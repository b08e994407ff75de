"""``llm schemas``: list and show schemas stored in the logs database, try the DSL."""

from __future__ import annotations

import json

import click

from ..errors import handle_errors
from ..groups import DefaultGroup
from ..options import database_option


@click.group(cls=DefaultGroup, default="list")
def schemas() -> None:
    """Manage stored schemas"""


def _open(database: str | None) -> object:
    """Schemas are only read here: logs.db is never created, a read-only one is read."""
    from ..inputs import open_reading_logs_db

    return open_reading_logs_db(database)


def _usage(row: dict) -> str:
    count = row.get("usage_count") or 0
    text = "1 time" if count == 1 else f"{count} times"
    if row.get("last_used"):
        text += f", most recently {row['last_used']}"
    return text


@schemas.command(name="list")
@database_option()
@click.option(
    "queries", "-q", "--query", multiple=True, help="Only schemas containing this text"
)
@click.option("--full", is_flag=True, help="Include the full schema")
@click.option("json_", "--json", is_flag=True, help="Output a JSON array")
@click.option("nl", "--nl", is_flag=True, help="Output newline-delimited JSON")
def list_(
    database: str | None, queries: tuple[str, ...], full: bool, json_: bool, nl: bool
) -> None:
    """List stored schemas"""
    from llm.logs.schemas import list_schemas

    from ..output import json_lines, yaml_dump

    with handle_errors():
        rows = list_schemas(_open(database), list(queries))
    if json_ or nl:
        # The original's field names, which scripts read.
        records = [
            {
                "id": row["id"],
                "content": row["content"],
                "recently_used": row["last_used"],
                "times_used": row["usage_count"],
            }
            for row in rows
        ]
        if nl:
            if records:
                click.echo(json_lines(records))
        else:
            click.echo(json.dumps(records, indent=2))
        return
    if not rows:
        return  # nothing at all, as the original prints
    items = []
    for row in rows:
        item = {"id": row["id"]}
        if full:
            item["schema"] = json.dumps(row["content"], indent=2) + "\n"
        else:
            item["summary"] = row["summary"] + "\n"
        item["usage"] = _usage(row) + "\n"
        items.append(item)
    click.echo(yaml_dump(items), nl=False)


@schemas.command()
@click.argument("schema_id")
@database_option()
def show(schema_id: str, database: str | None) -> None:
    """Show a stored schema"""
    from llm.logs.schemas import get_schema

    with handle_errors():
        schema = get_schema(_open(database), schema_id)
    if schema is None:
        raise click.ClickException(f"No stored schema with ID {schema_id}")
    click.echo(json.dumps(schema, indent=2))


@schemas.command()
@click.argument("input")
@click.option("--multi", is_flag=True, help="Wrap it for a list of several items")
def dsl(input: str, multi: bool) -> None:
    """Convert LLM's concise schema syntax into a JSON schema

    \b
        llm schemas dsl 'name, age int, bio: their bio'
    """
    from llm.schemas import schema_dsl

    with handle_errors():
        schema = schema_dsl(input, multi=multi)
    click.echo(json.dumps(schema, indent=2))
