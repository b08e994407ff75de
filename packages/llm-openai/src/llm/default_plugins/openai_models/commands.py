"""The ``llm openai`` command group: ``models`` and ``endpoint``."""

from __future__ import annotations

import datetime
import json

import click

from .endpoint import endpoint, list_remote_models


@click.group(name="openai")
def openai_group() -> None:
    """Commands for working with OpenAI and OpenAI-compatible APIs"""


@openai_group.command(name="models")
@click.option("json_", "--json", is_flag=True, help="Output as JSON")
@click.option("--key", help="OpenAI API key")
def models_command(json_: bool, key: str | None) -> None:
    """List models available to you from the OpenAI API"""
    from llm.errors import ModelError
    from llm.keys import get_key

    from .transport import endpoint as make_endpoint

    api_key = get_key(key, "openai", "OPENAI_API_KEY")
    if not api_key:
        raise click.ClickException(
            "No OpenAI key found - add one using 'llm keys set openai', "
            "set the OPENAI_API_KEY environment variable or pass --key"
        )
    try:
        models = list_remote_models(make_endpoint(api_key=api_key))
    except ModelError as ex:
        raise click.ClickException(str(ex)) from ex
    if json_:
        click.echo(json.dumps(models, indent=4))
        return
    from llm.utils import dicts_to_table_string

    rows = []
    for model in models:
        created = model.get("created")
        if isinstance(created, (int, float)):
            created = (
                datetime.datetime.fromtimestamp(created, datetime.timezone.utc)
                .replace(tzinfo=None)
                .isoformat()
            )
        rows.append(
            {
                "id": model.get("id", ""),
                "owned_by": model.get("owned_by", ""),
                "created": created or "",
            }
        )
    click.echo("\n".join(dicts_to_table_string(["id", "owned_by", "created"], rows)))


openai_group.add_command(endpoint)
