"""``llm models reliability``: retries and timeout stored per model, for any model."""

from __future__ import annotations

import click

from ..errors import handle_errors
from ..groups import DefaultGroup
from ..options import SECONDS


@click.group(cls=DefaultGroup, default="list", name="reliability")
def reliability() -> None:
    """Manage the retries and timeout used for each model

    Stored in reliability.json in the user directory and applied to every
    model, plugin models included. --retries/--timeout on a command and the
    LLM_RETRIES/LLM_TIMEOUT variables override them.
    """


def _describe(settings: dict) -> str:
    parts = []
    if "retries" in settings:
        parts.append(f"retries {settings['retries']}")
    if "timeout" in settings:
        parts.append(f"timeout {settings['timeout']:g} s")
    return ", ".join(parts)


@reliability.command(name="set")
@click.argument("model")
@click.option("--retries", type=click.IntRange(min=0), help="Retries after a failure")
@click.option(
    "--timeout",
    type=SECONDS,
    help="Seconds to wait for the model",
)
def reliability_set(model: str, retries: int | None, timeout: float | None) -> None:
    """Set the retries and/or timeout for a model

    Example usage:

    \b
        llm models reliability set claude-3.5-sonnet --retries 6 --timeout 120
    """
    import llm
    from llm.model_reliability import set_model_reliability

    if retries is None and timeout is None:
        raise click.UsageError("Give --retries, --timeout or both")
    with handle_errors():
        model_id = llm.get_model(model).model_id
        stored = set_model_reliability(model_id, retries=retries, timeout=timeout)
    click.echo(f"{model_id}: {_describe(stored)}", err=True)


@reliability.command(name="list")
def reliability_list() -> None:
    """List the retries and timeout set for each model

    Example usage:

    \b
        llm models reliability list
    """
    from llm.model_reliability import get_model_reliability

    with handle_errors():
        data = get_model_reliability()
    if not data:
        click.echo("No retries or timeouts have been set", err=True)
        return
    for model_id in sorted(data):
        click.echo(f"{model_id}: {_describe(data[model_id])}")


@reliability.command(name="clear")
@click.argument("model", required=False)
def reliability_clear(model: str | None) -> None:
    """Clear the retries and timeout of one model, or of every model

    Example usage:

    \b
        llm models reliability clear claude-3.5-sonnet
        llm models reliability clear
    """
    from llm.model_reliability import clear_model_reliability
    from llm.registry import resolve_model_id

    with handle_errors():
        model_id = resolve_model_id(model) if model else None
        had = clear_model_reliability(model_id)
    if not had:
        click.echo(
            f"Nothing set for {model_id}" if model_id else "Nothing set", err=True
        )
    elif model_id:
        click.echo(f"Cleared the retries and timeout of {model_id}", err=True)
    else:
        click.echo("Cleared every model's retries and timeout", err=True)
