"""Turning a ``--schema`` / ``--schema-multi`` value into a JSON schema dict.

llm.logs.schemas does the resolving (JSON, concise DSL, a file, a stored schema
ID); ``t:template`` names a saved template's schema, looked up here through
llm-templates. The logs database is only opened for stored IDs.
"""

from __future__ import annotations

from typing import Any


def resolve_schema_option(value: str | None, multi: bool, logs: Any) -> dict | None:
    """The schema a ``--schema`` (or ``--schema-multi`` when ``multi``) value names.

    A value that is no schema (bad JSON or DSL, an unknown stored ID) is a
    usage error, exit status 2, as in the original LLM.
    """
    if value is None:
        return None
    import click

    from llm.errors import SchemaError
    from llm.logs.schemas import is_stored_schema_reference

    db = logs.get() if is_stored_schema_reference(value) else None
    try:
        return schema_from_option(db, value, multi=multi)
    except SchemaError as ex:
        raise click.BadParameter(
            str(ex),
            ctx=click.get_current_context(silent=True),
            param_hint="'--schema-multi'" if multi else "'--schema'",
        ) from ex


def schema_from_option(db: Any, reference: str, *, multi: bool = False) -> dict:
    """``llm.logs.schemas.schema_from_reference`` with ``t:NAME`` resolved."""
    from llm.logs.schemas import schema_from_reference

    return schema_from_reference(db, reference, multi=multi, templates=template_schema)


def template_schema(name: str) -> dict[str, Any]:
    """The schema of the saved (or loader-provided) template ``name``."""
    from llm.errors import SchemaError
    from llm.templates import load_template

    schema = load_template(name).schema_object
    if not schema:
        raise SchemaError(f"Template '{name}' has no schema")
    return schema


def resolve_schema_options(
    schema: str | None, schema_multi: str | None, logs: Any
) -> dict | None:
    """The schema from ``--schema``, else from ``--schema-multi``, else None."""
    if schema is not None:
        return resolve_schema_option(schema, False, logs)
    if schema_multi is not None:
        return resolve_schema_option(schema_multi, True, logs)
    return None
