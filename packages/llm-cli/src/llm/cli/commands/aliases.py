"""``llm aliases``: short names for models and embedding models, in aliases.json."""

from __future__ import annotations

import json

import click

from ..errors import handle_errors
from ..groups import DefaultGroup


@click.group(cls=DefaultGroup, default="list")
def aliases() -> None:
    """Manage model aliases"""


def all_aliases() -> list[tuple[str, str, bool]]:
    """(alias, model ID, is_embedding) for every chat and embedding model alias."""
    import llm
    from llm.registry import resolve_model_id

    found: list[tuple[str, str, bool]] = []
    seen: set[str] = set()
    for entry in llm.get_models_with_aliases():
        for alias in entry.aliases:
            # An alias claimed by several models is listed once, for the model
            # that ``-m alias`` actually selects.
            if alias not in seen and resolve_model_id(alias) == entry.model_id:
                seen.add(alias)
                found.append((alias, entry.model_id, False))
    for embedding in llm.get_embedding_models_with_aliases():
        found.extend(
            (alias, embedding.model.model_id, True) for alias in embedding.aliases
        )
    return found


@aliases.command(name="list")
@click.option("json_", "--json", is_flag=True, help="Output JSON")
def list_(json_: bool) -> None:
    """List current aliases"""
    with handle_errors():
        found = all_aliases()
    if json_:
        click.echo(json.dumps({alias: model for alias, model, _ in found}, indent=4))
        return
    if not found:
        return
    width = max(len(alias) for alias, _, _ in found)
    for alias, model_id, embedding in found:
        suffix = " (embedding)" if embedding else ""
        click.echo(f"{alias:<{width}} : {model_id}{suffix}")


def _find_model_id(model_id: str | None, queries: tuple[str, ...]) -> str:
    import llm

    from ..model_selection import matches_all

    if model_id:
        for entry in llm.get_models_with_aliases():
            if model_id == entry.model_id or model_id in entry.aliases:
                return entry.model_id
        for embedding in llm.get_embedding_models_with_aliases():
            if model_id == embedding.model.model_id or model_id in embedding.aliases:
                return embedding.model.model_id
        # Not installed (yet): the alias works once a plugin provides the model.
        return model_id
    for entry in llm.get_models_with_aliases():
        if matches_all(entry, queries):
            return entry.model_id
    for embedding in llm.get_embedding_models_with_aliases():
        names = [str(embedding.model), embedding.model.model_id, *embedding.aliases]
        if all(any(q.lower() in n.lower() for n in names) for q in queries):
            return embedding.model.model_id
    raise llm.UnknownModelError("No model found matching query: " + ", ".join(queries))


@aliases.command(name="set")
@click.argument("alias")
@click.argument("model_id", required=False)
@click.option(
    "queries", "-q", "--query", multiple=True, help="Use the first model matching these"
)
def set_(alias: str, model_id: str | None, queries: tuple[str, ...]) -> None:
    """Set an alias for a model

    Example usage:

    \b
        llm aliases set mini gpt-4o-mini

    The model need not be installed yet: the alias works once it is.

    Instead of a model ID you can give one or more -q options: the first
    model matching all of them gets the alias.

    \b
        llm aliases set mini -q 4o -q mini
    """
    from llm.aliases import store_alias

    if not model_id and not queries:
        raise click.ClickException(
            "You must provide a model_id or at least one -q option"
        )
    if model_id and queries:
        raise click.ClickException("Give a model ID or -q options, not both")
    with handle_errors():
        target = _find_model_id(model_id, queries)
        # An aliases.json that is not valid JSON is refused, never replaced.
        store_alias(alias, target)
    if queries:
        click.echo(f"Alias '{alias}' set to model '{target}'", err=True)


@aliases.command()
@click.argument("alias")
def remove(alias: str) -> None:
    """Remove an alias

    Example usage:

    \b
        $ llm aliases remove turbo
    """
    import llm

    with handle_errors():
        llm.remove_alias(alias)


@aliases.command()
def path() -> None:
    """Output the path to the aliases.json file"""
    from llm.aliases import aliases_path

    with handle_errors():
        click.echo(str(aliases_path()))
