"""``llm prices``: what each model charges per million tokens, when that was checked, and by whom."""

from __future__ import annotations

import json
from typing import Any

import click

from ..errors import handle_errors
from ..groups import DefaultGroup


@click.group(cls=DefaultGroup, default="list", default_if_no_args=True)
def prices() -> None:
    """Prices models charge, used to show what prompts cost

    Prices are US dollars per million tokens. They come from plugins
    (llm-openai ships the OpenAI ones) and from prices.yaml in the user
    directory, which wins:

    \b
        gpt-4o:
          input: 2.5
          cached_input: 1.25
          output: 10
          date: 2026-12-02
    """


def describe_price(price: Any) -> str:
    """``$2.50 input, $1.25 cached input, $10.00 output per 1M tokens (2026-12-02, llm-openai)``."""
    from llm.pricing import format_rate

    bits = [f"{format_rate(price.input)} input"]
    if price.cached_input is not None:
        bits.append(f"{format_rate(price.cached_input)} cached input")
    bits.append(f"{format_rate(price.output)} output")
    if price.reasoning is not None:
        bits.append(f"{format_rate(price.reasoning)} reasoning")
    origin = ", ".join(filter(None, [price.date, price.source]))
    return f"{', '.join(bits)} per 1M tokens ({origin})"


def price_rows(selected: dict[str, Any]) -> list[dict[str, str]]:
    from llm.pricing import format_rate

    return [
        {
            "Model": model_id,
            "Input": format_rate(price.input),
            "Cached input": format_rate(price.cached_input),
            "Output": format_rate(price.output),
            "Reasoning": format_rate(price.reasoning),
            "Checked": price.date,
            "Source": price.source or "",
        }
        for model_id, price in selected.items()
    ]


@prices.command(name="list")
@click.option(
    "model_ids", "-m", "--model", multiple=True, help="Only these model IDs or aliases"
)
@click.option("json_", "--json", is_flag=True, help="Output JSON")
def list_(model_ids: tuple[str, ...], json_: bool) -> None:
    """List known prices (US dollars per million tokens)

    A "-" means the model has no separate price for that kind of token:
    cached input costs what input does, reasoning what output does.
    """
    import llm
    from llm.prices import prices_path
    from llm.registry import resolve_model_id
    from llm.utils import dicts_to_table_string

    with handle_errors():
        known = llm.get_prices()
        if model_ids:
            wanted = [resolve_model_id(name) for name in model_ids]
            missing = [n for n, m in zip(model_ids, wanted) if m not in known]
            if missing:
                raise click.ClickException(
                    f"No price known for {', '.join(missing)} - add one to "
                    f"{prices_path()}"
                )
            known = {model_id: known[model_id] for model_id in wanted}
        if json_:
            data = {model_id: price.to_dict() for model_id, price in known.items()}
            click.echo(json.dumps(data, indent=2))
            return
        if not known:
            click.echo("No prices known", err=True)
            return
        headings = [
            "Model",
            "Input",
            "Cached input",
            "Output",
            "Reasoning",
            "Checked",
            "Source",
        ]
        for line in dicts_to_table_string(headings, price_rows(known)):
            click.echo(line)


@prices.command()
def path() -> None:
    """Output the path to prices.yaml, where your own prices go"""
    from llm.prices import prices_path

    with handle_errors():
        click.echo(prices_path())
