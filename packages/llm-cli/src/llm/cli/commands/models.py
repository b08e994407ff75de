"""``llm models``: list models, show or set the default, manage default options."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import click

from ..errors import handle_errors
from ..groups import DefaultGroup

_JSON_TYPES = {"number": "float", "integer": "int", "string": "str", "object": "dict"}


@click.group(cls=DefaultGroup, default="list")
def models() -> None:
    """Manage available models"""


def option_rows(model: Any) -> list[tuple[str, str, str]]:
    """(name, types, description) for each of a model's options, from its JSON schema."""
    options_class = getattr(model, "Options", None)
    if options_class is None:
        return []
    properties = options_class.model_json_schema().get("properties", {})
    rows = []
    for name, field in properties.items():
        variants = field.get("anyOf") or [field]
        types = []
        for variant in variants:
            kind = variant.get("type", "str")
            if kind == "null":
                continue
            label = _JSON_TYPES.get(kind, kind)
            if label not in types:
                types.append(label)
        rows.append((name, ", ".join(types) or "str", field.get("description", "")))
    return rows


def _features(model: Any, entry: Any | None) -> list[str]:
    features = []
    if model.can_stream:
        features.append("streaming")
    if getattr(model, "supports_schema", False):
        features.append("schemas")
    if getattr(model, "supports_tools", False):
        features.append("tools")
    if entry is None:
        entry = entry_for(model)
    if entry is not None and entry.async_model is not None:
        features.append("async")
    return features


def model_title(model: Any, aliases: list[str]) -> str:
    """``ClassName: model_id (aliases: a, b)``, as the original lists models."""
    title = str(model)
    if aliases:
        title += " (aliases: {})".format(", ".join(aliases))
    return title


def describe_model(
    model: Any,
    *,
    entry: Any | None = None,
    aliases: list[str] | None = None,
    show_options: bool = False,
    show_all_descriptions: bool = False,
    described: set[type] | None = None,
    show_price: bool = False,
) -> str:
    """The text for one model; with ``show_options`` its options, attachment
    types, features and key; with ``show_price`` what it charges. Option
    descriptions are shown once per model class (tracked in ``described``)
    unless ``show_all_descriptions``."""
    lines = [model_title(model, aliases if aliases is not None else [])]
    if show_price:
        lines.append("  Price: " + _price_text(model))
    if not show_options:
        return "\n".join(lines)
    rows = option_rows(model)
    first_of_class = described is None or type(model) not in described
    if rows:
        lines.append("  Options:")
        for name, types, description in rows:
            lines.append(f"    {name}: {types}")
            if description and (show_all_descriptions or first_of_class):
                lines.extend("      " + line for line in textwrap.wrap(description, 70))
    if described is not None:
        described.add(type(model))
    if model.attachment_types:
        lines.append("  Attachment types:")
        lines.extend(
            textwrap.wrap(
                ", ".join(sorted(model.attachment_types)),
                70,
                initial_indent="    ",
                subsequent_indent="    ",
            )
        )
    features = _features(model, entry)
    if features:
        lines.append("  Features:")
        lines.extend(f"  - {feature}" for feature in features)
    if getattr(model, "needs_key", None):
        lines.append("  Keys:")
        lines.append(f"    key: {model.needs_key}")
        if getattr(model, "key_env_var", None):
            lines.append(f"    env_var: {model.key_env_var}")
    return "\n".join(lines)


def _price_text(model: Any) -> str:
    import llm

    from .prices import describe_price

    price = llm.get_price(model.model_id, model=model)
    return describe_price(price) if price is not None else "unknown"


def model_record(
    model: Any, entry: Any, show_options: bool, show_price: bool = False
) -> dict[str, Any]:
    """A JSON-friendly description of one model for ``llm models --json``."""
    # The original's keys first, in its order, so scripts read the same fields.
    record: dict[str, Any] = {
        "model_id": model.model_id,
        "aliases": list(entry.aliases),
        "can_stream": bool(model.can_stream),
        "supports_schema": bool(getattr(model, "supports_schema", False)),
        "supports_tools": bool(getattr(model, "supports_tools", False)),
        "supports_conversation": True,
        "supports_async": entry.async_model is not None,
        "attachment_types": sorted(model.attachment_types or []),
        "server_side_tools": [
            {"name": tool.__name__, "plugin": _tool_plugin(tool)}
            for tool in model.supported_server_side_tools
        ],
        "name": str(model),
        "needs_key": getattr(model, "needs_key", None),
        "key_env_var": getattr(model, "key_env_var", None),
    }
    if show_options:
        # Each option's JSON schema by name.
        options_class = getattr(model, "Options", None)
        schema = options_class.model_json_schema() if options_class else {}
        record["options"] = schema.get("properties", {})
    if show_price:
        import llm

        price = llm.get_price(model.model_id, model=model)
        record["price"] = price.to_dict() if price is not None else None
    return record


def _tool_plugin(tool: type) -> str | None:
    """The plugin whose module defines a server-side tool class (None for built-ins)."""
    from llm.plugins import pm

    for plugin in pm.get_plugins():
        if getattr(plugin, "__name__", None) == tool.__module__:
            return pm.get_name(plugin)
    return None


def entry_for(model: Any) -> Any | None:
    """The registry entry (sync and async models, aliases) of ``model``, if registered."""
    import llm

    for entry in llm.get_models_with_aliases():
        if entry.model_id == model.model_id:
            return entry
    return None


