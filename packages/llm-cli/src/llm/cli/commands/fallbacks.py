"""``llm models fallbacks``: which models answer when a model fails for good."""

from __future__ import annotations

import click

from ..errors import handle_errors
from ..groups import DefaultGroup


@click.group(cls=DefaultGroup, default="list", name="fallbacks")
def fallbacks() -> None:
    """Manage the models tried when a model fails after its retries

    When a model fails with a rate limit, server error, timeout or dropped
    connection after its retries, or has no key, the next model in its
    fallback list answers instead. --fallback on a prompt overrides the list.
    """


@fallbacks.command(name="set")
@click.argument("model")
@click.argument("fallback_models", nargs=-1, required=True)
def fallbacks_set(model: str, fallback_models: tuple[str, ...]) -> None:
    """Set the fallback models for a model, in the order they are tried

    Example usage:

    \b
        llm models fallbacks set gpt-4o claude-3.5-sonnet llama3
    """
    import llm
    from llm.fallbacks import set_fallbacks

    with handle_errors():
        model_id = llm.get_model(model).model_id
        ids = [llm.get_model(name).model_id for name in fallback_models]
        if model_id in ids:
            raise click.ClickException(f"{model_id} cannot be its own fallback")
        set_fallbacks(model_id, ids)
    click.echo(f"Fallbacks for {model_id}: {', '.join(ids)}", err=True)


@fallbacks.command(name="list")
def fallbacks_list() -> None:
    """List the fallback models set for each model

    Example usage:

    \b
        llm models fallbacks list
    """
    from llm.fallbacks import get_fallbacks

    with handle_errors():
        data = get_fallbacks()
    if not data:
        click.echo("No fallback models have been set", err=True)
        return
    for model_id in sorted(data):
        click.echo(f"{model_id}: {', '.join(data[model_id])}")


@fallbacks.command(name="clear")
@click.argument("model", required=False)
def fallbacks_clear(model: str | None) -> None:
    """Clear the fallback models of one model, or of every model

    Example usage:

    \b
        llm models fallbacks clear gpt-4o
        llm models fallbacks clear
    """
    from llm.fallbacks import clear_fallbacks, get_fallbacks
    from llm.registry import resolve_model_id

    with handle_errors():
        model_id = resolve_model_id(model) if model else None
        had = get_fallbacks(model_id) if model_id else get_fallbacks()
        clear_fallbacks(model_id)
    if not had:
        click.echo(
            f"No fallbacks set for {model_id}" if model_id else "No fallbacks set",
            err=True,
        )
    elif model_id:
        click.echo(f"Cleared the fallbacks of {model_id}", err=True)
    else:
        click.echo("Cleared every model's fallbacks", err=True)