def _selected_entries(
    queries: tuple[str, ...],
    model_ids: tuple[str, ...],
    async_: bool,
    schemas: bool,
    tools: bool,
) -> list[Any]:
    import llm

    from ..model_selection import matches_all

    entries = llm.get_models_with_aliases()
    if model_ids:
        by_name: dict[str, Any] = {}
        for entry in entries:
            for name in [entry.model_id, *entry.aliases]:
                by_name.setdefault(name, entry)
        missing = [m for m in model_ids if m not in by_name]
        if missing:
            raise llm.UnknownModelError(f"Unknown model: {', '.join(missing)}")
        entries = []
        for model_id in model_ids:
            if by_name[model_id] not in entries:
                entries.append(by_name[model_id])
    selected = []
    for entry in entries:
        model = entry.async_model if async_ else entry.model
        if model is None:
            continue
        if queries and not matches_all(entry, queries):
            continue
        if schemas and not getattr(model, "supports_schema", False):
            continue
        if tools and not getattr(model, "supports_tools", False):
            continue
        selected.append(entry)
    return selected


@models.command(name="list")
@click.option(
    "show_options",
    "--options",
    is_flag=True,
    help="Include each model's options, attachment types and features",
)
@click.option("async_", "--async", is_flag=True, help="List the async models")
@click.option("--schemas", is_flag=True, help="Only models that support schemas")
@click.option("--tools", is_flag=True, help="Only models that support tools")
@click.option(
    "show_prices",
    "--prices",
    is_flag=True,
    help="Include each model's price per million tokens, its date and source",
)
@click.option("json_", "--json", is_flag=True, help="Output JSON")
@click.option(
    "queries", "-q", "--query", multiple=True, help="Only models matching all of these"
)
@click.option(
    "model_ids", "-m", "--model", multiple=True, help="Only these model IDs or aliases"
)
def list_(
    show_options: bool,
    async_: bool,
    schemas: bool,
    tools: bool,
    show_prices: bool,
    json_: bool,
    queries: tuple[str, ...],
    model_ids: tuple[str, ...],
) -> None:
    """List available models"""
    with handle_errors():
        entries = _selected_entries(queries, model_ids, async_, schemas, tools)
        if json_:
            records = [
                model_record(
                    entry.async_model if async_ else entry.model,
                    entry,
                    show_options,
                    show_prices,
                )
                for entry in entries
            ]
            click.echo(json.dumps(records, indent=2))
            return
        described: set[type] = set()
        for entry in entries:
            model = entry.async_model if async_ else entry.model
            click.echo(
                describe_model(
                    model,
                    entry=entry,
                    aliases=list(entry.aliases),
                    show_options=show_options,
                    described=described,
                    show_price=show_prices,
                )
            )
        if not (queries or model_ids or schemas or tools):
            from ..model_selection import default_model_id

            click.echo(f"Default: {default_model_id()}")


@models.command()
@click.argument("model", required=False)
def default(model: str | None) -> None:
    """Show or set the default model"""
    import llm

    with handle_errors():
        if model is None:
            click.echo(llm.get_default_model())
            return
        found = llm.get_model(model)
        llm.set_default_model(found.model_id)


@models.group(cls=DefaultGroup, default="list")
def options() -> None:
    """Manage default options for models"""


@options.command(name="list")
def options_list() -> None:
    """List default options set for every model

    Example usage:

    \b
        llm models options list
    """
    from ..model_options import load_all

    with handle_errors():
        data = load_all()
    if not data:
        click.echo("No default options set for any models.", err=True)
        return
    for model_id, values in data.items():  # in the file's order
        click.echo(f"{model_id}:")
        for key, value in values.items():
            click.echo(f"  {key}: {value}")


def _model_id(name: str) -> str:
    """The model ID for an ID or alias; unknown names are kept so stale entries can go."""
    from llm.registry import resolve_model_id

    return resolve_model_id(name)


@options.command(name="show")
@click.argument("model")
def options_show(model: str) -> None:
    """Show the default options set for one model

    Example usage:

    \b
        llm models options show gpt-4o
    """
    from ..model_options import defaults_for

    with handle_errors():
        import llm

        found = llm.get_model(model)
        values = defaults_for(found.model_id)
    if not values:
        click.echo(f"No default options set for model {found.model_id!r}.", err=True)
        return
    for key, value in values.items():
        click.echo(f"{key}: {value}")


@options.command(name="set")
@click.argument("model")
@click.argument("key")
@click.argument("value")
def options_set(model: str, key: str, value: str) -> None:
    """Set a default option for a model

    Example usage:

    \b
        llm models options set gpt-4o temperature 0.5
    """
    import llm

    from ..model_options import set_default

    with handle_errors():
        found = llm.get_model(model)
        set_default(found, key, value)
    click.echo(f"Set default option {key}={value} for model {found.model_id}", err=True)


@options.command(name="clear")
@click.argument("model")
@click.argument("key", required=False)
def options_clear(model: str, key: str | None) -> None:
    """Clear one default option, or all of them, for a model

    Example usage:

    \b
        llm models options clear gpt-4o
        # Just one option:
        llm models options clear gpt-4o temperature
    """
    from ..model_options import clear_defaults

    with handle_errors():
        model_id = _model_id(model)
        cleared = clear_defaults(model_id, key)
    if cleared:
        # Worded as the original words it, on stdout.
        what = (
            f"option '{cleared[0]}'"
            if len(cleared) == 1
            else f"{', '.join(cleared)} options"
        )
        click.echo(f"Cleared {what} for model {model_id}")
    else:
        what = f"option {key}" if key else "default options"
        click.echo(f"No {what} set for {model_id}", err=True)


from .fallbacks import fallbacks  # noqa: E402

models.add_command(fallbacks)

from .reliability import reliability  # noqa: E402

models.add_command(reliability)
